from datetime import date, datetime
from decimal import Decimal

import pytest

from hub.core.models import AuditEvent, OutboxJob
from hub.declarations.models import (
    BankPayment,
    Declaration,
    DeclarationItem,
    DeclarationStatusChange,
    ExchangeRate,
    InspectionOutcome,
)
from hub.declarations.selectors import exchange_rate_on
from hub.declarations.services import (
    bank_payment_receive,
    declaration_receive,
    declaration_status_record,
    exchange_rate_record,
    inspection_record,
)
from tests.declarations.conftest import USCC
from tests.factories import declaration_document

pytestmark = pytest.mark.django_db

NUMBER = "220120261000000001"


def receive(*documents, actor=None):
    return declaration_receive(documents=list(documents), actor=actor)


def record(*changes):
    return declaration_status_record(changes=list(changes), actor=None)


def change(status, occurred_at, number=NUMBER, **details):
    return {"number": number, "status": status, "occurred_at": occurred_at, **details}


def assessed(occurred_at, amount="1520.40", **details):
    return change(
        "duty_assessed",
        occurred_at,
        duty_amount=amount,
        duty_currency="CNY",
        duty_due_date="2026-12-20",
        **details,
    )


def test_a_declaration_is_stored_with_its_items_and_linked_to_the_consignee(importer):
    [result] = receive(declaration_document(NUMBER, items=3))

    assert (result.status, result.revision, result.errors) == ("created", 1, [])
    declaration = Declaration.objects.get()
    assert declaration.pk == result.declaration_id
    assert declaration.consignee == importer
    assert declaration.status == "lodged"
    assert declaration.status_at == datetime.fromisoformat("2026-12-02T09:30:00+08:00")
    assert declaration.containers == ["CSQU3054383"]
    assert declaration.declarant_code == "3122980017"
    assert [(item.item_number, item.value) for item in declaration.items.all()] == [
        (1, Decimal("1001.50")),
        (2, Decimal("1002.50")),
        (3, Decimal("1003.50")),
    ]
    assert DeclarationItem.objects.first().quantity == Decimal("120")
    event = AuditEvent.objects.get(action="declarations.declaration.received")
    assert (event.object_id, event.enterprise_id) == (str(declaration.pk), importer.pk)
    assert event.data["payload_sha256"] == declaration.payload_sha256


def test_the_consignee_is_found_by_its_uscc_however_it_is_spaced(importer):
    receive(declaration_document(consignee_code="9131 0115-MA1K 3PQ2XL"))

    declaration = Declaration.objects.get()
    assert declaration.consignee == importer
    assert declaration.consignee_code == USCC


def test_a_consignee_the_hub_does_not_know_is_kept_without_an_enterprise(importer):
    [result] = receive(declaration_document(consignee_code="3101990001"))

    assert result.status == "created"
    assert Declaration.objects.get().consignee is None


def test_a_declaration_already_accepted_when_it_arrives_is_accepted(importer):
    receive(declaration_document(accepted_at="2026-12-02T10:00:00+08:00"))

    declaration = Declaration.objects.get()
    assert declaration.status == "accepted"
    assert declaration.accepted_at == datetime.fromisoformat("2026-12-02T10:00:00+08:00")


def test_every_error_is_reported_with_its_path_and_nothing_is_stored(importer):
    document = declaration_document()
    document["items"][1]["hs_code"] = "84821010"
    document["declared_at"] = "2026-12-02 09:30"
    document["containers"] = ["CSQU3054384"]
    del document["consignor"]["country"]

    [result] = receive(document)

    assert result.status == "refused"
    assert {(error["path"], error["code"]) for error in result.errors} == {
        ("/items/1/hs_code", "invalid_code"),
        ("/declared_at", "missing_time_zone"),
        ("/containers/0", "check_digit"),
        ("/consignor/country", "required"),
    }
    assert not Declaration.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="declarations.").exists()


def test_valid_declarations_are_stored_even_when_others_in_the_batch_are_refused(importer):
    refused = declaration_document("220120261000000002", currency="EURO")

    results = receive(
        declaration_document("220120261000000001"),
        refused,
        declaration_document("220120261000000003"),
    )

    assert [result.status for result in results] == ["created", "refused", "created"]
    assert results[1].number == "220120261000000002"
    assert results[1].errors[0]["path"] == "/currency"
    assert "use EUR" in results[1].errors[0]["message"]
    assert Declaration.objects.count() == 2
    assert DeclarationItem.objects.count() == 6


def test_the_same_number_twice_in_one_batch_is_refused_the_second_time(importer):
    results = receive(declaration_document(NUMBER), declaration_document(NUMBER, items=1))

    assert [result.status for result in results] == ["created", "refused"]
    assert results[1].errors[0]["code"] == "duplicate"
    assert Declaration.objects.get().items.count() == 3


