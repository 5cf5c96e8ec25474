"""Workbooks for the Excel channel's tests: the hub's template filled in as a trader would, and
the hostile and broken files an upload must refuse."""

import io
import random
import re
import zipfile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from hub.partners.sheet import PARTNER_COLUMNS
from hub.submissions.uploads import template_columns, template_workbook
from tests.factories import consignment_document


def rows_of(document: dict) -> list[dict]:
    """A canonical consignment as the template's rows: one per line, keyed by catalogue key, with
    the consignment's values repeated on each."""
    header = {}
    for key, value in document.items():
        if key == "lines":
            continue
        if isinstance(value, dict):
            header.update({f"{key}.{member}": text for member, text in value.items()})
        elif isinstance(value, list):
            header[key] = ", ".join(value)
        else:
            header[key] = value
    return [
        {**header, **{f"lines.{name}": value for name, value in line.items()}}
        for line in document["lines"]
    ]


def consignment_rows(reference: str, lines: int = 2, **overrides) -> list[dict]:
    return rows_of(consignment_document(reference, lines=lines, **overrides))


def filled_template(
    agreement, rows: list[dict], *, language="en", edit=None, partners: list[dict] = ()
) -> bytes:
    """The agreement's template with `rows` typed into its data sheet and `partners` (keyed as
    the partners sheet's columns) into its partners sheet by openpyxl; `edit` gets the data
    sheet to change further."""
    workbook = load_workbook(io.BytesIO(template_workbook(agreement=agreement, language=language)))
    sheet = workbook.worksheets[0]
    keys = [column.key for column in template_columns(agreement.scope)]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    for partner in partners:
        workbook.worksheets[1].append([partner.get(column.key) for column in PARTNER_COLUMNS])
    if edit is not None:
        edit(sheet)
    return saved(workbook)


def saved(workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def column_letter(agreement, key: str) -> str:
    keys = [column.key for column in template_columns(agreement.scope)]
    return get_column_letter(keys.index(key) + 1)


def partner_column_letter(key: str) -> str:
    keys = [column.key for column in PARTNER_COLUMNS]
    return get_column_letter(keys.index(key) + 1)


def as_version_1(workbook: bytes) -> bytes:
    """The workbook as the template of version 1 was: without a partners sheet."""
    book = load_workbook(io.BytesIO(workbook))
    del book["Partners"]
    del book["Partners example"]
    for row in book["hub_template"].iter_rows():
        if row[0].value == "template_version":
            row[1].value = "1"
        if row[0].value == "partners_sheet":
            row[0].value = row[1].value = None
    return saved(book)


def rezipped(data: bytes, *, replace: dict[str, bytes] | None = None) -> bytes:
    """`data` with some parts replaced or added."""
    replace = dict(replace or {})
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            content = replace.pop(member.filename, None) or source.read(member)
            target.writestr(member.filename, content)
        for name, content in replace.items():
            target.writestr(name, content)
    return output.getvalue()


def renamed_csv() -> bytes:
    return b"reference,invoice_number,invoice_date\nPO-1,INV-1,2026-11-03\n"


def pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def encrypted_workbook() -> bytes:
    """What Excel writes for a workbook with an open password: an OLE compound file holding the
    encryption info and the encrypted package (here with an empty package)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 40
    directory += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 40
    return header + directory.ljust(512, b"\x00")


def with_macros(workbook: bytes) -> bytes:
    content_types = zipfile.ZipFile(io.BytesIO(workbook)).read("[Content_Types].xml")
    return rezipped(
        workbook,
        replace={
            "[Content_Types].xml": content_types.replace(
                b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
            ),
            "xl/vbaProject.bin": b'\xd0\xcf\x11\xe0 Attribute VB_Name = "Module1"',
        },
    )


def zip_bomb(workbook: bytes) -> bytes:
    """A workbook with a part of 64 MiB of zeros, which deflate packs into some 64 KiB."""
    return rezipped(workbook, replace={"xl/media/image1.png": bytes(64 * 1024 * 1024)})


def entity_bomb(workbook: bytes) -> bytes:
    """A shared-strings part that would expand to gigabytes in a parser expanding entities."""
    laughs = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, 10)
    )
    strings = (
        b'<?xml version="1.0"?><!DOCTYPE sst [' + laughs + b"]>"
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    return rezipped(workbook, replace={"xl/sharedStrings.xml": strings})


def million_rows(workbook: bytes) -> bytes:
    """The workbook with a data sheet of a million and one rows, written without building it."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>PO-%d</t></is></c></row>' % (n, n, n)
        for n in range(1, 1_000_002)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    return rezipped(workbook, replace={"xl/worksheets/sheet1.xml": sheet})


def with_identity(workbook: bytes, **values: str) -> bytes:
    """The workbook with values of its hidden identity sheet changed."""
    book = load_workbook(io.BytesIO(workbook))
    sheet = book["hub_template"]
    for row in sheet.iter_rows():
        if row[0].value in values:
            row[1].value = values[row[0].value]
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def with_rows_added(workbook: bytes, rows: bytes) -> bytes:
    sheet = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    return rezipped(
        workbook,
        replace={
            "xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", rows + b"</sheetData>")
        },
    )


