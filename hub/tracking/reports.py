"""The release-time dashboard's content and its exports: statistics per stage for the chosen
period and grouping, the enterprise's own beside the pooled ones, a trend, and the data of the
charts. One report feeds the page, the CSV and the Excel file, so they always agree."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from connectors.excel_template import FORMULA_TRIGGERS
from hub.enterprises.selectors import sees_every_enterprise
from hub.tracking.models import ReleaseStage
from hub.tracking.statistics import (
    DIMENSIONS,
    INTERVALS,
    MIN_CONSIGNEES_IN_POOL,
    StageFigures,
    group_labels,
    in_period,
    pooled_for,
    release_timing_list,
    release_timing_pool,
    stage_statistics,
)

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
ROWS_SHOWN = 50
CHART_GROUPS = 15


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    dimension: str = "customs_office"
    stage: str = ReleaseStage.ARRIVAL_TO_RELEASE.value
    interval: str = "week"
    exclude_outliers: bool = True

    @classmethod
    def default(cls, today: date | None = None) -> "Filters":
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)


@dataclass
class ReportRow:
    key: object
    label: str
    own: dict[str, StageFigures] = field(default_factory=dict)
    overall: dict[str, StageFigures] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return max((figures.count for figures in self.overall.values()), default=0)

    @property
    def own_size(self) -> int:
        return max((figures.count for figures in self.own.values()), default=0)


@dataclass
class Report:
    filters: Filters
    enterprise: object  # None for the customs overview
    summary: ReportRow
    rows: list[ReportRow]
    trend: list[ReportRow]
    withholds: bool

    stages = list(ReleaseStage)

    @property
    def summary_by_stage(self) -> list[tuple]:
        """(stage, own figures, pooled figures) for each stage."""
        return [
            (stage, self.summary.own.get(stage), self.summary.overall.get(stage))
            for stage in self.stages
        ]

    def _of_stage(self, rows) -> list[tuple]:
        stage = self.filters.stage
        return [(row.label, row.own.get(stage), row.overall.get(stage)) for row in rows]

    @property
    def rows_of_stage(self) -> list[ReportRow]:
        """The groups with a time for the chosen stage, the largest first."""
        stage = self.filters.stage
        return [row for row in self.rows if stage in row.overall or stage in row.own]

    @property
    def rows_shown(self) -> list[tuple]:
        """(group, own figures, pooled figures) of the chosen stage, the largest groups first."""
        return self._of_stage(self.rows_of_stage[:ROWS_SHOWN])

    @property
    def trend_shown(self) -> list[tuple]:
        return self._of_stage(self.trend)

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS[self.filters.dimension][0]

    @property
    def trend_stage_label(self) -> str:
        return ReleaseStage(self.filters.stage).label


def release_time_report(
    *, viewer, filters: Filters, enterprise=None, every_stage_by_group: bool = False
) -> Report:
    """Customs (no enterprise): everyone's figures. For an enterprise: its own figures and the
    pooled ones, withheld where the pool is too small for this viewer. Groups have the chosen
    stage only (what a page shows) unless `every_stage_by_group` (what an export holds)."""
    pool = in_period(release_timing_pool(), filters.start, filters.end)
    own = None
    if enterprise is not None:
        own = in_period(
            release_timing_list(visible_to=viewer).filter(enterprise=enterprise),
            filters.start,
            filters.end,
        )

    def grouped(by, stages=Report.stages):
        overall = pooled_for(
            viewer,
            stage_statistics(pool, by=by, stages=stages, exclude_outliers=filters.exclude_outliers),
        )
        mine = (
            stage_statistics(own, by=by, stages=stages, exclude_outliers=filters.exclude_outliers)
            if own is not None
            else {}
        )
        labels = group_labels(by, set(overall) | set(mine))
        return [
            ReportRow(key, labels[key], mine.get(key, {}), overall.get(key, {}))
            for key in set(overall) | set(mine)
        ]

    summary = grouped("overall") or [ReportRow("", _("overall"))]
    rows = []
    if filters.dimension != "overall":
        stages = Report.stages if every_stage_by_group else [filters.stage]
        rows = sorted(
            grouped(filters.dimension, stages=stages),
            key=lambda row: (-row.own_size, -row.size, row.label),
        )
    trend = sorted(
        grouped(filters.interval, stages=[filters.stage]),
        key=lambda row: row.label,
    )
    return Report(
        filters=filters,
        enterprise=enterprise,
        summary=summary[0],
        rows=rows,
        trend=trend,
        withholds=not sees_every_enterprise(viewer),
    )


# --- Charts ---------------------------------------------------------------------------------


def _dataset(label, values):
    return {
        "label": str(label),
        "data": [None if value is None else round(value, 2) for value in values],
    }


def _means(figures_by_stage: dict, stages) -> list:
    return [getattr(figures_by_stage.get(stage), "mean", None) for stage in stages]


def chart_data(report: Report) -> dict:
    """What the page's charts draw (hours), as JSON-ready dicts."""
    stages = Report.stages
    trend_stage = report.filters.stage
    own_label, overall_label = _("Your consignments"), _("All consignments")
    charts = {
        "stages": {
            "type": "bar",
            "labels": [str(stage.label) for stage in stages],
            "datasets": [
                _dataset(
                    _("%(who)s: mean") % {"who": overall_label},
                    _means(report.summary.overall, stages),
                )
            ],
        },
        "trend": {
            "type": "line",
            "labels": [row.label for row in report.trend],
            "datasets": [
                _dataset(
                    _("%(who)s: mean") % {"who": overall_label},
                    [getattr(row.overall.get(trend_stage), "mean", None) for row in report.trend],
                ),
                _dataset(
                    _("%(who)s: 90th percentile") % {"who": overall_label},
                    [getattr(row.overall.get(trend_stage), "p90", None) for row in report.trend],
                ),
            ],
        },
    }
    if report.enterprise is not None:
        charts["stages"]["datasets"].insert(
            0, _dataset(_("%(who)s: mean") % {"who": own_label}, _means(report.summary.own, stages))
        )
        charts["trend"]["datasets"].insert(
            0,
            _dataset(
                _("%(who)s: mean") % {"who": own_label},
                [getattr(row.own.get(trend_stage), "mean", None) for row in report.trend],
            ),
        )
    if report.rows_of_stage:
        shown = report.rows_of_stage[:CHART_GROUPS]
        charts["groups"] = {
            "type": "bar",
            "labels": [row.label for row in shown],
            "datasets": [
                _dataset(
                    _("%(who)s: mean") % {"who": overall_label},
                    [getattr(row.overall.get(trend_stage), "mean", None) for row in shown],
                )
            ],
        }
        if report.enterprise is not None:
            charts["groups"]["datasets"].insert(
                0,
                _dataset(
                    _("%(who)s: mean") % {"who": own_label},
                    [getattr(row.own.get(trend_stage), "mean", None) for row in shown],
                ),
            )
    return charts


