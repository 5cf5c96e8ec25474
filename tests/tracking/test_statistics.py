import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from hub.declarations.follow_ups import statuses_changed
from hub.declarations.models import DeclarationStatusChange
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from hub.tracking.follow_ups import cargo_events_received
from hub.tracking.models import ReleaseTiming
from hub.tracking.reports import Filters, export_csv, release_time_report
from hub.tracking.statistics import stage_statistics
from hub.tracking.timings import release_timings_lane_set, release_timings_refresh
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    officer,
)
from tests.tracking.release_data import T0, at, declaration, event, match, released_after

pytestmark = pytest.mark.django_db

# Acceptance → release of ten declarations, in hours. By hand, with percentiles interpolated
# linearly between ranks: Q1 = 3 + 0.25·(4 - 3) = 3.25, Q3 = 6 + 0.75·(8 - 6) = 7.5, IQR = 4.25,
# fences -9.5 and 20.25, so 100 h is an outlier. The nine kept: sum 46, mean 46/9 = 5.1111,
# squares 288, sample variance (288 - 46²/9)/8 = 6.6111, standard deviation 2.5712;
# p50 = 5; p90 = 8 + 0.2·(10 - 8) = 8.4; p95 = 8 + 0.6·(10 - 8) = 9.2.
HOURS = [2, 3, 3, 4, 5, 5, 6, 8, 10, 100]
PERIOD = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shipping_line(db):
    return EnterpriseFactory(legal_name="Blue Anchor Lines", trade_roles=["carrier"])


def test_stage_times_come_from_the_cargo_events_of_the_declaration_and_its_consignments(
    shipping_line,
):
    importer = EnterpriseFactory()
    admin = MembershipFactory(enterprise=importer, role="admin").user
    active_agreement(importer, admin)
    consignment_ingest(
        enterprise_id=importer.pk,
        documents=[consignment_document("PO-1", transport_document_number="HBL-77")],
        channel="api",
        actor=admin,
    )
    made = declaration(
        enterprise=importer,
        document="MBL-1",
        declared_at=at(5),
        accepted_at=at(6),
        released_at=at(30),
        items=[("8482101000", "100.00"), ("9031800000", "500.00")],
        refresh=False,
    )
    match(made, Consignment.objects.get(reference="PO-1"))
    # Two containers: the first arrival counts, and the goods are out with the last gate-out.
    event(shipping_line, "HBL-77", "arrival", at(0))
    event(shipping_line, "MBL-1", "arrival", at(2))
    event(shipping_line, "MBL-1", "gate_out", at(40))
    event(shipping_line, "HBL-77", "gate_out", at(44))

    release_timings_refresh(declaration_ids=[made.pk])

    timing = ReleaseTiming.objects.get()
    assert (timing.arrived_at, timing.gate_out_at, timing.started_at) == (at(0), at(44), at(0))
    assert timing.arrival_to_declaration == 5 * 3600
    assert timing.declaration_to_acceptance == 1 * 3600
    assert timing.acceptance_to_release == 24 * 3600
    assert timing.release_to_gate_out == 14 * 3600
    assert timing.arrival_to_release == 30 * 3600
    assert timing.hs_chapter == "90"  # the chapter of the item of greatest value
    assert timing.port_of_loading == "DEHAM"
    assert timing.enterprise == importer


def test_a_declaration_lodged_before_arrival_has_a_negative_first_stage(shipping_line):
    made = declaration(document="BL-EARLY", declared_at=at(-10), accepted_at=at(-9))
    event(shipping_line, "BL-EARLY", "arrival", at(0))
    release_timings_refresh(declaration_ids=[made.pk])

    assert ReleaseTiming.objects.get().arrival_to_declaration == -10 * 3600


def test_status_changes_and_cargo_events_refresh_the_timing_through_their_follow_ups(shipping_line):
    made = declaration(document="BL-9", declared_at=at(1))
    assert ReleaseTiming.objects.get().acceptance_to_release is None

    for status, hours in (("accepted", 3), ("released", 9)):
        DeclarationStatusChange.objects.create(
            declaration=made, status=status, occurred_at=at(hours), received_at=at(hours)
        )
    statuses_changed.run(declaration_ids=[made.pk])
    arrival = event(shipping_line, "BL-9", "arrival", at(0))
    cargo_events_received.run(event_ids=[arrival.pk])

    timing = ReleaseTiming.objects.get()
    assert timing.acceptance_to_release == 6 * 3600
    assert timing.arrival_to_release == 9 * 3600