def with_last_row_first(workbook: bytes) -> bytes:
    """The data sheet's last row written right after its header row: the cells' references
    still place it last."""
    sheet = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    rows = re.findall(rb"<row .*?</row>", sheet, re.DOTALL)
    header, last = rows[0], rows[-1]
    reordered = sheet.replace(last, b"").replace(header, header + last)
    return rezipped(workbook, replace={"xl/worksheets/sheet1.xml": reordered})


def with_last_row_commented_out(workbook: bytes) -> bytes:
    """The data sheet's last row inside an XML comment, which Excel and LibreOffice never
    write: a reader skips it."""
    sheet = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    last = re.findall(rb"<row .*?</row>", sheet, re.DOTALL)[-1]
    commented = sheet.replace(last, b"<!-- " + last + b" -->")
    return rezipped(workbook, replace={"xl/worksheets/sheet1.xml": commented})


def far_away_cell(workbook: bytes) -> bytes:
    """One more cell, in row 200,000 and column ZZ: a reader holding the sheet as a grid would
    need hundreds of millions of cells for it."""
    return with_rows_added(
        workbook, b'<row r="200000"><c r="ZZ200000" t="inlineStr"><is><t>x</t></is></c></row>'
    )


def far_away_row(workbook: bytes) -> bytes:
    return with_rows_added(
        workbook, b'<row r="900000"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row>'
    )


def unreferenced_cells(workbook: bytes) -> bytes:
    """Cells placed by their order alone, which a reader cannot size the sheet from up front."""
    return with_rows_added(workbook, b"<row>" + b"<c/>" * 1000 + b"<c><v>1</v></c></row>")


def damaged_sheet(workbook: bytes) -> bytes:
    """A well-formed archive whose data sheet points at a shared string that does not exist."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="s"><v>99999</v></c></row></sheetData></worksheet>'
    )
    return rezipped(workbook, replace={"xl/worksheets/sheet1.xml": sheet})


def large_sheet_with_a_wrong_checksum(workbook: bytes) -> bytes:
    """A data sheet of some megabytes (long texts in a few rows) whose content does not match
    the checksum its archive records for it, as in a file damaged on its way."""
    # Text that compresses as text does, not a thousandfold, which would be a bomb.
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
        % (n, n, random.Random(n).randbytes(6_000).hex().encode())
        for n in range(1, 801)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    data = bytearray(rezipped(workbook, replace={"xl/worksheets/sheet1.xml": sheet}))
    name = b"xl/worksheets/sheet1.xml"
    # The central directory's entry: signature, 12 bytes, then the CRC-32; its name at 46.
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    data[entry + 16 : entry + 20] = bytes(4 - i for i in range(4))
    return bytes(data)


def declaration_across_a_chunk(workbook: bytes, split: int) -> bytes:
    """A shared-strings part, stored uncompressed so that the inspection reads it in pieces of
    64 KiB, whose document type declaration starts `split` bytes before the end of the first
    piece: a check of each piece on its own would miss it."""
    piece = 64 * 1024
    start = b'<?xml version="1.0"?>'
    declaration = b"<!DOCTYPE sst>"
    strings = (
        start
        + b" " * (piece - split - len(start))
        + declaration
        + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>a</t></si></sst>"
    )
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(rezipped(workbook))) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                target.writestr(member.filename, source.read(member))
        target.writestr("xl/sharedStrings.xml", strings, compress_type=zipfile.ZIP_STORED)
    return output.getvalue()
