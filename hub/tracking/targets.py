"""Target management, after CLIS: an enterprise sets, per stage, the time it expects and the
spread (standard deviation) it accepts, and the hub tells it when they are missed.

A consignment misses a target when its stage took longer than target + spread, or, while the
stage is still running, has already taken longer. The running figures miss it when, over the last
TARGET_WINDOW_DAYS, the mean of the enterprise's own times is above the target or their standard
deviation above the spread (outliers excluded, as in the statistics)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.core.audit import audit_record
from hub.crosschecks.models import Match
from hub.enterprises.models import Enterprise
from hub.enterprises.permissions import SUBMIT
from hub.enterprises.selectors import enterprise_list
from hub.submissions.models import Consignment
from hub.tracking.models import (
    CargoEvent,
    CargoEventType,
    ReleaseStage,
    ReleaseTarget,
    ReleaseTiming,
)
from hub.tracking.statistics import SECONDS_PER_HOUR, stage_statistics
from hub.tracking.timings import STAGE_BOUNDS

TARGET_WINDOW_DAYS = 30
# Stages that run from the arrival: an arrived consignment no declaration is matched to yet is
# inside them.
STAGES_FROM_ARRIVAL = (ReleaseStage.ARRIVAL_TO_DECLARATION, ReleaseStage.ARRIVAL_TO_RELEASE)


def may_set_targets(principal, enterprise) -> bool:
    """The enterprise's members whose role may share data (admins and submitters)."""
    return principal.is_authenticated and principal.has_perm(SUBMIT, enterprise)


def release_target_list(*, visible_to, enterprise: Enterprise) -> QuerySet[ReleaseTarget]:
    return ReleaseTarget.objects.filter(
        enterprise__in=enterprise_list(visible_to=visible_to), enterprise=enterprise
    )


def release_targets_set(
    *, enterprise: Enterprise, targets: dict[str, tuple[Decimal, Decimal] | None], actor
) -> list[ReleaseTarget]:
    """Set or clear the targets of the stages named in `targets` ({stage: (target hours, spread
    hours)}, None to clear one); returns the enterprise's targets."""
    label = actor.get_username() if getattr(actor, "pk", None) else str(actor)
    with transaction.atomic():
        current = {
            target.stage: target
            for target in ReleaseTarget.objects.select_for_update().filter(enterprise=enterprise)
        }
        changes = {}
        for stage, wanted in targets.items():
            existing = current.get(stage)
            if wanted is None:
                if existing is not None:
                    existing.delete()
                    changes[stage] = None
                continue
            target_hours, spread_hours = wanted
            if existing and (existing.target_hours, existing.spread_hours) == wanted:
                continue
            ReleaseTarget.objects.update_or_create(
                enterprise=enterprise,
                stage=stage,
                defaults={
                    "target_hours": target_hours,
                    "spread_hours": spread_hours,
                    "set_by": label,
                },
            )
            changes[stage] = {"target_hours": str(target_hours), "spread_hours": str(spread_hours)}
        if changes:
            audit_record(
                action="release_targets.set",
                actor=actor,
                obj=enterprise,
                enterprise_id=enterprise.pk,
                data={"changes": changes},
            )
    return list(ReleaseTarget.objects.filter(enterprise=enterprise))


@dataclass
class TargetAlert:
    """A missed target. Of a consignment: `declaration_number` and the consignments concerned
    (`consignment_ids`, `consignment_references`; none when the declaration matches no shared
    consignment). Of the running figures: `kind` is "running_mean" or "running_spread"."""

    kind: str
    stage: str
    hours: float
    limit_hours: float
    in_progress: bool = False
    declaration_number: str = ""
    consignment_ids: list[int] = field(default_factory=list)
    consignment_references: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def stage_label(self) -> str:
        return ReleaseStage(self.stage).label

    @property
    def message(self) -> str:
        values = {
            "stage": self.stage_label,
            "hours": f"{self.hours:.1f}",
            "limit": f"{self.limit_hours:.1f}",
            "count": self.count,
        }
        if self.kind == "running_mean":
            return _(
                "%(stage)s: mean of %(hours)s h over the last %(days)d days (%(count)d times) "
                "is above the target of %(limit)s h"
            ) % {**values, "days": TARGET_WINDOW_DAYS}
        if self.kind == "running_spread":
            return _(
                "%(stage)s: standard deviation of %(hours)s h over the last %(days)d days "
                "(%(count)d times) is above the accepted spread of %(limit)s h"
            ) % {**values, "days": TARGET_WINDOW_DAYS}
        if self.in_progress:
            return (
                _("%(stage)s has taken %(hours)s h so far, beyond target + spread (%(limit)s h)")
                % values
            )
        return _("%(stage)s took %(hours)s h, beyond target + spread (%(limit)s h)") % values


