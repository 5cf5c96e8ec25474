"""The outbox: jobs recorded in the writer's transaction, dispatched after commit, never lost.

    outbox_enqueue(consignments_received_task, revision_ids)   # inside the service's transaction

A job names a Celery task (declared with `@outbox_task`) and its arguments. After commit the jobs
go to the process's sender thread, which sends whatever has gathered in chunks, one message per
chunk of the same task: a batch of a thousand jobs costs a handful of messages, and so do the
single pushes one web process commits within 50 ms. The request that
recorded them never waits for the broker. A job stays pending until a worker has run it: the
sweeper sends again any pending job whose `available_at` has passed, which covers a broker that
was down at commit and a message lost with the broker. Each job is marked done in the same
transaction as the task's effect, which makes a second delivery of the same message a no-op.
"""

import atexit
import itertools
import os
import threading
import time
from datetime import timedelta

import structlog
from celery import current_app, shared_task
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from hub.core.bulk import bulk_create_returning_ids
from hub.core.models import OutboxJob

logger = structlog.get_logger(__name__)


def outbox_task(*args, **kwargs):
    """Declare a task that is run through the outbox. It stays an ordinary Celery task too."""
    return shared_task(*args, **kwargs)


def _resend_at():
    return timezone.now() + timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)


def outbox_enqueue(task, *args) -> None:
    """Record a job in the current transaction; it is sent to the workers once that commits."""
    outbox_enqueue_many(task, [args])


def outbox_enqueue_many(task, args_list) -> None:
    """Record one job per argument tuple in one INSERT; they are sent together after commit."""
    resend_at = _resend_at()
    jobs = [
        OutboxJob(task=task.name, args=list(args), available_at=resend_at) for args in args_list
    ]
    bulk_create_returning_ids(OutboxJob, jobs)
    transaction.on_commit(lambda: _committed(jobs))


def _committed(jobs) -> None:
    if current_app.conf.task_always_eager:
        outbox_dispatch(jobs)  # in-process mode: the jobs run right here, after the commit
    else:
        _sender.put(jobs)


class _Sender:
    """One thread per process that sends committed jobs to the broker in bulk.

    Sending a message costs far more than recording a job, and a web process commits many small
    submissions a second; each wake-up sends everything committed since the last one, in chunks
    of OUTBOX_DISPATCH_CHUNK. Jobs waiting here are already durable: if the process dies first,
    the sweeper sends them once they are due."""

    GATHER_SECONDS = 0.05  # how long a wake-up waits for more jobs to join its messages

    def __init__(self):
        self._pid = None
        self._starting = threading.Lock()

    def put(self, jobs) -> None:
        if self._pid != os.getpid():  # first use in this process (web and worker processes fork)
            with self._starting:  # a threaded server's requests may get here together
                if self._pid != os.getpid():
                    self._waiting: list = []
                    self._arrived = threading.Condition()
                    self._sending = threading.Lock()
                    threading.Thread(target=self._run, name="outbox-sender", daemon=True).start()
                    self._pid = os.getpid()
        with self._arrived:
            self._waiting.extend(jobs)
            self._arrived.notify()

    def _run(self) -> None:
        while True:
            with self._arrived:
                self._arrived.wait_for(lambda: self._waiting)
            time.sleep(self.GATHER_SECONDS)
            self.flush()
            connections.close_all()  # only this thread's: a broker outage made it write

    def flush(self) -> None:
        """Send every job waiting; on return, every job put before the call has been sent."""
        if self._pid != os.getpid():
            return  # nothing was put in this process
        with self._sending:
            with self._arrived:
                jobs, self._waiting = self._waiting, []
            if jobs:
                outbox_dispatch(jobs)


_sender = _Sender()
# Jobs committed by a short-lived process (a management command) go out before it exits.
atexit.register(_sender.flush)


def outbox_flush() -> None:
    """Send now every job this process has committed and not yet sent."""
    _sender.flush()


