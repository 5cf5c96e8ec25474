import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from hub.core.models import AuditEvent
from hub.crosschecks.follow_ups import crosschecks_done
from hub.declarations.follow_ups import inspections_recorded
from hub.enterprises.models import RatingChange
from hub.enterprises.services import enterprise_rating_set
from hub.risk import services
from hub.risk.conditions import condition_parse
from hub.risk.models import Decision, Lane, RiskProfile, SupplyChainProfile
from hub.risk.scoring import random_draw
from hub.risk.selectors import ruleset_current
from hub.tracking.models import ReleaseTiming
from tests.factories import officer
from tests.risk import factories as f

pytestmark = pytest.mark.django_db


def current(declaration) -> RiskProfile:
    return RiskProfile.objects.get(declaration=declaration, is_current=True)


def factor(profile, key) -> dict:
    return next(factor for factor in profile.factors if factor["key"] == key)


def refreshed(declaration) -> RiskProfile:
    services.profiles_refresh(declaration_ids=[declaration.pk])
    return current(declaration)


def established_sharer(**rating):
    """A sharer a year into its agreement, with a record of consistent declarations and clean
    inspections, its supplier registered with its VAT number."""
    enterprise = f.sharer(**rating)
    f.partner(enterprise, identifiers={"vat": "DE136695976"})
    year_ago = timezone.now() - timedelta(days=300)
    for _ in range(5):
        f.inspection(f.matched_declaration(enterprise, declared_at=year_ago))
    return enterprise


# --- Refreshing --------------------------------------------------------------------------------


def test_a_refresh_makes_one_current_profile_per_declaration_and_a_second_changes_nothing():
    enterprise = f.sharer()
    declarations = [f.matched_declaration(enterprise), f.declaration(enterprise), f.declaration()]
    ids = [declaration.pk for declaration in declarations]

    first = services.profiles_refresh(declaration_ids=ids)
    second = services.profiles_refresh(declaration_ids=ids)

    assert (first.written, first.unchanged) == (3, 0)
    assert (second.written, second.unchanged) == (0, 3)
    assert RiskProfile.objects.filter(is_current=True).count() == 3
    assert RiskProfile.objects.count() == 3


def test_new_findings_make_a_new_profile_and_the_earlier_one_stays_as_it_was():
    declaration = f.matched_declaration(f.sharer())
    before = refreshed(declaration)
    f.crosscheck_findings(declaration, [("quantity", "high")])

    after = refreshed(declaration)

    assert after.pk != before.pk
    assert after.lane == Lane.RED
    kept = RiskProfile.objects.get(pk=before.pk)
    assert not kept.is_current
    assert (kept.lane, kept.score, kept.factors, kept.fingerprint) == (
        before.lane,
        before.score,
        before.factors,
        before.fingerprint,
    )


def test_the_enterprise_supply_chain_profile_is_kept_with_its_factors():
    enterprise = established_sharer(rating="advanced_certified")
    services.profiles_refresh(declaration_ids=[f.declaration(enterprise).pk])

    profile = SupplyChainProfile.objects.get(enterprise=enterprise)
    factors = {factor["key"]: factor for factor in profile.factors}
    assert set(factors) == {
        "participation",
        "credit",
        "coverage",
        "consistency",
        "partners",
        "inspections",
    }
    assert factors["inspections"]["value"]["count"] == 5
    assert profile.score < 45


def test_a_refresh_in_several_chunks_gives_the_same_profiles_as_one(settings):
    enterprise = f.sharer()
    ids = [f.matched_declaration(enterprise).pk for _ in range(3)] + [f.declaration().pk]
    settings.RISK_REFRESH_CHUNK = 2
    services.profiles_refresh(declaration_ids=ids)
    chunked = dict(RiskProfile.objects.values_list("declaration_id", "fingerprint"))
    RiskProfile.objects.all().delete()

    settings.RISK_REFRESH_CHUNK = 100
    services.profiles_refresh(declaration_ids=ids)

    assert dict(RiskProfile.objects.values_list("declaration_id", "fingerprint")) == chunked


# --- Lanes for the kinds of traders ----------------------------------------------------------


