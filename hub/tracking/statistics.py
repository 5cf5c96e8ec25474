"""Release-time statistics: per stage, the count, mean, standard deviation and percentiles of the
stage times, grouped by a dimension (customs office, broker, carrier, port, HS chapter, lane,
enterprise, or a week or month for trends).

Outliers: within each group and stage, a time outside [Q1 - 3·IQR, Q3 + 3·IQR] (Tukey's far-out
fences) is left out and counted as excluded. Percentiles interpolate linearly between the two
nearest values, as PostgreSQL's percentile_cont does; the standard deviation is the sample one.
On PostgreSQL one SQL statement computes everything; elsewhere the same figures are computed in
Python from the grouped values.

Who sees what: customs staff see every timing. An enterprise sees its own timings and the pooled
figures of everyone's; a pooled figure drawn from fewer than MIN_CONSIGNEES_IN_POOL consignees is
withheld from it, so that no other enterprise's times can be read off a small pool."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connections
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.enterprises.models import Enterprise
from hub.enterprises.selectors import enterprise_list, sees_every_enterprise
from hub.tracking.models import ReleaseTiming
from hub.tracking.timings import STAGES

SECONDS_PER_HOUR = 3600
OUTLIER_IQR_FACTOR = 3
MIN_CONSIGNEES_IN_POOL = 3

DIMENSIONS = {
    "overall": (_("overall"), Value("", output_field=CharField())),
    "customs_office": (_("customs office"), F("customs_office")),
    "broker": (_("broker"), F("broker")),
    "carrier": (_("carrier"), F("carrier")),
    "port": (_("port of entry"), F("port_of_entry")),
    "hs_chapter": (_("HS chapter"), F("hs_chapter")),
    "lane": (_("lane"), F("lane")),
    # 0 for consignees not registered in the hub: group keys are never NULL, so that the SQL
    # joins them by equality.
    "enterprise": (_("enterprise"), Coalesce(F("enterprise_id"), 0)),
}
INTERVALS = {
    "week": (_("week"), TruncWeek("started_at")),
    "month": (_("month"), TruncMonth("started_at")),
}
GROUPINGS = {**DIMENSIONS, **INTERVALS}


@dataclass(frozen=True)
class StageFigures:
    """One stage of one group, in hours. `withheld` figures are not shown to the viewer."""

    count: int
    mean: float | None
    std: float | None
    p50: float | None
    p90: float | None
    p95: float | None
    excluded: int
    consignees: int
    withheld: bool = False

    def hidden(self) -> "StageFigures":
        return StageFigures(0, None, None, None, None, None, 0, 0, withheld=True)


def release_timing_list(*, visible_to) -> QuerySet[ReleaseTiming]:
    """The timings of the declarations of the enterprises the viewer may see (customs: all)."""
    if sees_every_enterprise(visible_to):
        return ReleaseTiming.objects.all()
    return ReleaseTiming.objects.filter(enterprise__in=enterprise_list(visible_to=visible_to))


def release_timing_pool() -> QuerySet[ReleaseTiming]:
    """Every timing, for pooled figures only: shown to an enterprise through `pooled_for`."""
    return ReleaseTiming.objects.all()


def in_period(timings: QuerySet, start: date, end: date) -> QuerySet:
    """Timings that started (arrival, or declaration without one) from `start` to `end`
    inclusive, in the current time zone."""
    zone = timezone.get_current_timezone()
    return timings.filter(
        started_at__gte=datetime.combine(start, time.min, zone),
        started_at__lt=datetime.combine(end + timedelta(days=1), time.min, zone),
    )


def percentile(ordered: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def stage_statistics(
    timings: QuerySet,
    *,
    by: str = "overall",
    stages=STAGES,
    exclude_outliers: bool = True,
    in_database: bool = True,
) -> dict[object, dict[str, StageFigures]]:
    """{group key: {stage: figures}} for the groups that have a time for at least one stage.
    The group key is the dimension's value: an enterprise id, a week's or month's start, "" for
    `overall`. PostgreSQL computes them unless `in_database` is false; elsewhere Python does."""
    aliases = {f"stage_{index}": stage for index, stage in enumerate(stages)}
    rows = (
        timings.order_by()
        .annotate(
            group_key=GROUPINGS[by][1],
            consignee=F("consignee_code"),
            **{alias: F(stage) for alias, stage in aliases.items()},
        )
        .values("group_key", "consignee", *aliases)
    )
    if in_database and connections[timings.db].vendor == "postgresql":
        return _on_postgresql(rows, aliases, exclude_outliers)
    return _in_python(rows, aliases, exclude_outliers)


def _figures(values: list[tuple[float, str]], exclude_outliers: bool) -> StageFigures:
    ordered = sorted(value for value, _ in values)
    if exclude_outliers:
        q1, q3 = percentile(ordered, 0.25), percentile(ordered, 0.75)
        spread = OUTLIER_IQR_FACTOR * (q3 - q1)
        low, high = q1 - spread, q3 + spread
        kept = [(value, who) for value, who in values if low <= value <= high]
    else:
        kept = values
    ordered = sorted(value for value, _ in kept)
    count = len(ordered)
    mean = sum(ordered) / count
    std = (
        math.sqrt(sum((value - mean) ** 2 for value in ordered) / (count - 1))
        if count > 1
        else None
    )
    return StageFigures(
        count=count,
        mean=mean,
        std=std,
        p50=percentile(ordered, 0.5),
        p90=percentile(ordered, 0.9),
        p95=percentile(ordered, 0.95),
        excluded=len(values) - count,
        consignees=len({who for _, who in kept}),
    )


def _in_python(rows, aliases, exclude_outliers):
    values = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for alias, stage in aliases.items():
            if row[alias] is not None:
                values[row["group_key"]][stage].append(
                    (row[alias] / SECONDS_PER_HOUR, row["consignee"])
                )
    return {
        key: {stage: _figures(stage_values, exclude_outliers) for stage, stage_values in by.items()}
        for key, by in values.items()
    }


def _on_postgresql(rows, aliases, exclude_outliers):
    inner, params = rows.query.sql_with_params()
    unpivot = ", ".join(f"({index}, base.{alias})" for index, alias in enumerate(aliases))
    # Only the ORM's compiled query and our own aliases go into the text; values are parameters.
    sql = f"""
        WITH base AS ({inner}),
        long AS (
            SELECT base.group_key AS g, base.consignee AS c, s.stage, s.v::float8 / %s AS v
            FROM base CROSS JOIN LATERAL (VALUES {unpivot}) AS s(stage, v)
            WHERE s.v IS NOT NULL
        ),
        fences AS (
            SELECT g, stage,
                percentile_cont(0.25) WITHIN GROUP (ORDER BY v) AS q1,
                percentile_cont(0.75) WITHIN GROUP (ORDER BY v) AS q3
            FROM long GROUP BY g, stage
        ),
        marked AS (
            SELECT long.g, long.c, long.stage, long.v,
                (NOT %s OR long.v BETWEEN f.q1 - %s * (f.q3 - f.q1)
                                      AND f.q3 + %s * (f.q3 - f.q1)) AS kept
            FROM long JOIN fences f ON f.g = long.g AND f.stage = long.stage
        )
        SELECT g, stage,
            count(*) FILTER (WHERE kept),
            avg(v) FILTER (WHERE kept),
            stddev_samp(v) FILTER (WHERE kept),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FILTER (WHERE kept),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FILTER (WHERE kept),
            percentile_cont(0.95) WITHIN GROUP (ORDER BY v) FILTER (WHERE kept),
            count(*) FILTER (WHERE NOT kept),
            count(DISTINCT c) FILTER (WHERE kept)
        FROM marked GROUP BY g, stage
    """  # noqa: S608
    stages = list(aliases.values())
    result = defaultdict(dict)
    with connections[rows.db].cursor() as cursor:
        cursor.execute(
            sql,
            [
                *params,
                SECONDS_PER_HOUR,
                exclude_outliers,
                OUTLIER_IQR_FACTOR,
                OUTLIER_IQR_FACTOR,
            ],
        )
        for key, stage, count, mean, std, p50, p90, p95, excluded, consignees in cursor:
            result[key][stages[stage]] = StageFigures(
                count, mean, std, p50, p90, p95, excluded, consignees
            )
    return dict(result)


def pooled_for(viewer, statistics: dict) -> dict:
    """Pooled statistics as the viewer may see them: whole for customs, and for anyone else
    without the figures of pools of fewer than MIN_CONSIGNEES_IN_POOL consignees."""
    if sees_every_enterprise(viewer):
        return statistics
    return {
        key: {
            stage: figures if figures.consignees >= MIN_CONSIGNEES_IN_POOL else figures.hidden()
            for stage, figures in by_stage.items()
        }
        for key, by_stage in statistics.items()
    }


def group_labels(by: str, keys) -> dict[object, str]:
    """How each group is named on a page or in an export."""
    if by == "overall":
        return dict.fromkeys(keys, str(_("overall")))
    if by == "enterprise":
        names = dict(
            Enterprise.objects.filter(pk__in=[key for key in keys if key]).values_list(
                "pk", "legal_name"
            )
        )
        return {key: names.get(key) or str(_("(not registered in the hub)")) for key in keys}
    if by in INTERVALS:
        return {key: _period_label(by, key) for key in keys}
    if by == "lane":
        return {key: key or str(_("(no lane yet)")) for key in keys}
    return {key: key or str(_("(not given)")) for key in keys}


def _period_label(by: str, key) -> str:
    if key is None:
        return ""
    if isinstance(key, datetime):
        # The ORM gives aware datetimes; PostgreSQL's date_trunc in raw SQL gives local ones.
        key = (timezone.localtime(key) if timezone.is_aware(key) else key).date()
    day = key
    return day.strftime("%G-W%V") if by == "week" else day.strftime("%Y-%m")
