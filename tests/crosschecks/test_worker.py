import pytest

from hub.core.models import OutboxJob
from hub.crosschecks.models import CrossCheck, Finding, Match
from tests.conftest import wait_for
from tests.crosschecks.factories import (
    changed,
    consignment,
    declaration,
    declare,
    importer,
    share,
)


def every_job_ran():
    """No job waits for its first run (the database is emptied after the test, and a job still
    running then would hold it)."""
    return not OutboxJob.objects.filter(status=OutboxJob.Status.PENDING, attempts=0).exists()


@pytest.mark.worker
def test_a_worker_process_matches_and_cross_checks_what_arrives(jobs_on_worker):
    enterprise, admin = importer()
    declare(declaration("D1", "PO-1", changed(index=3, quantity=250)))
    wait_for(lambda: CrossCheck.objects.filter(outcome=CrossCheck.Outcome.NO_SHARED_DATA).exists())

    share(enterprise, admin, consignment("PO-1"))

    wait_for(lambda: Finding.objects.exists())
    assert list(Finding.objects.values_list("item_number", "type")) == [(4, Finding.Type.QUANTITY)]
    assert Match.objects.get().consignment.reference == "PO-1"
    assert CrossCheck.objects.get().outcome == CrossCheck.Outcome.FINDINGS
    wait_for(every_job_ran)
