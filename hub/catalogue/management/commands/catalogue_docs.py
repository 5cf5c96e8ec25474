from django.core.management.base import BaseCommand, CommandError

from hub.catalogue.docs import DATA_DICTIONARY_PATH, render_data_dictionary


class Command(BaseCommand):
    help = (
        "Write docs/data-dictionary.md from the catalogue. With --check, write nothing and fail "
        "if the file differs from what the catalogue renders."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="fail if the file is stale; do not write it"
        )

    def handle(self, *args, check: bool, **options):
        rendered = render_data_dictionary()
        if check:
            current = (
                DATA_DICTIONARY_PATH.read_text(encoding="utf-8")
                if DATA_DICTIONARY_PATH.exists()
                else ""
            )
            if current != rendered:
                raise CommandError(
                    f"{DATA_DICTIONARY_PATH} is stale: run `python manage.py catalogue_docs` and "
                    "commit the result."
                )
            self.stdout.write(f"{DATA_DICTIONARY_PATH} is up to date.")
            return
        DATA_DICTIONARY_PATH.write_text(rendered, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {DATA_DICTIONARY_PATH}."))
