"""Regenerate fixtures/excel/: the template of an agreement that shares every dataset, filled in
by openpyxl as a script or Excel writes cells (`consignments__openpyxl.xlsx`), and the same rows
with a formula in each line value, saved by LibreOffice (`consignments__libreoffice.xlsx`); each
with the consignments it must give (`.expected.json`). Run it when the template or the catalogue
changes, with LibreOffice installed:

    .venv/bin/python -m tests.excel_fixtures
"""

import io
import json
import os
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django.setup()

from openpyxl import load_workbook  # noqa: E402

from hub.catalogue.fields import DATASETS  # noqa: E402
from hub.submissions.uploads import template_columns, template_workbook  # noqa: E402
from tests.workbooks import rows_of  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "excel"
AGREEMENT = SimpleNamespace(scope=sorted(DATASETS), version=1)

CONSIGNMENTS = [
    {
        "reference": "PO-2026-0101",
        "invoice_number": "INV-2026-3301",
        "invoice_date": "2026-11-03",
        "currency": "EUR",
        "invoice_total": "26570",
        "contract_number": "C-7781",
        "contract_date": "2026-09-15",
        "incoterms": "FOB",
        "transport_document_number": "COSU6312458790",
        "transport_mode": "1",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "estimated_arrival": "2026-12-02T08:00:00+08:00",
        "departure_date": "2026-11-05",
        "vessel_or_flight": "COSCO SHIPPING ARIES",
        "voyage_number": "047E",
        "containers": ["CSQU3054383", "MSKU1234565"],
        "seller": {
            "name": "Alpenmilch Export GmbH",
            "country": "DE",
            "tax_id": "DE811907980",
            "address": "Milchstraße 4, 80331 München",
        },
        "shipper": {"name": "Nordsee Logistik GmbH", "country": "DE"},
        "lines": [
            {
                "line_number": 1,
                "material_number": "000123-MP",
                "description": "Milk powder, whole, 26% fat, 25 kg bags",
                "quantity": "12000",
                "unit": "KGM",
                "line_value": "18000",
                "origin_country": "DE",
                "hs_code": "0402211900",
                "net_weight_kg": "12000",
                "gross_weight_kg": "12240",
                "unit_price": "1.5",
                "packages": 480,
            },
            {
                "line_number": 2,
                "material_number": "000456-WP",
                "description": "Whey powder, demineralised, 25 kg bags",
                "quantity": "4000",
                "unit": "KGM",
                "line_value": "8570",
                "origin_country": "NL",
                "hs_code": "0404100200",
                "net_weight_kg": "4000",
                "gross_weight_kg": "4080",
                "unit_price": "2.1425",
                "packages": 160,
            },
        ],
    },
    {
        "reference": "PO-2026-0102",
        "invoice_number": "INV-2026-3302",
        "invoice_date": "2026-11-04",
        "currency": "USD",
        "transport_document_number": "176-82736451",
        "transport_mode": "4",
        "port_of_loading": "DEFRA",
        "port_of_discharge": "CNPVG",
        "estimated_arrival": "2026-11-06T14:30:00+08:00",
        "seller": {"name": "Mainz Optics AG", "country": "DE"},
        "lines": [
            {
                "line_number": 1,
                "material_number": "LNS-50-F18",
                "description": "Camera lens 50 mm f/1.8",
                "quantity": "40",
                "unit": "PCE",
                "line_value": "8600",
                "origin_country": "JP",
                "hs_code": "9002110000",
            }
        ],
    },
]

# Dates go in as date cells and the first arrival as a date and time without a zone, local time
# at the port of discharge, as a trader types them; the second arrival is text with its offset.
DATE_KEYS = ("invoice_date", "contract_date", "departure_date")
NUMBER_KEYS = (
    "invoice_total",
    "lines.quantity",
    "lines.line_value",
    "lines.net_weight_kg",
    "lines.gross_weight_kg",
    "lines.unit_price",
)


def _cell(key: str, value, reference: str):
    if value is None:
        return None
    if key in DATE_KEYS:
        return date.fromisoformat(value)
    if key in NUMBER_KEYS:
        return float(value)
    if key == "estimated_arrival" and reference == "PO-2026-0101":
        return datetime.fromisoformat(value).replace(tzinfo=None)
    if key == "estimated_arrival":
        return "2026-11-06 14:30 +08:00"
    return value


def filled(*, formulas: bool) -> bytes:
    workbook = load_workbook(io.BytesIO(template_workbook(agreement=AGREEMENT, language="en")))
    sheet = workbook.worksheets[0]
    keys = [column.key for column in template_columns(AGREEMENT.scope)]
    letter = {key: sheet.cell(1, index + 1).column_letter for index, key in enumerate(keys)}
    for consignment in CONSIGNMENTS:
        for row in rows_of(consignment):
            sheet.append([_cell(key, row.get(key), consignment["reference"]) for key in keys])
            number = sheet.max_row
            sheet[f"{letter['lines.line_value']}{number}"].number_format = "#,##0.00"
            if formulas and row.get("lines.unit_price"):
                sheet[f"{letter['lines.line_value']}{number}"] = (
                    f"=ROUND({letter['lines.quantity']}{number}"
                    f"*{letter['lines.unit_price']}{number},2)"
                )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def saved_by_libreoffice(data: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "in" / "consignments.xlsx"
        source.parent.mkdir()
        source.write_bytes(data)
        subprocess.run(
            [
                shutil.which("soffice") or "soffice",
                f"-env:UserInstallation=file://{work}/profile",
                "--headless",
                "--convert-to",
                "xlsx",
                "--outdir",
                work,
                str(source),
            ],
            check=True,
            capture_output=True,
        )
        return (Path(work) / "consignments.xlsx").read_bytes()


def main() -> None:
    expected = json.dumps(CONSIGNMENTS, indent=2, ensure_ascii=False) + "\n"
    for variant, data in (
        ("openpyxl", filled(formulas=False)),
        ("libreoffice", saved_by_libreoffice(filled(formulas=True))),
    ):
        (FIXTURES / f"consignments__{variant}.xlsx").write_bytes(data)
        (FIXTURES / f"consignments__{variant}.expected.json").write_text(expected)


if __name__ == "__main__":
    main()
