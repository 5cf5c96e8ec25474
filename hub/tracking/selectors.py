"""Reads for tracking: consignments with their live status, their timeline, the findings customs
shared back, and the trace of everything an enterprise shared.

Nothing here is stored: status, estimated arrival and alerts are computed in the query from the
cargo events and declarations as they are now, so that lists filter and page on them and a
consignment shared after its events still gets them."""

import json
import operator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, StrIndex
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.catalogue.codelists import PORTS
from hub.crosschecks.models import Finding, Match
from hub.declarations.models import Declaration, DeclarationStatus
from hub.enterprises.selectors import enterprise_list
from hub.submissions.models import Consignment, ConsignmentRevision
from hub.submissions.selectors import consignment_list
from hub.tracking.models import CargoEvent, CargoEventType
from hub.tracking.status import (
    DECLARATION_STAGE,
    DUTY_OWED_STATUSES,
    EVENT_STAGE,
    RANK,
    STAGES,
    UNDER_WAY,
    Alert,
    Stage,
)

CENT = Decimal("0.01")


def _rank_of(field_name: str, stages: dict) -> Case:
    return Case(
        *[When(**{field_name: code}, then=Value(RANK[stage])) for code, stage in stages.items()],
        default=None,
        output_field=IntegerField(),
    )


def events_concerning(transport_document_number, containers_json) -> QuerySet[CargoEvent]:
    """The cargo events about a consignment's goods: those of its transport document, less those
    about a container the consignment does not list. A consignment that lists no containers
    gets every event of its document, since its goods travel in one of them.

    `containers_json` is the consignment's container list as JSON text, an expression either way
    (an outer reference in a list's subqueries, a value for one consignment): container numbers
    are eleven letters and digits, so finding one in that text finds exactly that container."""
    return (
        CargoEvent.objects.filter(transport_document_number=transport_document_number)
        .annotate(consignment_containers=containers_json)
        .annotate(listed_at=StrIndex("consignment_containers", F("container_number")))
        .filter(Q(container_number="") | Q(consignment_containers="[]") | Q(listed_at__gt=0))
    )


def declarations_concerning(consignment, enterprise) -> QuerySet[Declaration]:
    """The declarations matched to a consignment (an id, a row or an outer reference) that its
    enterprise may see."""
    return _declarations_of(enterprise).filter(matches__consignment=consignment)


def _declarations_of(enterprise) -> QuerySet[Declaration]:
    """Only the enterprise's own declarations, whatever a match says: a match may rest on a
    likeness alone, and a declaration of another consignee, or of one the hub does not know,
    is not the enterprise's to read (as GET declarations/{number} has it)."""
    return Declaration.objects.filter(consignee=enterprise)


def _owed(declarations: QuerySet[Declaration]) -> QuerySet[Declaration]:
    return declarations.filter(status__in=DUTY_OWED_STATUSES, duty_amount__gt=0)


