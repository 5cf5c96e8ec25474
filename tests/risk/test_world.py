import math
from dataclasses import replace
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fixtures.world.generator import (
    DEFAULT_PROFILES,
    EVALUATION,
    HISTORY,
    ComplianceType,
    Irregularity,
    WorldParameters,
    aggregate,
    declaration_document,
    generate,
)
from fixtures.world.reference import FAMILIES
from hub.declarations.validation import declaration_validate
from hub.partners.identifiers import identifiers_normalize
from hub.submissions.services import consignment_validate

# Short lines keep the worlds of these tests quick to generate; what is checked does not depend
# on how many lines a consignment has.
QUICK = WorldParameters(
    enterprises=40, start=date(2026, 1, 5), lines_per_consignment=(6, 12), history_days=90
)


def world(**changes):
    return generate(replace(QUICK, **changes))


def test_the_same_seed_makes_the_same_world_and_another_seed_another():
    assert world(seed=5).fingerprint() == world(seed=5).fingerprint()
    assert world(seed=5).fingerprint() != world(seed=6).fingerprint()


def test_each_compliance_type_is_irregular_at_the_rate_it_is_configured_with():
    rates = {
        ComplianceType.VOLUNTARY: 0.05,
        ComplianceType.TRYING: 0.2,
        ComplianceType.AVOIDING: 0.45,
        ComplianceType.DELIBERATE: 0.7,
    }
    profiles = {
        compliance: replace(DEFAULT_PROFILES[compliance], irregularity_rate=rate)
        for compliance, rate in rates.items()
    }
    generated = world(seed=3, enterprises=160, profiles=profiles, lines_per_consignment=(3, 5))
    for compliance, rate in rates.items():
        trades = [trade for trade in generated.trades if trade.importer.compliance == compliance]
        observed = sum(trade.truth.irregular for trade in trades) / len(trades)
        # Four standard errors of a binomial share: a wrong rate shows, chance does not.
        margin = 4 * math.sqrt(rate * (1 - rate) / len(trades))
        assert abs(observed - rate) <= margin, (compliance, observed, rate, len(trades))


def test_the_truth_names_exactly_the_items_and_the_kinds_the_declaration_changed():
    generated = world(seed=8)
    irregular = 0
    for trade in generated.trades:
        true_items = aggregate(trade.shipment.lines)
        declared = trade.declaration.items
        unchanged = {
            (item.hs_code, item.origin_country, item.unit, item.quantity, item.value)
            for item in true_items
        }
        changed = tuple(
            item.item_number
            for item in declared
            if (item.hs_code, item.origin_country, item.unit, item.quantity, item.value)
            not in unchanged
        )
        assert changed == trade.truth.items, trade.declaration.number
        kinds = set(trade.truth.irregularities)
        irregular += bool(kinds)
        seller = trade.shipment.supplier.seller
        assert (trade.declaration.consignor != seller) == (
            Irregularity.UNREGISTERED_CONSIGNOR in kinds
        )
        if Irregularity.UNREGISTERED_CONSIGNOR in kinds:
            registered = {r.company for r in trade.importer.registrations}
            assert trade.declaration.consignor not in registered
        assert (sum(i.value for i in declared) < sum(i.value for i in true_items)) == (
            Irregularity.UNDERVALUATION in kinds
        )
        assert ({i.origin_country for i in declared} != {i.origin_country for i in true_items}) == (
            Irregularity.WRONG_ORIGIN in kinds
        )
        assert ({i.hs_code for i in declared} - {i.hs_code for i in true_items} != set()) == (
            Irregularity.MISCLASSIFIED_HS in kinds
        )
        if kinds == {Irregularity.UNDERSTATED_QUANTITY}:
            assert sum(i.quantity for i in declared) < sum(i.quantity for i in true_items)
    assert irregular > 50


def test_a_misclassification_puts_goods_under_another_heading_than_their_own():
    for family in FAMILIES:
        codes = {product.hs_code for product in family.products}
        for product in family.products:
            assert product.misclassified_as[:4] != product.hs_code[:4], product
            assert product.misclassified_as not in codes, product


def test_falsified_shared_data_agrees_with_the_declaration_and_true_shared_data_with_the_goods():
    generated = world(seed=4, enterprises=80)
    seen = set()
    for trade in generated.trades:
        if trade.sharing is None:
            continue
        document = trade.sharing.document
        shared_value = sum(float(line["line_value"]) for line in document["lines"])
        declared_value = float(sum(item.value for item in trade.declaration.items))
        true_value = float(sum(line.value for line in trade.shipment.lines))
        kind = trade.truth.concealment
        seen.add(kind)
        if kind == "falsified":
            assert shared_value == pytest.approx(declared_value, abs=0.01)
            assert document["seller"]["name"] == trade.declaration.consignor.name
        else:
            assert shared_value == pytest.approx(true_value, abs=0.01)
            assert document["seller"]["name"] == trade.shipment.supplier.seller.name
        if kind == "late":
            assert trade.sharing.received_at > trade.declaration.declared_at
    assert {"none", "falsified", "late"} <= seen


def test_only_irregular_declarations_of_the_history_are_found_at_inspection_and_some_are_missed():
    generated = world(seed=9, enterprises=80)
    inspected = [trade for trade in generated.trades if trade.inspection is not None]
    assert {trade.period for trade in inspected} == {HISTORY}
    found = [trade for trade in inspected if trade.inspection.result != "no_discrepancy"]
    assert all(trade.truth.irregular for trade in found)
    missed = [t for t in inspected if t.truth.irregular and t.inspection.result == "no_discrepancy"]
    assert found
    assert missed
    evaluated = [trade for trade in generated.trades if trade.period == EVALUATION]
    assert evaluated
    assert not any(trade.statuses for trade in evaluated)


def test_the_world_speaks_the_hubs_contracts():
    """Shared documents pass their agreement scope's schema, declarations the customs feed's
    rules and registered identifiers the partner registry's checks, so the hub takes it all."""
    generated = world(seed=2)
    for importer in generated.importers:
        for registration in importer.registrations:
            _identifiers, errors = identifiers_normalize(
                dict(registration.identifiers), country=registration.company.country
            )
            assert not errors, (registration.company.name, errors)
    for trade in generated.trades:
        _normalized, errors = declaration_validate(declaration_document(trade))
        assert not errors, (trade.declaration.number, errors)
        if trade.sharing is not None:
            _normalized, errors = consignment_validate(
                trade.sharing.document, scope=trade.importer.scope
            )
            assert not errors, (trade.shipment.reference, errors)
    assert any(trade.sharing is not None for trade in generated.trades)


def test_world_run_refuses_a_database_that_already_holds_enterprises(enterprise):
    with pytest.raises(CommandError, match="holds enterprises already"):
        call_command("world_run", "--seed", "1", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("seed", [1, 2])
def test_a_small_world_run_through_the_hub_meets_the_lane_targets(seed, transactional_db, tmp_path):
    report = tmp_path / "world.md"
    call_command(
        "world_run",
        "--seed",
        str(seed),
        "--size",
        "small",
        "--report",
        str(report),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    markdown = report.read_text()
    headline = [
        line
        for line in markdown.splitlines()
        if line.startswith(("| green share", "| irregularity rate of"))
    ]
    assert len(headline) == 2, markdown
    assert all(line.endswith("**PASS** |") for line in headline), markdown