def test_item_numbers_must_differ_within_a_declaration(importer):
    document = declaration_document(items=2)
    document["items"][1]["item_number"] = 1

    [result] = receive(document)

    assert result.errors[0]["path"] == "/items/1/item_number"
    assert result.errors[0]["code"] == "duplicate"


def test_an_amendment_replaces_header_and_items_and_raises_the_revision(importer):
    receive(declaration_document(items=3))
    first = Declaration.objects.get()

    [result] = receive(declaration_document(items=2, invoice_number="INV-CORRECTED"))

    assert (result.status, result.revision) == ("amended", 2)
    declaration = Declaration.objects.get()
    assert declaration.pk == first.pk
    assert declaration.revision == 2
    assert declaration.invoice_number == "INV-CORRECTED"
    assert declaration.payload_sha256 != first.payload_sha256
    assert list(declaration.items.values_list("item_number", flat=True)) == [1, 2]
    assert AuditEvent.objects.filter(action="declarations.declaration.amended").count() == 1


def test_an_amendment_can_move_the_declaration_to_another_consignee(importer):
    receive(declaration_document(consignee_code="3101990001"))

    receive(declaration_document(consignee_code=USCC))

    assert Declaration.objects.get().consignee == importer


def test_the_same_declaration_again_is_unchanged_and_writes_nothing(
    importer, follow_ups_seen, jobs
):
    with jobs():
        receive(declaration_document())
    events, job_count = AuditEvent.objects.count(), OutboxJob.objects.count()

    with jobs():
        [result] = receive(declaration_document())

    assert (result.status, result.revision) == ("unchanged", 1)
    assert result.declaration_id == Declaration.objects.get().pk
    assert (AuditEvent.objects.count(), OutboxJob.objects.count()) == (events, job_count)
    assert len(follow_ups_seen["declarations_changed"]) == 1


def test_codes_written_differently_are_the_same_declaration(importer):
    receive(declaration_document(trade_terms="FOB", currency="EUR"))

    [result] = receive(declaration_document(trade_terms=" fob", currency="eur"))

    assert result.status == "unchanged"


def test_one_follow_up_job_runs_for_a_whole_batch_with_every_changed_declaration(
    importer, follow_ups_seen, jobs
):
    receive(declaration_document("220120261000000001"))
    job_count = OutboxJob.objects.count()

    with jobs():
        results = receive(
            declaration_document("220120261000000001", items=1),
            declaration_document("220120261000000002"),
            declaration_document("bad number"),
        )

    assert OutboxJob.objects.count() == job_count + 1
    assert follow_ups_seen["declarations_changed"][-1] == {
        "declaration_ids": [results[0].declaration_id, results[1].declaration_id]
    }


def test_no_follow_up_job_is_recorded_when_no_app_registered_for_it(importer, follow_ups_seen):
    from hub.declarations.follow_ups import declarations_changed

    declarations_changed.functions.clear()

    receive(declaration_document())

    assert not OutboxJob.objects.exists()


# --- Status changes ----------------------------------------------------------------------------


@pytest.fixture
def declared(importer):
    receive(declaration_document(NUMBER))
    return Declaration.objects.get()


def test_status_changes_move_the_declaration_through_clearance(declared, follow_ups_seen, jobs):
    with jobs():
        results = record(
            change("accepted", "2026-12-02T10:00:00+08:00"),
            change("selected_for_inspection", "2026-12-02T10:05:00+08:00"),
            change("inspected", "2026-12-03T15:00:00+08:00"),
            assessed("2026-12-03T16:00:00+08:00"),
            change("duty_paid", "2026-12-04T09:00:00+08:00"),
            change("released", "2026-12-04T11:30:00+08:00", note="Released at Yangshan"),
        )

    assert [result.status for result in results] == ["recorded"] * 6
    declared.refresh_from_db()
    assert declared.status == "released"
    assert declared.status_at == datetime.fromisoformat("2026-12-04T11:30:00+08:00")
    assert declared.accepted_at == datetime.fromisoformat("2026-12-02T10:00:00+08:00")
    assert declared.released_at == declared.status_at
    assert (declared.duty_amount, declared.duty_currency, declared.duty_due_date) == (
        Decimal("1520.40"),
        "CNY",
        date(2026, 12, 20),
    )
    assert DeclarationStatusChange.objects.count() == 6
    assert AuditEvent.objects.filter(action="declarations.status.recorded").count() == 6
    assert follow_ups_seen["statuses_changed"] == [{"declaration_ids": [declared.pk]}]


