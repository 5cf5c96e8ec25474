import pytest
from django.utils import timezone

from hub.core.bulk import FEW_VALUES, bulk_create_returning_ids, bulk_insert, instance_first
from hub.core.models import AuditEvent
from hub.submissions.models import IdempotencyRecord
from tests.factories import ApiKeyFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db

AWKWARD = "Tab\there, new\nline, back\\slash, 'single' \"double\", %s %(name)s, 轴承 ✓"
COLUMNS = ["principal", "key", "request_sha256", "status_code", "response", "created_at"]


@pytest.mark.parametrize("rows", [1, FEW_VALUES // len(COLUMNS) + 1])
def test_inserted_rows_keep_every_character_whether_few_or_many(rows):
    now = timezone.now()
    bulk_insert(
        IdempotencyRecord,
        COLUMNS,
        [(AWKWARD, str(n), "0" * 64, 201, {"text": AWKWARD, "n": n}, now) for n in range(rows)],
    )

    stored = IdempotencyRecord.objects.all()
    assert stored.count() == rows
    assert {record.principal for record in stored} == {AWKWARD}
    assert {record.response["text"] for record in stored} == {AWKWARD}


@pytest.mark.parametrize("count", [1, 30])
def test_created_instances_get_the_ids_of_their_own_rows(count):
    events = [AuditEvent(action="tests.bulk", object_id=str(n)) for n in range(count)]

    bulk_create_returning_ids(AuditEvent, events)

    assert all(event.pk for event in events)
    for event in events:
        assert AuditEvent.objects.get(pk=event.pk).object_id == event.object_id


def test_an_instance_read_by_plain_sql_holds_what_the_orm_would_read():
    api_key = ApiKeyFactory(enterprise=EnterpriseFactory())

    found = instance_first(
        type(api_key),
        "WHERE row.prefix = %s",
        [api_key.prefix],
        extra={"answer": "41 + 1"},
    )

    orm = type(api_key).objects.get(pk=api_key.pk)
    assert {
        field.attname: getattr(found, field.attname) for field in orm._meta.concrete_fields
    } == {field.attname: getattr(orm, field.attname) for field in orm._meta.concrete_fields}
    assert found.answer == 42
    assert instance_first(type(api_key), "WHERE row.prefix = %s", ["nothing"]) is None
