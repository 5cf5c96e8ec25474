from django.db import transaction
from django.utils import timezone

from hub.core.audit import audit_record_many
from hub.core.outbox import outbox_enqueue
from hub.tracking.follow_ups import cargo_events_received
from hub.tracking.models import CargoEvent
from hub.tracking.tasks import cargo_events_received_task

# What an event says; the same event_id sent again must say the same.
EVENT_FIELDS = [
    "type",
    "transport_document_number",
    "container_number",
    "occurred_at",
    "location",
    "latitude",
    "longitude",
    "vessel_or_flight",
    "estimated_arrival",
    "note",
]


def _same(event: CargoEvent, values: dict) -> bool:
    return all(getattr(event, name) == values[name] for name in EVENT_FIELDS)


@transaction.atomic
def cargo_events_record(*, reporter_id: int, events: list[dict], actor) -> list[str]:
    """Store a carrier's or port's events, each a dict with `event_id` and every field of
    EVENT_FIELDS, their event ids distinct. Returns, in order, "accepted" for an event stored
    now, "unchanged" for one this reporter sent before with the same content, and "conflict"
    for an event id it used before for other content: an event is never rewritten, a correction
    is a new event.

    Nothing is linked to consignments here: an event concerns whatever is shared under its
    transport document, now or later, and is found by it when read."""
    received_at = timezone.now()
    ids = [values["event_id"] for values in events]
    earlier = {
        event.event_id: event
        for event in CargoEvent.objects.filter(reporter_id=reporter_id, event_id__in=ids)
    }
    new = [values for values in events if values["event_id"] not in earlier]
    # A concurrent request may store one of the same ids first: its row wins, and is compared
    # below like any earlier one.
    CargoEvent.objects.bulk_create(
        [CargoEvent(reporter_id=reporter_id, received_at=received_at, **values) for values in new],
        batch_size=500,
        ignore_conflicts=True,
    )
    stored = {
        event.event_id: event
        for event in CargoEvent.objects.filter(
            reporter_id=reporter_id, event_id__in=[values["event_id"] for values in new]
        )
    }
    outcomes, accepted = [], []
    for values in events:
        event = earlier.get(values["event_id"]) or stored[values["event_id"]]
        if not _same(event, values):
            outcomes.append("conflict")
        elif values["event_id"] in earlier or event.received_at != received_at:
            outcomes.append("unchanged")
        else:
            outcomes.append("accepted")
            accepted.append(event)
    if accepted:
        audit_record_many(
            action="tracking.cargo_event.received",
            actor=actor,
            entries=[
                (
                    event,
                    reporter_id,
                    {
                        "event_id": event.event_id,
                        "type": event.type,
                        "transport_document_number": event.transport_document_number,
                        "container_number": event.container_number,
                        "occurred_at": event.occurred_at.isoformat(),
                    },
                )
                for event in accepted
            ],
        )
        if cargo_events_received:
            outbox_enqueue(cargo_events_received_task, [event.pk for event in accepted])
    return outcomes
