from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from hub.core.models import AuditEvent
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from hub.tracking.models import ReleaseTarget
from hub.tracking.targets import release_targets_set, target_alerts_for
from hub.tracking.timings import release_timings_refresh
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
)
from tests.tracking.release_data import T0, declaration, event, match

pytestmark = pytest.mark.django_db

NOW = T0 + timedelta(days=10)


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def released(enterprise, accepted_hours_ago, took_hours, **fields):
    accepted = NOW - timedelta(hours=accepted_hours_ago)
    return declaration(
        enterprise=enterprise,
        declared_at=accepted,
        accepted_at=accepted,
        released_at=accepted + timedelta(hours=took_hours),
        **fields,
    )


def target(enterprise, stage="acceptance_to_release", hours="10", spread="2"):
    release_targets_set(
        enterprise=enterprise,
        targets={stage: (Decimal(hours), Decimal(spread))},
        actor="test",
    )


def test_a_submitter_sets_targets_per_stage_and_the_change_is_audited(enterprise):
    submitter = MembershipFactory(enterprise=enterprise, role="submitter").user

    response = client_of(submitter).post(
        f"/enterprises/{enterprise.pk}/release-times/targets",
        {"acceptance_to_release_target": "24", "acceptance_to_release_spread": "6"},
    )

    assert response.status_code == 302
    saved = ReleaseTarget.objects.get()
    assert (saved.stage, saved.target_hours, saved.spread_hours) == (
        "acceptance_to_release",
        Decimal("24.00"),
        Decimal("6.00"),
    )
    event = AuditEvent.objects.get(action="release_targets.set")
    assert event.data["changes"]["acceptance_to_release"]["target_hours"] == "24"


def test_clearing_both_fields_removes_the_stage_target(enterprise, enterprise_admin):
    target(enterprise)

    client_of(enterprise_admin).post(f"/enterprises/{enterprise.pk}/release-times/targets", {})

    assert not ReleaseTarget.objects.exists()


def test_a_target_without_its_spread_or_below_zero_is_refused_with_a_reason(
    enterprise, enterprise_admin
):
    response = client_of(enterprise_admin).post(
        f"/enterprises/{enterprise.pk}/release-times/targets",
        {
            "acceptance_to_release_target": "24",
            "arrival_to_release_target": "-1",
            "arrival_to_release_spread": "1",
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the accepted spread too (0 for none)." in body
    assert "greater than or equal to 0.01" in body
    assert not ReleaseTarget.objects.exists()


def test_a_viewer_sees_the_targets_but_may_not_change_them(enterprise):
    viewer = MembershipFactory(enterprise=enterprise, role="viewer").user
    target(enterprise)
    client = client_of(viewer)

    page = client.get(f"/enterprises/{enterprise.pk}/release-times/targets")
    refused = client.post(f"/enterprises/{enterprise.pk}/release-times/targets", {})

    assert page.status_code == 200
    assert 'value="10.00"' in page.content.decode()
    assert refused.status_code == 403
    assert ReleaseTarget.objects.count() == 1


def test_a_consignment_beyond_target_plus_spread_raises_an_alert_naming_it(enterprise):
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, admin)
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document("PO-LATE")],
        channel="api",
        actor=admin,
    )
    late = released(enterprise, 48, 13)  # 13 h > 10 + 2
    released(enterprise, 48, 11.5)  # within the spread
    match(late, Consignment.objects.get(reference="PO-LATE"))
    release_timings_refresh(declaration_ids=[late.pk])
    target(enterprise)

    alerts = [
        alert for alert in target_alerts_for(enterprise, now=NOW) if alert.kind == "consignment"
    ]

    assert len(alerts) == 1
    assert alerts[0].declaration_number == late.number
    assert alerts[0].consignment_references == ["PO-LATE"]
    assert alerts[0].hours == pytest.approx(13)
    assert not alerts[0].in_progress
    assert "took 13.0 h, beyond target + spread (12.0 h)" in alerts[0].message


def test_a_stage_still_running_beyond_its_limit_raises_an_alert_before_it_ends(enterprise):
    accepted = NOW - timedelta(hours=20)
    waiting = declaration(enterprise=enterprise, declared_at=accepted, accepted_at=accepted)
    declaration(enterprise=enterprise, declared_at=NOW - timedelta(hours=5), accepted_at=NOW)
    target(enterprise)

    alerts = target_alerts_for(enterprise, now=NOW)

    assert [(alert.declaration_number, alert.in_progress) for alert in alerts] == [
        (waiting.number, True)
    ]
    assert alerts[0].hours == pytest.approx(20)


def test_an_arrived_consignment_no_declaration_is_matched_to_raises_an_alert(enterprise):
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, admin)
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document("PO-WAITING", transport_document_number="BL-W")],
        channel="api",
        actor=admin,
    )
    carrier = EnterpriseFactory(legal_name="Blue Anchor Lines")
    event(carrier, "BL-W", "arrival", NOW - timedelta(hours=30))
    target(enterprise, stage="arrival_to_declaration", hours="24", spread="4")

    alerts = target_alerts_for(enterprise, now=NOW)

    assert [alert.consignment_references for alert in alerts] == [["PO-WAITING"]]
    assert alerts[0].in_progress


def test_the_running_mean_and_spread_beyond_their_targets_raise_alerts(enterprise):
    for took in (8, 12, 16):  # mean 12, standard deviation 4
        released(enterprise, 100, took)
    target(enterprise, hours="11", spread="3")

    alerts = {alert.kind: alert for alert in target_alerts_for(enterprise, now=NOW)}

    assert alerts["running_mean"].hours == pytest.approx(12)
    assert alerts["running_spread"].hours == pytest.approx(4)
    assert alerts["running_mean"].count == 3


def test_times_older_than_the_window_and_other_enterprises_times_raise_no_alert(enterprise):
    released(enterprise, 24 * 40, 50)  # 40 days ago
    released(EnterpriseFactory(), 48, 50)
    target(enterprise)

    assert target_alerts_for(enterprise, now=NOW) == []


def test_the_dashboard_shows_the_missed_targets(enterprise, enterprise_admin):
    accepted = timezone.now() - timedelta(hours=20)
    declaration(enterprise=enterprise, declared_at=accepted, accepted_at=accepted)
    target(enterprise)

    response = client_of(enterprise_admin).get(f"/enterprises/{enterprise.pk}/release-times/")

    assert response.status_code == 200
    assert response.context["alerts"]
    assert "Targets missed" in response.content.decode()
