from hub.core.outbox import outbox_task
from hub.declarations.follow_ups import (
    declarations_changed,
    inspections_recorded,
    payments_received,
    statuses_changed,
)


@outbox_task(name="declarations.declarations_changed")
def declarations_changed_task(declaration_ids):
    declarations_changed.run(declaration_ids=declaration_ids)


@outbox_task(name="declarations.statuses_changed")
def statuses_changed_task(declaration_ids):
    statuses_changed.run(declaration_ids=declaration_ids)


@outbox_task(name="declarations.payments_received")
def payments_received_task(payment_ids):
    payments_received.run(payment_ids=payment_ids)


@outbox_task(name="declarations.inspections_recorded")
def inspections_recorded_task(declaration_ids):
    inspections_recorded.run(declaration_ids=declaration_ids)
