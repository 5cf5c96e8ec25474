from hub.core.outbox import outbox_task
from hub.tracking.follow_ups import cargo_events_received


@outbox_task(name="tracking.cargo_events_received")
def cargo_events_received_task(event_ids):
    cargo_events_received.run(event_ids=event_ids)