def _with_tracking(consignments: QuerySet[Consignment]) -> QuerySet[Consignment]:
    now = timezone.now()
    delay = timedelta(hours=settings.TRACKING_DELAY_ALERT_HOURS)
    events = events_concerning(
        OuterRef("transport_document_number"),
        Cast(OuterRef("current_revision__containers"), TextField()),
    ).order_by()
    declarations = declarations_concerning(OuterRef("pk"), OuterRef("enterprise_id")).order_by()
    owed = _owed(declarations)
    duty_due_by = timezone.localdate() + timedelta(days=settings.TRACKING_DUTY_ALERT_DAYS)
    return (
        consignments.annotate(
            cargo_rank=Subquery(
                events.annotate(rank=_rank_of("type", EVENT_STAGE))
                .filter(rank__isnull=False)
                .order_by("-rank")
                .values("rank")[:1]
            ),
            clearance_rank=Subquery(
                declarations.annotate(rank=_rank_of("status", DECLARATION_STAGE))
                .order_by("rank")
                .values("rank")[:1]
            ),
            latest_eta=Subquery(
                events.filter(estimated_arrival__isnull=False)
                .order_by("-occurred_at", "-id")
                .values("estimated_arrival")[:1]
            ),
            arrived_at=Subquery(
                events.filter(type=CargoEventType.ARRIVAL)
                .order_by("occurred_at", "id")
                .values("occurred_at")[:1]
            ),
            duty_owed=Subquery(
                owed.annotate(total=Func(F("duty_amount"), function="SUM")).values("total")[:1],
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
            # Duty is assessed in the national currency: one currency for all declarations.
            duty_currency=Subquery(owed.values("duty_currency")[:1]),
            duty_due_date=Subquery(
                owed.filter(duty_due_date__isnull=False)
                .order_by("duty_due_date")
                .values("duty_due_date")[:1]
            ),
        )
        .annotate(
            status_rank=Greatest(Coalesce("cargo_rank", 0), Coalesce("clearance_rank", 0)),
            expected_arrival=Coalesce("arrived_at", "latest_eta", "estimated_arrival"),
        )
        .annotate(
            alert_duty_due=Exists(owed.filter(duty_due_date__lte=duty_due_by)),
            alert_inspection=Exists(
                declarations.filter(status=DeclarationStatus.SELECTED_FOR_INSPECTION)
            ),
            # A delay needs action while the goods are awaited: not once they arrived or left.
            alert_delayed=Case(
                When(
                    Q(arrived_at__isnull=False)
                    | Q(cargo_rank__gte=RANK[Stage.ARRIVED])
                    | Q(clearance_rank__gte=RANK[Stage.RELEASED]),
                    then=False,
                ),
                When(expected_arrival__gt=F("estimated_arrival") + delay, then=True),
                When(
                    cargo_rank__in=[RANK[stage] for stage in UNDER_WAY],
                    expected_arrival__lt=now - delay,
                    then=True,
                ),
                default=False,
                output_field=BooleanField(),
            ),
            alert_undeclared=Case(
                When(
                    arrived_at__lt=now - timedelta(hours=settings.TRACKING_UNDECLARED_ALERT_HOURS),
                    clearance_rank__isnull=True,
                    then=True,
                ),
                default=False,
                output_field=BooleanField(),
            ),
        )
        .select_related("enterprise", "current_revision")
    )


ALERT_FILTERS = {
    Alert.DUTY_DUE: Q(alert_duty_due=True),
    Alert.INSPECTION: Q(alert_inspection=True),
    Alert.DELAYED: Q(alert_delayed=True),
    Alert.UNDECLARED: Q(alert_undeclared=True),
}
NEEDS_ACTION = reduce(operator.or_, ALERT_FILTERS.values())


def consignment_tracking_list(
    *,
    visible_to,
    enterprise=None,
    search: str = "",
    stage: str = "",
    alert: str = "",
    arrival_from: date | None = None,
    arrival_to: date | None = None,
) -> QuerySet[Consignment]:
    """Consignments the viewer may see with their live status (see `tracking_of`), the latest
    shared estimated arrival first: a column, so that the database computes the status only for
    the page it returns. `alert` is an Alert or "any"; the arrival dates bound the expected
    arrival (actual, else the latest estimate) in the current time zone."""
    consignments = consignment_list(visible_to=visible_to)
    if enterprise is not None:
        consignments = consignments.filter(enterprise=enterprise)
    if search:
        consignments = consignments.filter(
            Q(reference__icontains=search)
            | Q(transport_document_number__icontains=search)
            | Q(invoice_number__icontains=search)
        )
    consignments = _with_tracking(consignments)
    if stage:
        consignments = consignments.filter(status_rank=RANK[Stage(stage)])
    if alert == "any":
        consignments = consignments.filter(NEEDS_ACTION)
    elif alert:
        consignments = consignments.filter(ALERT_FILTERS[Alert(alert)])
    if arrival_from:
        consignments = consignments.filter(expected_arrival__gte=_day_start(arrival_from))
    if arrival_to:
        consignments = consignments.filter(
            expected_arrival__lt=_day_start(arrival_to + timedelta(days=1))
        )
    return consignments.order_by("-estimated_arrival", "-id")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def consignment_tracking_get(*, visible_to, pk) -> Consignment:
    try:
        return consignment_tracking_list(visible_to=visible_to).get(pk=pk)
    except (Consignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class AlertShown:
    kind: Alert
    message: str


@dataclass
class Tracking:
    """What a consignment's annotations say, ready to show."""

    status: Stage
    cargo: Stage
    clearance: Stage | None
    shared_eta: datetime
    latest_eta: datetime
    arrived_at: datetime | None
    arrival_change: timedelta
    duty_owed: Decimal | None
    duty_currency: str
    duty_due_date: date | None
    duty_overdue: bool
    alerts: list[AlertShown]

    @property
    def arrival_change_hours(self) -> Decimal:
        """Positive when the goods arrive, or are expected, later than shared."""
        return (Decimal(self.arrival_change.total_seconds()) / 3600).quantize(Decimal("0.1"))

    @property
    def arrival_change_size(self) -> Decimal:
        return abs(self.arrival_change_hours)


def tracking_of(consignment: Consignment) -> Tracking:
    """The live status of a consignment from `consignment_tracking_list` or `_get`."""
    shared_eta = consignment.estimated_arrival
    latest_eta = consignment.latest_eta or shared_eta
    expected = consignment.arrived_at or latest_eta
    # A sum in SQLite comes back with a float's digits.
    duty_owed = None if consignment.duty_owed is None else consignment.duty_owed.quantize(CENT)
    today = timezone.localdate()
    overdue = consignment.duty_due_date is not None and consignment.duty_due_date < today
    alerts = []
    if consignment.alert_duty_due:
        message = (
            _("Duty of %(amount)s %(currency)s was due on %(date)s.")
            if overdue
            else _("Duty of %(amount)s %(currency)s is due on %(date)s.")
        )
        alerts.append(
            AlertShown(
                Alert.DUTY_DUE,
                message
                % {
                    "amount": duty_owed,
                    "currency": consignment.duty_currency,
                    "date": consignment.duty_due_date.isoformat(),
                },
            )
        )
    if consignment.alert_inspection:
        alerts.append(
            AlertShown(
                Alert.INSPECTION,
                _("Customs selected the goods for inspection: arrange for them to be presented."),
            )
        )
    if consignment.alert_delayed:
        if expected < timezone.now():
            message = _(
                "No arrival reported %(hours)s hours after the latest estimate, %(at)s."
            ) % {"hours": _hours(timezone.now() - expected), "at": _local(expected)}
        else:
            message = _("Expected %(at)s, %(hours)s hours after the %(shared)s you shared.") % {
                "at": _local(expected),
                "hours": _hours(expected - shared_eta),
                "shared": _local(shared_eta),
            }
        alerts.append(AlertShown(Alert.DELAYED, message))
    if consignment.alert_undeclared:
        alerts.append(
            AlertShown(
                Alert.UNDECLARED,
                _("Arrived %(hours)s hours ago and no declaration is matched to it yet.")
                % {"hours": _hours(timezone.now() - consignment.arrived_at)},
            )
        )
    return Tracking(
        status=STAGES[consignment.status_rank],
        cargo=STAGES[consignment.cargo_rank or 0],
        clearance=None
        if consignment.clearance_rank is None
        else STAGES[consignment.clearance_rank],
        shared_eta=shared_eta,
        latest_eta=latest_eta,
        arrived_at=consignment.arrived_at,
        arrival_change=expected - shared_eta,
        duty_owed=duty_owed,
        duty_currency=consignment.duty_currency or "",
        duty_due_date=consignment.duty_due_date,
        duty_overdue=overdue,
        alerts=alerts,
    )


def _hours(span: timedelta) -> int:
    return round(span.total_seconds() / 3600)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- The timeline -------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    kind: str  # "shared", "cargo_event" or "declaration"
    type: str  # the event type, the declaration status, or "shared" / "amended"
    label: str
    stage: Stage | None
    occurred_at: datetime
    location: str = ""
    location_name: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    reported_by: str = ""
    channel: str = ""
    revision: int | None = None
    container_number: str = ""
    vessel_or_flight: str = ""
    estimated_arrival: datetime | None = None
    declaration_number: str = ""
    duty_amount: Decimal | None = None
    duty_currency: str = ""
    duty_due_date: date | None = None
    note: str = ""


def cargo_event_list(*, consignment: Consignment) -> QuerySet[CargoEvent]:
    """The cargo events of a consignment the caller already may see."""
    return (
        events_concerning(
            consignment.transport_document_number,
            Value(json.dumps(consignment.current_revision.containers), output_field=TextField()),
        )
        .select_related("reporter")
        .order_by("occurred_at", "id")
    )


def timeline_list(*, consignment: Consignment) -> list[TimelineEntry]:
    """Everything known of a consignment the caller already may see, oldest first: each
    revision shared, the cargo events of its goods, and the statuses of the declarations
    matched to it."""
    entries = [
        TimelineEntry(
            kind="shared",
            type="shared" if revision.number == 1 else "amended",
            label=_("shared") if revision.number == 1 else _("amended"),
            stage=Stage.SHARED if revision.number == 1 else None,
            occurred_at=revision.received_at,
            location=revision.port_of_loading,
            location_name=PORTS.values.get(revision.port_of_loading, ""),
            reported_by=revision.submitted_by,
            channel=revision.channel,
            revision=revision.number,
            container_number=", ".join(revision.containers),
            vessel_or_flight=revision.vessel_or_flight,
            estimated_arrival=revision.estimated_arrival,
        )
        for revision in consignment.revisions.order_by("number")
    ]
    for event in cargo_event_list(consignment=consignment):
        entries.append(
            TimelineEntry(
                kind="cargo_event",
                type=event.type,
                label=str(event.get_type_display()),
                stage=EVENT_STAGE.get(event.type),
                occurred_at=event.occurred_at,
                location=event.location,
                location_name=PORTS.values.get(event.location, ""),
                latitude=event.latitude,
                longitude=event.longitude,
                reported_by=event.reporter.legal_name,
                container_number=event.container_number,
                vessel_or_flight=event.vessel_or_flight,
                estimated_arrival=event.estimated_arrival,
                note=event.note,
            )
        )
    declarations = declarations_concerning(consignment, consignment.enterprise_id).prefetch_related(
        "status_changes"
    )
    for declaration in declarations:
        entries.extend(_declaration_entries(declaration))
    entries.sort(key=lambda entry: (entry.occurred_at, RANK.get(entry.stage, -1)))
    return entries


def _declaration_entries(declaration: Declaration) -> list[TimelineEntry]:
    """The declaration's reported status changes. Its lodging, and its current status when the
    customs system set it without a change record, are shown from the declaration itself, so that
    the timeline always reaches the status the list shows."""

    def entry(status, occurred_at, change=None):
        return TimelineEntry(
            kind="declaration",
            type=status,
            label=str(DeclarationStatus(status).label),
            stage=DECLARATION_STAGE[status],
            occurred_at=occurred_at,
            location=declaration.customs_office,
            reported_by=_("Customs"),
            declaration_number=declaration.number,
            duty_amount=change.duty_amount if change else None,
            duty_currency=change.duty_currency if change else "",
            duty_due_date=change.duty_due_date if change else None,
            note=change.note if change else "",
        )

    changes = list(declaration.status_changes.all())
    reported = {change.status for change in changes}
    entries = [entry(change.status, change.occurred_at, change) for change in changes]
    if DeclarationStatus.LODGED not in reported:
        entries.append(entry(DeclarationStatus.LODGED, declaration.declared_at))
    if declaration.status not in reported | {DeclarationStatus.LODGED}:
        entries.append(entry(declaration.status, declaration.status_at or declaration.received_at))
    return entries


def estimated_arrival_history(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """The timeline entries that changed the estimated arrival, the first one shared included."""
    changes, last = [], None
    for entry in entries:
        if entry.estimated_arrival is not None and entry.estimated_arrival != last:
            changes.append(entry)
            last = entry.estimated_arrival
    return changes


# --- Internal control: what an enterprise shared, and the findings shared back with it ------


def shared_finding_list(
    *, visible_to, enterprise, consignment=None, search: str = ""
) -> QuerySet[Finding]:
    """The findings customs chose to share with the enterprise as data-quality feedback, about
    declarations matched to its consignments (or to one of them). A finding customs kept to
    itself is never here. `search` finds a declaration number or a consignment reference."""
    if not enterprise_list(visible_to=visible_to).filter(pk=enterprise.pk).exists():
        return Finding.objects.none()
    consignments = Consignment.objects.filter(enterprise=enterprise)
    if consignment is not None:
        consignments = consignments.filter(pk=consignment.pk)
    declarations = _declarations_of(enterprise).filter(matches__consignment__in=consignments)
    if search:
        declarations = declarations.filter(
            Q(number__icontains=search)
            | Q(
                matches__consignment__enterprise=enterprise,
                matches__consignment__reference__icontains=search,
            )
        )
    return (
        Finding.objects.filter(shared_with_enterprise=True)
        .filter(declaration__in=declarations.order_by().values("pk"))
        .select_related("declaration")
        .prefetch_related(
            Prefetch(
                "declaration__matches",
                queryset=Match.objects.filter(consignment__enterprise=enterprise)
                .select_related("consignment")
                .order_by("consignment__reference"),
                to_attr="enterprise_matches",
            )
        )
        .order_by("-declaration__declared_at", "declaration_id", "item_number", "type")
    )


def revision_trace_list(
    *,
    visible_to,
    enterprise,
    search: str = "",
    channel: str = "",
    submitted_by: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
) -> QuerySet[ConsignmentRevision]:
    """Every revision the enterprise shared, the newest first, with its provenance: who sent it,
    by which channel and format, when, under which agreement version, how long before arrival,
    and the sha256 of what was received. `search` finds a reference, transport document or
    invoice number, or the start of a payload hash."""
    revisions = ConsignmentRevision.objects.filter(
        consignment__in=consignment_list(visible_to=visible_to).filter(enterprise=enterprise)
    )
    if search:
        revisions = revisions.filter(
            Q(consignment__reference__icontains=search)
            | Q(transport_document_number__icontains=search)
            | Q(invoice_number__icontains=search)
            | Q(payload_sha256__startswith=search.lower())
        )
    if channel:
        revisions = revisions.filter(channel=channel)
    if submitted_by:
        revisions = revisions.filter(submitted_by__icontains=submitted_by)
    if received_from:
        revisions = revisions.filter(received_at__gte=_day_start(received_from))
    if received_to:
        revisions = revisions.filter(received_at__lt=_day_start(received_to + timedelta(days=1)))
    return revisions.select_related("consignment", "agreement").order_by("-received_at", "-id")
