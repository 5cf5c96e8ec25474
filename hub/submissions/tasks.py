from hub.core.outbox import outbox_task
from hub.submissions.follow_ups import follow_ups_run


@outbox_task(name="submissions.consignments_received")
def consignments_received_task(revision_ids):
    follow_ups_run(revision_ids=revision_ids)
