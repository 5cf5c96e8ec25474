from dataclasses import replace
from decimal import Decimal

import pytest

from hub.core.models import AuditEvent, OutboxJob
from hub.crosschecks.follow_ups import crosschecks_done
from hub.crosschecks.models import CrossCheck, Finding, Match, MatchMethod
from hub.crosschecks.services import crosschecks_run
from hub.declarations.models import Declaration
from hub.submissions.models import Consignment
from tests.crosschecks.factories import (
    GOODS,
    changed,
    consignment,
    declaration,
    declare,
    importer,
    pay,
    rates,
    share,
)

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def findings_of(number):
    """(item number, type) of the declaration's findings, those of the whole declaration first."""
    return sorted(
        Finding.objects.filter(declaration__number=number).values_list("item_number", "type"),
        key=lambda finding: (finding[0] is not None, finding[0] or 0, finding[1]),
    )


def outcome_of(number):
    return CrossCheck.objects.get(declaration__number=number).outcome


def test_a_declaration_matching_its_consignment_exactly_is_consistent(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
    with jobs():
        declare(declaration("D1", "PO-1"))

    match = Match.objects.get()
    assert match.declaration.number == "D1"
    assert match.consignment.reference == "PO-1"
    assert match.method == MatchMethod.TRANSPORT_DOCUMENT
    assert match.confidence == Decimal("1.000")
    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT
    assert findings_of("D1") == []


INJECTED = {
    # name: (declared goods, shared goods, header overrides, expected finding)
    "undervaluation": (
        changed(index=1, value=Decimal("36400.00")),
        GOODS,
        {},
        (2, Finding.Type.VALUE),
    ),
    "wrong origin": (changed(index=2, origin="CN"), GOODS, {}, (3, Finding.Type.ORIGIN)),
    "understated quantity": (
        changed(index=3, quantity=Decimal(250)),
        GOODS,
        {},
        (4, Finding.Type.QUANTITY),
    ),
    "different HS heading": (
        changed(index=4, hs_code="9025192000"),
        GOODS,
        {},
        (5, Finding.Type.HS_HEADING),
    ),
    "unregistered consignor": (
        GOODS,
        GOODS,
        {"consignor": {"name": "Fernost Handelskontor GmbH", "country": "DE"}},
        (None, Finding.Type.UNREGISTERED_CONSIGNOR),
    ),
}


@pytest.mark.parametrize("injected", INJECTED)
def test_an_injected_difference_is_the_one_finding(trader, jobs, injected):
    enterprise, admin = trader
    declared, shared, header, expected = INJECTED[injected]
    with jobs():
        share(enterprise, admin, consignment("PO-1", shared))
    with jobs():
        declare(declaration("D1", "PO-1", declared, **header))

    assert outcome_of("D1") == CrossCheck.Outcome.FINDINGS
    assert findings_of("D1") == [expected]


def consignor_finding(number):
    finding = Finding.objects.get(
        declaration__number=number, type=Finding.Type.UNREGISTERED_CONSIGNOR
    )
    return finding.severity, finding.explanation


def test_a_consignor_neither_registered_nor_in_the_shared_data_is_a_medium_finding(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(
            declaration(
                "D1", "PO-1", consignor={"name": "Pacific Rim Sourcing Ltd", "country": "HK"}
            )
        )

    severity, explanation = consignor_finding("D1")
    assert severity == Finding.Severity.MEDIUM
    assert "nor the seller or shipper of its shared data" in explanation


def test_an_unregistered_consignor_the_shared_data_names_as_seller_is_a_low_finding(jobs):
    enterprise, admin = importer()
    seller = {"name": "Bodensee Messgeräte AG", "country": "DE"}
    with jobs():
        share(enterprise, admin, consignment("PO-1", seller=seller))
        declare(declaration("D1", "PO-1", consignor={**seller, "name": "BODENSEE MESSGERAETE AG"}))

    severity, explanation = consignor_finding("D1")
    assert severity == Finding.Severity.LOW
    assert "is the seller or shipper of the shared data" in explanation
    assert findings_of("D1") == [(None, Finding.Type.UNREGISTERED_CONSIGNOR)]


def test_a_finding_quoting_long_company_names_is_stored_cut_to_its_columns(jobs):
    enterprise, admin = importer()
    seller = {"name": "Rhein Präzisionstechnik " + "Werke " * 35 + "GmbH", "country": "DE"}
    consignor = {"name": "Pacific Rim Sourcing " + "Holdings " * 30 + "Ltd", "country": "HK"}
    with jobs():
        share(enterprise, admin, consignment("PO-1", seller=seller))
        declare(declaration("D1", "PO-1", consignor=consignor))

    finding = Finding.objects.get(
        declaration__number="D1", type=Finding.Type.UNREGISTERED_CONSIGNOR
    )
    assert finding.declared.startswith("Pacific Rim Sourcing Holdings")
    assert finding.shared.startswith("Rhein Präzisionstechnik Werke")
    assert len(finding.declared) == len(finding.shared) == 200
    assert finding.declared.endswith("…")
    assert finding.shared.endswith("…")


def test_sharing_after_the_estimated_arrival_is_late(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"), received_at="2026-12-05T20:00:00+08:00")
    with jobs():
        declare(declaration("D1", "PO-1", declared_at="2026-12-06T09:00:00+08:00"))

    finding = Finding.objects.get()
    assert finding.type == Finding.Type.LATE_SHARING
    assert finding.severity == Finding.Severity.MEDIUM
    assert "after its estimated arrival" in finding.explanation


def test_sharing_after_the_declaration_was_lodged_is_late(trader, jobs):
    enterprise, admin = trader
    with jobs():
        declare(declaration("D1", "PO-1", declared_at="2026-11-19T09:00:00+08:00"))
    with jobs():
        share(enterprise, admin, consignment("PO-1"))

    finding = Finding.objects.get()
    assert finding.type == Finding.Type.LATE_SHARING
    assert finding.severity == Finding.Severity.LOW
    assert "after the declaration was lodged" in finding.explanation


def test_a_finding_says_what_was_declared_what_was_shared_and_the_tolerance(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
    with jobs():
        declare(declaration("D1", "PO-1", changed(index=1, value=Decimal("36400.00"))))

    finding = Finding.objects.get()
    assert finding.declared == "36,400.00 EUR"
    assert finding.shared == "52,000.00 EUR"
    assert finding.tolerance == "3 %"
    assert finding.severity == Finding.Severity.HIGH  # 30 % below: beyond 3 tolerances
    assert finding.explanation.startswith(
        "Item 2 is declared at 36,400.00 EUR, 30.0 % below the 52,000.00 EUR"
    )


@pytest.mark.parametrize("declaration_first", [True, False])
def test_either_side_may_arrive_first(trader, jobs, declaration_first):
    enterprise, admin = trader
    steps = [
        lambda: declare(declaration("D1", "PO-1", changed(index=2, origin="CN"))),
        lambda: share(enterprise, admin, consignment("PO-1")),
    ]
    for step in steps if declaration_first else reversed(steps):
        with jobs():
            step()

    assert Match.objects.get().method == MatchMethod.TRANSPORT_DOCUMENT
    assert findings_of("D1") == [(3, Finding.Type.ORIGIN)]


def test_a_declaration_whose_consignment_was_not_shared_has_no_shared_data(trader, jobs):
    with jobs():
        declare(declaration("D1", "PO-1"))
    assert outcome_of("D1") == CrossCheck.Outcome.NO_SHARED_DATA
    assert findings_of("D1") == []


def test_a_declaration_of_a_consignee_the_hub_does_not_know_has_no_shared_data(trader, jobs):
    with jobs():
        declare(declaration("D1", "PO-1", consignee={"name": "Other", "code": "3122449999"}))

    assert Declaration.objects.get().consignee is None
    assert outcome_of("D1") == CrossCheck.Outcome.NO_SHARED_DATA


def test_a_declaration_covering_two_consignments_is_compared_with_their_lines_together(
    trader, jobs
):
    enterprise, admin = trader
    first, second = GOODS[:4], GOODS[4:]
    with jobs():
        share(
            enterprise,
            admin,
            consignment("PO-1", first, transport_document_number="COSUBL-1"),
            consignment("PO-2", second, transport_document_number="COSUBL-1"),
        )
    with jobs():
        declare(declaration("D1", "PO-1", transport_document_number="COSUBL-1"))

    assert sorted(Match.objects.values_list("consignment__reference", flat=True)) == [
        "PO-1",
        "PO-2",
    ]
    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT


def test_a_consignment_split_over_two_declarations_is_compared_with_both(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
    with jobs():
        declare(declaration("D1", "PO-1", GOODS[:6]))
    # Until its other half is declared, the first declaration leaves goods undeclared.
    assert {kind for _item, kind in findings_of("D1")} == {Finding.Type.UNDECLARED_GOODS}

    with jobs():
        declare(declaration("D2", "PO-1", GOODS[6:]))

    assert Match.objects.filter(consignment__reference="PO-1").count() == 2
    assert (outcome_of("D1"), outcome_of("D2")) == (CrossCheck.Outcome.CONSISTENT,) * 2


def test_an_understated_quantity_in_one_of_two_declarations_of_a_consignment_is_its_own(
    trader, jobs
):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
    with jobs():
        declare(
            declaration("D1", "PO-1", GOODS[:6]),
            declaration("D2", "PO-1", changed(GOODS[6:], index=1, quantity=Decimal(1000))),
        )

    assert findings_of("D1") == []
    assert findings_of("D2") == [(2, Finding.Type.QUANTITY)]


def test_an_amended_consignment_is_matched_again_at_its_new_revision(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1"))
    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT

    with jobs():
        share(
            enterprise,
            admin,
            consignment("PO-1", changed(index=0, value=Decimal("24000.00"))),
            received_at="2026-11-25T10:00:00+08:00",
        )

    match = Match.objects.get()
    assert match.revision == Consignment.objects.get().current_revision
    assert match.revision.number == 2
    assert findings_of("D1") == [(1, Finding.Type.VALUE)]


def test_an_amended_declaration_is_checked_again(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", changed(index=0, value=Decimal("9000.00"))))
    assert findings_of("D1") == [(1, Finding.Type.VALUE)]

    with jobs():
        declare(declaration("D1", "PO-1"))

    crosscheck = CrossCheck.objects.get()
    assert crosscheck.declaration_revision == 2
    assert crosscheck.outcome == CrossCheck.Outcome.CONSISTENT
    assert findings_of("D1") == []


def test_a_match_no_longer_found_after_an_amendment_is_removed(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1"))
    assert Match.objects.count() == 1

    with jobs():
        declare(declaration("D1", "PO-9", declared_at="2027-03-01T09:00:00+08:00"))

    assert Match.objects.count() == 0
    assert outcome_of("D1") == CrossCheck.Outcome.NO_SHARED_DATA


def test_running_a_cross_check_again_changes_nothing(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", changed(index=2, origin="CN")))
    before = (
        list(Match.objects.values_list("pk", "matched_at")),
        list(Finding.objects.values_list("pk", "type")),
        AuditEvent.objects.filter(action="crosschecks.crosscheck.recorded").count(),
    )

    crosschecks_run(declaration_ids=[Declaration.objects.get().pk])

    after = (
        list(Match.objects.values_list("pk", "matched_at")),
        list(Finding.objects.values_list("pk", "type")),
        AuditEvent.objects.filter(action="crosschecks.crosscheck.recorded").count(),
    )
    assert after == before


def test_an_officers_decision_to_share_a_finding_survives_a_new_run(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", changed(index=2, origin="CN")))
    Finding.objects.update(shared_with_enterprise=True)

    with jobs():
        declare(
            declaration(
                "D1", "PO-1", changed(changed(index=2, origin="CN"), index=5, hs_code="9025190000")
            )
        )

    assert sorted(Finding.objects.values_list("type", "shared_with_enterprise")) == [
        (Finding.Type.HS_HEADING, False),
        (Finding.Type.ORIGIN, True),
    ]


def test_the_match_falls_back_to_the_invoice_number(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", transport_document_number="MAEU000111"))

    match = Match.objects.get()
    assert (match.method, match.confidence) == (MatchMethod.INVOICE, Decimal("0.900"))
    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT


def test_the_match_falls_back_to_the_containers(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1", containers=["CSQU3054383", "MSCU1234566"]))
        declare(
            declaration(
                "D1",
                "PO-1",
                transport_document_number="MAEU000111",
                invoice_number="X-1",
                containers=["CSQU3054383"],
            )
        )

    match = Match.objects.get()
    assert (match.method, match.confidence) == (MatchMethod.CONTAINERS, Decimal("0.800"))


def test_without_identifiers_a_consignment_alike_in_seller_value_and_time_is_matched(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(
            enterprise,
            admin,
            consignment("PO-1"),
            consignment("PO-2", GOODS[:3], estimated_arrival="2026-12-06T08:00:00+08:00"),
            consignment("PO-3", estimated_arrival="2027-01-20T08:00:00+08:00"),
        )
        declare(
            declaration(
                "D1",
                "PO-1",
                transport_document_number="MAEU000111",
                invoice_number="X-1",
                consignor={"name": "RHEIN PRAZISIONSTECHNIK", "country": "DE"},
            )
        )

    match = Match.objects.get()
    assert match.consignment.reference == "PO-1"
    assert match.method == MatchMethod.WINDOW
    assert Decimal("0.5") < match.confidence <= Decimal("0.6")


@pytest.mark.parametrize(
    ("dollar_rate", "outcome"),
    [("7.00", CrossCheck.Outcome.CONSISTENT), ("7.70", CrossCheck.Outcome.FINDINGS)],
)
def test_values_in_another_currency_are_converted_with_the_rate_of_the_declaration_day(
    trader, jobs, dollar_rate, outcome
):
    enterprise, admin = trader
    in_dollars = [replace(kind, value=kind.value * Decimal("1.1")) for kind in GOODS]
    rates(
        ("EUR", "2026-12-03", "7.70"),
        ("USD", "2026-12-03", dollar_rate),
        ("USD", "2026-12-05", "9.99"),  # after the declaration day: not used
    )
    with jobs():
        share(enterprise, admin, consignment("PO-1", in_dollars, currency="USD"))
        declare(declaration("D1", "PO-1"))

    assert outcome_of("D1") == outcome


def test_without_a_rate_the_values_are_not_compared_and_the_cross_check_says_so(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1", currency="USD"))
        declare(declaration("D1", "PO-1"))

    crosscheck = CrossCheck.objects.get()
    assert crosscheck.outcome == CrossCheck.Outcome.CONSISTENT
    assert crosscheck.notes == [
        "Values in USD were not compared: there is no exchange rate for USD on 2026-12-04 or "
        "in the 7 days before."
    ]


@pytest.mark.parametrize(
    ("stated_freight", "outcome"),
    [("12000.00", CrossCheck.Outcome.CONSISTENT), ("0.00", CrossCheck.Outcome.FINDINGS)],
)
def test_an_fob_declaration_is_compared_with_a_cif_invoice_through_its_freight_and_insurance(
    trader, jobs, stated_freight, outcome
):
    enterprise, admin = trader
    freight, insurance = Decimal("12000.00"), Decimal("1270.00")
    total = sum(kind.value for kind in GOODS)
    cif = [
        replace(kind, value=(kind.value * (1 + (freight + insurance) / total)).quantize(CENT))
        for kind in GOODS
    ]
    with jobs():
        share(enterprise, admin, consignment("PO-1", cif, incoterms="CIF"))
        declare(declaration("D1", "PO-1", freight=stated_freight, insurance=str(insurance)))

    assert outcome_of("D1") == outcome


def test_without_stated_freight_a_margin_covers_the_difference_of_trade_terms(trader, jobs):
    enterprise, admin = trader
    cif = [replace(kind, value=kind.value * Decimal("1.08")) for kind in GOODS]
    with jobs():
        share(enterprise, admin, consignment("PO-1", cif, incoterms="CIF"))
        declare(declaration("D1", "PO-1"))

    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT


def test_quantities_in_other_units_are_converted(trader, jobs):
    enterprise, admin = trader
    in_grams = changed(index=7, unit="GRM", quantity=Decimal(850000))
    with jobs():
        share(enterprise, admin, consignment("PO-1", in_grams))
        declare(declaration("D1", "PO-1"))

    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT


def test_goods_declared_by_weight_and_shared_by_the_piece_compare_their_net_weight(trader, jobs):
    enterprise, admin = trader
    by_weight = changed(index=0, unit="KGM", quantity=Decimal(360))
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", by_weight))
    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT

    with jobs():
        declare(declaration("D1", "PO-1", changed(by_weight, index=0, quantity=Decimal(200))))
    assert findings_of("D1") == [(1, Finding.Type.QUANTITY)]


def test_bank_payments_above_the_declared_value_are_a_finding_when_they_arrive(trader, jobs):
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1"))
    assert outcome_of("D1") == CrossCheck.Outcome.CONSISTENT

    with jobs():
        pay(
            reference="BOC-1",
            payer={"name": "Importer", "code": "3122440123"},
            payee={"name": "Rhein Präzisionstechnik GmbH", "country": "DE"},
            amount="150000.00",
            currency="EUR",
            paid_on="2026-11-28",
            invoice_reference="INV-PO-1",
        )

    finding = Finding.objects.get()
    assert finding.type == Finding.Type.PAYMENT
    assert finding.shared == "150,000.00 EUR"
    assert finding.declared == "127,400.00 EUR"


def test_the_crosschecks_done_follow_up_gets_the_changed_declarations_after_commit(trader, jobs):
    seen = []

    def record(*, declaration_ids):
        seen.append(declaration_ids)

    crosschecks_done.register(record)
    try:
        enterprise, admin = trader
        with jobs():
            share(enterprise, admin, consignment("PO-1"))
            declare(declaration("D1", "PO-1"), declaration("D2", "PO-2"))
        crosschecks_run(declaration_ids=list(Declaration.objects.values_list("pk", flat=True)))
    finally:
        crosschecks_done.unregister(record)

    assert seen == [sorted(Declaration.objects.values_list("pk", flat=True))]
    assert OutboxJob.objects.filter(task="crosschecks.done", status="done").count() == 1


def test_jobs_take_the_declarations_in_chunks(trader, jobs, settings):
    settings.CROSSCHECK_CHUNK_SIZE = 2
    with jobs():
        declare(*(declaration(f"D{n}", f"PO-{n}") for n in range(5)))

    jobs_run = OutboxJob.objects.filter(task="crosschecks.declarations_check")
    assert sorted(len(job.args[0]) for job in jobs_run) == [1, 2, 2]
    assert CrossCheck.objects.count() == 5


def test_several_differences_of_one_declaration_are_each_a_finding(trader, jobs):
    enterprise, admin = trader
    declared = changed(
        changed(GOODS[:9], index=3, quantity=Decimal(250)), index=4, hs_code="9025192000"
    )
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(
            declaration(
                "D1",
                "PO-1",
                declared,
                consignor={"name": "Pacific Rim Sourcing Ltd", "country": "DE"},
            )
        )

    assert findings_of("D1") == [
        (None, Finding.Type.UNDECLARED_GOODS),
        (None, Finding.Type.UNREGISTERED_CONSIGNOR),
        (4, Finding.Type.QUANTITY),
        (5, Finding.Type.HS_HEADING),
    ]


def test_shared_lines_without_hs_codes_are_compared_with_the_items_of_their_origin_on_totals(
    trader, jobs
):
    enterprise, admin = trader
    unclassified = consignment("PO-NOHS")
    for line in unclassified["lines"]:
        del line["hs_code"]
    with jobs():
        share(enterprise, admin, unclassified)
    with jobs():
        declare(declaration("D-NOHS", "PO-NOHS"))

    assert findings_of("D-NOHS") == []
    assert outcome_of("D-NOHS") == CrossCheck.Outcome.CONSISTENT


def test_unclassified_lines_still_show_an_undervaluation_of_their_origin(trader, jobs):
    enterprise, admin = trader
    unclassified = consignment("PO-NOHS2")
    for line in unclassified["lines"]:
        del line["hs_code"]
    with jobs():
        share(enterprise, admin, unclassified)
    with jobs():
        declare(declaration("D-NOHS2", "PO-NOHS2", changed(index=1, value=Decimal("36400.00"))))

    assert "value" in {finding_type for _number, finding_type in findings_of("D-NOHS2")}
