"""The stages a consignment passes, from being shared to leaving the port, and how cargo events
and declaration statuses map onto them.

A consignment's status is the most advanced stage reached by anything known of it, in the order
below: cargo events of its transport document and the statuses of the declarations matched to
it. The physical stages come first and the customs ones after, so that a declaration lodged
before arrival shows as "declared" while the goods are still at sea; the cargo stage is shown
beside it on its own. Gate-out is the last stage: the goods have left the port."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.declarations.models import DeclarationStatus
from hub.tracking.models import CargoEventType


class Stage(models.TextChoices):
    SHARED = "shared", _("shared")
    DEPARTED = "departed", _("departed")
    IN_TRANSIT = "in_transit", _("in transit")
    ARRIVED = "arrived", _("arrived")
    UNLOADED = "unloaded", _("unloaded")
    DECLARED = "declared", _("declared (lodged)")
    ACCEPTED = "accepted", _("accepted")
    SELECTED_FOR_INSPECTION = "selected_for_inspection", _("selected for inspection")
    INSPECTED = "inspected", _("inspected")
    DUTY_ASSESSED = "duty_assessed", _("duty assessed")
    DUTY_PAID = "duty_paid", _("duty paid")
    RELEASED = "released", _("released")
    GATE_OUT = "gate_out", _("gate-out")


STAGES = list(Stage)
RANK = {stage: rank for rank, stage in enumerate(STAGES)}

# An estimated-arrival update moves no stage: it changes when, not where.
EVENT_STAGE = {
    CargoEventType.DEPARTURE: Stage.DEPARTED,
    CargoEventType.POSITION: Stage.IN_TRANSIT,
    CargoEventType.ARRIVAL: Stage.ARRIVED,
    CargoEventType.UNLOADING: Stage.UNLOADED,
    CargoEventType.GATE_OUT: Stage.GATE_OUT,
}
DECLARATION_STAGE = {
    DeclarationStatus.LODGED: Stage.DECLARED,
    DeclarationStatus.ACCEPTED: Stage.ACCEPTED,
    DeclarationStatus.SELECTED_FOR_INSPECTION: Stage.SELECTED_FOR_INSPECTION,
    DeclarationStatus.INSPECTED: Stage.INSPECTED,
    DeclarationStatus.DUTY_ASSESSED: Stage.DUTY_ASSESSED,
    DeclarationStatus.DUTY_PAID: Stage.DUTY_PAID,
    DeclarationStatus.RELEASED: Stage.RELEASED,
}
# Duty assessed on a declaration in one of these is still owed.
DUTY_OWED_STATUSES = [
    status for status, stage in DECLARATION_STAGE.items() if RANK[stage] < RANK[Stage.DUTY_PAID]
]
# Stages in which the goods are on their way and an arrival is awaited.
UNDER_WAY = [Stage.DEPARTED, Stage.IN_TRANSIT]

# What each trade role reports. The carrier knows the voyage, the terminal its gate; both see
# the goods arrive and come off the ship or aircraft.
TYPES_BY_ROLE = {
    "carrier": [
        CargoEventType.DEPARTURE,
        CargoEventType.POSITION,
        CargoEventType.ESTIMATED_ARRIVAL,
        CargoEventType.ARRIVAL,
        CargoEventType.UNLOADING,
    ],
    "port_operator": [
        CargoEventType.ARRIVAL,
        CargoEventType.UNLOADING,
        CargoEventType.GATE_OUT,
    ],
}


def event_types_for(trade_roles) -> list[str]:
    """The event types an enterprise in these trade roles may report, in their usual order."""
    allowed = {kind for role in trade_roles for kind in TYPES_BY_ROLE.get(role, [])}
    return [kind for kind in CargoEventType.values if kind in allowed]


class Alert(models.TextChoices):
    """Something that needs the enterprise's action; the thresholds are settings."""

    DUTY_DUE = "duty_due", _("duty due soon or overdue")
    INSPECTION = "inspection", _("selected for inspection")
    DELAYED = "delayed", _("arrival delayed")
    UNDECLARED = "undeclared", _("arrived, not declared")
