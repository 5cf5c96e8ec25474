from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hub.celery import app as celery_app
from hub.core import outbox
from hub.core.models import AuditEvent, OutboxJob
from hub.core.outbox import outbox_enqueue, outbox_enqueue_many, outbox_flush, outbox_sweep
from hub.core.tasks import outbox_run_task
from tests.conftest import wait_for
from tests.core.outbox_tasks import needs_enterprise, record_effect
from tests.factories import EnterpriseFactory


def effects(label):
    return AuditEvent.objects.filter(action="tests.effect", data__label=label).count()


@pytest.mark.django_db(transaction=True)
def test_a_job_recorded_in_a_rolled_back_transaction_is_never_run():
    @transaction.atomic
    def failing_service():
        outbox_enqueue(record_effect, "rolled back")
        raise RuntimeError("the service failed")

    with pytest.raises(RuntimeError):
        failing_service()

    assert not OutboxJob.objects.exists()
    assert effects("rolled back") == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_job_runs_after_the_commit_and_is_marked_done():
    with transaction.atomic():
        outbox_enqueue(record_effect, "committed")
        assert effects("committed") == 0  # nothing runs inside the writer's transaction

    job = OutboxJob.objects.get(task="tests.record_effect")
    assert job.status == OutboxJob.Status.DONE
    assert job.attempts == 1
    assert effects("committed") == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_delivered_twice_has_the_effect_of_one():
    with transaction.atomic():
        outbox_enqueue(record_effect, "twice")
    job = OutboxJob.objects.get(task="tests.record_effect")

    # The broker redelivers the same message (a worker died before acknowledging, say).
    outbox_run_task.apply(args=[[job.pk]])
    outbox_run_task.apply(args=[[job.pk]])

    assert effects("twice") == 1


