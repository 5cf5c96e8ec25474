"""The outbox: jobs recorded in the writer's transaction, dispatched after commit, never lost.

    outbox_enqueue(consignment_match_task, consignment.pk)   # inside the service's transaction

A job names a Celery task (declared with `@outbox_task`) and its arguments. After commit the jobs
are sent in chunks, one message per chunk of the same task, so that a batch of a thousand jobs
costs a handful of messages. Each job is marked done in the same transaction as the task's effect,
which makes a second delivery of the same message a no-op.
"""

import itertools
from datetime import timedelta

import structlog
from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hub.core.models import OutboxJob

logger = structlog.get_logger(__name__)


def outbox_task(*args, **kwargs):
    """Declare a task that is run through the outbox. It stays an ordinary Celery task too."""
    return shared_task(*args, **kwargs)


def outbox_enqueue(task, *args, dedupe_key: str = "") -> None:
    """Record a job in the current transaction; it is sent to the workers once that commits.

    With a dedupe key, a job already open (pending or queued) with the same key absorbs this
    one: use it for jobs that process "everything outstanding", such as sealing the audit chain.
    """
    outbox_enqueue_many(task, [args], dedupe_key=dedupe_key)


def outbox_enqueue_many(task, args_list, *, dedupe_key: str = "") -> None:
    """Record one job per argument tuple in one INSERT; they are sent together after commit."""
    if dedupe_key and len(args_list) != 1:
        raise ValueError("a dedupe key names a single job")
    rows = [OutboxJob(task=task.name, args=list(args), dedupe_key=dedupe_key) for args in args_list]
    if dedupe_key:
        OutboxJob.objects.bulk_create(rows, ignore_conflicts=True)
        transaction.on_commit(
            lambda: outbox_dispatch(
                OutboxJob.objects.filter(dedupe_key=dedupe_key, status=OutboxJob.Status.PENDING)
            )
        )
    else:
        ids = [row.pk for row in OutboxJob.objects.bulk_create(rows)]
        transaction.on_commit(lambda: outbox_dispatch(OutboxJob.objects.filter(pk__in=ids)))


def outbox_dispatch(jobs) -> int:
    """Send jobs to the broker. A broker outage is logged and leaves them pending for the sweeper;
    it never fails the request that recorded them. Returns how many were sent."""
    from hub.core.tasks import outbox_run_task

    jobs = sorted(jobs, key=lambda job: (job.task, job.pk))
    if not jobs:
        return 0
    # Marked queued before sending, so that a worker finishing or failing a job first always
    # has the last word on its status.
    OutboxJob.objects.filter(
        pk__in=[job.pk for job in jobs], status=OutboxJob.Status.PENDING
    ).update(status=OutboxJob.Status.QUEUED, queued_at=timezone.now())
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
            pk__in=[job.pk for job in jobs if job.pk not in sent], status=OutboxJob.Status.QUEUED
        ).update(status=OutboxJob.Status.PENDING, queued_at=None)
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
            .filter(pk=job_id, status__in=[OutboxJob.Status.PENDING, OutboxJob.Status.QUEUED])
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
    job = OutboxJob.objects.filter(pk=job_id).exclude(status=OutboxJob.Status.DONE).first()
    if job is None:
        return
    attempts = job.attempts + 1
    exhausted = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    delay = timedelta(seconds=min(3600, 10 * 2 ** (attempts - 1)))
    OutboxJob.objects.filter(pk=job_id).exclude(status=OutboxJob.Status.DONE).update(
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
    """Send again what is due: pending jobs whose time has come, and queued jobs that have waited
    longer than OUTBOX_REQUEUE_AFTER_SECONDS (their message may have been lost with the broker)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    due = OutboxJob.objects.filter(
        Q(status=OutboxJob.Status.PENDING, available_at__lte=now)
        | Q(status=OutboxJob.Status.QUEUED, queued_at__lt=stale)
    ).order_by("available_at")[:limit]
    due = list(due)
    # Stale queued rows go back to pending so that dispatch stamps a fresh queued time.
    OutboxJob.objects.filter(pk__in=[job.pk for job in due], status=OutboxJob.Status.QUEUED).update(
        status=OutboxJob.Status.PENDING
    )
    sent = outbox_dispatch(due)
    if due:
        logger.info("outbox_swept", due=len(due), sent=sent)
    return sent
