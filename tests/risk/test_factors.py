from datetime import timedelta

import pytest
from django.utils import timezone

from hub.agreements.models import Agreement
from hub.catalogue.fields import optional_keys
from hub.risk.inputs import COMPLETENESS_KEYS
from hub.risk.models import RiskProfile
from hub.risk.scoring import factor_sentence
from hub.risk.services import profiles_refresh
from tests.risk import factories as f

pytestmark = pytest.mark.django_db


def factors_of(declaration) -> dict:
    profiles_refresh(declaration_ids=[declaration.pk])
    profile = RiskProfile.objects.get(declaration=declaration, is_current=True)
    return {factor["key"]: factor for factor in profile.factors}


def test_completeness_reads_every_optional_field_of_the_catalogue():
    assert sorted(COMPLETENESS_KEYS) == sorted(optional_keys())


def test_completeness_is_the_share_of_optional_fields_shared():
    enterprise = f.sharer()
    full = f.matched_declaration(enterprise, document=f.full_document("PO-FULL"))
    minimal = f.matched_declaration(enterprise)

    # Everything but the carrier's tax id: 26 of the 27 optional fields.
    assert factors_of(full)["completeness"]["value"]["share"] == round(26 / 27, 3)
    assert factors_of(full)["completeness"]["contribution"] == round(-8 * 26 / 27, 2)
    assert factors_of(minimal)["completeness"]["value"]["share"] == 0.0


def test_a_declaration_without_shared_data_gets_nothing_from_the_shared_data_factors():
    factors = factors_of(f.declaration(f.sharer()))
    for key in ("completeness", "timeliness", "crosscheck", "partners"):
        assert factors[key]["contribution"] == 0.0
    assert factors["completeness"]["value"]["share"] is None
    assert factors["participation"]["value"]["channel"] == "none"


def test_participation_counts_the_months_since_the_first_activation_and_the_channel():
    enterprise = f.sharer()
    Agreement.objects.filter(enterprise=enterprise).update(
        activated_at=timezone.now() - timedelta(days=365)
    )
    factors = factors_of(f.matched_declaration(enterprise, channel="excel"))

    value = factors["participation"]["value"]
    assert (value["agreement"], value["months"], value["channel"]) == ("active", 11, "excel")
    # -10 for the agreement, -5 x 11/24 for the months, -1 for Excel.
    assert factors["participation"]["contribution"] == round(-10 - 5 * 11 / 24 - 1, 2)


def test_timeliness_rewards_data_shared_before_arrival_and_penalises_it_after():
    enterprise = f.sharer()
    early = factors_of(f.matched_declaration(enterprise, hours_before=12))["timeliness"]
    late = factors_of(f.matched_declaration(enterprise, hours_before=-6))["timeliness"]

    assert early["value"]["hours"] == 12.0
    assert early["contribution"] == -1.25
    assert late["value"]["hours"] == -6.0
    assert late["contribution"] == 5.0
    assert "6.0 hours after the estimated arrival" in factor_sentence(late)


def test_coverage_is_the_share_of_the_enterprise_declarations_matched_to_shared_data():
    enterprise = f.sharer()
    matched = [f.matched_declaration(enterprise) for _ in range(3)]
    f.declaration(enterprise)

    coverage = factors_of(matched[0])["coverage"]
    assert coverage["value"] == {"share": 0.75, "declarations": 4, "matched": 3}
    assert coverage["contribution"] == -6.0


def test_consistency_weighs_the_other_declarations_findings_by_severity():
    enterprise = f.sharer()
    f.matched_declaration(enterprise, findings=[("quantity", "high")])
    f.matched_declaration(enterprise, findings=[("value", "medium"), ("value", "low")])
    f.matched_declaration(enterprise)
    own = f.matched_declaration(enterprise, findings=[("origin", "high")])

    consistency = factors_of(own)["consistency"]
    # The worst finding of each other declaration, 3 (high) + 1 (medium), over the 3 checked
    # and a prior of 5 clean ones.
    assert consistency["value"] == {"rate": 0.5, "checked": 3, "with_findings": 2}
    assert consistency["contribution"] == round(40 * 0.5 - 4 * 3 / 20, 2)
    assert len(consistency["evidence"]["ids"]["declarations"]) == 2
    assert own.pk not in consistency["evidence"]["ids"]["declarations"]


def test_older_findings_count_half():
    enterprise = f.sharer()
    f.matched_declaration(
        enterprise,
        findings=[("quantity", "high")],
        declared_at=timezone.now() - timedelta(days=200),
    )
    f.matched_declaration(enterprise, declared_at=timezone.now() - timedelta(days=200))
    own = f.matched_declaration(enterprise)

    # (3 x 0.5) / (0.5 + 0.5 + 5)
    assert factors_of(own)["consistency"]["value"]["rate"] == 0.25