def test_a_change_sent_twice_is_stored_once(declared):
    record(change("accepted", "2026-12-02T10:00:00+08:00"))

    [result] = record(change("accepted", "2026-12-02T02:00:00Z"))  # the same instant in UTC

    assert result.status == "unchanged"
    assert DeclarationStatusChange.objects.count() == 1


def test_a_change_sent_again_with_other_details_is_refused(declared):
    record(assessed("2026-12-03T16:00:00+08:00", amount="1520.40"))

    [result] = record(assessed("2026-12-03T16:00:00+08:00", amount="1999.00"))

    assert (result.status, result.errors[0]["code"]) == ("refused", "conflict")
    declared.refresh_from_db()
    assert declared.duty_amount == Decimal("1520.40")


def test_a_late_arriving_older_change_does_not_move_the_status_back(declared):
    record(change("released", "2026-12-04T11:30:00+08:00"))

    [result] = record(change("accepted", "2026-12-02T10:00:00+08:00"))

    assert result.status == "recorded"
    declared.refresh_from_db()
    assert declared.status == "released"
    assert declared.status_at == datetime.fromisoformat("2026-12-04T11:30:00+08:00")
    assert declared.accepted_at == datetime.fromisoformat("2026-12-02T10:00:00+08:00")


def test_changes_at_the_same_instant_stand_in_the_order_of_the_process(declared):
    record(
        change("duty_paid", "2026-12-04T09:00:00+08:00"),
        change("released", "2026-12-04T09:00:00+08:00"),
    )

    declared.refresh_from_db()
    assert declared.status == "released"


def test_a_reassessment_replaces_the_duty(declared):
    record(assessed("2026-12-03T16:00:00+08:00", amount="1520.40"))
    record(assessed("2026-12-05T16:00:00+08:00", amount="1610.00"))
    record(assessed("2026-12-01T16:00:00+08:00", amount="10.00"))  # older, arriving last

    declared.refresh_from_db()
    assert declared.duty_amount == Decimal("1610.00")


def test_a_change_of_an_unknown_declaration_is_refused(declared):
    [result] = record(change("accepted", "2026-12-02T10:00:00+08:00", number="220120269999999999"))

    assert (result.status, result.errors[0]["code"]) == ("refused", "unknown_declaration")
    assert result.errors[0]["path"] == "/number"


@pytest.mark.parametrize(
    ("bad_change", "path", "code"),
    [
        (change("lodged", "2026-12-02T10:00:00+08:00"), "/status", "invalid_code"),
        (change("duty_assessed", "2026-12-02T10:00:00+08:00"), "/duty_amount", "required"),
        (
            change("released", "2026-12-02T10:00:00+08:00", duty_amount="1.00"),
            "/duty_amount",
            "unexpected",
        ),
        (change("released", "2026-12-02"), "/occurred_at", "missing_time_zone"),
        (change("released", "yesterday"), "/occurred_at", "invalid_format"),
    ],
)
def test_a_malformed_status_change_is_refused_with_its_path(declared, bad_change, path, code):
    [result] = record(bad_change)

    assert (result.errors[0]["path"], result.errors[0]["code"]) == (path, code)
    assert not DeclarationStatusChange.objects.exists()


def test_an_amendment_keeps_the_status_the_changes_gave(declared):
    record(change("released", "2026-12-04T11:30:00+08:00"))

    receive(declaration_document(NUMBER, items=1))

    declared.refresh_from_db()
    assert (declared.revision, declared.status) == (2, "released")


# --- Bank payments -----------------------------------------------------------------------------


def payment(reference="BOC-2026-000123", **overrides):
    return {
        "reference": reference,
        "payer": {"name": "Demo Precision Instruments", "code": USCC},
        "payee": {"name": "Rhein Präzisionstechnik GmbH", "country": "DE"},
        "amount": "3006.50",
        "currency": "EUR",
        "paid_on": "2026-11-20",
        "invoice_reference": "INV-PO-2026-0001",
        **overrides,
    }


def test_a_bank_payment_is_stored_and_linked_to_the_payer(importer, follow_ups_seen, jobs):
    with jobs():
        [result] = bank_payment_receive(records=[payment()], actor=None)

    assert result.status == "recorded"
    stored = BankPayment.objects.get()
    assert stored.payer == importer
    assert stored.amount == Decimal("3006.50")
    assert stored.paid_on == date(2026, 11, 20)
    assert follow_ups_seen["payments_received"] == [{"payment_ids": [stored.pk]}]
    assert AuditEvent.objects.get(action="declarations.bank_payment.received").enterprise_id == (
        importer.pk
    )


