from datetime import timedelta

import pytest
from django.test import Client

from hub.submissions.services import consignment_ingest
from hub.tracking.forecasts import (
    History,
    Subject,
    consignment_forecasts,
    forecast_backtest,
    open_forecasts,
)
from hub.tracking.models import ReleaseTiming
from hub.tracking.timings import release_timings_lane_set, release_timings_refresh
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    officer,
)
from tests.tracking.release_data import T0, at, declaration, event, released_after

pytestmark = pytest.mark.django_db

DAY = 24
# Arrival (here: declaration) to release, in hours, repeated: six of 12 h, two of 8 h and two of
# 30 h in every ten.
BLOCK = [12, 8, 30, 12, 12, 8, 12, 30, 12, 12]


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def history(enterprise, hours_list, *, first_day=0):
    """One declaration a day from `first_day`, released after each of `hours_list`."""
    return [
        released_after(hours, start=at(DAY * (first_day + day)), enterprise=enterprise)
        for day, hours in enumerate(hours_list)
    ]


def test_the_backtest_reports_the_error_and_coverage_worked_out_by_hand(enterprise):
    # With a hundred releases of this mix known, every forecast is the median, 12 h, with the
    # interval from the 10th to the 90th percentile, 8 h to 30 h. Of the fifty releases then
    # measured, thirty are off by 0 h, ten by 4 h and ten by 18 h: a mean absolute error of
    # 220 / 50 = 4.4 h, and all inside the interval.
    history(enterprise, BLOCK * 10)
    measured = history(enterprise, BLOCK * 5, first_day=100)

    accuracy = forecast_backtest(timings=ReleaseTiming.objects.filter(declaration__in=measured))

    assert accuracy.evaluated == 50
    assert accuracy.without_forecast == 0
    assert accuracy.overall.mae_hours == pytest.approx(4.4)
    assert accuracy.overall.coverage == 1.0
    assert [level.basis for level in accuracy.by_level] == ["same port of entry"]


def test_releases_outside_the_interval_lower_the_measured_coverage(enterprise):
    # Thirty releases of 12 h make the forecast 12 h with the interval 12 to 12 h; of the ten
    # measured, the last two take 20 h: both outside, each 8 h off. MAE 16 / 10 = 1.6 h, 80 %.
    history(enterprise, [12] * 30)
    measured = history(enterprise, [12] * 8 + [20, 20], first_day=30)

    accuracy = forecast_backtest(timings=ReleaseTiming.objects.filter(declaration__in=measured))

    assert accuracy.overall.mae_hours == pytest.approx(1.6)
    assert accuracy.overall.coverage == pytest.approx(0.8)


def test_a_release_with_too_little_history_before_it_is_counted_without_a_forecast(enterprise):
    measured = history(enterprise, [12] * 25)

    accuracy = forecast_backtest(timings=ReleaseTiming.objects.filter(declaration__in=measured))

    # The first twenty had fewer than twenty releases before them.
    assert (accuracy.evaluated, accuracy.without_forecast, accuracy.overall.count) == (25, 20, 5)


def open_declaration(enterprise, *, arrived_hours_ago, now, shipping_line, **fields):
    made = declaration(
        enterprise=enterprise,
        document=f"BL-OPEN-{enterprise.pk}",
        declared_at=now - timedelta(hours=arrived_hours_ago - 1),
        refresh=False,
        **fields,
    )
    event(
        shipping_line,
        made.transport_document_number,
        "arrival",
        now - timedelta(hours=arrived_hours_ago),
    )
    release_timings_refresh(declaration_ids=[made.pk])
    return made


@pytest.fixture
def shipping_line(db):
    return EnterpriseFactory(legal_name="Blue Anchor Lines")


def test_thin_specific_history_falls_back_to_the_route_office_and_lane(enterprise, shipping_line):
    others = EnterpriseFactory()
    own = history(enterprise, [100] * 5)
    pooled = history(others, [10] * 25, first_day=5)
    ReleaseTiming.objects.update(port_of_loading="DEHAM")
    release_timings_lane_set(lanes={made.pk: "green" for made in own + pooled})
    now = at(DAY * 40)
    made = open_declaration(enterprise, arrived_hours_ago=1, now=now, shipping_line=shipping_line)
    ReleaseTiming.objects.filter(declaration=made).update(port_of_loading="DEHAM")
    release_timings_lane_set(lanes={made.pk: "green"})

    [(subject, forecast)] = open_forecasts(enterprise=enterprise, now=now)

    assert subject.declaration_number == made.number
    assert subject.anchor_kind == "arrival"
    assert str(forecast.basis) == "same route, office and lane"
    assert forecast.history_count == 30  # 25 of 10 h, and the enterprise's own 5 of 100 h
    assert forecast.expected_at == subject.anchor_at + timedelta(hours=10)