# --- Exports ----------------------------------------------------------------------------------


def _hours(value):
    return None if value is None else round(value, 2)


def export_header() -> list[str]:
    return [
        _("scope"),
        _("grouping"),
        _("group"),
        _("stage"),
        _("count"),
        _("mean (h)"),
        _("standard deviation (h)"),
        _("p50 (h)"),
        _("p90 (h)"),
        _("p95 (h)"),
        _("outliers excluded"),
        _("note"),
    ]


def _figure_rows(scope, grouping, row: ReportRow, figures_by_stage: dict, stages):
    for stage in stages:
        figures = figures_by_stage.get(stage)
        if figures is None:
            continue
        note = (
            _("withheld: fewer than %(count)d consignees") % {"count": MIN_CONSIGNEES_IN_POOL}
            if figures.withheld
            else ""
        )
        yield [
            scope,
            grouping,
            row.label,
            str(ReleaseStage(stage).label),
            None if figures.withheld else figures.count,
            _hours(figures.mean),
            _hours(figures.std),
            _hours(figures.p50),
            _hours(figures.p90),
            _hours(figures.p95),
            None if figures.withheld else figures.excluded,
            note,
        ]


def export_tables(report: Report) -> dict[str, list[list]]:
    """{sheet name: rows}: the statistics (overall and by the chosen grouping) and the trend."""
    scopes = [(_("all"), "overall")]
    if report.enterprise is not None:
        scopes = [(_("own"), "own"), (_("overall"), "overall")]
    dimension = str(DIMENSIONS[report.filters.dimension][0])
    statistics, trend = [], []
    for scope, attribute in scopes:
        statistics.extend(
            _figure_rows(
                scope,
                _("overall"),
                report.summary,
                getattr(report.summary, attribute),
                Report.stages,
            )
        )
        for row in report.rows:
            statistics.extend(
                _figure_rows(scope, dimension, row, getattr(row, attribute), Report.stages)
            )
        interval = str(INTERVALS[report.filters.interval][0])
        for row in report.trend:
            trend.extend(
                _figure_rows(scope, interval, row, getattr(row, attribute), [report.filters.stage])
            )
    return {_("Statistics"): statistics, _("Trend"): trend}


def _text_safe(value):
    """Text a spreadsheet would run as a formula is kept text (the quote prefix)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_csv(report: Report) -> str:
    """One table: the statistics, then the trend, told apart by the `table` column."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("table"), *export_header()])
    for table, rows in export_tables(report).items():
        for row in rows:
            writer.writerow([table, *(_text_safe(value) for value in row)])
    return out.getvalue()


def export_xlsx(report: Report) -> bytes:
    workbook = Workbook(write_only=True)
    for table, rows in export_tables(report).items():
        sheet = workbook.create_sheet(table)
        sheet.append(export_header())
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value
