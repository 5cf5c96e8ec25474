"""A consignment's status, clearance and events as the API gives them, in GET
consignments/{reference}. Kept apart from apis.py, which the submissions API cannot import
without a cycle."""

from rest_framework import serializers

from hub.declarations.models import DeclarationStatus
from hub.submissions.models import Consignment
from hub.tracking.selectors import (
    consignment_tracking_get,
    declarations_concerning,
    timeline_list,
    tracking_of,
)
from hub.tracking.status import Alert, Stage

STAGE_HELP = "shared, departed, in_transit, arrived, unloaded, declared, accepted, " + (
    "selected_for_inspection, inspected, duty_assessed, duty_paid, released, gate_out"
)


class EstimatedArrivalOutput(serializers.Serializer):
    shared = serializers.DateTimeField(
        source="shared_eta", help_text="The estimated arrival of the consignment as shared."
    )
    latest = serializers.DateTimeField(
        source="latest_eta", help_text="The carrier's latest estimate, else the shared one."
    )
    arrived_at = serializers.DateTimeField(allow_null=True)
    change_hours = serializers.DecimalField(
        source="arrival_change_hours",
        max_digits=10,
        decimal_places=1,
        help_text="Arrival (actual, else latest estimate) less the shared estimate, in hours; "
        "positive when later.",
    )


class DeclarationOutput(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(DeclarationStatus.choices)
    declared_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    released_at = serializers.DateTimeField(allow_null=True)
    duty_amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    duty_currency = serializers.CharField(allow_blank=True)
    duty_due_date = serializers.DateField(allow_null=True)


class ClearanceOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        Stage.choices,
        allow_null=True,
        source="tracking.clearance",
        help_text="The least advanced of the matched declarations; null before any is matched.",
    )
    duty_owed = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, source="tracking.duty_owed"
    )
    duty_currency = serializers.CharField(allow_blank=True, source="tracking.duty_currency")
    duty_due_date = serializers.DateField(allow_null=True, source="tracking.duty_due_date")
    duty_overdue = serializers.BooleanField(source="tracking.duty_overdue")
    declarations = DeclarationOutput(many=True)


class AlertOutput(serializers.Serializer):
    kind = serializers.ChoiceField(Alert.choices)
    message = serializers.CharField()


class TimelineEntryOutput(serializers.Serializer):
    kind = serializers.ChoiceField(["shared", "cargo_event", "declaration"])
    type = serializers.CharField(
        help_text="shared or amended; the cargo event's type; the declaration's status."
    )
    label = serializers.CharField()
    stage = serializers.ChoiceField(Stage.choices, allow_null=True)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(
        allow_blank=True, help_text="UN/LOCODE; for a declaration, its customs office."
    )
    latitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    longitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    reported_by = serializers.CharField()
    channel = serializers.CharField(allow_blank=True)
    revision = serializers.IntegerField(allow_null=True)
    container_number = serializers.CharField(allow_blank=True)
    vessel_or_flight = serializers.CharField(allow_blank=True)
    estimated_arrival = serializers.DateTimeField(allow_null=True)
    declaration_number = serializers.CharField(allow_blank=True)
    duty_amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    duty_currency = serializers.CharField(allow_blank=True)
    duty_due_date = serializers.DateField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class ConsignmentTrackingOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        Stage.choices, source="tracking.status", help_text=f"The most advanced of: {STAGE_HELP}."
    )
    cargo_status = serializers.ChoiceField(
        Stage.choices,
        source="tracking.cargo",
        help_text="Where the goods are: shared, departed, in_transit, arrived, unloaded or "
        "gate_out.",
    )
    estimated_arrival = EstimatedArrivalOutput(source="tracking")
    clearance = ClearanceOutput(source="*")
    alerts = AlertOutput(many=True, source="tracking.alerts")
    events = TimelineEntryOutput(
        many=True, source="timeline", help_text="The timeline, oldest first."
    )


def consignment_tracking_document(*, visible_to, consignment: Consignment) -> dict:
    """The status, clearance, alerts and timeline of a consignment the viewer may see."""
    tracked = consignment_tracking_get(visible_to=visible_to, pk=consignment.pk)
    return ConsignmentTrackingOutput(
        {
            "tracking": tracking_of(tracked),
            "declarations": declarations_concerning(tracked, tracked.enterprise_id),
            "timeline": timeline_list(consignment=tracked),
        }
    ).data
