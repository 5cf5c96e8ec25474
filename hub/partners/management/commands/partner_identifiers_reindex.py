from django.core.management.base import BaseCommand
from django.db import transaction

from hub.partners.identifiers import identifier_blind_index
from hub.partners.models import PartnerIdentifier


class Command(BaseCommand):
    help = (
        "Recompute the blind index of every partner identifier under the current BLIND_INDEX_KEY. "
        "Run it right after changing the key: until it has run, identifiers do not match."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        identifiers = list(PartnerIdentifier.objects.select_for_update())
        for identifier in identifiers:
            identifier.blind_index = identifier_blind_index(identifier.scheme, identifier.value)
        PartnerIdentifier.objects.bulk_update(identifiers, ["blind_index"], batch_size=1000)
        self.stdout.write(self.style.SUCCESS(f"{len(identifiers)} identifiers indexed again."))
