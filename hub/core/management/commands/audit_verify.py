from django.core.management.base import BaseCommand, CommandError

from hub.core.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.intact:
            raise CommandError(
                f"Audit chain BROKEN at event #{report.broken_seq}"
                + (f" (row id {report.broken_event_id})" if report.broken_event_id else "")
                + f": {report.problem}. {report.checked} events before it verified."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} sealed events verified"
                + (f", {report.unsealed} not sealed yet." if report.unsealed else ".")
            )
        )
