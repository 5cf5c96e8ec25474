"""Internal-control exports: every revision an enterprise shared with its provenance, and the
findings customs shared back, as CSV (streamed, so that any number of rows fits) or as one Excel
workbook with a sheet for each."""

import csv
import io
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Without it, Excel reads a UTF-8 CSV in the machine's code page and garbles Chinese.
BOM = "\ufeff"


def _revision_columns():
    return [
        (_("Reference"), lambda r: r.consignment.reference),
        (_("Revision"), lambda r: r.number),
        (_("Received at"), lambda r: r.received_at),
        (_("Channel"), lambda r: r.get_channel_display()),
        (_("Format"), lambda r: r.source_format),
        (_("Sent by"), lambda r: r.submitted_by),
        (_("Agreement version"), lambda r: r.agreement.version),
        (_("Hours before arrival"), lambda r: r.hours_before_arrival),
        (_("Transport document"), lambda r: r.transport_document_number),
        (_("Invoice"), lambda r: r.invoice_number),
        (_("Estimated arrival"), lambda r: r.estimated_arrival),
        (_("Payload SHA-256"), lambda r: r.payload_sha256),
    ]


def _finding_columns():
    return [
        (_("Declaration"), lambda f: f.declaration.number),
        (_("Declared at"), lambda f: f.declaration.declared_at),
        (
            _("Consignments"),
            lambda f: " ".join(m.consignment.reference for m in f.declaration.enterprise_matches),
        ),
        (_("Item"), lambda f: f.item_number),
        (_("Finding"), lambda f: f.get_type_display()),
        (_("Severity"), lambda f: f.get_severity_display()),
        (_("Declared"), lambda f: f.declared),
        (_("Shared"), lambda f: f.shared),
        (_("Tolerance"), lambda f: f.tolerance),
        (_("Explanation"), lambda f: f.explanation),
    ]


TABLES = {"revisions": _revision_columns, "findings": _finding_columns}


def _text(value) -> str | int | Decimal:
    """Times in ISO 8601 with their offset; text that a spreadsheet would run as a formula is
    kept as text."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return (
            timezone.localtime(value).isoformat() if hasattr(value, "hour") else value.isoformat()
        )
    if isinstance(value, int | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(columns, items):
    yield [str(title) for title, _value in columns]
    for item in items:
        yield [_text(value(item)) for _title, value in columns]


class _Echo:
    def write(self, value):
        return value


def _file_name(enterprise, table: str, extension: str) -> str:
    return (
        f"internal-control-{enterprise.pk}-{table}-{timezone.localdate().isoformat()}.{extension}"
    )


def csv_response(enterprise, table: str, items) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield BOM
        for row in _rows(TABLES[table](), items.iterator(chunk_size=2000)):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_name(enterprise, table, "csv")}"'
    )
    return response


def workbook_response(enterprise, *, revisions, findings) -> HttpResponse:
    workbook = Workbook(write_only=True)
    for table, items in (("revisions", revisions), ("findings", findings)):
        sheet = workbook.create_sheet(
            str(_("Revisions") if table == "revisions" else _("Findings"))
        )
        for row in _rows(TABLES[table](), items.iterator(chunk_size=2000)):
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_name(enterprise, "all", "xlsx")}"'
    )
    return response