def test_a_compliant_sharer_with_consistent_data_is_released_in_the_green_lane():
    enterprise = established_sharer()
    profile = refreshed(
        f.matched_declaration(enterprise, document=f.full_document("PO-GREEN"), hours_before=48)
    )
    assert profile.lane == Lane.GREEN
    assert profile.fired_rules == []


def test_a_new_rated_sharer_with_consistent_minimal_data_is_green_too():
    assert refreshed(f.matched_declaration(f.sharer(rating="general"))).lane == Lane.GREEN


def test_an_unrated_new_sharer_is_not_green_until_five_declarations_were_checked():
    enterprise = f.sharer(rating="unrated")
    first = refreshed(f.matched_declaration(enterprise))
    assert first.lane == Lane.YELLOW
    assert [rule["key"] for rule in first.fired_rules] == ["unrated-without-record"]
    assert first.fired_rules[0]["rationale"].startswith("The customs credit system has not rated")

    for _ in range(5):
        f.matched_declaration(enterprise)
    assert refreshed(f.matched_declaration(enterprise)).lane == Lane.GREEN


def test_goods_that_differ_sharply_from_the_shared_data_go_red_whoever_declares_them():
    enterprise = established_sharer(rating="advanced_certified", aeo="certified")
    profile = refreshed(f.matched_declaration(enterprise, findings=[("quantity", "high")]))

    assert profile.lane == Lane.RED
    assert [rule["key"] for rule in profile.fired_rules] == ["goods-differ-sharply"]
    assert profile.fired_rules[0]["rationale"].startswith("What the declaration says")


def test_a_value_that_differs_sends_a_trusted_sharer_to_post_clearance_audit():
    enterprise = established_sharer()
    assert refreshed(f.matched_declaration(enterprise, findings=[("value", "medium")])).lane == (
        Lane.BLUE
    )


def test_a_sharer_with_frequent_findings_is_not_green_even_when_one_declaration_is_consistent():
    enterprise = f.sharer()
    for _ in range(4):
        f.matched_declaration(enterprise, findings=[("value", "high")])
    f.matched_declaration(enterprise)

    profile = refreshed(f.matched_declaration(enterprise))

    assert profile.lane != Lane.GREEN
    assert "frequent-differences" in [rule["key"] for rule in profile.fired_rules]


def test_a_sharer_whose_goods_were_seized_is_not_green():
    enterprise = f.sharer()
    f.inspection(f.matched_declaration(enterprise), "seizure")
    f.inspection(f.matched_declaration(enterprise), "discrepancy")
    assert refreshed(f.matched_declaration(enterprise)).lane != Lane.GREEN


def test_a_sharer_declaring_without_shared_data_loses_the_green_lane():
    enterprise = established_sharer()
    declaration = f.declaration(enterprise)
    f.crosscheck(declaration, "no_shared_data")
    profile = refreshed(declaration)
    assert profile.lane == Lane.YELLOW
    assert "sharer-without-data" in [rule["key"] for rule in profile.fired_rules]


def test_a_dishonest_enterprise_goes_red_and_an_unknown_consignee_gets_document_checks():
    assert refreshed(f.declaration(f.sharer(rating="dishonest"))).lane == Lane.RED
    assert refreshed(f.declaration()).lane == Lane.YELLOW


# --- Rules as data -----------------------------------------------------------------------------


def test_a_rule_edit_makes_a_new_version_that_the_next_refresh_uses_and_old_profiles_keep_theirs():
    declaration = f.matched_declaration(established_sharer(), items=[("2402200000", "DE")])
    first = refreshed(declaration)
    version_1 = ruleset_current()
    assert first.rule_set == version_1

    version_2 = services.rule_save(
        base=version_1,
        key="tobacco",
        rule={
            "name": "Tobacco products",
            "condition": condition_parse('declaration.hs_codes starts with ["24"]'),
            "weight": None,
            "floor": Lane.RED,
            "rationale": "Tobacco is inspected this quarter.",
        },
        note="Tobacco campaign",
        actor=officer("customs_risk_officer"),
    )
    second = refreshed(declaration)

    assert version_2.version == version_1.version + 1
    assert ruleset_current() == version_2
    assert second.rule_set == version_2
    assert second.lane == Lane.RED
    assert second.fired_rules[0]["rationale"] == "Tobacco is inspected this quarter."
    kept = RiskProfile.objects.get(pk=first.pk)
    assert kept.rule_set == version_1
    assert kept.lane == first.lane
    assert version_1.rules.get(key="tobacco").weight == 10