def test_refreshing_again_changes_nothing_and_keeps_the_lane_the_risk_engine_set():
    made = released_after(5)
    release_timings_lane_set(lanes={made.pk: "green"})
    before = ReleaseTiming.objects.values().get()

    release_timings_refresh(declaration_ids=[made.pk, made.pk])

    after = ReleaseTiming.objects.values().get()
    assert after["lane"] == "green"
    assert {key: value for key, value in after.items() if key != "refreshed_at"} == {
        key: value for key, value in before.items() if key != "refreshed_at"
    }
    assert ReleaseTiming.objects.count() == 1


def test_a_lane_for_a_declaration_without_a_timing_yet_creates_it():
    made = released_after(5, refresh=False)

    release_timings_lane_set(lanes={made.pk: "amber"})

    assert ReleaseTiming.objects.get().lane == "amber"


def test_statistics_match_the_hand_computed_example_and_leave_out_the_outlier():
    for hours in HOURS:
        released_after(hours)

    figures = stage_statistics(ReleaseTiming.objects.all())[""]["acceptance_to_release"]

    assert figures.count == 9
    assert figures.excluded == 1
    assert figures.mean == pytest.approx(5.1111, abs=1e-4)
    assert figures.std == pytest.approx(2.5712, abs=1e-4)
    assert figures.p50 == pytest.approx(5)
    assert figures.p90 == pytest.approx(8.4)
    assert figures.p95 == pytest.approx(9.2)


def test_with_outliers_kept_the_figures_include_the_extreme_time():
    # All ten: mean 146/10 = 14.6; variance (10288 - 146²/10)/9 = 906.2667, deviation 30.1043;
    # p90 = 10 + 0.1·(100 - 10) = 19; p95 = 10 + 0.55·(100 - 10) = 59.5.
    for hours in HOURS:
        released_after(hours)

    figures = stage_statistics(ReleaseTiming.objects.all(), exclude_outliers=False)[""]
    figures = figures["acceptance_to_release"]

    assert (figures.count, figures.excluded) == (10, 0)
    assert figures.mean == pytest.approx(14.6)
    assert figures.std == pytest.approx(30.1043, abs=1e-4)
    assert figures.p90 == pytest.approx(19)
    assert figures.p95 == pytest.approx(59.5)


def test_a_time_beyond_the_mild_fence_but_within_the_far_out_one_is_kept():
    # Q1 = 3.25, Q3 = 7.5, IQR = 4.25: 15 h is beyond Q3 + 1.5·IQR = 13.875, within 20.25.
    for hours in [2, 3, 3, 4, 5, 5, 6, 8, 10, 15]:
        released_after(hours)

    figures = stage_statistics(ReleaseTiming.objects.all())[""]["acceptance_to_release"]

    assert (figures.count, figures.excluded) == (10, 0)
    assert figures.mean == pytest.approx(6.1)


def test_a_low_outlier_is_left_out_too():
    for hours in [10, 11, 11, 12, 12, 12, 13, 13, 14, -200]:
        released_after(hours)

    figures = stage_statistics(ReleaseTiming.objects.all())[""]["acceptance_to_release"]

    assert (figures.count, figures.excluded) == (9, 1)
    assert figures.mean == pytest.approx(108 / 9)


def test_statistics_are_grouped_by_office_broker_and_hs_chapter():
    for hours in (2, 4):
        released_after(hours, office="2201", broker="Alpha Brokers", items=[("8703", "9")])
    released_after(10, office="2248", broker="Beta Brokers", items=[("0901", "9")])

    by_office = stage_statistics(ReleaseTiming.objects.all(), by="customs_office")
    by_broker = stage_statistics(ReleaseTiming.objects.all(), by="broker")
    by_chapter = stage_statistics(ReleaseTiming.objects.all(), by="hs_chapter")

    assert by_office["2201"]["acceptance_to_release"].mean == pytest.approx(3)
    assert by_office["2201"]["acceptance_to_release"].count == 2
    assert by_office["2248"]["acceptance_to_release"].mean == pytest.approx(10)
    assert by_office["2248"]["acceptance_to_release"].std is None  # one time has no spread
    assert set(by_broker) == {"Alpha Brokers", "Beta Brokers"}
    assert by_chapter["87"]["acceptance_to_release"].count == 2


def test_statistics_group_by_lane_once_the_risk_engine_set_it():
    green = [released_after(hours) for hours in (1, 3)]
    released_after(20)
    release_timings_lane_set(lanes={made.pk: "green" for made in green})

    by_lane = stage_statistics(ReleaseTiming.objects.all(), by="lane")

    assert by_lane["green"]["acceptance_to_release"].mean == pytest.approx(2)
    assert by_lane[""]["acceptance_to_release"].mean == pytest.approx(20)


