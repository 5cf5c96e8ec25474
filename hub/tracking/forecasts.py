"""Release-time forecasts from comparable history, and their measured accuracy.

A forecast starts from an anchor: the arrival, else the latest estimated arrival, else the
declaration. It adds the median of the times from anchor to release of comparable released
declarations, and gives the interval between their 10th and 90th percentiles (80 % nominal).
Comparable means sharing as much as is known, from the most specific level to the most general
(FORECAST_LEVELS); a level is used when it holds at least MIN_HISTORY releases, of which the
latest HISTORY_DEPTH count. While a declaration is open, only history that took longer than the
time already elapsed counts: what is left to forecast is how much longer it will take.

Accuracy is measured by a backtest: each released declaration of a period is forecast at its
anchor from the releases known before that moment, as it would have been, and compared with its
actual release: the mean absolute error and the share of releases inside the interval."""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.crosschecks.models import Match
from hub.submissions.models import Consignment
from hub.tracking.models import CargoEvent, CargoEventType, ReleaseTiming
from hub.tracking.statistics import SECONDS_PER_HOUR, percentile

FORECAST_LEVELS = (
    (
        ("enterprise", "route", "customs_office", "lane"),
        _("same enterprise, route, office and lane"),
    ),
    (("enterprise", "route"), _("same enterprise and route")),
    (("route", "customs_office", "lane"), _("same route, office and lane")),
    (("customs_office", "lane"), _("same office and lane")),
    (("route",), _("same route")),
    (("port",), _("same port of entry")),
    ((), _("all releases")),
)
DIMENSION_NAMES = ("enterprise", "route", "customs_office", "lane", "port")
MIN_HISTORY = 20
HISTORY_DEPTH = 200
HISTORY_DAYS = 365
INTERVAL = (0.1, 0.9)
BACKTEST_LIMIT = 2000
OPEN_CONSIGNMENT_DAYS = 90


@dataclass(frozen=True)
class Subject:
    """What is forecast: its anchor and what it is comparable by (None where unknown)."""

    anchor_at: datetime
    anchor_kind: str  # arrival, estimated_arrival, declaration
    enterprise: int | None = None
    route: str | None = None
    customs_office: str | None = None
    lane: str | None = None
    port: str | None = None
    declaration_number: str = ""
    consignment_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Forecast:
    expected_at: datetime
    low_at: datetime
    high_at: datetime
    level: int
    history_count: int

    @property
    def basis(self) -> str:
        return FORECAST_LEVELS[self.level][1]


def _route(port_of_loading, port_of_entry) -> str | None:
    return f"{port_of_loading}-{port_of_entry}" if port_of_loading and port_of_entry else None


def _subject_of(timing: ReleaseTiming, **anchor) -> Subject:
    return Subject(
        enterprise=timing.enterprise_id,
        route=_route(timing.port_of_loading, timing.port_of_entry),
        customs_office=timing.customs_office or None,
        lane=timing.lane or None,
        port=timing.port_of_entry or None,
        declaration_number=timing.declaration.number,
        **anchor,
    )


