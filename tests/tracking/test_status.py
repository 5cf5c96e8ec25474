from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.declarations.models import DeclarationStatus
from hub.tracking.models import CargoEvent
from hub.tracking.selectors import (
    consignment_tracking_get,
    consignment_tracking_list,
    estimated_arrival_history,
    timeline_list,
    tracking_of,
)
from hub.tracking.status import Alert, Stage
from tests.factories import EnterpriseFactory
from tests.tracking.conftest import DOCUMENT, share
from tests.tracking.factories import declaration_for, reporter_key, status_change

pytestmark = pytest.mark.django_db


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def cargo_event(reporter, type, occurred_at, document=DOCUMENT, **fields):
    return CargoEvent.objects.create(
        reporter=reporter,
        event_id=f"{type}-{CargoEvent.objects.count()}",
        type=type,
        transport_document_number=document,
        occurred_at=occurred_at,
        received_at=timezone.now(),
        **fields,
    )


def tracked(importer, consignment):
    return tracking_of(consignment_tracking_get(visible_to=importer.admin, pk=consignment.pk))


def alerts(importer, consignment):
    return [alert.kind for alert in tracked(importer, consignment).alerts]


@pytest.fixture
def carrier(db):
    return reporter_key("carrier").enterprise


def assessed(declaration, due_in_days):
    return status_change(
        declaration,
        DeclarationStatus.DUTY_ASSESSED,
        ago(1),
        duty_amount=Decimal("830.20"),
        duty_currency="CNY",
        duty_due_date=timezone.localdate() + timedelta(days=due_in_days),
    )


def test_duty_due_within_the_alert_days_asks_for_action_and_overdue_duty_says_so(
    importer, settings
):
    settings.TRACKING_DUTY_ALERT_DAYS = 3
    soon, later, overdue = (share(importer, f"PO-DUTY-{n}") for n in range(3))
    assessed(declaration_for(soon, declared_at=ago(20)), due_in_days=2)
    assessed(declaration_for(later, declared_at=ago(20)), due_in_days=10)
    assessed(declaration_for(overdue, declared_at=ago(20)), due_in_days=-1)

    soon_tracking = tracked(importer, soon)
    overdue_tracking = tracked(importer, overdue)

    assert [alert.kind for alert in soon_tracking.alerts] == [Alert.DUTY_DUE]
    assert "830.20 CNY is due on" in soon_tracking.alerts[0].message
    assert (soon_tracking.duty_owed, soon_tracking.duty_currency) == (Decimal("830.20"), "CNY")
    assert alerts(importer, later) == []
    assert "was due on" in overdue_tracking.alerts[0].message
    assert overdue_tracking.duty_overdue


def test_duty_paid_is_owed_no_more(importer):
    consignment = share(importer, "PO-PAID")
    declaration = assessed(declaration_for(consignment, declared_at=ago(20)), due_in_days=1)

    status_change(declaration, DeclarationStatus.DUTY_PAID, ago(0.5))

    tracking = tracked(importer, consignment)
    assert tracking.duty_owed is None
    assert tracking.alerts == []


def test_selection_for_inspection_asks_for_action_until_the_goods_are_inspected(importer):
    consignment = share(importer, "PO-INSP")
    declaration = declaration_for(consignment, declared_at=ago(20))

    status_change(declaration, DeclarationStatus.SELECTED_FOR_INSPECTION, ago(10))
    selected = alerts(importer, consignment)
    status_change(declaration, DeclarationStatus.INSPECTED, ago(5))

    assert selected == [Alert.INSPECTION]
    assert alerts(importer, consignment) == []


def test_an_estimate_later_than_shared_by_more_than_the_setting_is_a_delay(
    importer, carrier, settings
):
    settings.TRACKING_DELAY_ALERT_HOURS = 24
    shared_arrival = timezone.now() + timedelta(days=5)
    consignment = share(importer, "PO-LATE", estimated_arrival=shared_arrival)
    cargo_event(carrier, "departure", ago(48), location="DEHAM")

    cargo_event(
        carrier,
        "estimated_arrival",
        ago(30),
        estimated_arrival=shared_arrival + timedelta(hours=10),
    )
    slightly_late = tracked(importer, consignment)
    cargo_event(
        carrier,
        "estimated_arrival",
        ago(20),
        estimated_arrival=shared_arrival + timedelta(hours=30),
    )
    late = tracked(importer, consignment)

    assert slightly_late.alerts == []
    assert slightly_late.arrival_change_hours == Decimal("10.0")
    assert [alert.kind for alert in late.alerts] == [Alert.DELAYED]
    assert late.latest_eta == shared_arrival + timedelta(hours=30)
    assert late.arrival_change_hours == Decimal("30.0")
    assert "30 hours after" in late.alerts[0].message


