import time

from django.core.management.base import BaseCommand

from hub.core.audit import audit_chain_seal
from hub.core.outbox import outbox_sweep


class Command(BaseCommand):
    help = (
        "Send due outbox jobs to the workers (and seal the audit chain). With --every it keeps "
        "running: the embedded mode's stand-in for Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, every: float, **options):
        while True:
            sent = outbox_sweep()
            sealed = audit_chain_seal()
            if options["verbosity"] > 1 or not every:
                self.stdout.write(f"{sent} jobs sent, {sealed} audit events sealed")
            if not every:
                return
            time.sleep(every)
