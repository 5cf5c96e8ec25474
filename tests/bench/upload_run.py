"""One contender of the upload benchmark, run in a process of its own so that its peak memory is
its own. It seeds an enterprise with an agreement and a key, times the import of FILE into the
consignment tables, and prints one JSON line: rows, seconds, peak and starting RSS.

    python -m tests.bench.upload_run make FILE ROWS    # write the workbook to upload
    python -m tests.bench.upload_run hub FILE           # POST /api/v1/uploads, in-process
    python -m tests.bench.upload_run import-export FILE # django-import-export's xlsx import
    python -m tests.bench.upload_run phases FILE        # the upload's steps timed one by one,
                                                        # with their CPU time
"""

import json
import os
import resource
import sys
import time
import uuid
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
django.setup()

import tablib  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from import_export import fields, resources  # noqa: E402

from connectors.excel_template import (  # noqa: E402
    template_build,
    workbook_inspect,
    workbook_read,
)
from hub.core.memory import cycle_collection_paused  # noqa: E402
from hub.core.outbox import outbox_flush  # noqa: E402
from hub.submissions.models import (  # noqa: E402
    Consignment,
    ConsignmentLine,
    ConsignmentParty,
    ConsignmentRevision,
)
from hub.submissions.services import consignment_ingest, consignment_validate  # noqa: E402
from hub.submissions.uploads import (  # noqa: E402
    template_columns,
    template_identity,
    upload_limits,
)
from tests.bench.cpu import cpu_seconds  # noqa: E402
from tests.factories import (  # noqa: E402
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    active_agreement,
)

SCOPE = ["line_weights_and_classification", "transport_details"]
LINES_PER_CONSIGNMENT = 30
# The bench rows arrive at CNSHA: a time without a zone is Shanghai time, as the hub reads it.
ARRIVAL_ZONE = ZoneInfo("Asia/Shanghai")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_rows(count: int):
    """`count` goods lines, thirty to a consignment, as a trader's ERP export gives them:
    numbers and dates as such, codes as text, the arrival without a zone."""
    columns = template_columns(SCOPE)
    for index in range(count):
        consignment, line = divmod(index, LINES_PER_CONSIGNMENT)
        values = {
            "reference": f"BENCH-{consignment:06d}",
            "invoice_number": f"INV-{consignment:06d}",
            "invoice_date": date(2026, 11, 3),
            "currency": "EUR",
            "transport_document_number": f"COSU{6312458790 + consignment}",
            "transport_mode": "1",
            "port_of_loading": "DEHAM",
            "port_of_discharge": "CNSHA",
            "estimated_arrival": datetime(2026, 12, 2, 8, 0),
            "departure_date": date(2026, 11, 5),
            "vessel_or_flight": "COSCO SHIPPING ARIES",
            "voyage_number": "047E",
            "containers": "CSQU3054383, MSKU1234565",
            "seller.name": "Rhein Präzisionstechnik GmbH",
            "seller.country": "DE",
            "lines.line_number": line + 1,
            "lines.material_number": f"MAT-{(index * 7919) % 100_000:05d}",
            "lines.description": f"Precision bearing type {index % 997}, steel, sealed",
            "lines.quantity": 120 + index % 50,
            "lines.unit": "PCE",
            "lines.line_value": 1000 + (index % 9000) / 4,
            "lines.origin_country": "DE",
            "lines.hs_code": "8482100090",
            "lines.net_weight_kg": 12.5 + index % 10,
            "lines.gross_weight_kg": 13.5 + index % 10,
            "lines.packages": 1 + index % 12,
        }
        yield [values[column.key] for column in columns]


def make(path: str, count: int) -> None:
    agreement = SimpleNamespace(scope=SCOPE, version=1)
    data = template_build(
        template_columns(SCOPE),
        template_identity(agreement),
        language="en",
        max_rows=count,
        rows=bench_rows(count),
    )
    with open(path, "wb") as file:
        file.write(data)


def seed():
    # Each run adds its own enterprise and people to the benchmark database.
    UserFactory.reset_sequence(uuid.uuid4().int % 10**12)
    enterprise = EnterpriseFactory(legal_name=f"Benchmark Importer {uuid.uuid4().hex[:8]}")
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    agreement = active_agreement(enterprise, admin, scope=SCOPE, channels=("excel",))
    # The agreement's follow-up jobs are sent now rather than while the upload is timed: the
    # process's first send loads and connects the job queue's client, which a running web
    # process has long done.
    outbox_flush()
    return enterprise, admin, agreement


def hub_upload(data: bytes):
    """The upload as an ERP key sends it: POST /api/v1/uploads, through the whole stack."""
    enterprise, _admin, _agreement = seed()
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {ApiKeyFactory(enterprise=enterprise).plaintext}")
    body = {"file": SimpleUploadedFile("bench.xlsx", data), "authenticity_confirmed": "true"}
    # A web process has served requests before an upload arrives: the URL configuration and the
    # modules behind it are loaded once per process, not per upload.
    client.get("/api/v1/whoami")

    def run() -> int:
        response = client.post("/api/v1/uploads", body)
        if response.status_code != 201:
            raise SystemExit(f"the upload was refused: {response.content[:2000]!r}")
        return response.json()["upload"]["rows"]

    return run


