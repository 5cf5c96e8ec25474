"""Declaration files, read a declaration at a time so that a file of any size streams: CSV with one
row per item (the declaration's columns repeated on each of its rows, the rows of a declaration
next to each other), and JSON lines with one declaration per line. Each becomes a document for
`declaration_receive`, which validates it like any other; what is wrong with the file itself (a
line that is not JSON, rows of one declaration that disagree) is reported here, with its line."""

import csv
import json
import operator
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from hub.declarations.validation import DECLARATION_RULES, Kind

ITEM_RULES = DECLARATION_RULES["items"].members


def _header_columns() -> list[tuple[str, bool]]:
    """The declaration's own columns, a party's members as "consignee.code", with whether each
    is required."""
    columns = []
    for name, rule in DECLARATION_RULES.items():
        if rule.kind == Kind.OBJECT:
            columns += [
                (f"{name}.{member}", rule.required and member_rule.required)
                for member, member_rule in rule.members.items()
            ]
        elif rule.kind != Kind.LIST:
            columns.append((name, rule.required))
    return columns


HEADER_COLUMNS = [column for column, _required in _header_columns()]
ITEM_COLUMNS = list(ITEM_RULES)
REQUIRED_COLUMNS = [column for column, required in _header_columns() if required] + [
    name for name, rule in ITEM_RULES.items() if rule.required
]
CONTAINER_SEPARATORS = re.compile(r"[\s,;]+")
ITEMS_PATH = re.compile(r"/items/(\d+)")


class FileRefused(Exception):
    """The file cannot be read as declarations at all."""


@dataclass
class SourceDocument:
    document: object
    line: int
    """Where the declaration starts."""
    item_lines: list[int] = field(default_factory=list)
    """For CSV, the line of each item."""
    errors: list[tuple[int, dict]] = field(default_factory=list)
    """Problems of the file itself, each with its line: the document is refused for them."""

    @property
    def number(self) -> str:
        number = self.document.get("number") if isinstance(self.document, dict) else None
        return number.strip().upper() if isinstance(number, str) else ""

    def line_of(self, path: str) -> int:
        """The line an error of `declaration_receive` is on."""
        match = ITEMS_PATH.match(path)
        if match and int(match[1]) < len(self.item_lines):
            return self.item_lines[int(match[1])]
        return self.line


def jsonl_read(lines: Iterable[str]) -> Iterator[SourceDocument]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line, parse_float=Decimal)
        except ValueError as error:
            yield SourceDocument(
                None,
                number,
                errors=[
                    (
                        number,
                        {
                            "path": "",
                            "code": "malformed_json",
                            "message": _("The line is not valid JSON (%(error)s).")
                            % {"error": error},
                        },
                    )
                ],
            )
            continue
        yield SourceDocument(document, number)


def csv_read(lines: Iterable[str]) -> Iterator[SourceDocument]:
    reader = csv.reader(lines)
    columns = [column.strip() for column in next(reader, [])]
    _check_columns(columns)
    number_at = columns.index("number")
    items_at = [(name, columns.index(name)) for name in ITEM_COLUMNS if name in columns]
    # The declaration's cells of a row, to tell at C speed whether a later row repeats them.
    header_of = operator.itemgetter(*(i for i, c in enumerate(columns) if c in HEADER_COLUMNS))
    current: SourceDocument | None = None
    first_row: list[str] = []
    end_of_previous = reader.line_num
    for row in reader:
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not "".join(row).strip():
            continue
        too_wide = len(row) > len(columns)
        row += [""] * (len(columns) - len(row))  # cells missing at the end are blank
        number = row[number_at].strip().upper()
        if current is not None and number and number == current.number:
            if header_of(row) != header_of(first_row):
                current.errors += _disagreements(
                    _stripped(columns, row), _stripped(columns, first_row), current.line, line
                )
        else:
            if current is not None:
                yield current
            current, first_row = SourceDocument(_header(_stripped(columns, row)), line), row
            current.document["items"] = []
        if too_wide:
            current.errors.append((line, _wrong_width(row, columns)))
        current.document["items"].append(_item(row, items_at))
        current.item_lines.append(line)
    if current is not None:
        yield current


def _stripped(columns: list[str], row: list[str]) -> dict[str, str]:
    return {column: cell.strip() for column, cell in zip(columns, row, strict=False)}


def _check_columns(columns: list[str]) -> None:
    if not columns:
        raise FileRefused(_("The file is empty: its first line names the columns."))
    known = HEADER_COLUMNS + ITEM_COLUMNS
    unknown = [column for column in columns if column not in known]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    problems = []
    if unknown:
        problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
    if repeated:
        problems.append(_("columns given twice: %(columns)s") % {"columns": ", ".join(repeated)})
    if missing:
        problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    if problems:
        raise FileRefused(
            _("The first line does not name the columns of a declaration file (%(problems)s). ")
            % {"problems": "; ".join(problems)}
            + _("The columns are: %(columns)s.") % {"columns": ", ".join(known)}
        )


def _header(cells: dict[str, str]) -> dict:
    document: dict = {}
    for column in HEADER_COLUMNS:
        value = cells.get(column, "")
        if not value:
            continue
        if column == "containers":
            document[column] = [number for number in CONTAINER_SEPARATORS.split(value) if number]
        elif "." in column:
            party, member = column.split(".")
            document.setdefault(party, {})[member] = value
        else:
            document[column] = value
    return document


def _item(row: list[str], items_at: list[tuple[str, int]]) -> dict:
    item = {name: value for name, index in items_at if (value := row[index].strip())}
    if item.get("item_number", "").isdigit():
        item["item_number"] = int(item["item_number"])
    return item


def _disagreements(cells, first_cells, first_line: int, line: int) -> list[tuple[int, dict]]:
    """A declaration's columns on its later rows: left blank or the same as on its first."""
    return [
        (
            line,
            {
                "path": "/" + column.replace(".", "/"),
                "code": "inconsistent",
                "message": _(
                    "'%(column)s' is %(value)s here but %(first)s on line %(first_line)d: every "
                    "row of a declaration repeats its columns unchanged, or leaves them blank."
                )
                % {
                    "column": column,
                    "value": repr(cells[column]),
                    "first": repr(first_cells.get(column, "")),
                    "first_line": first_line,
                },
            },
        )
        for column in HEADER_COLUMNS
        if cells.get(column) and cells[column] != first_cells.get(column, "")
    ]


def _wrong_width(row: list[str], columns: list[str]) -> dict:
    return {
        "path": "",
        "code": "invalid",
        "message": _(
            "The row has %(cells)d cells but the first line names %(columns)d columns; quote "
            "cells that hold a comma."
        )
        % {"cells": len(row), "columns": len(columns)},
    }
