from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hub.declarations.files import FileRefused, SourceDocument, csv_read, jsonl_read
from hub.declarations.services import MAX_BATCH, declaration_receive

READERS = {"csv": csv_read, "jsonl": jsonl_read}
FORMAT_OF_SUFFIX = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class Command(BaseCommand):
    help = (
        "Load declarations from a CSV file (one row per item, the declaration's columns repeated) "
        "or a JSON-lines file (one declaration per line), through the same validation as the "
        "API. Valid declarations are stored even when others are refused; each refusal is "
        "reported with its line. The file is applied in order, a batch at a time: a declaration "
        "number that comes again further down is an amendment."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format",
            choices=sorted(READERS),
            help="csv or jsonl; by default taken from the file's extension",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=MAX_BATCH,
            help=f"declarations stored per transaction and follow-up job (default {MAX_BATCH})",
        )

    def handle(self, *args, file: Path, format: str | None, batch_size: int, **options):
        file_format = format or FORMAT_OF_SUFFIX.get(file.suffix.lower())
        if file_format is None:
            raise CommandError(
                f"Say whether {file.name} is --format csv or --format jsonl (its extension "
                "does not tell)."
            )
        if batch_size < 1:
            raise CommandError("--batch-size takes a number from 1.")
        self.counts = dict.fromkeys(("created", "amended", "unchanged", "refused"), 0)
        try:
            with open(file, encoding="utf-8-sig", newline="") as lines:
                self._load(READERS[file_format](lines), batch_size)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file.name} is not UTF-8 text.") from None
        except FileRefused as refused:
            raise CommandError(str(refused)) from None
        finally:
            self.stdout.write(
                "{total} declarations: {created} created, {amended} amended, {unchanged} "
                "unchanged, {refused} refused.".format(
                    total=sum(self.counts.values()), **self.counts
                )
            )
        if self.counts["refused"]:
            raise CommandError(
                f"{self.counts['refused']} declarations were refused (listed above); the others "
                "were stored."
            )

    def _load(self, sources, batch_size: int) -> None:
        batch: list[SourceDocument] = []
        numbers: set[str] = set()
        for source in sources:
            if source.errors:
                self._refused(source, source.errors)
                continue
            # A number seen again is a later message about that declaration: it goes in a later
            # batch, so that the file is applied in order.
            if len(batch) == batch_size or source.number in numbers:
                self._store(batch)
                batch, numbers = [], set()
            batch.append(source)
            numbers.add(source.number)
        self._store(batch)

    def _store(self, batch: list[SourceDocument]) -> None:
        if not batch:
            return
        results = declaration_receive(documents=[source.document for source in batch], actor=None)
        for source, result in zip(batch, results, strict=True):
            if result.status == "refused":
                self._refused(source, [(source.line_of(e["path"]), e) for e in result.errors])
            else:
                self.counts[result.status] += 1

    def _refused(self, source: SourceDocument, errors) -> None:
        self.counts["refused"] += 1
        name = f"declaration {source.number}" if source.number else "declaration"
        for line, error in sorted(errors, key=lambda entry: entry[0]):
            where = f" {error['path']}" if error["path"] else ""
            self.stderr.write(f"line {line}: {name}{where}: {error['message']}")
