import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.core.models import OutboxJob
from hub.declarations.files import HEADER_COLUMNS, ITEM_COLUMNS
from hub.declarations.models import Declaration, DeclarationItem
from tests.factories import declaration_document

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "declarations"


def load(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("load_declarations", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def write_jsonl(path, *documents):
    path.write_text(
        "".join(
            (document if isinstance(document, str) else json.dumps(document)) + "\n"
            for document in documents
        ),
        encoding="utf-8",
    )
    return path


def csv_rows(document) -> list[dict]:
    """A declaration as CSV rows, one per item, its own columns repeated."""
    header = {}
    for column in HEADER_COLUMNS:
        if "." in column:
            party, member = column.split(".")
            header[column] = document.get(party, {}).get(member, "")
        elif column == "containers":
            header[column] = " ".join(document.get(column, []))
        else:
            header[column] = document.get(column, "")
    return [
        {**header, **{column: item.get(column, "") for column in ITEM_COLUMNS}}
        for item in document["items"]
    ]


def write_csv(path, rows, columns=None):
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns or HEADER_COLUMNS + ITEM_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_sample_csv_and_json_lines_files_hold_the_same_declarations(db):
    out, err, failure = load(FIXTURES / "declarations.csv")

    assert (failure, err) == (None, "")
    assert "5 declarations: 5 created, 0 amended, 0 unchanged, 0 refused." in out
    assert DeclarationItem.objects.count() == 12

    out, _err, _failure = load(FIXTURES / "declarations.jsonl")

    assert "5 declarations: 0 created, 0 amended, 5 unchanged, 0 refused." in out


def test_a_refused_csv_row_is_reported_with_its_line_and_the_rest_is_stored(db, tmp_path):
    bad = csv_rows(declaration_document("220120261000000001", items=3))
    bad[1]["unit"] = "BOXES"
    good = csv_rows(declaration_document("220120261000000002", items=2))
    path = write_csv(tmp_path / "declarations.csv", bad + good)

    out, err, failure = load(path)

    assert "line 3: declaration 220120261000000001 /items/1/unit: 'BOXES' is not" in err
    assert failure == "1 declarations were refused (listed above); the others were stored."
    assert "2 declarations: 1 created, 0 amended, 0 unchanged, 1 refused." in out
    assert list(Declaration.objects.values_list("number", flat=True)) == ["220120261000000002"]


def test_the_rows_of_a_declaration_must_agree_on_its_columns(db, tmp_path):
    rows = csv_rows(declaration_document(items=3))
    rows[2]["currency"] = "USD"
    rows[1]["invoice_number"] = ""  # blank repeats the first row's
    path = write_csv(tmp_path / "declarations.csv", rows)

    _out, err, failure = load(path)

    assert failure is not None
    assert err.startswith("line 4: declaration 220120261000000001 /currency: 'currency' is 'USD'")
    assert "on line 2" in err
    assert not Declaration.objects.exists()


def test_a_csv_item_number_that_is_not_a_whole_number_is_refused_on_its_line(db, tmp_path):
    rows = csv_rows(declaration_document(items=2))
    rows[1]["item_number"] = "2a"
    path = write_csv(tmp_path / "declarations.csv", rows)

    _out, err, _failure = load(path)

    assert "line 3: declaration 220120261000000001 /items/1/item_number" in err


def test_a_csv_needs_its_required_columns_and_no_others(db, tmp_path):
    columns = [c for c in HEADER_COLUMNS + ITEM_COLUMNS if c != "currency"] + ["colour"]
    path = write_csv(tmp_path / "declarations.csv", [], columns=columns)

    _out, _err, failure = load(path)

    assert "unknown columns: colour" in failure
    assert "missing columns: currency" in failure


def test_json_lines_report_the_line_of_each_refusal(db, tmp_path):
    invalid = declaration_document("220120261000000003", trade_terms="FOBB")
    path = write_jsonl(
        tmp_path / "declarations.jsonl",
        declaration_document("220120261000000001"),
        '{"number": "220120261000000002",',
        "",
        invalid,
    )

    out, err, _failure = load(path)

    lines = err.splitlines()
    assert lines[0].startswith("line 2: declaration: The line is not valid JSON")
    assert lines[1].startswith("line 4: declaration 220120261000000003 /trade_terms:")
    assert "3 declarations: 1 created, 0 amended, 0 unchanged, 2 refused." in out


def test_a_number_that_comes_again_further_down_the_file_is_an_amendment(db, tmp_path):
    path = write_jsonl(
        tmp_path / "declarations.jsonl",
        declaration_document("220120261000000001", items=3),
        declaration_document("220120261000000002"),
        declaration_document("220120261000000001", items=1),
    )

    out, _err, failure = load(path)

    assert failure is None
    assert "3 declarations: 2 created, 1 amended, 0 unchanged, 0 refused." in out
    declaration = Declaration.objects.get(number="220120261000000001")
    assert (declaration.revision, declaration.items.count()) == (2, 1)


def test_declarations_are_stored_a_batch_at_a_time_with_one_follow_up_job_per_batch(
    tmp_path, follow_ups_seen
):
    documents = [declaration_document(f"22012026100000000{n}") for n in range(1, 6)]
    path = write_jsonl(tmp_path / "declarations.jsonl", *documents)

    load(path, "--batch-size", "2")

    assert OutboxJob.objects.filter(task="declarations.declarations_changed").count() == 3
    assert Declaration.objects.count() == 5


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("declarations.txt", b"{}", [], "--format csv or --format jsonl"),
        ("declarations.jsonl", b"\xff\xfe{}", [], "is not UTF-8 text"),
        ("declarations.csv", b"", [], "The file is empty"),
        ("declarations.jsonl", b"{}", ["--batch-size", "0"], "--batch-size takes a number"),
    ],
)
def test_a_file_that_cannot_be_loaded_says_why(db, tmp_path, name, content, args, message):
    path = tmp_path / name
    path.write_bytes(content)

    _out, _err, failure = load(path, *args)

    assert message in failure


def test_a_file_that_is_not_there_says_so(db, tmp_path):
    _out, _err, failure = load(tmp_path / "missing.csv")

    assert "Cannot read" in failure


def test_the_format_can_be_named_when_the_extension_does_not_tell(db, tmp_path):
    path = write_jsonl(tmp_path / "feed.txt", declaration_document())

    _out, _err, failure = load(path, "--format", "jsonl")

    assert failure is None
    assert Declaration.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_on_postgresql_items_are_copied_in_and_keep_every_character(db, tmp_path):
    document = declaration_document(items=20)  # more values than one INSERT takes
    document["items"][0]["description"] = 'Tab\there, new\nline, back\\slash, "quotes", 轴承'
    document["items"][1]["quantity"] = "123456789012345.123456"
    path = write_csv(tmp_path / "declarations.csv", csv_rows(document))

    with CaptureQueriesContext(connection) as queries:
        _out, _err, failure = load(path)

    assert failure is None
    item_inserts = [
        q for q in queries if "INSERT INTO" in q["sql"] and "declarationitem" in q["sql"]
    ]
    assert item_inserts == []
    first, second, *_rest = DeclarationItem.objects.order_by("item_number")
    assert first.description == document["items"][0]["description"]
    assert str(second.quantity) == "123456789012345.123456"
