"""The hub's own stage times, as figures the what-if can run on: per stage only counts, means and
spreads, and arrivals counted per day; never a declaration of its own.

A stage's time is read from the declaration's timestamps and the cargo events of its transport
document. Those times include any queueing at the stage: the what-if takes them as the time a
team needs per cargo, which is what the stage costs a consignment as it is run today."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.declarations.models import Declaration
from hub.enterprises.selectors import enterprise_list, sees_every_enterprise
from hub.tracking.models import CargoEvent, CargoEventType

HISTORY_DAYS = 90
ARRIVAL_DAYS = 14
MINUTES_PER_DAY = 24 * 60

STAGE_NAMES = (
    _("arrival → declaration"),
    _("declaration → acceptance"),
    _("acceptance → release"),
    _("release → gate-out"),
)


@dataclass(frozen=True)
class StageHistory:
    name: str
    count: int
    mean_minutes: float
    spread_minutes: float
    # Consignments in the stage at once on average over the period seen (Little's law): the
    # teams the stage keeps busy.
    in_stage_at_once: float

    @property
    def estimated_teams(self) -> int:
        return max(1, math.ceil(self.in_stage_at_once))


@dataclass(frozen=True)
class History:
    declarations: int
    stages: tuple[StageHistory, ...]
    # Declarations whose goods arrived (or, without an arrival event, were declared) on each of
    # the last ARRIVAL_DAYS days, the oldest first.
    arrivals_per_day: tuple[int, ...]

    @property
    def is_empty(self) -> bool:
        return not any(stage.count for stage in self.stages)


def _declarations_visible_to(viewer) -> QuerySet[Declaration]:
    if sees_every_enterprise(viewer):
        return Declaration.objects.all()
    return Declaration.objects.filter(consignee__in=enterprise_list(visible_to=viewer))


def _first_event(kind: str):
    return Subquery(
        CargoEvent.objects.filter(
            type=kind, transport_document_number=OuterRef("transport_document_number")
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )


def _stage_history(name, spans: list[tuple]) -> StageHistory:
    minutes = [(end - start).total_seconds() / 60 for start, end in spans]
    if not minutes:
        return StageHistory(name, 0, 0.0, 0.0, 0.0)
    mean = sum(minutes) / len(minutes)
    spread = math.sqrt(sum((value - mean) ** 2 for value in minutes) / len(minutes))
    period = (max(end for _, end in spans) - min(start for start, _ in spans)).total_seconds()
    at_once = sum(minutes) / (period / 60) if period > 0 else 1.0
    return StageHistory(str(name), len(minutes), mean, spread, at_once)


def stage_history_get(*, visible_to, now=None) -> History:
    """The stage times of the declarations of the last HISTORY_DAYS days the viewer may see:
    customs staff all of them, an enterprise's members those of their enterprises."""
    now = now or timezone.now()
    rows = list(
        _declarations_visible_to(visible_to)
        .filter(declared_at__gte=now - timedelta(days=HISTORY_DAYS))
        .annotate(
            arrived_at=_first_event(CargoEventType.ARRIVAL),
            gate_out_at=_first_event(CargoEventType.GATE_OUT),
        )
        .values_list("arrived_at", "declared_at", "accepted_at", "released_at", "gate_out_at")
    )
    spans: list[list[tuple]] = [[] for _ in STAGE_NAMES]
    first_day = (now - timedelta(days=ARRIVAL_DAYS - 1)).date()
    arrivals = [0] * ARRIVAL_DAYS
    for arrived, declared, accepted, released, gate_out in rows:
        # Lodged before the goods arrived: they did not wait for the declaration at all.
        if arrived is not None:
            spans[0].append((arrived, max(arrived, declared)))
        for stage, start, end in ((1, declared, accepted), (2, accepted, released)):
            if start is not None and end is not None and end >= start:
                spans[stage].append((start, end))
        if released is not None and gate_out is not None and gate_out >= released:
            spans[3].append((released, gate_out))
        day = (arrived or declared).date() - first_day
        if 0 <= day.days < ARRIVAL_DAYS:
            arrivals[day.days] += 1
    return History(
        declarations=len(rows),
        stages=tuple(
            _stage_history(name, stage_spans)
            for name, stage_spans in zip(STAGE_NAMES, spans, strict=True)
        ),
        arrivals_per_day=tuple(arrivals),
    )
