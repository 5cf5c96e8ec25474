"""The declaration feed: a batch of 1,000 declarations of 10 items through `declaration_receive`,
beside saving the same rows one model at a time; and `load_declarations` on a CSV file.

DATABASE_URL=postgres://... make bench PYTEST_ARGS="-k declarations"
"""

import csv
import io
import itertools
import time
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from hub.declarations.files import HEADER_COLUMNS, ITEM_COLUMNS
from hub.declarations.models import Declaration, DeclarationItem
from hub.declarations.services import declaration_receive
from tests.bench.conftest import measure
from tests.factories import EnterpriseFactory, declaration_document

DECLARATIONS = 1000
ITEMS = 10
FILE_DECLARATIONS = 10_000
_serial = itertools.count(1)


def batch() -> list[dict]:
    """Declarations with numbers no earlier run used."""
    return [
        declaration_document(f"2201{next(_serial):014d}", items=ITEMS) for _ in range(DECLARATIONS)
    ]


def naive_save(documents):
    """What a plain Django view would do with already-valid input: a model per row."""
    with transaction.atomic():
        for document in documents:
            declaration = Declaration.objects.create(
                number=document["number"],
                customs_office=document["customs_office"],
                declared_at=datetime.fromisoformat(document["declared_at"]),
                declarant_name=document["declarant"]["name"],
                consignee_name=document["consignee"]["name"],
                consignee_code=document["consignee"]["code"],
                transport_document_number=document["transport_document_number"],
                consignor_name=document["consignor"]["name"],
                consignor_country=document["consignor"]["country"],
                currency=document["currency"],
                received_at=datetime.now().astimezone(),
                payload_sha256="",
            )
            for item in document["items"]:
                DeclarationItem.objects.create(
                    declaration=declaration,
                    item_number=item["item_number"],
                    hs_code=item["hs_code"],
                    description=item["description"],
                    quantity=Decimal(item["quantity"]),
                    unit=item["unit"],
                    value=Decimal(item["value"]),
                    origin_country=item["origin_country"],
                )


@pytest.fixture
def importer(db):
    return EnterpriseFactory(identifiers={"customs_code": "3122440123"})


def test_bench_receiving_1000_declarations_of_10_items(importer):
    # Five runs each, every run with numbers of its own; the documents are built beforehand.
    naive_batches = iter([batch() for _ in range(5)])
    naive = measure(lambda: naive_save(next(naive_batches)))
    new_batches = iter([batch() for _ in range(5)])
    received = measure(lambda: declaration_receive(documents=next(new_batches), actor=None))
    same = batch()
    declaration_receive(documents=same, actor=None)
    unchanged = measure(lambda: declaration_receive(documents=same, actor=None))
    rows = [
        ("a model saved per row (no validation)", naive),
        ("declaration_receive, new", received),
        ("declaration_receive, unchanged", unchanged),
    ]
    print(f"\n[{connection.vendor}] {DECLARATIONS:,} declarations of {ITEMS} items in one batch:")
    for label, seconds in rows:
        print(
            f"  {label:<40} {seconds * 1000:8.0f} ms  {DECLARATIONS / seconds:8,.0f} decl/s  "
            f"{DECLARATIONS * ITEMS / seconds:9,.0f} items/s"
        )


def test_bench_loading_a_csv_file_of_100000_lines(importer, tmp_path):
    path = tmp_path / "declarations.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=HEADER_COLUMNS + ITEM_COLUMNS)
        writer.writeheader()
        for _ in range(FILE_DECLARATIONS // DECLARATIONS):
            for document in batch():
                header = {
                    column: (
                        document[column.split(".")[0]][column.split(".")[1]]
                        if "." in column
                        else " ".join(document[column])
                        if column == "containers"
                        else document.get(column, "")
                    )
                    for column in HEADER_COLUMNS
                    if column.split(".")[0] in document
                }
                for item in document["items"]:
                    writer.writerow({**header, **item})
    started = time.perf_counter()
    call_command("load_declarations", str(path), stdout=io.StringIO())
    seconds = time.perf_counter() - started
    lines = FILE_DECLARATIONS * ITEMS
    print(
        f"\n[{connection.vendor}] load_declarations, CSV of {lines:,} lines: {seconds:.1f} s, "
        f"{FILE_DECLARATIONS / seconds:,.0f} decl/s, {lines / seconds:,.0f} lines/s"
    )