def outbox_dispatch(jobs) -> int:
    """Send jobs to the broker. A broker outage is logged and makes the jobs due for the next
    sweep; it never fails the request that recorded them. Returns how many were sent."""
    from hub.core.tasks import outbox_run_task

    jobs = sorted(jobs, key=lambda job: (job.task, job.pk))
    size = settings.OUTBOX_DISPATCH_CHUNK
    chunks = []
    for _, same_task in itertools.groupby(jobs, key=lambda job: job.task):
        ids = [job.pk for job in same_task]
        chunks.extend(ids[start : start + size] for start in range(0, len(ids), size))
    sent: set[int] = set()
    try:
        if current_app.conf.task_always_eager:
            for job_ids in chunks:  # in-process mode: run right here, after the commit
                outbox_run_task.apply(args=[job_ids])
                sent.update(job_ids)
        else:
            with current_app.producer_or_acquire() as producer:
                for job_ids in chunks:
                    outbox_run_task.apply_async(args=[job_ids], producer=producer, retry=False)
                    sent.update(job_ids)
    except Exception as exc:  # the broker being down must not lose or fail anything
        logger.warning("outbox_dispatch_failed", error=str(exc), sent=len(sent), jobs=len(jobs))
        OutboxJob.objects.filter(
            pk__in=[job.pk for job in jobs if job.pk not in sent], status=OutboxJob.Status.PENDING
        ).update(available_at=timezone.now())
    return len(sent)


def outbox_jobs_run(*, job_ids: list[int]) -> None:
    """Run delivered jobs; a failure is recorded on its job and does not stop the others."""
    for job_id in job_ids:
        try:
            outbox_job_run(job_id=job_id)
        except Exception as exc:
            outbox_job_record_failure(job_id=job_id, error=exc)


def outbox_job_run(*, job_id: int) -> None:
    """Run one job at most once: its row is locked and marked done with the task's effect.

    A job that is done, or locked by the worker running it, is skipped: that is what makes a
    redelivered message harmless."""
    with transaction.atomic():
        job = (
            OutboxJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=OutboxJob.Status.PENDING)
            .first()
        )
        if job is None:
            logger.info("outbox_job_skipped", job_id=job_id, reason="done or running elsewhere")
            return
        current_app.tasks[job.task].run(*job.args)
        job.status = OutboxJob.Status.DONE
        job.attempts += 1
        job.finished_at = timezone.now()
        job.last_error = ""
        job.save(update_fields=["status", "attempts", "finished_at", "last_error", "updated_at"])


def outbox_job_record_failure(*, job_id: int, error: Exception) -> None:
    """Leave a failed job pending with an exponential backoff, or failed after the last attempt."""
    job = OutboxJob.objects.filter(pk=job_id, status=OutboxJob.Status.PENDING).first()
    if job is None:
        return
    attempts = job.attempts + 1
    exhausted = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    delay = timedelta(seconds=min(3600, 10 * 2 ** (attempts - 1)))
    OutboxJob.objects.filter(pk=job_id, status=OutboxJob.Status.PENDING).update(
        attempts=F("attempts") + 1,
        status=OutboxJob.Status.FAILED if exhausted else OutboxJob.Status.PENDING,
        available_at=timezone.now() + delay,
        finished_at=timezone.now() if exhausted else None,
        last_error=f"{type(error).__name__}: {error}"[:4000],
    )
    logger.error(
        "outbox_job_failed",
        job_id=job_id,
        task=job.task,
        attempts=attempts,
        exhausted=exhausted,
        error=str(error),
    )


def outbox_sweep(*, limit: int = 1000) -> int:
    """Send again every pending job that is due: not sent because the broker was down, retried
    after a failure, or waiting longer than OUTBOX_REQUEUE_AFTER_SECONDS (its message may have
    been lost). A job sent twice runs once."""
    due = list(
        OutboxJob.objects.filter(
            status=OutboxJob.Status.PENDING, available_at__lte=timezone.now()
        ).order_by("available_at")[:limit]
    )
    if not due:
        return 0
    OutboxJob.objects.filter(
        pk__in=[job.pk for job in due], status=OutboxJob.Status.PENDING
    ).update(available_at=_resend_at())
    sent = outbox_dispatch(due)
    logger.info("outbox_swept", due=len(due), sent=sent)
    return sent
