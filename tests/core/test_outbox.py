from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hub.celery import app as celery_app
from hub.core.audit import audit_chain_verify
from hub.core.models import AuditEvent, OutboxJob
from hub.core.outbox import outbox_enqueue, outbox_enqueue_many, outbox_sweep
from hub.core.tasks import outbox_run_task
from tests.conftest import wait_for
from tests.core.outbox_tasks import needs_enterprise, record_effect
from tests.factories import PASSWORD, EnterpriseFactory, UserFactory


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
def test_a_queued_job_whose_message_was_lost_is_sent_again(settings):
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 60
    job = OutboxJob.objects.create(
        task="tests.record_effect",
        args=["lost"],
        status=OutboxJob.Status.QUEUED,
        queued_at=timezone.now() - timedelta(minutes=5),
    )
    assert outbox_sweep() == 1
    job.refresh_from_db()
    assert job.status == OutboxJob.Status.DONE
    assert effects("lost") == 1


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
def test_with_redis_down_at_commit_the_request_succeeds_and_the_job_runs_once_redis_is_back(
    jobs_on_worker, broker_unreachable, client
):
    person = UserFactory()

    response = client.post("/login/", {"username": person.username, "password": PASSWORD})

    assert response.status_code == 302  # the login went through although Redis was down
    login = AuditEvent.objects.get(action="core.user.logged_in", actor_user=person)
    assert login.seq is None
    seal = OutboxJob.objects.get(task="core.audit_seal")
    assert seal.status == OutboxJob.Status.PENDING

    broker_unreachable()  # Redis is back
    assert outbox_sweep() == 1

    wait_for(lambda: OutboxJob.objects.filter(pk=seal.pk, status="done").exists())
    login.refresh_from_db()
    assert login.seq is not None
    assert audit_chain_verify().intact
