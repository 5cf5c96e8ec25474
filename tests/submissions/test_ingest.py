import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from hub.agreements.services import agreement_suspend, agreement_terminate
from hub.core.models import AuditEvent
from hub.submissions.models import Consignment, ConsignmentLine, ConsignmentRevision
from hub.submissions.services import IngestRefused, canonical_json, consignment_ingest
from tests.factories import active_agreement, consignment_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(
        enterprise, enterprise_admin, scope=["supply_chain_parties", "invoice_values"]
    )


def ingest(enterprise, *documents, channel="api", actor=None, received_at=None):
    return consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=list(documents),
        channel=channel,
        actor=actor or _System(),
        received_at=received_at,
    )


class _System:
    def get_username(self):
        return "test-system"

    is_authenticated = False
    pk = None


def test_a_valid_document_is_stored_as_rows_with_its_provenance(enterprise, agreement):
    # Received a day before the document's arrival, whatever today's date.
    received_at = datetime.fromisoformat(consignment_document("PO-1")["estimated_arrival"])
    [result] = ingest(
        enterprise,
        consignment_document("PO-1", lines=3),
        received_at=received_at - timedelta(days=1),
    )

    assert result.status == "accepted"
    revision = ConsignmentRevision.objects.get()
    assert revision.agreement == agreement
    assert revision.channel == "api"
    assert len(revision.payload_sha256) == 64
    assert revision.hours_before_arrival > 0
    assert [line.line_value for line in revision.lines.order_by("line_number")] == [
        "1001.50",
        "1002.50",
        "1003.50",
    ]
    assert revision.lines.first().quantity == Decimal("120.000")
    assert json.loads(revision.document)["reference"] == "PO-1"
    assert AuditEvent.objects.filter(action="submissions.consignment.received").count() == 1


def test_confidential_values_are_encrypted_at_rest(enterprise, agreement):
    document = consignment_document(
        "PO-ENC", seller={"name": "Rhein GmbH", "country": "DE", "tax_id": "DE136695976"}
    )
    ingest(enterprise, document)

    with connection.cursor() as cursor:
        cursor.execute("SELECT line_value FROM submissions_consignmentline")
        stored_values = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT tax_id FROM submissions_consignmentparty")
        stored_tax_id = cursor.fetchone()[0]
        cursor.execute("SELECT document FROM submissions_consignmentrevision")
        stored_document = cursor.fetchone()[0]
    assert all(value.startswith("enc1:") for value in stored_values)
    assert "1001.50" not in " ".join(stored_values)
    assert stored_tax_id.startswith("enc1:")
    assert "DE136695976" not in stored_tax_id
    assert "DE136695976" not in stored_document
    assert ConsignmentLine.objects.first().line_value == "1001.50"  # readable through the model


def test_every_error_is_reported_with_its_path_and_nothing_is_stored(enterprise, agreement):
    document = consignment_document("PO-BAD")
    document["lines"][1]["quantity"] = "12,5"
    document["lines"][2]["origin_country"] = "Germany"
    del document["currency"]

    [result] = ingest(enterprise, document)

    assert result.status == "refused"
    assert {error["path"] for error in result.errors} == {
        "/currency",
        "/lines/1/quantity",
        "/lines/2/origin_country",
    }
    assert not Consignment.objects.exists()


def test_fields_outside_the_agreement_scope_are_refused(enterprise, agreement):
    document = consignment_document("PO-SCOPE", containers=["MSCU1234565"])

    [result] = ingest(enterprise, document)

    assert result.errors[0]["path"] == "/containers"
    assert result.errors[0]["code"] == "outside_scope"


def test_codes_and_units_are_normalized_before_validation(enterprise, agreement):
    document = consignment_document("PO-NORM", currency="eur ", port_of_loading="deham")
    document["lines"][0]["unit"] = "kg"
    document["lines"][0]["origin_country"] = "de"

    [result] = ingest(enterprise, document)

    assert result.status == "accepted"
    revision = result.revision
    assert (revision.currency, revision.port_of_loading) == ("EUR", "DEHAM")
    assert revision.lines.get(line_number=1).unit == "KGM"


def test_an_amendment_is_a_new_revision_and_earlier_ones_stay_readable(enterprise, agreement):
    ingest(enterprise, consignment_document("PO-AMEND", lines=2))
    [result] = ingest(enterprise, consignment_document("PO-AMEND", lines=3))

    consignment = Consignment.objects.get(reference="PO-AMEND")
    assert result.status == "accepted"
    assert consignment.revision_count == 2
    assert consignment.current_revision.lines.count() == 3
    assert consignment.revisions.get(number=1).lines.count() == 2
    assert AuditEvent.objects.filter(action="submissions.consignment.amended").count() == 1


def test_the_same_document_sent_again_changes_nothing(enterprise, agreement):
    ingest(enterprise, consignment_document("PO-SAME"))
    [result] = ingest(enterprise, consignment_document("PO-SAME"))

    assert result.status == "unchanged"
    assert ConsignmentRevision.objects.count() == 1