@pytest.mark.django_db(transaction=True)
def test_many_jobs_are_recorded_in_one_go_and_all_run():
    with transaction.atomic():
        outbox_enqueue_many(record_effect, [(f"bulk-{n}",) for n in range(25)])

    assert OutboxJob.objects.filter(status=OutboxJob.Status.DONE).count() >= 25
    assert all(effects(f"bulk-{n}") == 1 for n in range(25))


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_waits_with_backoff_and_the_sweeper_runs_it_once_it_can_succeed():
    with transaction.atomic():
        outbox_enqueue(needs_enterprise, "Late Arrival Ltd")

    job = OutboxJob.objects.get(task="tests.needs_enterprise")
    assert job.status == OutboxJob.Status.PENDING
    assert job.attempts == 1
    assert "DoesNotExist" in job.last_error
    assert job.available_at > timezone.now()  # not retried in a tight loop

    assert outbox_sweep() == 0  # not due yet

    EnterpriseFactory(legal_name="Late Arrival Ltd")
    OutboxJob.objects.filter(pk=job.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    assert outbox_sweep() == 1

    job.refresh_from_db()
    assert job.status == OutboxJob.Status.DONE
    assert effects("Late Arrival Ltd") == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_that_keeps_failing_is_parked_as_failed_after_the_last_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with transaction.atomic():
        outbox_enqueue(needs_enterprise, "Never Registered Ltd")
    OutboxJob.objects.update(available_at=timezone.now())
    outbox_sweep()

    job = OutboxJob.objects.get(task="tests.needs_enterprise")
    assert job.status == OutboxJob.Status.FAILED
    assert job.attempts == 2
    assert outbox_sweep() == 0  # a failed job waits for an operator, it is not retried forever


@pytest.mark.django_db(transaction=True)
def test_a_job_still_pending_after_the_requeue_delay_is_sent_again():
    job = OutboxJob.objects.create(
        task="tests.record_effect",
        args=["lost"],
        available_at=timezone.now() - timedelta(seconds=1),  # its first message was lost
    )
    assert outbox_sweep() == 1
    job.refresh_from_db()
    assert job.status == OutboxJob.Status.DONE
    assert effects("lost") == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_just_sent_is_not_sent_again_by_the_next_sweep(settings):
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 600
    celery_app.conf.task_always_eager = False  # sent to a queue nobody reads, and left there
    try:
        with transaction.atomic():
            outbox_enqueue(record_effect, "waiting in the queue")
        outbox_flush()
    finally:
        celery_app.conf.task_always_eager = True

    assert OutboxJob.objects.get().status == OutboxJob.Status.PENDING
    assert outbox_sweep() == 0


# --- On the real parts: a separate worker process over Redis, effects read from PostgreSQL ----


@pytest.mark.worker
def test_a_worker_process_runs_the_job_and_its_effect_is_in_postgresql(jobs_on_worker):
    with transaction.atomic():
        outbox_enqueue(record_effect, "from the worker")

    job = OutboxJob.objects.get(task="tests.record_effect")
    wait_for(lambda: OutboxJob.objects.filter(pk=job.pk, status="done").exists())
    assert effects("from the worker") == 1


@pytest.mark.worker
def test_the_same_message_delivered_twice_to_the_worker_has_the_effect_of_one(jobs_on_worker):
    with transaction.atomic():
        outbox_enqueue(record_effect, "redelivered")
    job = OutboxJob.objects.get(task="tests.record_effect")
    wait_for(lambda: OutboxJob.objects.filter(pk=job.pk, status="done").exists())

    outbox_run_task.apply_async(args=[[job.pk]])
    marker = EnterpriseFactory(legal_name="Marker Ltd")  # a later job proves the queue drained
    with transaction.atomic():
        outbox_enqueue(needs_enterprise, marker.legal_name)
    wait_for(lambda: effects("Marker Ltd") == 1)

    assert effects("redelivered") == 1


@pytest.mark.django_db(transaction=True)
def test_jobs_committed_while_the_sender_is_busy_are_sent_together(monkeypatch):
    sends = []  # the jobs of each send; none reaches a broker, so they all stay pending
    monkeypatch.setattr(outbox, "outbox_dispatch", lambda jobs: sends.append(len(jobs)))
    celery_app.conf.task_always_eager = False
    try:
        with transaction.atomic():
            outbox_enqueue(record_effect, "starts the sender")
        outbox_flush()
        with outbox._sender._sending:  # the sender is busy with an earlier message
            for n in range(20):
                with transaction.atomic():  # twenty single submissions, one after the other
                    outbox_enqueue(record_effect, f"single {n}")
        outbox_flush()
    finally:
        celery_app.conf.task_always_eager = True

    assert sends == [1, 20]  # one send: 20 jobs of one task make one message of up to 50
    assert OutboxJob.objects.filter(status=OutboxJob.Status.PENDING).count() == 21


@pytest.fixture
def broker_unreachable():
    """Point this process's producers at a port where no Redis listens, then back."""
    real_url = celery_app.conf.broker_url

    def use(url):
        celery_app.conf.broker_url = url
        celery_app.conf.broker_write_url = None
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    use("redis://127.0.0.1:1/0")
    yield lambda: use(real_url)
    use(real_url)


@pytest.mark.worker
@pytest.mark.urls("tests.core.job_urls")
def test_with_redis_down_at_commit_the_request_succeeds_and_the_job_runs_once_redis_is_back(
    jobs_on_worker, broker_unreachable, client
):
    response = client.post("/jobs", {"label": "recorded while Redis was down"})
    outbox_flush()  # the sender thread has tried the broker

    assert response.status_code == 201  # the request went through although Redis was down
    job = OutboxJob.objects.get(task="tests.record_effect")
    assert job.status == OutboxJob.Status.PENDING
    assert job.available_at <= timezone.now()  # due at the next sweep

    broker_unreachable()  # Redis is back
    assert outbox_sweep() == 1

    wait_for(lambda: OutboxJob.objects.filter(pk=job.pk, status="done").exists())
    assert effects("recorded while Redis was down") == 1