class History:
    """Released declarations, indexed by every level's key, in order of release."""

    def __init__(self, timings):
        self.index = [defaultdict(lambda: ([], [])) for _ in FORECAST_LEVELS]
        rows = (
            timings.filter(released_at__isnull=False)
            .order_by("released_at")
            .values_list(
                "enterprise_id",
                "port_of_loading",
                "port_of_entry",
                "customs_office",
                "lane",
                "started_at",
                "released_at",
            )
        )
        levels = [
            (self.index[level], dimensions) for level, (dimensions, _) in enumerate(FORECAST_LEVELS)
        ]
        for enterprise, loading, entry, office, lane, started_at, released_at in rows.iterator(
            chunk_size=5000
        ):
            known = {
                "enterprise": enterprise,
                "route": _route(loading, entry),
                "customs_office": office or None,
                "lane": lane or None,
                "port": entry or None,
            }
            duration = (released_at - started_at).total_seconds()
            for index, dimensions in levels:
                key = _key(known, dimensions)
                if key is not None:
                    released, durations = index[key]
                    released.append(released_at)
                    durations.append(duration)

    @classmethod
    def recent(cls, *, now=None) -> "History":
        """The releases of the last HISTORY_DAYS, of every enterprise: forecasts show only
        percentiles of pools of at least MIN_HISTORY."""
        now = now or timezone.now()
        return cls(
            ReleaseTiming.objects.filter(released_at__gte=now - timedelta(days=HISTORY_DAYS))
        )

    def forecast(self, subject: Subject, *, now: datetime, known_before=None) -> Forecast | None:
        """From the releases before `known_before` (all when None), counting only those that
        took longer than the time elapsed since the anchor."""
        elapsed = max(0.0, (now - subject.anchor_at).total_seconds())
        known = {name: getattr(subject, name) for name in DIMENSION_NAMES}
        for level, (dimensions, _label) in enumerate(FORECAST_LEVELS):
            key = _key(known, dimensions)
            if key is None or key not in self.index[level]:
                continue
            released, durations = self.index[level][key]
            end = (
                len(released)
                if known_before is None
                else bisect.bisect_left(released, known_before)
            )
            window = []
            for position in range(end - 1, -1, -1):
                if elapsed <= 0 or durations[position] > elapsed:
                    window.append(durations[position])
                    if len(window) == HISTORY_DEPTH:
                        break
            if len(window) < MIN_HISTORY:
                continue
            window.sort()
            low, high = INTERVAL
            return Forecast(
                expected_at=subject.anchor_at + timedelta(seconds=percentile(window, 0.5)),
                low_at=subject.anchor_at + timedelta(seconds=percentile(window, low)),
                high_at=subject.anchor_at + timedelta(seconds=percentile(window, high)),
                level=level,
                history_count=len(window),
            )
        return None


def _key(known: dict, dimensions) -> tuple | None:
    """The level's key of what is known, or None when one of its dimensions is unknown."""
    values = tuple(known[dimension] for dimension in dimensions)
    return None if None in values else values


# --- Open declarations and consignments ------------------------------------------------------


def open_subjects(*, enterprise, now=None) -> list[Subject]:
    """The enterprise's declarations not released yet, and its consignments of the last
    OPEN_CONSIGNMENT_DAYS that no declaration is matched to yet, latest first."""
    now = now or timezone.now()
    subjects = []
    open_timings = (
        ReleaseTiming.objects.filter(enterprise=enterprise, released_at__isnull=True)
        .select_related("declaration")
        .order_by("-started_at")
    )
    references = defaultdict(list)
    for declaration_id, reference in Match.objects.filter(
        declaration__in=open_timings.values("declaration_id")
    ).values_list("declaration_id", "consignment__reference"):
        references[declaration_id].append(reference)
    for timing in open_timings:
        subjects.append(
            _subject_of(
                timing,
                **_anchor(timing),
                consignment_references=tuple(sorted(references[timing.declaration_id])),
            )
        )
    subjects.extend(_unmatched_consignment_subjects(enterprise, now))
    subjects.sort(key=lambda subject: subject.anchor_at, reverse=True)
    return subjects


def _anchor(timing: ReleaseTiming) -> dict:
    if timing.arrived_at:
        return {"anchor_at": timing.arrived_at, "anchor_kind": "arrival"}
    if timing.estimated_arrival_at:
        return {"anchor_at": timing.estimated_arrival_at, "anchor_kind": "estimated_arrival"}
    return {"anchor_at": timing.declared_at, "anchor_kind": "declaration"}


def _unmatched_consignment_subjects(enterprise, now) -> list[Subject]:
    events = CargoEvent.objects.filter(
        transport_document_number=OuterRef("transport_document_number")
    )
    first_arrival = events.filter(type=CargoEventType.ARRIVAL).order_by("occurred_at")
    latest_estimate = events.filter(
        type=CargoEventType.ESTIMATED_ARRIVAL, estimated_arrival__isnull=False
    ).order_by("-occurred_at")
    consignments = (
        Consignment.objects.filter(
            enterprise=enterprise,
            matches__isnull=True,
            estimated_arrival__gte=now - timedelta(days=OPEN_CONSIGNMENT_DAYS),
        )
        .annotate(
            arrived_at=Subquery(first_arrival.values("occurred_at")[:1]),
            reported_arrival=Subquery(latest_estimate.values("estimated_arrival")[:1]),
        )
        .values_list(
            "reference",
            "estimated_arrival",
            "arrived_at",
            "reported_arrival",
            "current_revision__port_of_loading",
            "current_revision__port_of_discharge",
        )
    )
    subjects = []
    for reference, shared_eta, arrived_at, reported_eta, loading, discharge in consignments:
        if arrived_at:
            anchor = {"anchor_at": arrived_at, "anchor_kind": "arrival"}
        else:
            anchor = {"anchor_at": reported_eta or shared_eta, "anchor_kind": "estimated_arrival"}
        subjects.append(
            Subject(
                enterprise=enterprise.pk,
                route=_route(loading, discharge),
                port=discharge or None,
                consignment_references=(reference,),
                **anchor,
            )
        )
    return subjects


