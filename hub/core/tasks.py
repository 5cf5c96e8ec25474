from celery import shared_task

from hub.core.audit import audit_chain_seal
from hub.core.outbox import outbox_jobs_run, outbox_sweep


@shared_task(name="core.outbox_run", acks_late=True)
def outbox_run_task(job_ids):
    outbox_jobs_run(job_ids=job_ids)


@shared_task(name="core.outbox_sweep")
def outbox_sweep_task():
    return outbox_sweep()


@shared_task(name="core.audit_seal")
def audit_seal_task():
    return audit_chain_seal()