def test_a_rule_set_edit_based_on_an_outdated_version_is_refused():
    version_1 = ruleset_current()
    services.rule_delete(base=version_1, key="tobacco", note="gone", actor=None)
    with pytest.raises(services.RuleSetConflict):
        services.rule_delete(base=version_1, key="arms", note="also gone", actor=None)


def test_a_new_version_is_audited_with_what_changed():
    senior = officer("customs_risk_officer")
    version = services.rule_delete(
        base=ruleset_current(), key="transshipment", note="Too noisy", actor=senior
    )
    event = AuditEvent.objects.get(action="risk.ruleset.version_created")
    assert event.actor_user == senior
    assert event.data["rules_removed"] == ["transshipment"]
    assert event.data["note"] == "Too noisy"
    assert event.object_id == str(version.pk)


def test_a_lane_floor_raises_a_lane_and_never_lowers_it():
    base = ruleset_current()
    services.rule_save(
        base=base,
        key="",
        rule={
            "name": "Everything at least blue",
            "condition": condition_parse("declaration.items >= 1"),
            "weight": None,
            "floor": Lane.BLUE,
            "rationale": "Audit campaign.",
        },
        note="campaign",
        actor=None,
    )
    green = refreshed(f.matched_declaration(established_sharer()))
    red = refreshed(f.declaration(f.sharer(rating="dishonest")))

    assert green.lane == Lane.BLUE
    assert red.lane == Lane.RED


def test_no_version_may_set_a_random_inspection_rate_of_zero():
    base = ruleset_current()
    values = {
        "green_below": base.green_below,
        "red_from": base.red_from,
        "random_rates": {**base.random_rates, "green": "0"},
        "expected_shares": base.expected_shares,
    }
    with pytest.raises(ValueError, match="RISK_MIN_RANDOM_RATE"):
        services.ruleset_settings_save(base=base, values=values, note="no checks", actor=None)


# --- The random draw ---------------------------------------------------------------------------


def test_the_random_draw_of_a_declaration_never_changes_when_its_profile_is_refreshed():
    declaration = f.matched_declaration(f.sharer())
    first = refreshed(declaration)
    f.crosscheck_findings(declaration, [("value", "low")])
    second = refreshed(declaration)

    assert second.pk != first.pk
    assert second.draw == first.draw == random_draw(declaration.number)


def test_random_checks_select_about_the_lane_rate_of_declarations_and_depend_on_the_seed():
    numbers = [f"2201{n:014d}" for n in range(20000)]
    assert 300 < sum(random_draw(number) < 0.02 for number in numbers) < 500
    draws = [random_draw(number) for number in numbers[:50]]
    with override_settings(RISK_RANDOM_SEED="another seed"):
        assert [random_draw(number) for number in numbers[:50]] != draws


def test_a_green_declaration_is_drawn_for_a_random_check_when_its_draw_is_under_the_rate():
    base = ruleset_current()
    services.ruleset_settings_save(
        base=base,
        values={
            "green_below": base.green_below,
            "red_from": base.red_from,
            "random_rates": {**base.random_rates, "green": "1"},
            "expected_shares": base.expected_shares,
        },
        note="every green declaration checked",
        actor=None,
    )
    profile = refreshed(f.matched_declaration(established_sharer()))
    assert (profile.lane, profile.random_check) == (Lane.GREEN, True)


# --- Decisions -----------------------------------------------------------------------------------


def test_an_officer_confirms_or_moves_a_lane_and_each_decision_is_audited(risk_officer):
    profile = refreshed(f.declaration(f.sharer()))
    services.profile_decide(profile=profile, lane=profile.lane, reason="", actor=risk_officer)
    moved = services.profile_decide(
        profile=profile, lane=Lane.RED, reason="Intelligence report 42", actor=risk_officer
    )

    profile.refresh_from_db()
    assert (profile.decided_lane, profile.effective_lane) == (Lane.RED, Lane.RED)
    assert list(Decision.objects.values_list("action", flat=True)) == ["move", "confirm"]
    assert moved.lane_from == Lane.YELLOW
    events = AuditEvent.objects.filter(action="risk.profile.decided").order_by("id")
    assert [event.data["lane_to"] for event in events] == [Lane.YELLOW, Lane.RED]
    assert events.last().data["reason"] == "Intelligence report 42"
    assert events.last().actor_user == risk_officer


