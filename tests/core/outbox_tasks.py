"""Jobs used by the outbox tests, loaded by the test process and by the worker process."""

from hub.core.audit import audit_record
from hub.core.outbox import outbox_task
from hub.enterprises.models import Enterprise


@outbox_task(name="tests.record_effect")
def record_effect(label):
    """Deliberately not idempotent: every run appends an event, so duplicates would show."""
    audit_record(action="tests.effect", data={"label": label})


@outbox_task(name="tests.needs_enterprise")
def needs_enterprise(legal_name):
    """Fails until an enterprise of that name exists: a job whose dependency comes later."""
    enterprise = Enterprise.objects.get(legal_name=legal_name)
    audit_record(action="tests.effect", data={"label": enterprise.legal_name})