def test_in_a_batch_the_valid_documents_are_stored_and_the_invalid_ones_reported(
    enterprise, agreement
):
    bad = consignment_document("PO-B2")
    bad["lines"][0]["line_number"] = 2  # two lines numbered 2
    results = ingest(
        enterprise,
        consignment_document("PO-B1"),
        bad,
        consignment_document("PO-B3"),
        consignment_document("PO-B1"),
    )

    assert [r.status for r in results] == ["accepted", "refused", "accepted", "refused"]
    assert results[1].errors[0]["code"] == "duplicate"
    assert results[3].errors[0]["path"] == "/reference"
    assert set(Consignment.objects.values_list("reference", flat=True)) == {"PO-B1", "PO-B3"}


def test_nothing_is_accepted_without_an_agreement_in_force(enterprise, enterprise_admin, agreement):
    agreement_terminate(
        agreement=agreement, party="enterprise", reason="stop", actor=enterprise_admin
    )

    with pytest.raises(IngestRefused) as refused:
        ingest(enterprise, consignment_document())

    assert refused.value.code == "no_active_agreement"


def test_nothing_is_accepted_while_the_agreement_is_suspended(
    enterprise, enterprise_admin, agreement
):
    agreement_suspend(
        agreement=agreement, party="customs", reason="data quality review", actor=enterprise_admin
    )

    with pytest.raises(IngestRefused) as refused:
        ingest(enterprise, consignment_document())

    assert "data quality review" in refused.value.message


def test_a_channel_outside_the_agreement_is_refused(enterprise, enterprise_admin):
    active_agreement(enterprise, enterprise_admin, channels=["excel"])

    with pytest.raises(IngestRefused) as refused:
        ingest(enterprise, consignment_document(), channel="api")

    assert refused.value.code == "channel_not_agreed"


def test_registered_follow_ups_run_once_for_each_submission_with_its_new_revisions(
    enterprise, agreement, django_capture_on_commit_callbacks
):
    from hub.submissions.follow_ups import consignments_received

    seen = []

    def remember(*, revision_ids):
        seen.append(sorted(revision_ids))

    consignments_received.register(remember)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ingest(enterprise, consignment_document("F-1"), consignment_document("F-2"))
    finally:
        consignments_received.unregister(remember)

    assert seen == [sorted(ConsignmentRevision.objects.values_list("pk", flat=True))]


def test_a_batch_of_several_chunks_gets_a_result_per_document_and_stores_every_valid_one(
    enterprise, agreement, monkeypatch, django_capture_on_commit_callbacks
):
    from hub.submissions import services

    monkeypatch.setattr(services, "INGEST_CHUNK", 2)
    ingest(enterprise, consignment_document("C-SAME"))
    bad = consignment_document("C-BAD")
    del bad["currency"]
    documents = [
        consignment_document("C-1", lines=2),
        consignment_document("C-2", lines=3),
        bad,  # second chunk
        consignment_document("C-SAME"),
        consignment_document("C-1"),  # third chunk: a reference already in this batch
        consignment_document("C-5", lines=4),
    ]

    with django_capture_on_commit_callbacks() as callbacks:
        results = ingest(enterprise, *documents)

    assert [r.status for r in results] == [
        "accepted",
        "accepted",
        "refused",
        "unchanged",
        "refused",
        "accepted",
    ]
    assert results[3].revision.number == 1
    lines_by_reference = {
        reference: ConsignmentLine.objects.filter(
            revision__consignment__reference=reference
        ).count()
        for reference in ("C-1", "C-2", "C-5")
    }
    assert lines_by_reference == {"C-1": 2, "C-2": 3, "C-5": 4}
    assert [
        Consignment.objects.get(reference=reference).current_revision_id
        for reference in ("C-1", "C-2", "C-5")
    ] == [results[0].revision.pk, results[1].revision.pk, results[5].revision.pk]
    received = AuditEvent.objects.filter(action="submissions.consignment.received")
    assert received.count() == 4  # C-SAME first, then C-1, C-2 and C-5
    assert len(callbacks) == 1  # the follow-up jobs of all chunks go out together


def test_a_failure_writing_a_later_chunk_stores_nothing_of_the_batch(
    enterprise, agreement, monkeypatch
):
    from hub.submissions import services

    monkeypatch.setattr(services, "INGEST_CHUNK", 2)
    real_bulk_insert = services.bulk_insert
    calls = []

    def failing_on_the_second_chunk(*args, **kwargs):
        calls.append(args[0])
        if len(calls) > 2:  # the first chunk's lines and parties went in
            raise RuntimeError("disk full")
        return real_bulk_insert(*args, **kwargs)

    monkeypatch.setattr(services, "bulk_insert", failing_on_the_second_chunk)

    with pytest.raises(RuntimeError, match="disk full"):
        ingest(enterprise, *(consignment_document(f"F-{n}") for n in range(5)))

    assert not Consignment.objects.exists()
    assert not ConsignmentLine.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="submissions.").exists()


TEXT = st.characters(exclude_categories=())  # control characters and lone surrogates too
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(TEXT),
    lambda children: st.lists(children) | st.dictionaries(st.text(TEXT), children),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_the_payload_hash_is_taken_of_the_text_the_standard_library_writes(document):
    # Hashes stored before must still match the same document sent again.
    assert canonical_json(document) == json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
