"""Recording and sending follow-up jobs: in bulk through the outbox, beside one at a time.

DATABASE_URL=postgres://... REDIS_URL=redis://... make bench
"""

import pytest
from django.db import connection, transaction

from hub.celery import app as celery_app
from hub.core.models import OutboxJob
from hub.core.outbox import outbox_enqueue_many
from hub.core.tasks import outbox_run_task
from tests.bench.conftest import measure
from tests.core.outbox_tasks import record_effect

JOBS = 1000


@pytest.fixture
def jobs_to_redis(settings, transactional_db):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)


def naive_one_job_at_a_time():
    for n in range(JOBS):
        with transaction.atomic():
            job = OutboxJob.objects.create(task=record_effect.name, args=[n])
        outbox_run_task.apply_async(args=[[job.pk]])


def outbox_in_bulk():
    with transaction.atomic():
        outbox_enqueue_many(record_effect, [(n,) for n in range(JOBS)])


def test_bench_recording_and_sending_1000_jobs(jobs_to_redis):
    naive = measure(naive_one_job_at_a_time)
    bulk = measure(outbox_in_bulk)
    rows = [("one INSERT and one message each", naive), ("outbox in bulk", bulk)]
    print(f"\n[{connection.vendor} + redis] {JOBS:,} follow-up jobs recorded and sent:")
    for label, seconds in rows:
        print(f"  {label:<34} {seconds * 1000:8.1f} ms  {JOBS / seconds:9,.0f} jobs/s")