def test_once_time_has_passed_only_longer_history_counts(enterprise, shipping_line):
    history(enterprise, [10, 30] * 20)
    now = at(DAY * 50)

    made = open_declaration(enterprise, arrived_hours_ago=15, now=now, shipping_line=shipping_line)
    [(_subject, forecast)] = open_forecasts(enterprise=enterprise, now=now)
    fresh = History.recent(now=now).forecast(
        Subject(anchor_at=now, anchor_kind="arrival", port="CNSHA"), now=now
    )

    assert made.released_at is None
    assert forecast.expected_at == now - timedelta(hours=15) + timedelta(hours=30)
    assert forecast.low_at > now
    assert fresh.expected_at == now + timedelta(hours=20)  # median of 10 h and 30 h


def test_an_open_consignment_not_declared_yet_is_forecast_from_its_route(enterprise):
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, admin)
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document("PO-OPEN")],  # DEHAM to CNSHA, due 2026-12-02 00:00 UTC
        channel="api",
        actor=admin,
    )
    history(EnterpriseFactory(), [6] * 20 + [40] * 5, first_day=200)
    ReleaseTiming.objects.update(port_of_loading="DEHAM")
    now = at(DAY * 250)

    forecasts = consignment_forecasts(enterprise=enterprise, now=now)

    assert set(forecasts) == {"PO-OPEN"}
    assert str(forecasts["PO-OPEN"].basis) == "same route"
    expected_arrival = forecasts["PO-OPEN"].expected_at - timedelta(hours=6)
    assert expected_arrival.isoformat() == "2026-12-02T00:00:00+00:00"


def test_without_enough_comparable_history_there_is_no_forecast(enterprise, shipping_line):
    history(enterprise, [10] * 5)
    now = at(DAY * 10)
    open_declaration(enterprise, arrived_hours_ago=1, now=now, shipping_line=shipping_line)

    [(_, forecast)] = open_forecasts(enterprise=enterprise, now=now)

    assert forecast is None


def test_the_forecasts_page_shows_open_consignments_and_the_measured_accuracy(enterprise):
    member = MembershipFactory(enterprise=enterprise, role="viewer").user
    history(enterprise, BLOCK * 10)
    measured = history(enterprise, BLOCK * 5, first_day=100)
    still_open = declaration(enterprise=enterprise, declared_at=at(DAY * 160))
    start, end = measured[0].declared_at.date(), measured[-1].declared_at.date()

    response = client_of(member).get(
        f"/enterprises/{enterprise.pk}/release-times/forecasts",
        {"start": start.isoformat(), "end": end.isoformat()},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert still_open.number in body
    assert response.context["accuracy"].overall.mae_hours == pytest.approx(4.4)
    assert 'data-accuracy="mae">4.4<' in body
    assert 'data-accuracy="coverage">100 %<' in body


def test_another_enterprise_may_not_see_the_forecasts(enterprise):
    outsider = MembershipFactory(enterprise=EnterpriseFactory(), role="admin").user

    response = client_of(outsider).get(f"/enterprises/{enterprise.pk}/release-times/forecasts")

    assert response.status_code == 404


def test_customs_see_the_accuracy_of_all_forecasts_on_the_overview(enterprise):
    history(enterprise, BLOCK * 10)
    measured = history(enterprise, BLOCK * 5, first_day=100)

    response = client_of(officer("customs_analyst")).get(
        "/release-times/",
        {
            "start": measured[0].declared_at.date().isoformat(),
            "end": measured[-1].declared_at.date().isoformat(),
        },
    )

    assert response.context["accuracy"].overall.count == 50
    assert response.context["accuracy"].overall.mae_hours == pytest.approx(4.4)


def test_the_history_of_a_forecast_starts_from_releases_only():
    released_after(5)
    declaration(declared_at=T0)  # open: not history

    assert sum(len(released) for released, _ in History.recent(now=at(DAY)).index[-1].values()) == 1
