from hub.core.outbox import outbox_task
from hub.submissions.follow_ups import consignments_received


@outbox_task(name="submissions.consignments_received")
def consignments_received_task(revision_ids):
    consignments_received.run(revision_ids=revision_ids)