def test_the_trend_gives_each_month_its_own_figures(enterprise):
    for start, hours in ((T0, 4), (T0, 6), (at(24 * 31), 20)):  # March and April
        released_after(hours, start=start, enterprise=enterprise)
    filters = Filters(
        start=date(2026, 3, 1),
        end=date(2026, 4, 30),
        stage="acceptance_to_release",
        interval="month",
    )

    report = release_time_report(viewer=officer("customs_analyst"), filters=filters)

    assert [(label, overall.count, overall.mean) for label, _, overall in report.trend_shown] == [
        ("2026-03", 2, pytest.approx(5)),
        ("2026-04", 1, pytest.approx(20)),
    ]


def test_the_period_counts_declarations_by_arrival_or_declaration(enterprise):
    released_after(5, start=at(-24 * 5))  # late February: outside March
    released_after(7)

    report = release_time_report(viewer=officer("customs_analyst"), filters=PERIOD)

    assert report.summary.overall["acceptance_to_release"].count == 1


@pytest.fixture
def four_importers(db):
    """A with two declarations, B, C and D with one each; A and B share a broker no one else
    uses."""
    names = ["Alpha Optics Co., Ltd.", "Beta Rival Trading", "Gamma Imports", "Delta Goods"]
    importers = [EnterpriseFactory(legal_name=name) for name in names]
    a, b, c, d = importers
    released_after(2, enterprise=a, broker="Shared Brokers")
    released_after(4, enterprise=a, broker="Common Brokers")
    released_after(18, enterprise=b, broker="Shared Brokers")
    released_after(6, enterprise=c, broker="Common Brokers")
    released_after(8, enterprise=d, broker="Common Brokers")
    return importers


def test_an_enterprise_sees_its_own_figures_beside_the_overall_ones_and_no_other_by_name(
    four_importers,
):
    a = four_importers[0]
    member = MembershipFactory(enterprise=a, role="viewer").user

    response = client_of(member).get(
        f"/enterprises/{a.pk}/release-times/",
        {
            "start": "2026-03-01",
            "end": "2026-03-31",
            "dimension": "broker",
            "stage": "acceptance_to_release",
        },
    )

    assert response.status_code == 200
    report = response.context["report"]
    own, overall = (
        report.summary.own["acceptance_to_release"],
        report.summary.overall["acceptance_to_release"],
    )
    assert (own.count, own.mean) == (2, pytest.approx(3))
    assert (overall.count, overall.mean) == (5, pytest.approx(38 / 5))
    body = response.content.decode()
    for other in ("Beta Rival Trading", "Gamma Imports", "Delta Goods"):
        assert other not in body
    # A broker only A and B used pools two consignees: B's time could be read off it.
    rows = {label: (mine, pooled) for label, mine, pooled in report.rows_shown}
    assert rows["Shared Brokers"][1].withheld
    assert rows["Shared Brokers"][0].mean == pytest.approx(2)
    assert not rows["Common Brokers"][1].withheld


def test_an_enterprise_may_not_group_by_enterprise_nor_see_another_enterprise_dashboard(
    four_importers,
):
    a, b = four_importers[:2]
    member = MembershipFactory(enterprise=a, role="viewer").user
    client = client_of(member)

    assert (
        client.get(f"/enterprises/{a.pk}/release-times/", {"dimension": "enterprise"}).status_code
        == 400
    )
    assert client.get(f"/enterprises/{b.pk}/release-times/").status_code == 404
    assert client.get("/release-times/").status_code == 403


def test_customs_see_every_enterprise_by_name_with_nothing_withheld(four_importers):
    analyst = officer("customs_analyst")

    response = client_of(analyst).get(
        "/release-times/",
        {
            "start": "2026-03-01",
            "end": "2026-03-31",
            "dimension": "enterprise",
            "stage": "acceptance_to_release",
        },
    )

    assert response.status_code == 200
    rows = {label: pooled for label, _, pooled in response.context["report"].rows_shown}
    assert rows["Beta Rival Trading"].mean == pytest.approx(18)
    assert rows["Alpha Optics Co., Ltd."].count == 2
    assert "Gamma Imports" in response.content.decode()


def test_a_period_that_ends_before_it_starts_is_refused_with_a_reason(enterprise_admin, enterprise):
    response = client_of(enterprise_admin).get(
        f"/enterprises/{enterprise.pk}/release-times/", {"start": "2026-03-10", "end": "2026-03-01"}
    )

    assert response.status_code == 400
    assert "The end of the period comes before its start." in response.content.decode()