def open_forecasts(*, enterprise, now=None, history: History | None = None):
    """[(subject, forecast or None)] for the enterprise's open declarations and consignments."""
    now = now or timezone.now()
    history = history or History.recent(now=now)
    return [
        (subject, history.forecast(subject, now=now))
        for subject in open_subjects(enterprise=enterprise, now=now)
    ]


def consignment_forecasts(*, enterprise, now=None) -> dict[str, Forecast]:
    """{consignment reference: forecast} for the enterprise's open consignments; a consignment
    under several open declarations gets the latest of their forecasts."""
    forecasts = {}
    for subject, forecast in open_forecasts(enterprise=enterprise, now=now):
        if forecast is None:
            continue
        for reference in subject.consignment_references:
            known = forecasts.get(reference)
            if known is None or forecast.expected_at > known.expected_at:
                forecasts[reference] = forecast
    return forecasts


# --- Accuracy ----------------------------------------------------------------------------


@dataclass
class LevelAccuracy:
    level: int
    count: int = 0
    absolute_error_hours: float = 0.0
    covered: int = 0

    @property
    def basis(self) -> str:
        return FORECAST_LEVELS[self.level][1]

    @property
    def mae_hours(self) -> float | None:
        return self.absolute_error_hours / self.count if self.count else None

    @property
    def coverage(self) -> float | None:
        return self.covered / self.count if self.count else None


@dataclass
class Accuracy:
    """How past forecasts fared: over all, and per level of history they came from."""

    evaluated: int = 0
    without_forecast: int = 0
    overall: LevelAccuracy = field(default_factory=lambda: LevelAccuracy(level=-1))
    levels: dict[int, LevelAccuracy] = field(default_factory=dict)
    nominal_coverage: float = INTERVAL[1] - INTERVAL[0]

    def record(self, forecast: Forecast | None, released_at: datetime) -> None:
        self.evaluated += 1
        if forecast is None:
            self.without_forecast += 1
            return
        error = abs((released_at - forecast.expected_at).total_seconds()) / SECONDS_PER_HOUR
        covered = forecast.low_at <= released_at <= forecast.high_at
        level = self.levels.setdefault(forecast.level, LevelAccuracy(level=forecast.level))
        for accuracy in (self.overall, level):
            accuracy.count += 1
            accuracy.absolute_error_hours += error
            accuracy.covered += covered

    @property
    def nominal_percent(self) -> int:
        return round(self.nominal_coverage * 100)

    @property
    def by_level(self) -> list[LevelAccuracy]:
        return [self.levels[level] for level in sorted(self.levels)]


def forecast_backtest(*, timings, history: History | None = None) -> Accuracy:
    """Forecast each released declaration among `timings` (the latest BACKTEST_LIMIT) at its
    anchor from what was released before it, and measure the result."""
    evaluated = (
        timings.filter(released_at__isnull=False)
        .select_related("declaration")
        .order_by("-released_at")[:BACKTEST_LIMIT]
    )
    evaluated = list(evaluated)
    if history is None:
        earliest = min((timing.started_at for timing in evaluated), default=timezone.now())
        history = History(
            ReleaseTiming.objects.filter(
                released_at__gte=earliest - timedelta(days=HISTORY_DAYS),
                released_at__lt=max((timing.released_at for timing in evaluated), default=earliest),
            )
        )
    accuracy = Accuracy()
    for timing in evaluated:
        subject = _subject_of(timing, anchor_at=timing.started_at, anchor_kind="")
        forecast = history.forecast(subject, now=timing.started_at, known_before=timing.started_at)
        accuracy.record(forecast, timing.released_at)
    return accuracy
