from django.core.management.base import BaseCommand

from hub.enterprises.models import ApiKey
from hub.enterprises.services import api_key_create


class Command(BaseCommand):
    help = "Create the API key the customs declaration system uses (G2G). It is printed once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--name",
            default="Customs declaration system",
            help="what the key is for, shown in lists and the audit trail",
        )

    def handle(self, *args, name, **options):
        api_key, plaintext = api_key_create(name=name, kind=ApiKey.Kind.G2G)
        self.stdout.write(f"G2G key {api_key.prefix} created; store it now, it is not shown again:")
        self.stdout.write(plaintext)
