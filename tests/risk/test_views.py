from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hub.core.models import AuditEvent
from hub.declarations.models import InspectionOutcome
from hub.risk.models import Decision, Lane, RiskProfile, RuleSet
from hub.risk.selectors import ruleset_current
from hub.risk.services import profiles_refresh
from tests.factories import MembershipFactory
from tests.risk import factories as f

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def profiled(*declarations) -> list[RiskProfile]:
    profiles_refresh(declaration_ids=[declaration.pk for declaration in declarations])
    return [
        RiskProfile.objects.get(declaration=declaration, is_current=True)
        for declaration in declarations
    ]


@pytest.fixture
def queue():
    """A green sharer's declaration, another sharer's red one with a sharp difference at another
    office, and an unknown consignee's (yellow) declared three days ago."""
    enterprise = f.sharer("Eastern Optics Co., Ltd.")
    green = f.matched_declaration(enterprise, number="220100000000000001")
    red = f.matched_declaration(
        f.sharer("Western Trading Co., Ltd."),
        number="220200000000000002",
        office="2202",
        findings=[("origin", "high")],
    )
    old = f.declaration(number="220100000000000003", declared_at=timezone.now() - timedelta(days=3))
    return enterprise, profiled(green, red, old)


def test_the_queue_lists_profiles_the_longest_waiting_first(queue, risk_officer):
    response = client_of(risk_officer).get(reverse("risk-queue"))
    body = response.content.decode()
    assert response.status_code == 200
    positions = [
        body.index(number)
        for number in ("220100000000000003", "220100000000000001", "220200000000000002")
    ]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ({"lane": "red"}, {"220200000000000002"}),
        ({"office": "2201"}, {"220100000000000001", "220100000000000003"}),
        ({"age": "24"}, {"220100000000000003"}),
    ],
)
def test_the_queue_filters_by_lane_office_and_age(queue, risk_officer, query, numbers):
    body = client_of(risk_officer).get(reverse("risk-queue"), query).content.decode()
    shown = {
        number
        for number in ("220100000000000001", "220200000000000002", "220100000000000003")
        if number in body
    }
    assert shown == numbers


