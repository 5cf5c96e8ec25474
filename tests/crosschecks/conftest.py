import pytest

from hub.core.models import OutboxJob
from tests.crosschecks.factories import importer


@pytest.fixture
def trader(db):
    """(enterprise, admin): the importer sharing its consignments."""
    return importer()


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Runs the jobs recorded inside the block when it ends, as after a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def no_job_failed(db):
    """A cross-check job that raised is only recorded on its row: the test fails on it."""
    yield
    failed = list(
        OutboxJob.objects.filter(task__startswith="crosschecks.")
        .exclude(last_error="")
        .values_list("task", "last_error")
    )
    assert failed == []
