from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from hub.core.audit import audit_chain_seal, audit_chain_verify, audit_record
from hub.core.models import AuditEvent
from hub.enterprises.models import Enterprise


def record_events(count):
    enterprise = Enterprise.objects.create(legal_name="Audited Co.", country="CN")
    for n in range(count):
        audit_record(
            action="tests.something_happened",
            obj=enterprise,
            enterprise_id=enterprise.pk,
            data={"n": n, "note": "价格 ≠ price"},
        )
    audit_chain_seal()


def tamper(sql, params):
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks may be pending
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER core_auditevent_append_only")
        cursor.execute(sql, params)


def seq_of(n):
    return AuditEvent.objects.get(data__n=n).seq


@pytest.mark.django_db
def test_sealed_events_form_a_chain_in_which_each_holds_the_hash_of_the_one_before():
    record_events(5)

    events = list(AuditEvent.objects.order_by("seq"))
    assert [event.seq for event in events] == [1, 2, 3, 4, 5]
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    report = audit_chain_verify()
    assert report.intact
    assert (report.checked, report.unsealed) == (5, 0)


@pytest.mark.django_db
def test_events_recorded_after_a_seal_extend_the_same_chain():
    record_events(2)
    record_events(2)

    assert audit_chain_verify().intact
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 0
    assert AuditEvent.objects.count() == 4


@pytest.mark.django_db
def test_audit_verify_reports_the_first_edited_row():
    record_events(4)
    tampered_seq = seq_of(2)
    tamper("UPDATE core_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', tampered_seq])

    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")

    assert f"BROKEN at event #{tampered_seq}" in str(failure.value)
    assert "edited" in str(failure.value)


@pytest.mark.django_db
def test_audit_verify_reports_a_deleted_row():
    record_events(4)
    removed = seq_of(1)
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [removed])

    report = audit_chain_verify()

    assert not report.intact
    assert report.broken_seq == removed
    assert "missing" in report.problem


@pytest.mark.django_db
def test_audit_verify_reports_a_rewritten_hash_that_no_longer_links():
    record_events(3)
    target = AuditEvent.objects.get(seq=seq_of(1))
    tamper("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["f" * 64, target.pk])

    report = audit_chain_verify()

    assert report.broken_seq == target.seq


@pytest.mark.django_db
def test_audit_verify_passes_on_an_intact_chain(capsys):
    record_events(3)

    call_command("audit_verify")

    assert "Audit chain intact: 3 sealed events verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_database_refuses_to_change_a_sealed_event():
    record_events(1)

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="something.else")


@pytest.mark.django_db
def test_the_database_refuses_to_change_the_content_of_an_unsealed_event():
    event = audit_record(action="tests.unsealed", data={"amount": "100.00"})

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(data={"amount": "1.00"})


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_database_refuses_to_delete_an_event():
    record_events(1)

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
