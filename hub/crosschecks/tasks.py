from hub.core.outbox import outbox_task
from hub.crosschecks import services
from hub.crosschecks.follow_ups import crosschecks_done


@outbox_task(name="crosschecks.declarations_check")
def declarations_check_task(declaration_ids):
    services.crosschecks_run(declaration_ids=declaration_ids)


@outbox_task(name="crosschecks.consignments_check")
def consignments_check_task(revision_ids):
    services.crosschecks_run_for_revisions(revision_ids=revision_ids)


@outbox_task(name="crosschecks.payments_check")
def payments_check_task(payment_ids):
    services.crosschecks_run_for_payments(payment_ids=payment_ids)


@outbox_task(name="crosschecks.done")
def crosschecks_done_task(declaration_ids):
    crosschecks_done.run(declaration_ids=declaration_ids)