def test_the_csv_export_has_the_figures_of_the_page(four_importers):
    a = four_importers[0]
    member = MembershipFactory(enterprise=a, role="viewer").user

    response = client_of(member).get(
        f"/enterprises/{a.pk}/release-times/export",
        {"start": "2026-03-01", "end": "2026-03-31", "dimension": "broker", "format": "csv"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    own = next(
        row
        for row in rows
        if (row["scope"], row["grouping"], row["stage"])
        == ("own", "overall", "acceptance → release")
    )
    assert (own["count"], own["mean (h)"], own["p50 (h)"]) == ("2", "3.0", "3.0")
    shared = next(
        row for row in rows if row["scope"] == "overall" and row["group"] == "Shared Brokers"
    )
    assert shared["count"] == ""
    assert shared["note"].startswith("withheld")
    assert "Beta Rival Trading" not in response.content.decode()


def test_the_excel_export_has_a_statistics_and_a_trend_sheet_and_keeps_formulas_as_text():
    for hours in HOURS:
        released_after(hours, broker='=HYPERLINK("http://x")')
    analyst = officer("customs_analyst")

    response = client_of(analyst).get(
        "/release-times/export",
        {"start": "2026-03-01", "end": "2026-03-31", "dimension": "broker", "format": "xlsx"},
    )

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Statistics", "Trend"]
    rows = list(workbook["Statistics"].iter_rows(values_only=True))
    assert rows[0][:6] == ("scope", "grouping", "group", "stage", "count", "mean (h)")
    release = next(row for row in rows if row[1] == "overall" and row[3] == "acceptance → release")
    assert release[4:11] == (9, 5.11, 2.57, 5, 8.4, 9.2, 1)
    broker_row = next(row for row in rows if row[1] == "broker")
    assert broker_row[2] == '=HYPERLINK("http://x")'
    cell = next(row[2] for row in workbook["Statistics"].iter_rows() if row[1].value == "broker")
    assert cell.data_type == "s"


def test_the_csv_keeps_a_formula_like_name_as_text():
    released_after(3, broker="=cmd|' /C calc'!A0")

    report = release_time_report(
        viewer=officer("customs_analyst"),
        filters=Filters(start=PERIOD.start, end=PERIOD.end, dimension="broker"),
        every_stage_by_group=True,
    )

    assert "'=cmd|" in export_csv(report)


def test_an_unknown_export_format_is_a_400_that_says_which_exist(enterprise_admin, enterprise):
    response = client_of(enterprise_admin).get(
        f"/enterprises/{enterprise.pk}/release-times/export", {"format": "pdf"}
    )

    assert response.status_code == 400
    assert "format=csv or format=xlsx" in response.content.decode()


def test_the_rebuild_command_restores_every_timing_and_keeps_lanes():
    kept = released_after(4)
    released_after(6)
    release_timings_lane_set(lanes={kept.pk: "green"})
    ReleaseTiming.objects.exclude(declaration=kept).delete()
    ReleaseTiming.objects.filter(declaration=kept).update(acceptance_to_release=0)
    out = io.StringIO()

    call_command("release_timings_rebuild", stdout=out)

    assert "2 release timings rebuilt." in out.getvalue()
    assert sorted(ReleaseTiming.objects.values_list("acceptance_to_release", "lane")) == [
        (4 * 3600, "green"),
        (6 * 3600, ""),
    ]


def test_the_database_and_python_computations_agree_group_by_group():
    # On PostgreSQL the figures come from SQL; this compares them with Python's on the same rows.
    hours_by_office = {"2201": [1, 2, 2, 3, 50], "2248": [5, 7, 9, 11], "2233": [4]}
    for office, hours_list in hours_by_office.items():
        for hours in hours_list:
            released_after(hours, office=office)
    timings = ReleaseTiming.objects.all()

    in_database = stage_statistics(timings, by="customs_office")
    in_python = stage_statistics(timings, by="customs_office", in_database=False)

    assert set(in_database) == set(in_python) == set(hours_by_office)
    for office, by_stage in in_python.items():
        for stage, figures in by_stage.items():
            other = in_database[office][stage]
            assert (other.count, other.excluded, other.consignees) == (
                figures.count,
                figures.excluded,
                figures.consignees,
            )
            for name in ("mean", "std", "p50", "p90", "p95"):
                assert getattr(other, name) == pytest.approx(getattr(figures, name))