def target_alerts_for(enterprise: Enterprise, *, now: datetime | None = None) -> list[TargetAlert]:
    """The enterprise's missed targets: its consignments (and declarations) of the last
    TARGET_WINDOW_DAYS that missed or are missing a stage target, the furthest beyond first,
    then its running figures. It reads the enterprise's own data only; the caller has checked
    that the viewer may see the enterprise."""
    now = now or timezone.now()
    targets = {target.stage: target for target in enterprise.release_targets.all()}
    if not targets:
        return []
    since = now - timedelta(days=TARGET_WINDOW_DAYS)
    own = ReleaseTiming.objects.filter(enterprise=enterprise, started_at__gte=since)
    alerts = _timing_alerts(own, targets, now) + _unmatched_consignment_alerts(
        enterprise, targets, since, now
    )
    # The furthest beyond its limit first.
    alerts.sort(key=lambda alert: -alert.hours / alert.limit_hours)
    return alerts + _running_alerts(own, targets)


def _limit_hours(target: ReleaseTarget) -> float:
    return float(target.target_hours + target.spread_hours)


def _timing_alerts(own, targets, now) -> list[TargetAlert]:
    found = []  # (timing values, stage, hours, in progress)
    for stage, target in targets.items():
        limit = _limit_hours(target)
        start, end = STAGE_BOUNDS[ReleaseStage(stage)]
        finished = own.filter(**{f"{stage}__gt": limit * SECONDS_PER_HOUR})
        for row in finished.values("declaration_id", "declaration__number", stage):
            found.append((row, stage, row[stage] / SECONDS_PER_HOUR, False))
        running = own.filter(
            **{
                f"{start}__isnull": False,
                f"{end}__isnull": True,
                f"{start}__lt": now - timedelta(hours=limit),
            }
        )
        for row in running.values("declaration_id", "declaration__number", start):
            found.append((row, stage, (now - row[start]).total_seconds() / SECONDS_PER_HOUR, True))
    consignments = {}
    matches = Match.objects.filter(
        declaration_id__in={row["declaration_id"] for row, *_ in found}
    ).values_list("declaration_id", "consignment_id", "consignment__reference")
    for declaration_id, consignment_id, reference in matches.order_by("consignment__reference"):
        consignments.setdefault(declaration_id, []).append((consignment_id, reference))
    return [
        TargetAlert(
            kind="consignment",
            stage=stage,
            hours=hours,
            limit_hours=_limit_hours(targets[stage]),
            in_progress=in_progress,
            declaration_number=row["declaration__number"],
            consignment_ids=[pk for pk, _ in consignments.get(row["declaration_id"], [])],
            consignment_references=[ref for _, ref in consignments.get(row["declaration_id"], [])],
        )
        for row, stage, hours, in_progress in found
    ]


def _unmatched_consignment_alerts(enterprise, targets, since, now) -> list[TargetAlert]:
    """Consignments that arrived and are matched to no declaration yet: still inside the stages
    that run from the arrival."""
    stages = [stage for stage in STAGES_FROM_ARRIVAL if stage in targets]
    if not stages:
        return []
    first_arrival = CargoEvent.objects.filter(
        type=CargoEventType.ARRIVAL, transport_document_number=OuterRef("transport_document_number")
    ).order_by("occurred_at")
    arrived = (
        Consignment.objects.filter(enterprise=enterprise, matches__isnull=True)
        .annotate(arrived_at=Subquery(first_arrival.values("occurred_at")[:1]))
        .filter(arrived_at__gte=since)
        .values_list("pk", "reference", "arrived_at")
    )
    alerts = []
    for pk, reference, arrived_at in arrived:
        hours = (now - arrived_at).total_seconds() / SECONDS_PER_HOUR
        for stage in stages:
            limit = _limit_hours(targets[stage])
            if hours > limit:
                alerts.append(
                    TargetAlert(
                        kind="consignment",
                        stage=stage,
                        hours=hours,
                        limit_hours=limit,
                        in_progress=True,
                        consignment_ids=[pk],
                        consignment_references=[reference],
                    )
                )
    return alerts


def _running_alerts(own, targets) -> list[TargetAlert]:
    figures = stage_statistics(own, stages=list(targets)).get("", {})
    alerts = []
    for stage, target in targets.items():
        stage_figures = figures.get(stage)
        if stage_figures is None:
            continue
        if stage_figures.mean > float(target.target_hours):
            alerts.append(
                TargetAlert(
                    kind="running_mean",
                    stage=stage,
                    hours=stage_figures.mean,
                    limit_hours=float(target.target_hours),
                    count=stage_figures.count,
                )
            )
        if stage_figures.std is not None and stage_figures.std > float(target.spread_hours):
            alerts.append(
                TargetAlert(
                    kind="running_spread",
                    stage=stage,
                    hours=stage_figures.std,
                    limit_hours=float(target.spread_hours),
                    count=stage_figures.count,
                )
            )
    return alerts