def test_release_time_statistics_follow_the_lane_of_the_engine_and_then_of_the_officer(
    risk_officer,
):
    profile = refreshed(f.declaration(f.sharer()))
    timing = ReleaseTiming.objects.get(declaration_id=profile.declaration_id)
    assert timing.lane == profile.lane == Lane.YELLOW

    services.profile_decide(profile=profile, lane=Lane.RED, reason="Tip-off", actor=risk_officer)

    timing.refresh_from_db()
    assert timing.lane == Lane.RED


def test_moving_a_lane_needs_a_reason_and_only_the_current_profile_is_decided(risk_officer):
    declaration = f.matched_declaration(f.sharer())
    profile = refreshed(declaration)
    with pytest.raises(ValueError, match="needs a reason"):
        services.profile_decide(profile=profile, lane=Lane.RED, reason=" ", actor=risk_officer)
    f.crosscheck_findings(declaration, [("value", "medium")])
    refreshed(declaration)
    with pytest.raises(services.ProfileNotCurrent):
        services.profile_decide(profile=profile, lane=profile.lane, reason="", actor=risk_officer)
    assert not Decision.objects.exists()


# --- Follow-ups --------------------------------------------------------------------------------


def test_cross_checks_done_refresh_the_profiles_through_the_outbox(jobs):
    declaration = f.matched_declaration(f.sharer())
    with jobs():
        crosschecks_done.run(declaration_ids=[declaration.pk])
    assert factor(current(declaration), "crosscheck")["value"]["outcome"] == "consistent"


def test_an_inspection_outcome_feeds_the_history_of_the_enterprise_open_declarations(jobs):
    enterprise = f.sharer()
    waiting = f.matched_declaration(enterprise)
    inspected = f.matched_declaration(enterprise)
    services.profiles_refresh(declaration_ids=[waiting.pk, inspected.pk])
    assert current(waiting).lane == Lane.GREEN

    f.inspection(inspected, "seizure")
    with jobs():
        inspections_recorded.run(declaration_ids=[inspected.pk])

    profile = current(waiting)
    assert factor(profile, "inspections")["value"]["seizures"] == 1
    assert profile.lane != Lane.GREEN


def test_a_credit_rating_change_refreshes_the_enterprise_open_profiles(jobs):
    enterprise = f.sharer()
    declaration = f.matched_declaration(enterprise)
    services.profiles_refresh(declaration_ids=[declaration.pk])
    with jobs():
        enterprise_rating_set(
            enterprise=enterprise,
            credit_rating="dishonest",
            aeo_status="none",
            reason="Fraud case",
            source=RatingChange.Source.CUSTOMS_SYSTEM,
            actor=officer(),
        )
    assert current(declaration).lane == Lane.RED


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_a_new_declaration_at_once_leave_one_current_profile():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers: there is no race to lose")
    # A consignee the hub does not know: no supply-chain profile for the two to queue on.
    declaration = f.declaration()
    ruleset_current()
    first_refreshed, release = threading.Event(), threading.Event()
    results, errors = {}, []

    def refresh(name, hold):
        try:
            with transaction.atomic():
                results[name] = services.profiles_refresh(declaration_ids=[declaration.pk])
                if hold:  # like a refresh inside an outbox job, not committed yet
                    first_refreshed.set()
                    release.wait()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=refresh, args=("first", True))
    first.start()
    first_refreshed.wait()
    second = threading.Thread(target=refresh, args=("second", False))
    second.start()
    # The second refresh waits on the first one's uncommitted profile before it may insert.
    while not _a_backend_waits_on_a_lock():
        time.sleep(0.05)
    release.set()
    first.join()
    second.join()

    assert errors == []
    assert (results["first"].written, results["second"].written) == (1, 0)
    assert RiskProfile.objects.filter(declaration=declaration).count() == 1


def _a_backend_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