def test_crosscheck_adds_points_by_severity_and_reassures_when_consistent():
    enterprise = f.sharer()
    consistent = factors_of(f.matched_declaration(enterprise))["crosscheck"]
    differing = factors_of(
        f.matched_declaration(
            enterprise,
            findings=[("value", "high"), ("quantity", "medium"), ("late_sharing", "low")],
        )
    )["crosscheck"]

    assert consistent["contribution"] == -8.0
    assert differing["contribution"] == 15 + 6 + 2
    assert differing["value"]["high_types"] == ["value"]
    assert differing["value"]["medium_types"] == ["quantity"]
    assert len(differing["evidence"]["ids"]["findings"]) == 3


def test_partner_transparency_counts_registered_partners_with_identifiers():
    enterprise = f.sharer()
    f.partner(enterprise, identifiers={"vat": "DE136695976"}, roles=["seller", "manufacturer"])
    f.partner(enterprise, legal_name="Hanseatic Forwarding GmbH", roles=["forwarder"])
    # Seller, shipper and manufacturer name the registered supplier (with a VAT number), the
    # forwarder is registered without an identifier, the carrier is not registered.
    factors = factors_of(f.matched_declaration(enterprise, document=f.full_document("PO-P")))

    partners = factors["partners"]["value"]
    assert (partners["parties"], partners["registered"], partners["identified"]) == (5, 4, 3)
    assert factors["partners"]["contribution"] == round((-4 * 4 - 4 * 3) / 5, 2)


def test_a_partner_entity_history_across_enterprises_weighs_on_other_importers():
    alpha, beta = f.sharer("Alpha Optics Co., Ltd."), f.sharer("Beta Instruments Co., Ltd.")
    for enterprise in (alpha, beta):
        f.partner(enterprise, identifiers={"vat": "DE136695976"})
    seized = f.matched_declaration(beta)
    f.inspection(seized, "seizure")
    own = f.matched_declaration(alpha)

    partners = factors_of(own)["partners"]
    assert partners["value"]["entity_issues"] == 1
    assert partners["value"]["entity_seizures"] == 1
    assert partners["evidence"]["ids"]["declarations"] == [seized.pk]
    # The seizure is beta's own record, not counted on its own declaration's partners.
    assert factors_of(seized)["partners"]["value"]["entity_seizures"] == 0


def test_inspection_history_counts_the_enterprise_other_declarations_only():
    enterprise = f.sharer()
    for result in ("no_discrepancy", "discrepancy", "no_discrepancy"):
        f.inspection(f.declaration(enterprise), result)
    own = f.declaration(enterprise)
    f.inspection(own, "seizure")
    f.inspection(
        f.declaration(enterprise), "seizure", inspected_at=timezone.now() - timedelta(days=800)
    )

    inspections = factors_of(own)["inspections"]
    assert inspections["value"] == {
        "count": 3,
        "discrepancies": 1,
        "seizures": 0,
        "hit_rate": round(1 / 3, 3),
    }
    assert inspections["contribution"] == round(60 * 1 / 6, 2)


def test_a_clean_inspection_record_reassures_a_little():
    enterprise = f.sharer()
    for _ in range(4):
        f.inspection(f.declaration(enterprise))
    assert factors_of(f.declaration(enterprise))["inspections"]["contribution"] == -2.0


def test_credit_rating_and_aeo_status_add_their_points():
    assert (
        factors_of(f.declaration(f.sharer(rating="advanced_certified", aeo="certified")))["credit"][
            "contribution"
        ]
        == -20.0
    )
    assert (
        factors_of(f.declaration(f.sharer(rating="dishonest", aeo="revoked")))["credit"][
            "contribution"
        ]
        == 50.0
    )


def test_every_factor_explains_itself_with_a_sentence_and_the_records_behind_it():
    enterprise = f.sharer()
    f.partner(enterprise, identifiers={"vat": "DE136695976"})
    f.inspection(f.declaration(enterprise), "discrepancy")
    factors = factors_of(
        f.matched_declaration(
            enterprise, document=f.full_document("PO-E"), findings=[("value", "low")]
        )
    )

    for factor in factors.values():
        assert factor_sentence(factor).strip().endswith(".")
        assert isinstance(factor["evidence"]["ids"], dict)
    assert factors["participation"]["evidence"]["ids"]["agreements"]
    assert factors["crosscheck"]["evidence"]["ids"]["findings"]
    assert factors["partners"]["evidence"]["ids"]["entities"]
    assert factors["inspections"]["evidence"]["ids"]["inspections"]
    assert factors["completeness"]["evidence"]["ids"]["revisions"]