def test_a_payment_sent_again_is_unchanged_and_a_different_one_under_its_reference_refused(
    importer,
):
    bank_payment_receive(records=[payment()], actor=None)

    results = bank_payment_receive(
        records=[payment(), payment(amount="3006.5"), payment(amount="9000.00")], actor=None
    )

    assert [result.status for result in results] == ["unchanged", "unchanged", "refused"]
    assert results[2].errors[0]["code"] == "conflict"
    assert BankPayment.objects.get().amount == Decimal("3006.50")


def test_a_payment_without_a_payer_code_is_kept_without_an_enterprise(importer):
    record_ = payment()
    del record_["payer"]["code"]

    bank_payment_receive(records=[record_], actor=None)

    assert BankPayment.objects.get().payer is None


def test_a_payment_of_zero_is_refused(importer):
    [result] = bank_payment_receive(records=[payment(amount="0.00")], actor=None)

    assert (result.errors[0]["path"], result.errors[0]["code"]) == ("/amount", "too_small")


# --- Exchange rates ----------------------------------------------------------------------------


def rate(currency, day, value):
    return {"currency": currency, "day": day, "rate": value}


def test_exchange_rates_are_recorded_and_the_latest_on_or_before_a_day_applies(db):
    results = exchange_rate_record(
        rates=[rate("EUR", "2026-03-02", "7.8512"), rate("eur", "2026-03-04", "7.9012")],
        actor=None,
    )

    assert [result.status for result in results] == ["recorded", "recorded"]
    assert exchange_rate_on("EUR", date(2026, 3, 3)) == Decimal("7.8512")
    assert exchange_rate_on("EUR", date(2026, 3, 4)) == Decimal("7.9012")
    assert exchange_rate_on("EUR", date(2026, 3, 1)) is None
    assert exchange_rate_on("USD", date(2026, 3, 4)) is None
    assert exchange_rate_on("CNY", date(2026, 3, 4)) == 1


def test_a_republished_rate_replaces_the_earlier_one(db):
    exchange_rate_record(rates=[rate("USD", "2026-03-02", "7.1")], actor=None)

    results = exchange_rate_record(
        rates=[rate("USD", "2026-03-02", "7.2"), rate("JPY", "2026-03-02", "0.0478")], actor=None
    )
    again = exchange_rate_record(rates=[rate("USD", "2026-03-02", "7.20")], actor=None)

    assert [result.status for result in results] == ["updated", "recorded"]
    assert again[0].status == "unchanged"
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("7.2")
    assert AuditEvent.objects.filter(action="declarations.exchange_rates.recorded").count() == 2


@pytest.mark.parametrize(
    ("bad_rate", "path", "code"),
    [
        (rate("CNY", "2026-03-02", "1"), "/currency", "invalid_code"),
        (rate("USD", "2026-02-30", "7.1"), "/day", "invalid_date"),
        (rate("USD", "2026-03-02", "0"), "/rate", "too_small"),
        (rate("USD", "2026-03-02", "7.123456789"), "/rate", "invalid_format"),
    ],
)
def test_a_bad_rate_is_refused_with_its_path(db, bad_rate, path, code):
    [result] = exchange_rate_record(rates=[bad_rate], actor=None)

    assert (result.errors[0]["path"], result.errors[0]["code"]) == (path, code)
    assert not ExchangeRate.objects.exists()


def test_two_different_rates_for_one_day_in_a_batch_are_refused(db):
    results = exchange_rate_record(
        rates=[rate("USD", "2026-03-02", "7.1"), rate("USD", "2026-03-02", "7.3")], actor=None
    )

    assert [result.status for result in results] == ["recorded", "refused"]
    assert ExchangeRate.objects.get().rate == Decimal("7.1")


# --- Inspection outcomes -----------------------------------------------------------------------


def test_an_inspection_outcome_is_recorded_with_who_recorded_it(
    declared, risk_officer, follow_ups_seen, jobs
):
    with jobs():
        outcome = inspection_record(
            declaration=declared,
            kind=InspectionOutcome.Kind.PHYSICAL,
            result=InspectionOutcome.Result.DISCREPANCY,
            inspected_at=datetime.fromisoformat("2026-12-03T15:00:00+08:00"),
            note="Quantity short by 12 pieces.",
            actor=risk_officer,
        )

    assert outcome.recorded_by == risk_officer.username
    assert InspectionOutcome.objects.get().result == "discrepancy"
    event = AuditEvent.objects.get(action="declarations.inspection.recorded")
    assert event.actor_user == risk_officer
    assert event.enterprise_id == declared.consignee_id
    assert follow_ups_seen["inspections_recorded"] == [{"declaration_ids": [declared.pk]}]