def test_the_queue_filters_by_enterprise_and_answers_htmx_with_the_table_only(queue, analyst):
    enterprise, _profiles = queue
    response = client_of(analyst).get(
        reverse("risk-queue"), {"enterprise": enterprise.pk}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "220100000000000001" in body
    assert "220100000000000003" not in body


def test_a_decided_profile_leaves_the_queue_of_those_awaiting_a_decision(queue, risk_officer):
    _enterprise, (green, _red, _old) = queue
    client = client_of(risk_officer)
    client.post(reverse("risk-profile-decide", args=[green.pk]), {"lane": "green"})
    assert "220100000000000001" not in client.get(reverse("risk-queue")).content.decode()
    decided = client.get(reverse("risk-queue"), {"status": "decided"}).content.decode()
    assert "220100000000000001" in decided


def test_the_profile_page_explains_the_lane_with_factors_rules_findings_and_partners(
    queue, analyst
):
    _enterprise, (_green, red, _old) = queue
    body = client_of(analyst).get(reverse("risk-profile-detail", args=[red.pk])).content.decode()

    assert "Goods differ sharply from the shared data" in body
    assert "only looking at the goods settles which is true" in body
    assert "Raised to red: physical inspection by: Goods differ sharply" in body
    assert "Differences from the shared data: 1 of high" in body
    assert "origin differs" in body  # the finding's explanation
    assert "Rhein Präzisionstechnik GmbH" in body  # the seller of the shared consignment
    assert "Record decision" not in body  # analysts read only


def test_an_officer_confirms_the_engine_lane(queue, risk_officer):
    _enterprise, (green, _red, _old) = queue
    response = client_of(risk_officer).post(
        reverse("risk-profile-decide", args=[green.pk]), {"lane": "green"}, follow=True
    )
    assert "Decision recorded: green: release." in response.content.decode()
    decision = Decision.objects.get()
    assert (decision.action, decision.decided_by) == ("confirm", risk_officer)
    assert AuditEvent.objects.filter(action="risk.profile.decided").count() == 1


def test_moving_a_declaration_to_another_lane_needs_a_reason(queue, risk_officer):
    _enterprise, (green, _red, _old) = queue
    client = client_of(risk_officer)
    refused = client.post(reverse("risk-profile-decide", args=[green.pk]), {"lane": "red"})
    assert refused.status_code == 400
    assert "Say why the declaration goes to another lane" in refused.content.decode()
    assert not Decision.objects.exists()

    client.post(
        reverse("risk-profile-decide", args=[green.pk]),
        {"lane": "red", "reason": "Tip-off from the port"},
    )
    green.refresh_from_db()
    assert green.effective_lane == Lane.RED
    assert Decision.objects.get().reason == "Tip-off from the port"


def test_an_officer_records_an_inspection_outcome_through_the_declarations_service(
    queue, risk_officer
):
    _enterprise, (_green, red, _old) = queue
    inspected_at = timezone.localtime() - timedelta(minutes=5)
    response = client_of(risk_officer).post(
        reverse("risk-inspection-record", args=[red.pk]),
        {
            "kind": "physical",
            "result": "discrepancy",
            "inspected_at": inspected_at.strftime("%Y-%m-%dT%H:%M"),
            "note": "Origin marks say CN",
        },
        follow=True,
    )
    assert "Inspection outcome recorded: discrepancy." in response.content.decode()
    outcome = InspectionOutcome.objects.get()
    assert (outcome.declaration_id, outcome.result, outcome.recorded_by) == (
        red.declaration_id,
        "discrepancy",
        risk_officer.username,
    )
    assert AuditEvent.objects.filter(action="declarations.inspection.recorded").exists()


def test_an_inspection_cannot_be_recorded_in_the_future(queue, risk_officer):
    _enterprise, (_green, red, _old) = queue
    response = client_of(risk_officer).post(
        reverse("risk-inspection-record", args=[red.pk]),
        {
            "kind": "documents",
            "result": "no_discrepancy",
            "inspected_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "cannot be recorded in advance" in response.content.decode()
    assert not InspectionOutcome.objects.exists()


def test_analysts_may_not_decide_or_record_outcomes(queue, analyst):
    _enterprise, (green, _red, _old) = queue
    client = client_of(analyst)
    assert (
        client.post(reverse("risk-profile-decide", args=[green.pk]), {"lane": "green"}).status_code
        == 403
    )
    assert client.post(reverse("risk-inspection-record", args=[green.pk]), {}).status_code == 403


def test_enterprise_users_get_no_risk_page_at_all(queue):
    enterprise, (green, _red, _old) = queue
    member = MembershipFactory(enterprise=enterprise, role="admin").user
    client = client_of(member)
    urls = [
        (reverse("risk-queue"), "get"),
        (reverse("risk-profile-detail", args=[green.pk]), "get"),
        (reverse("risk-profile-decide", args=[green.pk]), "post"),
        (reverse("risk-inspection-record", args=[green.pk]), "post"),
        (reverse("risk-declaration-profile", args=[green.declaration_id]), "get"),
        (reverse("risk-supply-chain", args=[enterprise.pk]), "get"),
        (reverse("risk-calibration"), "get"),
        (reverse("risk-ruleset-list"), "get"),
        (reverse("risk-ruleset-detail", args=[1]), "get"),
        (reverse("risk-rule-create"), "get"),
        (reverse("risk-rule-edit", args=["arms"]), "get"),
        (reverse("risk-rule-delete", args=["arms"]), "post"),
        (reverse("risk-ruleset-settings"), "get"),
        (reverse("api-profile-list"), "get"),
    ]
    for url, method in urls:
        assert getattr(client, method)(url).status_code in (403, 404), url
    assert "220100000000000001" not in client.get(reverse("api-profile-list")).content.decode()


def test_the_supply_chain_page_shows_the_enterprise_factors_and_history(queue, analyst):
    _enterprise, (_green, red, _old) = queue
    f.inspection(red.declaration, "seizure")
    profiles_refresh(declaration_ids=[red.declaration_id])
    page = client_of(analyst).get(reverse("risk-supply-chain", args=[red.enterprise_id]))
    body = page.content.decode()
    assert "Supply-chain profile of Western Trading Co., Ltd." in body
    assert "Consistency over time" in body
    assert "1 inspections of the enterprise&#x27;s declarations in the last 24 months" in body
    assert "seizure" in body


def test_the_calibration_report_shows_each_lane_volume_and_what_its_inspections_found(
    queue, analyst
):
    _enterprise, (_green, red, old) = queue
    f.inspection(red.declaration, "discrepancy")
    f.inspection(old.declaration, "no_discrepancy")
    response = client_of(analyst).get(reverse("risk-calibration"), {"days": "7"})
    rows = {row.lane: row for row in response.context["rows"]}

    assert (rows["green"].declarations, rows["red"].declarations, rows["yellow"].declarations) == (
        1,
        1,
        1,
    )
    assert (rows["red"].inspections, rows["red"].found) == (1, 1)
    assert (rows["yellow"].inspections, rows["yellow"].found) == (1, 0)
    assert rows["red"].share == pytest.approx(1 / 3)
    assert rows["green"].expected_share == 0.6


# --- Rule sets -----------------------------------------------------------------------------------


def rule_form(**overrides):
    return {
        "name": "Sanctions screening",
        "condition": 'declaration.origin_countries in ["KP"]',
        "effect": "floor",
        "floor": "red",
        "weight": "",
        "rationale": "Goods of this origin are under sanctions.",
        "note": "New sanctions list",
        "base_version": str(ruleset_current().version),
        **overrides,
    }


def test_a_senior_officer_adds_a_rule_as_a_new_version(senior):
    before = ruleset_current()
    response = client_of(senior).post(reverse("risk-rule-create"), rule_form(), follow=True)

    latest = ruleset_current()
    assert latest.version == before.version + 1
    rule = latest.rules.get(key="sanctions-screening")
    assert rule.condition == {"field": "declaration.origin_countries", "op": "in", "value": ["KP"]}
    assert rule.floor == "red"
    assert before.rules.filter(key="sanctions-screening").count() == 0
    assert "Saved as version 2; the next refresh uses it." in response.content.decode()


def test_a_rule_with_a_condition_that_does_not_parse_is_not_saved(senior):
    response = client_of(senior).post(
        reverse("risk-rule-create"), rule_form(condition='declaration.origin = "KP"')
    )
    assert response.status_code == 400
    assert "There is no field" in response.content.decode()
    assert RuleSet.objects.count() == 1


def test_a_senior_officer_edits_and_removes_a_rule(senior):
    client = client_of(senior)
    page = client.get(reverse("risk-rule-edit", args=["tobacco"])).content.decode()
    assert "declaration.hs_codes starts with [&quot;2402&quot;, &quot;2403&quot;]" in page

    client.post(
        reverse("risk-rule-edit", args=["tobacco"]),
        rule_form(
            name="Tobacco products",
            condition='declaration.hs_codes starts with "24"',
            effect="weight",
            weight="25",
            floor="",
        ),
    )
    assert ruleset_current().rules.get(key="tobacco").weight == 25
    client.post(
        reverse("risk-rule-delete", args=["tobacco"]),
        {"note": "Campaign over", "base_version": str(ruleset_current().version)},
    )
    assert not ruleset_current().rules.filter(key="tobacco").exists()
    assert ruleset_current().version == 3


def test_an_edit_made_on_an_outdated_version_is_refused_and_nothing_is_saved(senior):
    client = client_of(senior)
    client.post(reverse("risk-rule-create"), rule_form())
    response = client.post(
        reverse("risk-rule-create"), rule_form(name="Second", base_version="1"), follow=True
    )
    assert "Someone saved a newer version meanwhile" in response.content.decode()
    assert ruleset_current().version == 2


def test_a_risk_officer_without_the_permission_may_read_rules_but_not_edit_them(risk_officer):
    client = client_of(risk_officer)
    assert client.get(reverse("risk-ruleset-list")).status_code == 200
    assert client.get(reverse("risk-rule-create")).status_code == 403
    assert client.post(reverse("risk-rule-create"), rule_form()).status_code == 403
    assert RuleSet.objects.count() == 1


def settings_form(**overrides):
    base = ruleset_current()
    data = {
        "green_below": "25",
        "red_from": "60",
        "note": "Stricter green",
        "base_version": str(base.version),
    }
    for lane in ("green", "blue", "yellow", "red"):
        data[f"random_{lane}"] = base.random_rates[lane]
        data[f"expected_{lane}"] = base.expected_shares[lane]
    return {**data, **overrides}


def test_a_senior_officer_changes_thresholds_and_rates_as_a_new_version(senior):
    client_of(senior).post(reverse("risk-ruleset-settings"), settings_form(random_green="0.05"))
    latest = ruleset_current()
    assert (latest.version, latest.green_below, latest.random_rates["green"]) == (2, 25, "0.05")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"random_green": "0"}, "greater than or equal to 0.005"),
        ({"expected_green": "0.9"}, "they must add up to 1"),
        ({"green_below": "70"}, "Red starts at or above where green ends"),
    ],
)
def test_settings_that_would_stop_sampling_a_lane_or_do_not_add_up_are_refused(
    senior, overrides, message
):
    response = client_of(senior).post(reverse("risk-ruleset-settings"), settings_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert RuleSet.objects.count() == 1


def test_an_old_version_page_says_a_later_one_is_in_force(senior, analyst):
    client_of(senior).post(reverse("risk-rule-create"), rule_form())
    body = client_of(analyst).get(reverse("risk-ruleset-detail", args=[1])).content.decode()
    assert "A later version is in force: version 2" in body
    assert "Sanctions screening" not in body