def test_no_arrival_long_after_the_latest_estimate_is_a_delay_while_the_goods_are_under_way(
    importer, carrier, settings
):
    settings.TRACKING_DELAY_ALERT_HOURS = 24
    consignment = share(importer, "PO-GONE", estimated_arrival=ago(30))

    quiet = alerts(importer, consignment)
    cargo_event(carrier, "departure", ago(300), location="DEHAM")
    under_way = tracked(importer, consignment)
    cargo_event(carrier, "arrival", ago(29), location="CNSHA")

    assert quiet == []
    assert [alert.kind for alert in under_way.alerts] == [Alert.DELAYED]
    assert "No arrival reported 30 hours after" in under_way.alerts[0].message
    assert alerts(importer, consignment) == []


def test_goods_arrived_long_ago_and_not_declared_ask_for_a_declaration(importer, carrier, settings):
    settings.TRACKING_UNDECLARED_ALERT_HOURS = 48
    recent = share(
        importer, "PO-NEW", transport_document_number="MAEU0000000001", estimated_arrival=ago(10)
    )
    old = share(importer, "PO-OLD", estimated_arrival=ago(50))
    cargo_event(carrier, "arrival", ago(10), document="MAEU0000000001", location="CNSHA")
    cargo_event(carrier, "arrival", ago(50), location="CNSHA")

    waiting = alerts(importer, old)
    declaration_for(old, declared_at=ago(1))

    assert alerts(importer, recent) == []
    assert waiting == [Alert.UNDECLARED]
    assert alerts(importer, old) == []


def test_the_list_filters_on_what_needs_action_and_on_status(importer, settings):
    settings.TRACKING_DUTY_ALERT_DAYS = 3
    _calm, inspected, owing = (share(importer, f"PO-F{n}") for n in range(3))
    status_change(
        declaration_for(inspected, declared_at=ago(9)),
        DeclarationStatus.SELECTED_FOR_INSPECTION,
        ago(8),
    )
    assessed(declaration_for(owing, declared_at=ago(9)), due_in_days=1)

    def references(**filters):
        found = consignment_tracking_list(visible_to=importer.admin, enterprise=importer, **filters)
        return sorted(consignment.reference for consignment in found)

    assert references(alert="any") == ["PO-F1", "PO-F2"]
    assert references(alert=Alert.INSPECTION) == ["PO-F1"]
    assert references(stage=Stage.DUTY_ASSESSED) == ["PO-F2"]
    assert references(stage=Stage.SHARED) == ["PO-F0"]
    assert references(search="f2") == ["PO-F2"]


def test_clearance_is_as_far_as_the_least_advanced_matched_declaration(importer):
    consignment = share(importer, "PO-TWO")
    first = declaration_for(consignment, declared_at=ago(10))
    second = declaration_for(consignment, declared_at=ago(9))
    status_change(first, DeclarationStatus.RELEASED, ago(5))
    status_change(second, DeclarationStatus.ACCEPTED, ago(5))

    tracking = tracked(importer, consignment)

    assert (tracking.status, tracking.clearance) == (Stage.ACCEPTED, Stage.ACCEPTED)


def test_a_declaration_of_another_or_an_unknown_consignee_never_shows_on_the_consignment(
    importer,
):
    consignment = share(importer, "PO-MINE")
    rival = EnterpriseFactory(legal_name="Rival Trading Co., Ltd.")
    theirs = declaration_for(consignment, declared_at=ago(10), consignee=rival)
    status_change(theirs, DeclarationStatus.DUTY_ASSESSED, ago(5), duty_amount=Decimal("99"))
    declaration_for(consignment, declared_at=ago(9), consignee=None)

    tracking = tracked(importer, consignment)
    timeline = timeline_list(consignment=consignment)

    assert (tracking.status, tracking.clearance, tracking.duty_owed) == (Stage.SHARED, None, None)
    assert [entry.kind for entry in timeline] == ["shared"]


def test_a_declaration_lodged_before_arrival_shows_as_declared_beside_the_cargo_stage(
    importer, carrier
):
    consignment = share(importer, "PO-PRE", estimated_arrival=timezone.now() + timedelta(days=3))
    cargo_event(carrier, "position", ago(5), latitude=Decimal("30.1"), longitude=Decimal("125.2"))
    declaration_for(consignment, declared_at=ago(4))

    tracking = tracked(importer, consignment)

    assert (tracking.status, tracking.cargo) == (Stage.DECLARED, Stage.IN_TRANSIT)


def test_the_timeline_lists_every_change_of_the_estimated_arrival(importer, carrier):
    shared_arrival = timezone.now() + timedelta(days=5)
    consignment = share(importer, "PO-ETA", estimated_arrival=shared_arrival, received_at=ago(100))
    cargo_event(carrier, "departure", ago(90), location="DEHAM", estimated_arrival=shared_arrival)
    cargo_event(
        carrier, "estimated_arrival", ago(50), estimated_arrival=shared_arrival + timedelta(days=1)
    )
    cargo_event(carrier, "position", ago(40), latitude=1, longitude=2)

    history = estimated_arrival_history(timeline_list(consignment=consignment))

    assert [entry.estimated_arrival for entry in history] == [
        shared_arrival,
        shared_arrival + timedelta(days=1),
    ]
    assert [entry.kind for entry in history] == ["shared", "cargo_event"]