def hub_phases(data: bytes):
    """The upload's steps timed one by one, in-process, each with the CPU time this process (all
    its threads) and PostgreSQL spent on it, the cycle collector paused as the upload pauses it:
    where the time of the upload goes."""
    _enterprise, admin, agreement = seed()
    columns = template_columns(agreement.scope)

    def run() -> dict:
        steps = {}

        def timed(name, step):
            before, started = cpu_seconds(), time.perf_counter()
            result = step()
            seconds, after = time.perf_counter() - started, cpu_seconds()
            steps[name] = {
                "seconds": seconds,
                **{role: after[role] - before[role] for role in after},
            }
            return result

        timed("inspect", lambda: workbook_inspect(data, upload_limits(columns), language="en"))
        # The inspection again, with the data sheet parsed in parts alongside it, and the reading.
        contents = timed(
            "inspect_and_read",
            lambda: workbook_read(
                data,
                columns,
                template_identity(agreement),
                limits=upload_limits(columns),
                language="en",
            ),
        )
        documents = [consignment.document for consignment in contents.consignments]
        timed(
            "ingest_validation",
            lambda: [
                consignment_validate(document, scope=agreement.scope) for document in documents
            ],
        )
        timed(
            "ingest",
            lambda: consignment_ingest(
                enterprise_id=agreement.enterprise_id,
                documents=documents,
                channel="excel",
                actor=admin,
                source_format="xlsx",
            ),
        )
        return {"rows": contents.rows, "steps": steps}

    return run


HEADERS = {column.key: column.label_en for column in template_columns(SCOPE)}


class LineResource(resources.ModelResource):
    """How django-import-export is usually set up for such a sheet: a resource for the line
    model, whose hook creates each consignment and its revision on the first row it meets."""

    revision = fields.Field(attribute="revision_id", column_name="revision")

    class Meta:
        model = ConsignmentLine
        import_id_fields = ["revision", "line_number"]
        fields = [
            "revision",
            "line_number",
            "material_number",
            "description",
            "quantity",
            "unit",
            "line_value",
            "origin_country",
            "hs_code",
            "net_weight_kg",
            "gross_weight_kg",
            "packages",
        ]

    def __init__(self, agreement, actor):
        super().__init__()
        self.agreement = agreement
        self.actor = actor
        self.revisions: dict[str, int] = {}
        for name in self.Meta.fields[1:]:
            self.fields[name].column_name = HEADERS[f"lines.{name}"]

    def before_import(self, dataset, **kwargs):
        dataset.append_col([None] * len(dataset), header="revision")

    def before_import_row(self, row, **kwargs):
        reference = row[HEADERS["reference"]]
        if reference not in self.revisions:
            self.revisions[reference] = self._revision(row, reference).pk
        row["revision"] = self.revisions[reference]

    def _revision(self, row, reference):
        def value(key):
            return row[HEADERS[key]]

        arrival = value("estimated_arrival").replace(tzinfo=ARRIVAL_ZONE)
        consignment = Consignment.objects.create(
            enterprise_id=self.agreement.enterprise_id,
            reference=reference,
            transport_document_number=value("transport_document_number"),
            invoice_number=value("invoice_number"),
            estimated_arrival=arrival,
        )
        revision = ConsignmentRevision.objects.create(
            consignment=consignment,
            number=1,
            agreement=self.agreement,
            channel="excel",
            source_format="xlsx",
            received_at=timezone.now(),
            hours_before_arrival=Decimal(0),
            payload_sha256="",
            submitted_by=self.actor.get_username(),
            document="{}",
            transport_document_number=value("transport_document_number"),
            transport_mode=value("transport_mode"),
            port_of_loading=value("port_of_loading"),
            port_of_discharge=value("port_of_discharge"),
            estimated_arrival=arrival,
            departure_date=value("departure_date"),
            vessel_or_flight=value("vessel_or_flight"),
            voyage_number=value("voyage_number"),
            containers=value("containers").split(", "),
            invoice_number=value("invoice_number"),
            invoice_date=value("invoice_date"),
            currency=value("currency"),
        )
        ConsignmentParty.objects.create(
            revision=revision,
            role="seller",
            name=value("seller.name"),
            country=value("seller.country"),
        )
        Consignment.objects.filter(pk=consignment.pk).update(
            current_revision=revision, revision_count=1
        )
        return revision


def import_export_upload(data: bytes):
    """The same file through django-import-export: tablib loads it with openpyxl, and the
    resource imports row by row in one transaction."""
    _enterprise, admin, agreement = seed()
    resource = LineResource(agreement, admin)

    def run() -> int:
        dataset = tablib.Dataset().load(data, format="xlsx")
        result = resource.import_data(
            dataset, dry_run=False, raise_errors=True, use_transactions=True
        )
        return result.totals["new"]

    return run


def main() -> None:
    command, path = sys.argv[1], sys.argv[2]
    if command == "make":
        make(path, int(sys.argv[3]))
        return
    with open(path, "rb") as file:
        data = file.read()
    if command == "phases":
        with cycle_collection_paused():
            print(json.dumps(hub_phases(data)()))
        return
    run = {"hub": hub_upload, "import-export": import_export_upload}[command](data)
    start_rss = rss_mb()
    started = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - started
    result = {"rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}
    print(json.dumps({**result, "start_rss_mb": start_rss}))


if __name__ == "__main__":
    main()
