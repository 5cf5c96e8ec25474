from django.core.management.base import BaseCommand

from hub.declarations.models import Declaration
from hub.tracking.timings import release_timings_refresh


class Command(BaseCommand):
    help = (
        "Rebuild the release timing of every declaration from its inputs (declaration, status "
        "changes, matches, cargo events). Run it after changing how stage times are derived; "
        "follow-ups keep the rows current otherwise. Lanes set by the risk engine are kept."
    )

    def handle(self, *args, **options):
        ids = list(Declaration.objects.order_by("pk").values_list("pk", flat=True))
        written = release_timings_refresh(declaration_ids=ids)
        self.stdout.write(self.style.SUCCESS(f"{written} release timings rebuilt."))
