# ruff: noqa: RUF001  (Chinese texts use full-width punctuation, which is correct in Chinese)
"""The Excel template for small traders: writing it, refusing hostile files, and reading it back.

One row per goods line on the data sheet; the consignment's own values (reference, invoice,
transport, parties) are repeated on every row of that consignment, and rows with the same reference
are one consignment (docs/decisions/0007-excel-template-layout.md says why). A second sheet,
Partners, takes one row per supply-chain partner. The columns of both come from the caller (the
hub builds them from the catalogue for an agreement's scope, and from the partner registration),
so this module knows nothing of Django or the catalogue.

- `template_build` writes the template: required and optional headers styled apart, help in a
  comment on each header, dropdowns for code lists (from a hidden sheet, so long lists work), code
  and identifier columns formatted as text, an instructions sheet, an example sheet, and a hidden
  sheet naming the template, catalogue and scope it was made for.
- `workbook_inspect` refuses, before any parser sees the file, what is not a plain xlsx: other
  formats, macros, encryption, zip or XML entity bombs, formulas without a calculated value, and
  more rows than allowed. Every member is decompressed here under a hard bound and checked against
  its declared size and CRC, so the reader that follows cannot be led to expand more.
- `workbook_read` runs that inspection, reads the data sheet with python-calamine and turns its
  rows into canonical consignments, and the partners sheet into one record per row, with an
  error for each cell it cannot take, saying where and what to do. A large sheet is parsed in
  parts, in two worker threads, as the inspection clears its rows (docs/decisions/0018).
- `annotated_build` gives the uploaded rows back in a fresh template with the bad cells highlighted
  and commented, and a sheet listing every error.

Messages are in English or Simplified Chinese, after the `language` given ("en", "zh-hans").
"""

import contextlib
import io
import itertools
import queue
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from zoneinfo import ZoneInfo

import python_calamine
from defusedxml.ElementTree import fromstring as parse_xml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink

from connectors.canonical import PORT_COUNTRY_TIME_ZONES

TEMPLATE_VERSION = "2"
# Version 1 had no partners sheet: its files are read as files without partners.
READABLE_TEMPLATE_VERSIONS = ("1", TEMPLATE_VERSION)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LISTS_SHEET = "hub_lists"
IDENTITY_SHEET = "hub_template"
SHEET_NAMES = {
    "data": ("Consignments", "货物明细"),
    "partners": ("Partners", "合作伙伴"),
    "instructions": ("Instructions", "填写说明"),
    "example": ("Example", "填写示例"),
    "partners_example": ("Partners example", "合作伙伴示例"),
    "errors": ("Errors", "错误清单"),
}
LAST_EXCEL_ROW = 1_048_576


class Kind(StrEnum):
    """How a column's cells are read."""

    TEXT = "text"
    CODE = "code"
    CODES = "codes"
    """Several codes in one cell (container numbers, partner roles), separated by commas or
    spaces."""
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    key: str
    """The canonical key: `invoice_date`, `seller.name`, `lines.quantity`."""
    kind: Kind
    required: bool
    label_en: str
    label_zh: str
    help_en: str
    help_zh: str
    codes: tuple[str, ...] = ()
    """The codes of its dropdown, if it has one."""
    closed: bool = False
    """Only the listed codes are valid (else the dropdown lists common codes of an open scheme).
    A cell of several codes may be typed whatever the list: its dropdown offers one code."""
    code_list: str = ""
    """The name of its code list; columns with the same list share one dropdown source."""

    @property
    def is_line_value(self) -> bool:
        return self.key.startswith("lines.")

    def label(self, language: str) -> str:
        return self.label_zh if _is_chinese(language) else self.label_en

    def help(self, language: str) -> str:
        return self.help_zh if _is_chinese(language) else self.help_en


@dataclass(frozen=True)
class TemplateIdentity:
    """What the hidden sheet records, so that an upload is read with the columns it was made for."""

    catalogue_version: str
    scope_digest: str
    scope: tuple[str, ...] = ()
    agreement_version: int | None = None
    template_version: str = TEMPLATE_VERSION


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    """Data rows below the header."""
    max_uncompressed_bytes: int
    """All the workbook's parts together, decompressed."""


class WorkbookRefused(Exception):
    """The file as a whole cannot be taken; `message` says why and what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    """1-based, as Excel numbers rows."""
    column: str
    """The column letter; empty for a column that is missing altogether."""
    key: str
    code: str
    message: str

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.column else ""


def _is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def _say(language: str, english: str, chinese: str, **values) -> str:
    return (chinese if _is_chinese(language) else english).format(**values)


def _sheet_name(role: str, language: str) -> str:
    english, chinese = SHEET_NAMES[role]
    return chinese if _is_chinese(language) else english


# --- Writing ------------------------------------------------------------------------------------

REQUIRED_FILL = PatternFill("solid", fgColor="1F4E79")
REQUIRED_FONT = Font(bold=True, color="FFFFFF")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
OPTIONAL_FONT = Font(bold=True, color="1F2D3D")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
NUMBER_FORMATS = {
    Kind.TEXT: "@",
    Kind.CODE: "@",
    Kind.CODES: "@",
    Kind.INTEGER: "0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}
# A spreadsheet program runs text that starts with one of these as a formula once it is edited
# (or exported to CSV); such text is written back as an explicit string with Excel's quote prefix.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Values that show every kind of column, for the example sheet: one consignment of two lines and
# one of one line. Keys outside the template's scope are left out.
EXAMPLE_CONSIGNMENTS = (
    {
        "reference": "SHP-2026-0042",
        "invoice_number": "INV-88120",
        "invoice_date": date(2026, 11, 3),
        "currency": "EUR",
        "invoice_total": Decimal("25340.00"),
        "contract_number": "PO-55017",
        "contract_date": date(2026, 9, 15),
        "incoterms": "FOB",
        "transport_document_number": "COSU6312458790",
        "transport_mode": "1",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "estimated_arrival": datetime(2026, 12, 2, 8, 0),
        "departure_date": date(2026, 11, 5),
        "vessel_or_flight": "COSCO SHIPPING ARIES",
        "voyage_number": "047E",
        "containers": "CSQU3054383, MSKU1234565",
        "seller": {
            "name": "Rhein Präzisionstechnik GmbH",
            "country": "DE",
            "tax_id": "DE811907980",
            "address": "Hafenstraße 12, 20457 Hamburg",
        },
        "shipper": {"name": "Rhein Logistik GmbH", "country": "DE"},
        "carrier": {"name": "COSCO Shipping Lines Co., Ltd.", "country": "CN"},
        "forwarder": {"name": "Nordsee Spedition GmbH", "country": "DE"},
        "manufacturer": {"name": "Rhein Präzisionstechnik GmbH", "country": "DE"},
        "lines": [
            {
                "line_number": 1,
                "material_number": "BRG-6204-2RS",
                "description": "Deep groove ball bearing 6204-2RS, steel",
                "quantity": Decimal("1200"),
                "unit": "PCE",
                "line_value": Decimal("14400.00"),
                "origin_country": "DE",
                "hs_code": "8482100090",
                "net_weight_kg": Decimal("132.5"),
                "gross_weight_kg": Decimal("140"),
                "unit_price": Decimal("12.00"),
                "packages": 12,
            },
            {
                "line_number": 2,
                "material_number": "SEAL-40-62",
                "description": "Rotary shaft seal 40x62x8, NBR rubber",
                "quantity": Decimal("3000"),
                "unit": "PCE",
                "line_value": Decimal("10940.00"),
                "origin_country": "CZ",
                "hs_code": "4016930090",
                "net_weight_kg": Decimal("42"),
                "gross_weight_kg": Decimal("45.5"),
                "unit_price": Decimal("3.646667"),
                "packages": 6,
            },
        ],
    },
    {
        "reference": "SHP-2026-0043",
        "invoice_number": "INV-88131",
        "invoice_date": date(2026, 11, 4),
        "currency": "USD",
        "transport_document_number": "176-82736451",
        "transport_mode": "4",
        "port_of_loading": "DEFRA",
        "port_of_discharge": "CNPVG",
        "estimated_arrival": "2026-11-06 14:30 +08:00",
        "seller": {"name": "Mainz Optics AG", "country": "DE"},
        "lines": [
            {
                "line_number": 1,
                "material_number": "LNS-50-F18",
                "description": "Camera lens 50 mm f/1.8",
                "quantity": Decimal("40"),
                "unit": "PCE",
                "line_value": Decimal("8600.00"),
                "origin_country": "JP",
                "hs_code": "9002110000",
            },
        ],
    },
)

# The partners of the first example consignment, keyed as the partners sheet's columns are.
EXAMPLE_PARTNERS = (
    {
        "roles": "seller, manufacturer",
        "legal_name": "Rhein Präzisionstechnik GmbH",
        "address": "Hafenstraße 12, 20457 Hamburg",
        "country": "DE",
        "identifiers.vat": "DE811907980",
        "identifiers.eori": "DE4711234567890",
        "identifiers.lei": "529900RHEINPRAEZ0080",
        "identifiers.gln": "4001234000015",
        "contact_name": "Anna Weber",
        "contact_email": "export@rhein-praezision.example",
        "contact_phone": "+49 40 3012 4400",
    },
    {
        "roles": "forwarder, logistics_provider",
        "legal_name": "Nordsee Spedition GmbH",
        "address": "Am Sandtorkai 5, 20457 Hamburg",
        "country": "DE",
        "identifiers.eori": "DE9876543210987",
        "identifiers.duns": "150483782",
    },
    {"roles": "carrier", "legal_name": "COSCO Shipping Lines Co., Ltd.", "country": "CN"},
)

INSTRUCTIONS = (
    (
        "Fill in the sheet '{data}': one row per goods line of the invoice, at material-number "
        "level. A consignment with five lines takes five rows.",
        "在“{data}”工作表中，按发票上的商品明细逐行填写（物料号级别）：一批货物有五行明细，就填写五行。",
    ),
    (
        "Repeat the consignment's own values (reference, invoice, transport, seller and other "
        "parties) on every row of that consignment. Rows with the same consignment reference are "
        "one consignment, and they must give the same values.",
        "同一批货物的每一行都要重复填写该批货物的表头信息（业务参考号、发票、运输、卖方及其他参与方）。"
        "业务参考号相同的各行属于同一批货物，其表头信息必须一致。",
    ),
    (
        "Dark blue columns are required on every row. Light blue columns are optional: fill them "
        "in when you have the data. Point at a column header to read what it holds.",
        "深蓝色表头的列每行必填；浅蓝色表头的列为选填，有数据时填写。将鼠标移到表头上可查看该列的填写说明。",
    ),
    (
        "Columns with a dropdown take codes from a list. Codes and numbers such as HS codes are "
        "text: keep their leading zeros (0101210000). Several container numbers go in one cell, "
        "separated by commas.",
        "带下拉列表的列从列表中选择代码。代码及商品编码等编号按文本填写，保留开头的0（如0101210000）。"
        "多个集装箱号填在同一单元格中，用逗号分隔。",
    ),
    (
        "Dates: enter them as dates, or type them as 2026-11-03. The estimated time of arrival is "
        "a date and time; without an offset from UTC it is taken as local time at the port of "
        "discharge. Where that country has several time zones, type the offset: "
        "2026-12-02 08:00 -05:00.",
        "日期：按日期格式输入，或写成2026-11-03。预计到达时间填写日期和时间；未注明与UTC的时差时，"
        "按卸货港当地时间理解。卸货港所在国家有多个时区时，请写明时差，如2026-12-02 08:00 -05:00。",
    ),
    (
        "Numbers: type them without thousands separators, units or currency signs, with a point "
        "for decimals (1250.50). A cell formatted to show separators is fine.",
        "数字：不要带千位分隔符、单位或货币符号，小数点用英文句点（如1250.50）。"
        "通过单元格格式显示千位分隔符不影响读取。",
    ),
    (
        "Do not rename, add or remove columns or sheets, and do not merge cells. Formulas are "
        "fine: their calculated values are read. The hidden sheets hold the code lists and the "
        "template's version; leave them as they are.",
        "请勿重命名、增加或删除列和工作表，也不要合并单元格。可以使用公式，平台读取其计算结果。"
        "隐藏的工作表保存代码表和模板版本，请勿改动。",
    ),
    (
        "One file takes up to {max_rows} rows. Keep all rows of a consignment in the same file.",
        "每个文件最多{max_rows}行。同一批货物的所有行须在同一文件中。",
    ),
    (
        "The hub checks every cell when you upload the file. If anything is wrong, nothing is "
        "stored: you get the file back with each wrong cell highlighted in red and a comment "
        "saying what to do, and a sheet listing every error. Correct them and upload again.",
        "上传时平台逐一检查每个单元格。发现任何错误时不保存任何数据，并返回标注后的文件："
        "错误单元格以红色标出并附批注说明如何修改，另有一张错误清单。修改后请重新上传。",
    ),
    (
        "When you upload, you confirm that the data is authentic and accurate: under the "
        "data-sharing agreement your enterprise is responsible for the data it shares.",
        "上传即确认数据真实、准确：根据数据共享协议，企业对其共享数据的真实性和准确性负责。",
    ),
)

PARTNER_INSTRUCTIONS = (
    (
        "The sheet '{partners}' describes your overseas supply-chain partners: one row per "
        "company (seller or supplier, manufacturer, shipper, carrier, freight forwarder, logistics "
        "provider, customs broker). Roles, legal name and country are required; give every "
        "identifier you know (VAT or tax number, EORI, LEI, D-U-N-S, GLN): customs links your "
        "consignments to your partners by them. The sheet '{example}' shows rows filled in.",
        "“{partners}”工作表用于填写境外供应链合作伙伴，每家企业一行（卖方/供应商、生产商、发货人、"
        "承运人、货运代理、物流服务商、报关行）。角色、法定名称和国家（地区）为必填；请填写已知的全部"
        "识别号（增值税号或税号、EORI、LEI、邓白氏编码、GLN）：海关据此把货物与合作伙伴关联。"
        "“{example}”工作表为填写示例。",
    ),
    (
        "Roles: choose one from the dropdown, or type several codes in the cell separated by "
        "commas, e.g. seller, manufacturer. Identifiers are text: keep their leading zeros.",
        "角色：从下拉列表中选择一个，或在单元格中输入多个代码并用逗号分隔，如seller, manufacturer。"
        "识别号按文本填写，保留开头的0。",
    ),
    (
        "A partner you registered before (same legal name and country, letter case aside, or an "
        "identifier in common) is updated, not registered again: filled cells replace what is "
        "registered, blank cells keep it, and each change is kept as a version. Uploading the "
        "same or an updated file again registers no partner twice.",
        "已登记的合作伙伴（法定名称和国家相同，不区分大小写；或有相同的识别号）将被更新，不会重复登记："
        "已填写的单元格替换登记内容，空白单元格保留原内容，每次变更都保存为一个版本。"
        "再次上传同一文件或更新后的文件，不会重复登记任何合作伙伴。",
    ),
    (
        "A file may hold consignments, partners or both. If either sheet has an error, nothing "
        "of the file is stored, neither partners nor consignments.",
        "一个文件可以只填货物、只填合作伙伴，或两者都填。任一工作表有错误时，整个文件都不保存，"
        "合作伙伴和货物均不保存。",
    ),
)


def template_build(
    columns: list[Column],
    identity: TemplateIdentity,
    *,
    language: str,
    max_rows: int,
    rows: Iterable[list] | None = None,
    partner_columns: list[Column] = (),
) -> bytes:
    """The template for these columns, with a partners sheet when `partner_columns` are given:
    empty, or with `rows` (a value per column) filled into the data sheet, as a program that
    writes many rows at once would fill it."""
    uploaded = None
    if rows is not None:
        header = [column.label(language) for column in columns]
        uploaded = _Uploaded(_sheet_name("data", language), iter(rows), len(columns), header)
    return _workbook(
        columns,
        identity,
        language=language,
        max_rows=max_rows,
        partner_columns=partner_columns,
        uploaded=uploaded,
    )


def annotated_build(
    data: bytes,
    columns: list[Column],
    identity: TemplateIdentity,
    errors: list[CellError],
    *,
    max_rows: int,
    partner_columns: list[Column] = (),
) -> bytes:
    """The uploaded data and partners sheets, cell for cell at the same places, in a fresh
    template of the language the upload was made in, with each bad cell highlighted and
    commented."""
    with python_calamine.CalamineWorkbook.from_object(io.BytesIO(data)) as workbook:
        partners_sheet = _partners_sheet_name(workbook) if partner_columns else ""
        return _workbook(
            columns,
            identity,
            language=_identity_values(workbook).get("language", "en"),
            max_rows=max_rows,
            partner_columns=partner_columns,
            uploaded=_uploaded(workbook, _data_sheet_name(workbook)),
            uploaded_partners=_uploaded(workbook, partners_sheet) if partners_sheet else None,
            errors=errors,
        )


@dataclass
class _Uploaded:
    """Rows to write into a sheet, below `header`, at the places they were read from."""

    sheet: str
    rows: Iterator[list]
    width: int
    header: list


def _uploaded(workbook, name: str) -> _Uploaded:
    sheet = workbook.get_sheet_by_name(name)
    first_column = (sheet.start or (0, 0))[1]
    rows = ([""] * first_column + list(row) for row in sheet.iter_rows())
    header = next(rows, [])
    return _Uploaded(name, rows, first_column + sheet.width, header)


def _workbook(
    columns: list[Column],
    identity: TemplateIdentity,
    *,
    language: str,
    max_rows: int,
    partner_columns: list[Column] = (),
    uploaded: _Uploaded | None = None,
    uploaded_partners: _Uploaded | None = None,
    errors: list[CellError] = (),
) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Customs data-sharing hub"
    workbook.properties.title = _say(language, "Consignment data template", "货物数据模板")
    data_sheet = uploaded.sheet if uploaded else _sheet_name("data", language)
    _write_sheet(workbook.create_sheet(data_sheet), columns, uploaded, errors, language)
    partners_sheet = ""
    if partner_columns:
        partners_sheet = (
            uploaded_partners.sheet if uploaded_partners else _sheet_name("partners", language)
        )
        _write_sheet(
            workbook.create_sheet(partners_sheet),
            partner_columns,
            uploaded_partners,
            errors,
            language,
        )
    if uploaded:
        _write_errors_sheet(
            workbook.create_sheet(_sheet_name("errors", language)), errors, language
        )
    _write_instructions(
        workbook.create_sheet(_sheet_name("instructions", language)),
        columns,
        identity,
        language=language,
        max_rows=max_rows,
        data_sheet=data_sheet,
        partner_columns=partner_columns,
        partners_sheet=partners_sheet,
    )
    _write_example(
        workbook.create_sheet(_sheet_name("example", language)),
        columns,
        _example_rows(columns),
        language,
    )
    if partner_columns:
        _write_example(
            workbook.create_sheet(_sheet_name("partners_example", language)),
            partner_columns,
            (
                [partner.get(column.key) for column in partner_columns]
                for partner in EXAMPLE_PARTNERS
            ),
            language,
        )
    _write_lists(workbook, [*columns, *partner_columns])
    _write_identity(
        workbook.create_sheet(IDENTITY_SHEET), identity, language, data_sheet, partners_sheet
    )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_sheet(
    sheet, columns: list[Column], uploaded: _Uploaded | None, errors: list[CellError], language
) -> None:
    if uploaded is None:
        _write_data_sheet(sheet, columns, language=language)
    else:
        mine = [error for error in errors if error.sheet == uploaded.sheet]
        _write_uploaded_sheet(sheet, columns, uploaded, mine, language=language)


def _display_width(text: str) -> int:
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _prepare_columns(sheet, columns: Iterable[tuple[int, Column]], language: str) -> None:
    """Widths and number formats, which a write-only sheet needs before its first row; a column
    formatted as text keeps what is typed into it as typed (leading zeros stay)."""
    for position, column in columns:
        dimension = sheet.column_dimensions[get_column_letter(position + 1)]
        dimension.width = max(12, min(42, _display_width(column.label(language)) + 4))
        if column.kind in NUMBER_FORMATS:
            dimension.number_format = NUMBER_FORMATS[column.kind]


def _header_comment(column: Column, language: str) -> Comment:
    parts = [
        _say(language, "Required on every row.", "每行必填。")
        if column.required
        else _say(language, "Optional.", "选填。"),
        column.help(language),
    ]
    if column.kind == Kind.CODES:
        parts.append(
            _say(
                language,
                "Choose one from the dropdown, or type several separated by commas.",
                "可从下拉列表中选择一个，或输入多个并用逗号分隔。",
            )
            if column.codes
            else _say(language, "Separate several with commas.", "多个时用逗号分隔。")
        )
    elif column.codes and column.closed:
        parts.append(_say(language, "Choose a code from the dropdown.", "请从下拉列表中选择代码。"))
    elif column.codes:
        parts.append(
            _say(
                language,
                "The dropdown lists common codes; you can type any other valid code.",
                "下拉列表列出常用代码，也可以直接输入其他有效代码。",
            )
        )
    if column.kind == Kind.DATE:
        parts.append(
            _say(language, "Enter a date, or type 2026-11-03.", "输入日期，或写成2026-11-03。")
        )
    elif column.kind == Kind.DATETIME:
        parts.append(
            _say(
                language,
                "Enter a date and time; without an offset from UTC it is local time at the port "
                "of discharge.",
                "输入日期和时间；未注明与UTC的时差时按卸货港当地时间理解。",
            )
        )
    text = "\n".join(parts)
    comment = Comment(text, "hub")
    comment.width = 320
    comment.height = max(80, 20 * (1 + _display_width(text) // 48))
    return comment


def _header_cell(sheet, column: Column, language: str, *, comment: Comment | None = None):
    cell = WriteOnlyCell(sheet, column.label(language))
    cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
    cell.font = REQUIRED_FONT if column.required else OPTIONAL_FONT
    cell.alignment = HEADER_ALIGNMENT
    cell.comment = comment or _header_comment(column, language)
    return cell


def _list_name(column: Column) -> str:
    return f"hub_list_{column.code_list}"


def _add_dropdowns(sheet, columns: Iterable[tuple[int, Column]], language: str) -> None:
    for position, column in columns:
        if not column.codes:
            continue
        letter = get_column_letter(position + 1)
        dropdown = DataValidation(
            type="list",
            formula1=_list_name(column),
            allow_blank=True,
            # A cell of several codes is typed, not chosen: the dropdown must not refuse it.
            showErrorMessage=column.closed and column.kind != Kind.CODES,
            errorStyle="stop",
            errorTitle=column.label(language)[:32],
            error=_say(
                language,
                "Choose a code from the list; the column header's comment says what it holds.",
                "请从列表中选择代码；表头批注说明了该列的内容。",
            ),
        )
        dropdown.add(f"{letter}2:{letter}{LAST_EXCEL_ROW}")
        sheet.data_validations.append(dropdown)


def _write_data_sheet(sheet, columns: list[Column], *, language: str) -> None:
    placed = list(enumerate(columns))
    _prepare_columns(sheet, placed, language)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 45
    _add_dropdowns(sheet, placed, language)
    sheet.append([_header_cell(sheet, column, language) for column in columns])


def _written(sheet, value, *, fill=None, font=None, comment=None, alignment=None):
    """A value as the sheet will hold it: text that a spreadsheet would run as a formula is
    written as an explicit string with the quote prefix, which keeps it text when it is edited."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    neutralise = isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
    if not (neutralise or fill or comment or alignment):
        return value
    cell = WriteOnlyCell(sheet, value)
    if neutralise:
        cell.data_type = "s"
        cell.quotePrefix = True
    if fill:
        cell.fill = fill
        cell.font = font
    if comment:
        cell.comment = comment
    if alignment:
        cell.alignment = alignment
    return cell


def _error_comment(messages: list[str]) -> Comment:
    text = "\n".join(messages)
    comment = Comment(text, "hub")
    comment.width = 320
    comment.height = max(60, 20 * (1 + _display_width(text) // 48))
    return comment


def _write_uploaded_sheet(
    sheet, columns: list[Column], uploaded: _Uploaded, errors: list[CellError], *, language: str
) -> None:
    messages: dict[tuple[int, int], list[str]] = {}
    for error in errors:
        if error.column:
            messages.setdefault((error.row, _column_index(error.column)), []).append(error.message)
    width = max([uploaded.width] + [1 + position for _row, position in messages])
    by_label = _columns_by_label(columns)
    header = uploaded.header
    column_at = {
        position: by_label[_header_text(value)]
        for position, value in enumerate(header)
        if _header_text(value) in by_label
    }
    _prepare_columns(sheet, column_at.items(), language)
    sheet.freeze_panes = "A2"
    _add_dropdowns(sheet, column_at.items(), language)
    for row_number, values in enumerate(itertools.chain([header], uploaded.rows), 1):
        written = []
        for position in range(width):
            value = values[position] if position < len(values) else ""
            problems = messages.get((row_number, position))
            if problems:
                written.append(
                    _written(
                        sheet,
                        value if value != "" else None,
                        fill=ERROR_FILL,
                        font=ERROR_FONT,
                        comment=_error_comment(problems),
                    )
                )
            elif row_number == 1 and position in column_at:
                written.append(_header_cell(sheet, column_at[position], language))
            else:
                written.append(_written(sheet, value if value != "" else None))
        sheet.append(written)


def _write_errors_sheet(sheet, errors: list[CellError], language: str) -> None:
    for letter, width in zip("ABCDE", (18, 10, 8, 10, 100), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    headings = (
        _say(language, "Sheet", "工作表"),
        _say(language, "Cell", "单元格"),
        _say(language, "Row", "行"),
        _say(language, "Column", "列"),
        _say(language, "What to do", "问题及修改方法"),
    )
    sheet.append([_heading_cell(sheet, heading) for heading in headings])
    for error in errors:
        cell = WriteOnlyCell(sheet, error.cell or "—")
        if error.cell:
            cell.hyperlink = Hyperlink(ref="", location=f"'{error.sheet}'!{error.cell}")
            cell.font = Font(color="0563C1", underline="single")
        message = _written(sheet, error.message, alignment=WRAP)
        sheet.append([_written(sheet, error.sheet), cell, error.row, error.column, message])


def _heading_cell(sheet, text: str):
    cell = WriteOnlyCell(sheet, text)
    cell.font = Font(bold=True)
    cell.fill = OPTIONAL_FILL
    return cell


def _write_instructions(
    sheet,
    columns: list[Column],
    identity: TemplateIdentity,
    *,
    language: str,
    max_rows: int,
    data_sheet: str,
    partner_columns: list[Column],
    partners_sheet: str,
) -> None:
    sheet.column_dimensions["A"].width = 120

    def line(text: str, font: Font | None = None, fill: PatternFill | None = None):
        cell = WriteOnlyCell(sheet, text)
        cell.alignment = WRAP
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        sheet.append([cell])

    def column_lines(sheet_name: str, sheet_columns: list[Column]) -> None:
        line(
            _say(language, "Columns of '{sheet}'", "“{sheet}”各列说明", sheet=sheet_name),
            HEADING_FONT,
        )
        for position, column in enumerate(sheet_columns):
            need = (
                _say(language, "required", "必填")
                if column.required
                else _say(language, "optional", "选填")
            )
            line(
                f"{get_column_letter(position + 1)}  {column.label(language)} ({need}): "
                f"{column.help(language)}"
            )

    line(_say(language, "Consignment data template", "货物数据填写模板"), TITLE_FONT)
    sheet.append([])
    texts = [
        _say(language, english, chinese, data=data_sheet, max_rows=f"{max_rows:,}")
        for english, chinese in INSTRUCTIONS
    ]
    if partner_columns:
        example = _sheet_name("partners_example", language)
        texts += [
            _say(language, english, chinese, partners=partners_sheet, example=example)
            for english, chinese in PARTNER_INSTRUCTIONS
        ]
    for number, text in enumerate(texts, 1):
        line(f"{number}. {text}")
    sheet.append([])
    line(_say(language, "Colours", "颜色说明"), HEADING_FONT)
    line(_say(language, "Required column", "必填列"), REQUIRED_FONT, REQUIRED_FILL)
    line(_say(language, "Optional column", "选填列"), OPTIONAL_FONT, OPTIONAL_FILL)
    line(
        _say(
            language,
            "A cell with an error, in a file the hub gives back",
            "平台退回文件中的错误单元格",
        ),
        ERROR_FONT,
        ERROR_FILL,
    )
    sheet.append([])
    column_lines(data_sheet, columns)
    if partner_columns:
        sheet.append([])
        column_lines(partners_sheet, partner_columns)
    sheet.append([])
    line(
        _say(
            language,
            "Template {template}, data catalogue {catalogue}, agreement version {agreement}. When "
            "customs and your enterprise change what the agreement shares, download a new "
            "template: the hub refuses files made for another agreement scope.",
            "模板版本{template}，数据目录版本{catalogue}，协议版本{agreement}。"
            "协议共享的数据范围变更后，请重新下载模板：平台不接收按其他数据范围制作的文件。",
            template=identity.template_version,
            catalogue=identity.catalogue_version,
            agreement=identity.agreement_version or "—",
        )
    )


def _example_rows(columns: list[Column]) -> Iterator[list]:
    for consignment in EXAMPLE_CONSIGNMENTS:
        for line in consignment["lines"]:
            yield [_example_value(consignment, line, column.key) for column in columns]


def _example_value(consignment: dict, line: dict, key: str):
    head, _, member = key.partition(".")
    if head == "lines":
        return line.get(member)
    value = consignment.get(head)
    return value.get(member) if member and isinstance(value, dict) else value


def _write_example(sheet, columns: list[Column], rows: Iterable[list], language: str) -> None:
    placed = list(enumerate(columns))
    _prepare_columns(sheet, placed, language)
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, column, language) for column in columns])
    for row in rows:
        sheet.append(row)


def _write_lists(workbook, columns: list[Column]) -> None:
    lists: dict[str, tuple[str, ...]] = {}
    for column in columns:
        if column.codes:
            lists.setdefault(_list_name(column), column.codes)
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    names = list(lists)
    for row_index in range(max((len(codes) for codes in lists.values()), default=0)):
        sheet.append(
            [lists[name][row_index] if row_index < len(lists[name]) else None for name in names]
        )
    for position, name in enumerate(names):
        letter = get_column_letter(position + 1)
        workbook.defined_names[name] = DefinedName(
            name, attr_text=f"{LISTS_SHEET}!${letter}$1:${letter}${len(lists[name])}"
        )


def _write_identity(
    sheet, identity: TemplateIdentity, language: str, data_sheet: str, partners_sheet: str
) -> None:
    sheet.sheet_state = "hidden"
    for key, value in (
        ("template", "hub consignments"),
        ("template_version", identity.template_version),
        ("catalogue_version", identity.catalogue_version),
        ("scope_digest", identity.scope_digest),
        ("scope", ", ".join(identity.scope)),
        ("agreement_version", str(identity.agreement_version or "")),
        ("language", "zh-hans" if _is_chinese(language) else "en"),
        ("data_sheet", data_sheet),
        ("partners_sheet", partners_sheet),
    ):
        sheet.append([key, value])


# --- Inspecting: refusing hostile and broken files before any parser reads them ----------------

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
LOCAL_HEADER = struct.Struct("<4s5H3I2H")
MAX_MEMBERS = 1000
# Spreadsheet XML compresses well, but not a hundredfold; bombs compress a thousandfold.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# LibreOffice writes a thousand or so empty, formatted rows below the data into a file it saves.
EMPTY_ROW_ALLOWANCE = 5000
# A reader holds a sheet as a full grid, rows times columns however few cells are filled: cells
# may reach column DZ (130), which is room enough beside the template's few dozen columns.
MAX_COLUMN_REFERENCE = re.compile(rb' r="(?:[A-Z]{3}|[E-Z][A-Z])[0-9]')
CHUNK_BYTES = 1024 * 1024
INPUT_PIECE_BYTES = 64 * 1024
# A part this large is decompressed in a second thread while its previous chunk is checked:
# zlib and the CRC release the interpreter lock, the checks hold it.
DECOMPRESSED_AHEAD_FROM_BYTES = 8 * CHUNK_BYTES
CHUNKS_AHEAD = 3
# A worksheet this large is parsed while it is inspected, in parts of whole rows, two at a time:
# calamine parses without the interpreter lock, and one parse of the whole sheet after the
# inspection would leave the second core idle, first while the inspection and then while the
# parse ran.
PARTED_FROM_BYTES = 32 * 1024 * 1024
PART_BYTES = 4 * 1024 * 1024
PARSING_THREADS = 2
UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
DTD_PATTERN = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# A sheet's every byte is searched once for a cell or row without a plain reference
# (`_irregular_cell_or_row_pattern`) and once for PREFIX_HINT; the searches below run on the
# segments where one of those found something.
# A cell or row whose place is not given by its reference comes after the one before it, so the
# grid's size could not be known from the references alone. Excel and LibreOffice always write
# the reference first, after one space; the searches for far references expect it there.
UNREFERENCED_CELL_OR_ROW = re.compile(rb'<(?:c|row)(?! r=")[\s/>]')
PREFIX_HINT = re.compile(rb":(?:c|row)[\s/>]")
PREFIXED_CELL_OR_ROW = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]")
# A cell holding a formula: its reference, attributes and content up to its end tag.
FORMULA_CELL_PATTERN = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*?)(?<!/)>((?:(?!</c>).)*?<f[\s>/](?:(?!</c>).)*?)</c>',
    re.DOTALL,
)
CACHED_VALUE_PATTERN = re.compile(rb"<v>[^<]+</v>")
ERROR_CELL_PATTERN = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*?\st="e"')
MACRO_PARTS = ("vbaproject.bin", "xl/macrosheets/", "xl/dialogsheets/")
REPORTED_CELLS = 5


def workbook_inspect(data: bytes, limits: Limits, *, language: str) -> None:
    """Raise WorkbookRefused unless `data` is a plain xlsx within the limits."""
    _inspect(data, limits, language, parting=None)


def _inspect(data: bytes, limits: Limits, language: str, parting: "_Parting | None") -> None:
    """workbook_inspect; with `parting`, the large worksheets are also parsed in parts as their
    rows are cleared."""
    _check_format(data, limits, language)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise _damaged(language, str(error)) from None
    names = [member.filename for member in members]
    _check_parts(names, language)
    _check_sizes(members, limits, language)
    problems = _FormulaProblems()
    if parting is not None and not any(map(_is_large_worksheet, members)):
        parting = None
    # Large worksheets last: the small parts a worksheet's parts are parsed with (the workbook,
    # its styles and shared strings) have been inspected by then.
    for member in sorted(members, key=_is_large_worksheet):
        _scan_member(data, member, limits, language, problems, parting)
    problems.raise_if_any(archive, language)


def _is_large_worksheet(member: zipfile.ZipInfo) -> bool:
    name = member.filename
    return (
        name.startswith("xl/worksheets/")
        and name.lower().endswith(".xml")
        and member.file_size >= PARTED_FROM_BYTES
    )


def _check_format(data: bytes, limits: Limits, language: str) -> None:
    if len(data) > limits.max_bytes:
        raise WorkbookRefused(
            "too_large",
            _say(
                language,
                "The file is {size:,} bytes; the hub takes up to {limit:,}. Split the rows over "
                "several files (keep all rows of a consignment in one file).",
                "文件大小为{size:,}字节，平台最多接收{limit:,}字节。请把数据分到多个文件中"
                "（同一批货物的所有行须在同一文件中）。",
                size=len(data),
                limit=limits.max_bytes,
            ),
        )
    if not data:
        raise WorkbookRefused("empty", _say(language, "The file is empty.", "文件为空。"))
    if data.startswith(OLE_SIGNATURE):
        if ENCRYPTED_PACKAGE in data:
            raise WorkbookRefused(
                "encrypted",
                _say(
                    language,
                    "This workbook is protected with a password (encrypted), so the hub cannot "
                    "read it. Remove the password (in Excel: File > Info > Protect Workbook > "
                    "Encrypt with Password, and clear it), save, and upload again.",
                    "该工作簿设有打开密码（已加密），平台无法读取。"
                    "请取消密码（Excel中：文件 > 信息 > 保护工作簿 > 用密码进行加密，清空密码）"
                    "后保存，再重新上传。",
                ),
            )
        raise WorkbookRefused(
            "not_xlsx",
            _say(
                language,
                "This is an Excel 97-2003 workbook (.xls). Save it as an Excel workbook (.xlsx) "
                "and upload that.",
                "这是Excel 97-2003工作簿（.xls）。请另存为Excel工作簿（.xlsx）后上传。",
            ),
        )
    if data.startswith(b"%PDF"):
        raise WorkbookRefused(
            "not_xlsx",
            _say(
                language,
                "This is a PDF file. Upload the hub's Excel template (.xlsx) filled in with your "
                "data.",
                "这是PDF文件。请上传填写好数据的平台Excel模板（.xlsx）。",
            ),
        )
    if not data.startswith(ZIP_SIGNATURE):
        looks_like_text = b"\x00" not in data[:4096]
        raise WorkbookRefused(
            "not_xlsx",
            _say(
                language,
                "This is a text file (a CSV file?), not an Excel workbook. Copy its rows into "
                "the hub's template and save that as .xlsx.",
                "这是文本文件（CSV文件？），不是Excel工作簿。请把其中的数据复制到平台模板中，"
                "另存为.xlsx后上传。",
            )
            if looks_like_text
            else _say(
                language,
                "This file is not an Excel workbook (.xlsx). Upload the hub's template saved as "
                ".xlsx.",
                "该文件不是Excel工作簿（.xlsx）。请上传保存为.xlsx格式的平台模板。",
            ),
        )


def _damaged(language: str, detail: str) -> WorkbookRefused:
    return WorkbookRefused(
        "damaged",
        _say(
            language,
            "The file is damaged and cannot be read ({detail}). Save it again in Excel or "
            "LibreOffice and upload the new copy.",
            "文件已损坏，无法读取（{detail}）。请在Excel或LibreOffice中重新保存后上传。",
            detail=detail,
        ),
    )


def _check_parts(names: list[str], language: str) -> None:
    if "mimetype" in names and "content.xml" in names:
        raise WorkbookRefused(
            "not_xlsx",
            _say(
                language,
                "This is an OpenDocument spreadsheet (.ods). In LibreOffice, save it as "
                "'Excel 2007-365 (.xlsx)' and upload that.",
                "这是OpenDocument电子表格（.ods）。"
                "请在LibreOffice中另存为“Excel 2007-365 (.xlsx)”后上传。",
            ),
        )
    lowered = [name.lower() for name in names]
    if any(
        name.endswith(part) or name.startswith(part) for name in lowered for part in MACRO_PARTS
    ):
        raise WorkbookRefused(
            "macros",
            _say(
                language,
                "This workbook contains macros (.xlsm). The hub takes no macros: save it as an "
                "Excel workbook (.xlsx), which leaves them out, and upload that.",
                "该工作簿包含宏（.xlsm）。平台不接收宏：请另存为Excel工作簿（.xlsx，不含宏）后上传。",
            ),
        )
    if "xl/workbook.bin" in lowered:
        raise WorkbookRefused(
            "not_xlsx",
            _say(
                language,
                "This is an Excel binary workbook (.xlsb). Save it as an Excel workbook (.xlsx) "
                "and upload that.",
                "这是Excel二进制工作簿（.xlsb）。请另存为Excel工作簿（.xlsx）后上传。",
            ),
        )
    if "[content_types].xml" not in lowered or "xl/workbook.xml" not in lowered:
        raise WorkbookRefused(
            "not_xlsx",
            _say(
                language,
                "This is a zip archive but not an Excel workbook (.xlsx). Upload the hub's "
                "template saved as .xlsx.",
                "这是压缩文件，不是Excel工作簿（.xlsx）。请上传保存为.xlsx格式的平台模板。",
            ),
        )
    if len(set(lowered)) != len(lowered):
        raise _damaged(language, "the archive names a part twice")


def _expands_too_much(language: str, size: int, compressed: int) -> WorkbookRefused:
    return WorkbookRefused(
        "suspicious_archive",
        _say(
            language,
            "This file would expand to far more data than a spreadsheet of its size holds "
            "({size:,} bytes from {compressed:,}), so it was refused unread. Save the data in "
            "the hub's template with Excel or LibreOffice and upload that.",
            "该文件解压后的数据量远超同等大小电子表格的正常水平（{compressed:,}字节解压为{size:,}字节），"
            "平台未读取即拒收。请用Excel或LibreOffice把数据保存到平台模板中后上传。",
            size=size,
            compressed=compressed,
        ),
    )


def _too_many_rows(language: str, limit: int) -> WorkbookRefused:
    return WorkbookRefused(
        "too_many_rows",
        _say(
            language,
            "The workbook has more than {limit:,} rows; the hub takes up to {limit:,} in one "
            "file. Split the rows over several files (keep all rows of a consignment in one file).",
            "工作簿超过{limit:,}行；每个文件最多{limit:,}行。请把数据分到多个文件中"
            "（同一批货物的所有行须在同一文件中）。",
            limit=limit,
        ),
    )


def _check_sizes(members: list[zipfile.ZipInfo], limits: Limits, language: str) -> None:
    if len(members) > MAX_MEMBERS:
        raise _damaged(language, f"{len(members)} parts; a workbook has a few dozen")
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if total > limits.max_uncompressed_bytes:
        if total > MAX_COMPRESSION_RATIO * max(compressed, 1):
            raise _expands_too_much(language, total, compressed)
        raise WorkbookRefused(
            "too_much_data",
            _say(
                language,
                "The workbook holds more data than the hub takes in one file ({size:,} bytes "
                "unpacked; up to {limit:,}). Split the rows over several files, or leave out "
                "what the template does not ask for.",
                "工作簿数据量超过平台单个文件的上限（解压后{size:,}字节，上限{limit:,}字节）。"
                "请把数据分到多个文件中，或删除模板未要求的内容。",
                size=total,
                limit=limits.max_uncompressed_bytes,
            ),
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise WorkbookRefused(
                "encrypted",
                _say(
                    language,
                    "Parts of this workbook are encrypted, so the hub cannot read it. Save it "
                    "without a password and upload again.",
                    "该工作簿的部分内容已加密，平台无法读取。请不设密码重新保存后上传。",
                ),
            )
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(language, f"{member.filename} is compressed in a way Excel does not use")
        if (
            member.file_size > RATIO_CHECKED_FROM_BYTES
            and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise _expands_too_much(language, member.file_size, member.compress_size)


@dataclass
class _FormulaProblems:
    """Cells, per worksheet part, whose formula has no calculated value or gives an error."""

    without_value: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    with_formulas: set[str] = field(default_factory=set)

    def record(self, part: str, segment: bytes) -> None:
        if part in self.with_formulas or b"</f>" in segment:
            self.with_formulas.add(part)  # a shared formula's cells may follow in later segments
            for match in FORMULA_CELL_PATTERN.finditer(segment):
                # A formula with a text result may give empty text: <v></v> with t="str".
                attributes, content = match.group(2), match.group(3)
                if b't="str"' not in attributes and not CACHED_VALUE_PATTERN.search(content):
                    self.without_value.setdefault(part, []).append(match.group(1).decode())
        if b't="e"' in segment:
            for match in ERROR_CELL_PATTERN.finditer(segment):
                self.errors.setdefault(part, []).append(match.group(1).decode())

    def raise_if_any(self, archive: zipfile.ZipFile, language: str) -> None:
        if not (self.without_value or self.errors):
            return
        sheets = _sheet_names_by_part(archive.read)

        def where(cells_by_part: dict[str, list[str]]) -> str:
            return "; ".join(
                f"{sheets.get(part, part)}: {', '.join(cells[:REPORTED_CELLS])}"
                + ("…" if len(cells) > REPORTED_CELLS else "")
                for part, cells in cells_by_part.items()
            )

        if self.without_value:
            raise WorkbookRefused(
                "formula_without_value",
                _say(
                    language,
                    "These cells hold formulas without a calculated value ({cells}): the file "
                    "was written by a program rather than saved by Excel or LibreOffice. Open "
                    "it in Excel or LibreOffice and save it, or type the values.",
                    "以下单元格的公式没有计算结果（{cells}）：该文件由程序生成，而不是由Excel或"
                    "LibreOffice保存。请用Excel或LibreOffice打开并保存，或直接输入数值。",
                    cells=where(self.without_value),
                ),
            )
        raise WorkbookRefused(
            "formula_error",
            _say(
                language,
                "The formulas in these cells give an error such as #N/A or #DIV/0! ({cells}). "
                "Correct the formulas or type the values.",
                "以下单元格的公式结果为错误值（如#N/A、#DIV/0!）：{cells}。请修改公式或直接输入数值。",
                cells=where(self.errors),
            ),
        )


def _sheet_names_by_part(read: Callable[[str], bytes]) -> dict[str, str]:
    """Worksheet part name -> sheet name, from the workbook and its relationships (small parts
    the inspection has already checked), as `read` gives a part's content."""
    try:
        relationships = parse_xml(read("xl/_rels/workbook.xml.rels"))
        workbook = parse_xml(read("xl/workbook.xml"))
    except (KeyError, ValueError, SyntaxError):
        return {}
    targets = {
        element.get("Id"): element.get("Target", "").lstrip("/") for element in relationships
    }
    names = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet"):
            relationship = next(
                (value for name, value in element.attrib.items() if name.endswith("}id")), ""
            )
            target = targets.get(relationship, "")
            names[target if target.startswith("xl/") else f"xl/{target}"] = element.get("name")
    return names


def _scan_member(
    data: bytes,
    member: zipfile.ZipInfo,
    limits: Limits,
    language: str,
    problems: _FormulaProblems,
    parting: "_Parting | None",
) -> None:
    """Check one part's content: in XML, no DTD and UTF-8; in a worksheet, the rows and the
    formulas. With `parting`, a large worksheet is handed to it in runs of checked rows, and
    the other XML parts are kept for it."""
    name = member.filename
    is_xml = name.lower().endswith((".xml", ".rels", ".vml"))
    is_worksheet = is_xml and name.startswith("xl/worksheets/")
    sheet_parts = kept = None
    if parting is not None and _is_large_worksheet(member):
        sheet_parts = parting.sheet_parts(name)
    elif parting is not None and is_xml and not is_worksheet:
        kept = []
    tail = pending = b""
    chunks = _member_content(data, member, language)
    if is_xml and member.file_size > DECOMPRESSED_AHEAD_FROM_BYTES:
        chunks = _ahead(chunks)
    # Closed as soon as a check refuses the part, so that a decompressing thread stops
    # then rather than when the refusal has been handled.
    with contextlib.closing(chunks):
        for index, chunk in enumerate(chunks):
            if not is_xml:
                continue
            if index == 0 and chunk.startswith(UTF16_STARTS):
                raise _dtd_or_encoding(language, name, dtd=False)
            # A declaration starts with "<!", and "!" is rare in a part: the pattern is looked for
            # only where there is one, at the speed of a byte search rather than of a regex.
            if (b"!" in chunk or b"!" in tail) and DTD_PATTERN.search(tail + chunk):
                raise _dtd_or_encoding(language, name, dtd=True)
            tail = chunk[-32:]
            if kept is not None:
                kept.append(chunk)
            if is_worksheet:
                # A worksheet is looked at in segments cut after a row's end, so that no cell is
                # split between two of them.
                pending += chunk
                cut = pending.rfind(b"</row>") + len(b"</row>")
                if cut >= len(b"</row>"):
                    segment, pending = pending[:cut], pending[cut:]
                    _worksheet_segment(name, segment, limits, language, problems)
                    if sheet_parts is not None:
                        sheet_parts.add(segment)
    if pending:
        _worksheet_segment(name, pending, limits, language, problems)
        if sheet_parts is not None:
            sheet_parts.add(pending)
    if sheet_parts is not None:
        sheet_parts.finish()
    if kept is not None:
        parting.members[name] = b"".join(kept)


def _ahead(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks of `chunks`, produced in a second thread up to CHUNKS_AHEAD ahead of the one
    taken, so that producing them overlaps the work done with them; what the producer raises is
    raised here in its place. The producer stops when the consumer does, early or not."""
    handed: queue.Queue = queue.Queue(maxsize=CHUNKS_AHEAD)
    finished = object()
    stopped = threading.Event()

    def produce():
        try:
            for chunk in chunks:
                handed.put(chunk)
                if stopped.is_set():
                    return
            handed.put(finished)
        except BaseException as failure:  # handed to the consumer, who raises it
            handed.put(failure)
        finally:
            chunks.close()

    producer = threading.Thread(target=produce, name="xlsx-inflate", daemon=True)
    producer.start()
    try:
        while (chunk := handed.get()) is not finished:
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk
    finally:
        stopped.set()
        while producer.is_alive():
            # A producer waiting for room sees `stopped` once it has put its chunk.
            with contextlib.suppress(queue.Empty):
                handed.get(timeout=0.01)
        producer.join()


def _member_content(data: bytes, member: zipfile.ZipInfo, language: str) -> Iterator[bytes]:
    """A part's content in chunks of at most CHUNK_BYTES, never more than its declared size in
    all; raises WorkbookRefused when the content is longer, shorter or other than declared."""
    compressed = memoryview(_member_bytes(data, member, language))
    declared = member.file_size
    decompressor = (
        zlib.decompressobj(-zlib.MAX_WBITS)
        if member.compress_type == zipfile.ZIP_DEFLATED
        else None
    )
    produced = crc = 0
    try:
        for start in range(0, len(compressed), INPUT_PIECE_BYTES):
            piece = compressed[start : start + INPUT_PIECE_BYTES]
            while piece:
                if decompressor is None:
                    chunk, piece = bytes(piece), b""
                else:
                    chunk = decompressor.decompress(
                        piece, min(CHUNK_BYTES, declared + 1 - produced)
                    )
                    piece = decompressor.unconsumed_tail
                produced += len(chunk)
                if produced > declared:
                    raise _expands_too_much(language, produced, member.compress_size)
                crc = zlib.crc32(chunk, crc)
                if chunk:
                    yield chunk
    except zlib.error as error:
        raise _damaged(language, f"{member.filename}: {error}") from None
    if decompressor is not None and (not decompressor.eof or decompressor.unused_data):
        raise _damaged(language, f"{member.filename} is cut short or has data after its end")
    if produced != declared or crc != member.CRC:
        raise _damaged(language, f"{member.filename} does not match its recorded size and checksum")


def _worksheet_segment(
    part: str, segment: bytes, limits: Limits, language: str, problems: _FormulaProblems
) -> None:
    """Check a run of whole rows of a worksheet: a reader must be able to size the grid from
    the references, and the grid must stay within the limits."""
    last_row = limits.max_rows + 1 + EMPTY_ROW_ALLOWANCE
    # A row numbered with at most this many digits is within the limit.
    digits = len(str(last_row + 1)) - 1
    if _irregular_cell_or_row_pattern(digits).search(segment) or PREFIX_HINT.search(segment):
        _check_grid(part, segment, last_row, limits, language)
    problems.record(part, segment)


@lru_cache(maxsize=8)
def _irregular_cell_or_row_pattern(digits: int) -> re.Pattern:
    """A cell or row tag that is not followed at once by a reference within column DZ and of at
    most `digits` digits. Excel and LibreOffice write none, so one search clears a segment of a
    sheet they saved; a segment with one is checked rule by rule, for the message to give."""
    if digits == 0:
        return re.compile(rb"<(?:c|row)[\s/>]")
    return re.compile(rb'<(?:c|row)(?! r="(?:[A-D]?[A-Z])?[0-9]{1,%d}")[\s/>]' % digits)


def _check_grid(part: str, segment: bytes, last_row: int, limits: Limits, language: str) -> None:
    if UNREFERENCED_CELL_OR_ROW.search(segment) or (
        PREFIX_HINT.search(segment) and PREFIXED_CELL_OR_ROW.search(segment)
    ):
        raise WorkbookRefused(
            "unusual_layout",
            _say(
                language,
                "The sheet part {part} lists cells or rows without their references, or with a "
                "namespace prefix, which Excel and LibreOffice never write. Save the data in the "
                "hub's template with Excel or LibreOffice and upload that.",
                "工作表部分{part}中有未注明位置或带命名空间前缀的单元格或行，Excel和LibreOffice"
                "不会这样写入。请用Excel或LibreOffice把数据保存到平台模板中后上传。",
                part=part,
            ),
        )
    if MAX_COLUMN_REFERENCE.search(segment):
        raise WorkbookRefused(
            "too_many_columns",
            _say(
                language,
                "The sheet part {part} has cells beyond column DZ; the template has a few dozen "
                "columns. Delete what is to the right of the template's columns.",
                "工作表部分{part}在DZ列以右还有单元格，而模板只有几十列。请删除模板各列右侧的内容。",
                part=part,
            ),
        )
    for match in _row_reference_pattern(len(str(last_row))).finditer(segment):
        if int(match.group(1)) > last_row:
            raise _too_many_rows(language, limits.max_rows)


@lru_cache(maxsize=8)
def _row_reference_pattern(digits: int) -> re.Pattern:
    """References to rows of at least `digits` digits: the few that may be beyond the last row
    allowed, to be looked at one by one."""
    return re.compile(rb' r="[A-Z]{0,3}([0-9]{%d,})"' % digits)


def _member_bytes(data: bytes, member: zipfile.ZipInfo, language: str) -> bytes:
    """The member's compressed bytes, read from its local header as any zip reader does."""
    header = data[member.header_offset : member.header_offset + LOCAL_HEADER.size]
    if len(header) != LOCAL_HEADER.size or not header.startswith(ZIP_SIGNATURE):
        raise _damaged(language, f"{member.filename} has no valid header")
    *_, name_length, extra_length = LOCAL_HEADER.unpack(header)
    start = member.header_offset + LOCAL_HEADER.size + name_length + extra_length
    compressed = data[start : start + member.compress_size]
    if len(compressed) != member.compress_size:
        raise _damaged(language, f"{member.filename} is cut short")
    return compressed


def _dtd_or_encoding(language: str, part: str, *, dtd: bool) -> WorkbookRefused:
    if dtd:
        return WorkbookRefused(
            "xml_dtd",
            _say(
                language,
                "The part {part} of this workbook declares an XML document type (DTD), which "
                "Excel and LibreOffice never write and which can make a reader expand entities "
                "without end, so the file was refused unread. Save the data in the hub's "
                "template with Excel or LibreOffice and upload that.",
                "该工作簿的{part}部分含有XML文档类型声明（DTD）。Excel和LibreOffice从不写入DTD，"
                "而DTD可能导致实体无限展开，因此平台未读取即拒收。请用Excel或LibreOffice把数据保存到"
                "平台模板中后上传。",
                part=part,
            ),
        )
    return WorkbookRefused(
        "xml_encoding",
        _say(
            language,
            "The part {part} of this workbook is not encoded in UTF-8, as Excel and LibreOffice "
            "write it. Save the data in the hub's template with Excel or LibreOffice and upload "
            "that.",
            "该工作簿的{part}部分不是Excel和LibreOffice使用的UTF-8编码。请用Excel或LibreOffice"
            "把数据保存到平台模板中后上传。",
            part=part,
        ),
    )


# --- Parsing large sheets in parts -------------------------------------------------------------


class _Parting:
    """The parsing in parts of a workbook's large worksheets, alongside its inspection: the
    inspection hands each such sheet's checked rows to a `_SheetParts` and keeps the workbook's
    other XML parts, with which each part is parsed as a workbook of its own. Close it when done,
    which stops the parsing threads."""

    def __init__(self):
        self.members: dict[str, bytes] = {}
        self.sheets: dict[str, _SheetParts] = {}
        self._executor: ThreadPoolExecutor | None = None

    def sheet_parts(self, path: str) -> "_SheetParts | None":
        """Parts for the worksheet at `path`, or None when the workbook does not name it."""
        name = _sheet_names_by_part(self.members.__getitem__).get(path)
        if name is None:
            return None
        self.sheets[name] = _SheetParts(self, path, name)
        return self.sheets[name]

    def sheet(self, name: str) -> "_JoinedSheet | None":
        """The sheet `name` as parsed in parts, or None when it is to be parsed whole."""
        parts = self.sheets.get(name)
        return parts.joined() if parts is not None else None

    def parse(self, path: str, name: str, pieces: list[bytes]) -> Future:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(PARSING_THREADS, thread_name_prefix="xlsx-parse")
        return self._executor.submit(self._parse, path, name, pieces)

    def _parse(self, path: str, name: str, pieces: list[bytes]):
        buffer = io.BytesIO()
        # Stored, not compressed: calamine reads the part as it is, with nothing to inflate.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for member, content in self.members.items():
                archive.writestr(member, content)
            with archive.open(path, "w") as part:
                for piece in pieces:
                    part.write(piece)
        buffer.seek(0)
        with python_calamine.CalamineWorkbook.from_filelike(buffer) as workbook:
            return workbook.get_sheet_by_name(name)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        self.members.clear()
        self.sheets.clear()


class _SheetParts:
    """A large worksheet cut into parts of about PART_BYTES of whole rows as the inspection
    clears them, each parsed in a worker thread: the sheet's start up to its sheetData, a run of
    rows, and the sheet's end after its rows (merged cells and the like) with the last run.
    Where a cut does not fall between two rows after all (in XML that Excel and LibreOffice do
    not write), calamine refuses a part, and the sheet is read parsed whole."""

    def __init__(self, parting: _Parting, path: str, name: str):
        self.parting, self.path, self.name = parting, path, name
        self.head = b""
        self.opened = False
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.end: bytes | None = None
        self.futures: list[Future] = []
        self.usable = True

    def add(self, segment: bytes) -> None:
        if not self.usable:
            return
        if not self.opened:
            segment = self._open(segment)
            if not self.opened:
                return
        if self.end is not None:
            self.end += segment
            return
        close = segment.find(b"</sheetData>")
        if close != -1:
            segment, self.end = segment[:close], segment[close:]
        self.body.append(segment)
        self.body_bytes += len(segment)
        if self.body_bytes >= PART_BYTES and self.end is None:
            self._submit(b"</sheetData></worksheet>")

    def _open(self, segment: bytes) -> bytes:
        """What of `segment` follows the sheet's start, once its sheetData has opened."""
        self.head += segment
        opening = self.head.find(b"<sheetData>")
        if opening == -1:
            # A sheet whose rows are not in a plain sheetData element is parsed whole.
            self.usable = len(self.head) < PART_BYTES
            return b""
        opening += len(b"<sheetData>")
        self.head, rest = self.head[:opening], self.head[opening:]
        self.opened = True
        return rest

    def _submit(self, end: bytes) -> None:
        pieces = [self.head, *self.body, end]
        self.body, self.body_bytes = [], 0
        self.futures.append(self.parting.parse(self.path, self.name, pieces))

    def finish(self) -> None:
        if self.usable and self.end is not None:
            self._submit(self.end)
        else:
            self.usable = False
        self.head = self.end = b""
        self.body = []

    def joined(self) -> "_JoinedSheet | None":
        if not self.usable:
            return None
        futures, self.futures = self.futures, []
        return _JoinedSheet(futures)


class _PartsDisagree(Exception):
    """A sheet's parts cannot be read as the sheet: a part calamine refused (parsed whole, the
    sheet gets the error users are told), no cells in the first part, or rows out of order or
    wider than the first part's across parts. The sheet is then read parsed whole."""


class _JoinedSheet:
    """A sheet's parts read as the sheet, as calamine gives a sheet parsed whole: `start`,
    `iter_rows`, which gives the rows from the sheet's first row on, and the merged cells. Each
    part is waited for when its rows are reached, so that reading overlaps the parsing of the
    parts after, and let go once they are taken; rows are as wide as the first part's, which
    holds the header."""

    def __init__(self, futures: list[Future]):
        self.futures = futures
        first = self._part(0)
        if first.start is None:
            raise _PartsDisagree
        self.start = first.start
        self.last_column = first.end[1]
        self.merged_of_parts_read: list = []

    def _part(self, index: int):
        try:
            return self.futures[index].result()
        except Exception:  # the whole sheet's parse reports it as users are told
            raise _PartsDisagree from None

    def iter_rows(self) -> Iterator[list]:
        first_column, last_column = self.start[1], self.last_column
        next_row = 0
        for index in range(len(self.futures)):
            part = self._part(index)
            self.futures[index] = None
            self.merged_of_parts_read += part.merged_cell_ranges or []
            if part.start is None:
                continue
            (top, left), (bottom, right) = part.start, part.end
            if top < next_row or left < first_column or right > last_column:
                raise _PartsDisagree
            rows = part.to_python(skip_empty_area=True)
            del part
            for _empty_row in range(top - next_row):
                yield [""] * (last_column - first_column + 1)
            if (left, right) != (first_column, last_column):
                before, after = [""] * (left - first_column), [""] * (last_column - right)
                rows = [before + row + after for row in rows]
            yield from rows
            next_row = bottom + 1

    @property
    def merged_cell_ranges(self) -> list:
        """Merged cells, which Excel writes after the rows: asked for before the rows are read,
        it waits for every part."""
        merged = list(self.merged_of_parts_read)
        for index, future in enumerate(self.futures):
            if future is not None:
                merged += self._part(index).merged_cell_ranges or []
        return list(dict.fromkeys(merged))


# --- Reading -------------------------------------------------------------------------------------

_EMPTY = object()


class _CellProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ConsignmentRows:
    """A consignment read from its rows, and where each of its values came from."""

    document: dict
    rows: list[int]
    """The row of each line, in line order."""

    def cells(self, path: str, columns: Mapping[str, str]) -> list[tuple[int, str, str]]:
        """(row, column letter, key) of the cells behind a JSON pointer into the document: a
        line's value is in its row; a consignment's value is on every row of the consignment."""
        parts = [part for part in path.split("/")[1:] if part]
        rows = self.rows
        if len(parts) >= 2 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1])
            rows = [self.rows[index]] if index < len(self.rows) else self.rows
        key = ".".join(part for part in parts if not part.isdigit())
        if key not in columns:
            key = next((k for k in columns if k.startswith(f"{key}.")), "reference")
        return [(row, columns.get(key, ""), key) for row in rows]


@dataclass
class RecordRow:
    """A row of the partners sheet: its values by column key, blank cells left out."""

    row: int
    values: dict


@dataclass
class SheetContents:
    sheet: str
    columns: dict[str, str]
    """Key -> column letter, as found in the header row."""
    consignments: list[ConsignmentRows]
    errors: list[CellError]
    """Of every sheet read."""
    rows: int
    """Data rows read (blank rows not counted)."""
    partners_sheet: str = ""
    """Empty when the workbook has no partners sheet (a template of version 1)."""
    partner_columns: dict[str, str] = field(default_factory=dict)
    partners: list[RecordRow] = field(default_factory=list)

    def add_document_errors(self, consignment: ConsignmentRows, errors: list[dict]) -> None:
        """Add the errors found in a document (JSON pointer paths) at the cells they are about;
        a cell keeps the first error found in it, which is the one reading the cell gave."""
        taken = {(error.sheet, error.row, error.column) for error in self.errors}
        for error in errors:
            for row, column, key in consignment.cells(error["path"], self.columns):
                if (self.sheet, row, column) not in taken:
                    taken.add((self.sheet, row, column))
                    self.errors.append(
                        CellError(self.sheet, row, column, key, error["code"], error["message"])
                    )

    def add_partner_error(self, record: RecordRow, key: str, code: str, message: str) -> None:
        """Add an error at a partner row's cell (a cell its reading found wrong is not in the
        row's values, so it is not checked again)."""
        column = self.partner_columns.get(key, "")
        self.errors.append(CellError(self.partners_sheet, record.row, column, key, code, message))

    def sorted_errors(self) -> list[CellError]:
        """The data sheet's errors, then the partners sheet's, each by row and column."""
        return sorted(
            self.errors,
            key=lambda error: (
                error.sheet != self.sheet,
                error.row,
                _column_index(error.column),
            ),
        )


def _identity_values(workbook) -> dict[str, str]:
    if IDENTITY_SHEET not in workbook.sheet_names:
        return {}
    rows = workbook.get_sheet_by_name(IDENTITY_SHEET).to_python()
    return {str(row[0]): str(row[1]) for row in rows if len(row) >= 2 and row[0] != ""}


def _data_sheet_name(workbook) -> str:
    named = _identity_values(workbook).get("data_sheet", "")
    if named in workbook.sheet_names:
        return named
    return next((name for name in SHEET_NAMES["data"] if name in workbook.sheet_names), named)


def _partners_sheet_name(workbook) -> str:
    """The partners sheet, or "" for a workbook without one: a template of version 1, or one
    whose trader deleted the sheet, has no partners."""
    named = _identity_values(workbook).get("partners_sheet", "")
    if named in workbook.sheet_names:
        return named
    return next((name for name in SHEET_NAMES["partners"] if name in workbook.sheet_names), "")


def workbook_read(
    data: bytes,
    columns: list[Column],
    identity: TemplateIdentity,
    *,
    limits: Limits,
    language: str,
    partner_columns: list[Column] = (),
) -> SheetContents:
    """The consignments in a workbook, its partner rows when `partner_columns` are given and it
    has a partners sheet, and every error in their cells; raises WorkbookRefused when the file
    does not pass `workbook_inspect` within `limits`, is not this template or has no data. A
    large data sheet is parsed in parts while it is inspected, each part once it is cleared."""
    parting = _Parting()
    try:
        _inspect(data, limits, language, parting)
        with python_calamine.CalamineWorkbook.from_object(io.BytesIO(data)) as workbook:
            return _read_workbook(
                workbook,
                parting,
                columns,
                identity,
                language=language,
                max_rows=limits.max_rows,
                partner_columns=partner_columns,
            )
    except python_calamine.PasswordError:
        raise _damaged(language, "it asks for a password") from None
    except (python_calamine.CalamineError, OSError) as error:
        raise _damaged(language, str(error)) from None
    finally:
        parting.close()


def _read_workbook(
    workbook, parting: _Parting, columns, identity, *, language: str, max_rows: int, partner_columns
) -> SheetContents:
    found = _identity_values(workbook)
    _check_identity(found, identity, language)
    sheet_name = _data_sheet_name(workbook)
    if sheet_name not in workbook.sheet_names:
        raise WorkbookRefused(
            "data_sheet_missing",
            _say(
                language,
                "The sheet '{sheet}' is missing. Do not rename or delete the template's "
                "sheets: download the template again and copy your rows into it.",
                "缺少工作表“{sheet}”。请勿重命名或删除模板中的工作表：请重新下载模板并把数据复制进去。",
                sheet=found.get("data_sheet") or _sheet_name("data", language),
            ),
        )
    _reader, contents = _sheet_read(
        workbook,
        parting,
        lambda: _ConsignmentReader(sheet_name, columns, language=language, max_rows=max_rows),
    )
    partners_sheet = _partners_sheet_name(workbook) if partner_columns else ""
    if partners_sheet:
        reader, (contents.partner_columns, contents.partners) = _sheet_read(
            workbook,
            parting,
            lambda: _PartnerReader(
                partners_sheet, partner_columns, language=language, max_rows=max_rows
            ),
        )
        contents.partners_sheet = partners_sheet
        contents.errors += reader.errors
    if not (contents.rows or contents.partners or contents.errors):
        raise _empty(language, sheet_name, partners_sheet)
    return contents


def _sheet_read(workbook, parting: _Parting, new_reader: Callable[[], "_SheetReader"]):
    """A new reader, and what it read of its sheet: from the sheet's parts when it was parsed in
    parts and they can be read as the sheet, else (with a reader started afresh) from the sheet
    parsed whole."""
    reader = new_reader()
    try:
        joined = parting.sheet(reader.sheet)
        if joined is not None:
            return reader, reader.read(joined)
    except _PartsDisagree:
        reader = new_reader()
    return reader, reader.read(workbook.get_sheet_by_name(reader.sheet))


def _empty(language: str, data_sheet: str, partners_sheet: str) -> WorkbookRefused:
    if not partners_sheet:
        return WorkbookRefused(
            "empty",
            _say(
                language,
                "The sheet '{sheet}' has no rows of data below its header row. Fill in one row "
                "per goods line and upload again.",
                "工作表“{sheet}”表头下方没有数据。请按商品明细逐行填写后重新上传。",
                sheet=data_sheet,
            ),
        )
    return WorkbookRefused(
        "empty",
        _say(
            language,
            "The sheets '{sheet}' and '{partners}' have no rows of data below their header rows. "
            "Fill in one row per goods line, or one row per supply-chain partner, and upload "
            "again.",
            "工作表“{sheet}”和“{partners}”表头下方都没有数据。请按商品明细逐行填写，"
            "或每个供应链合作伙伴填写一行，然后重新上传。",
            sheet=data_sheet,
            partners=partners_sheet,
        ),
    )


def _check_identity(found: dict[str, str], expected: TemplateIdentity, language: str) -> None:
    if found.get("template") != "hub consignments":
        raise WorkbookRefused(
            "not_template",
            _say(
                language,
                "This workbook is not the hub's template (its hidden sheet '{sheet}' is missing "
                "or changed). Download the template, copy your rows into it and upload that.",
                "该工作簿不是平台模板（其隐藏工作表“{sheet}”缺失或被改动）。请下载模板，把数据复制进去后上传。",
                sheet=IDENTITY_SHEET,
            ),
        )
    if (
        found.get("template_version") not in READABLE_TEMPLATE_VERSIONS
        or found.get("catalogue_version") != expected.catalogue_version
    ):
        raise WorkbookRefused(
            "template_version",
            _say(
                language,
                "This workbook was made from template {found} (data catalogue {found_catalogue}); "
                "the hub now uses template {expected} (data catalogue {expected_catalogue}). "
                "Download the current template and copy your rows into it.",
                "该工作簿使用的是模板版本{found}（数据目录{found_catalogue}）；平台现行模板版本为"
                "{expected}（数据目录{expected_catalogue}）。请下载现行模板并把数据复制进去。",
                found=found.get("template_version", "?"),
                found_catalogue=found.get("catalogue_version", "?"),
                expected=expected.template_version,
                expected_catalogue=expected.catalogue_version,
            ),
        )
    if found.get("scope_digest") != expected.scope_digest:
        raise WorkbookRefused(
            "wrong_scope",
            _say(
                language,
                "This template was made for other data than your agreement in force shares (its "
                "scope differs). Download the template again, which follows your current "
                "agreement, and copy your rows into it.",
                "该模板对应的数据范围与贵企业现行协议不同。请重新下载模板（与现行协议一致），并把数据复制进去。",
            ),
        )


def _header_text(value) -> str:
    return " ".join(str(value).split()) if value not in ("", None) else ""


def _columns_by_label(columns: list[Column]) -> dict[str, Column]:
    labels = {}
    for column in columns:
        labels[_header_text(column.label_en)] = column
        labels[_header_text(column.label_zh)] = column
    return labels


def _column_index(letter: str) -> int:
    index = 0
    for char in letter:
        index = index * 26 + ord(char) - 64
    return index - 1


@dataclass
class _Group:
    """The rows of one consignment as they are read."""

    reference: str
    first_row: int
    values: dict
    """The consignment's values, from its first row; a value that row could not give is taken
    from the next row that could, so that it is reported on its own row and nowhere else."""
    rows: list[int] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    line_rows: dict = field(default_factory=dict)

    def differences(self, values: dict) -> list[tuple[str, object, object]]:
        found = []
        for key in self.values.keys() | values.keys():
            mine, theirs = values.get(key), self.values.get(key)
            if theirs is _EMPTY and mine is not _EMPTY and mine is not None:
                self.values = {**self.values, key: mine}
            elif mine != theirs and mine is not _EMPTY and theirs is not _EMPTY:
                found.append((key, mine, theirs))
        return found

    def consignment(self) -> ConsignmentRows:
        document = _nested({k: v for k, v in self.values.items() if v is not _EMPTY})
        document["lines"] = self.lines
        return ConsignmentRows(document=document, rows=self.rows)


class _SheetReader:
    """What reading any sheet of the template takes: its header, merged cells, data without a
    header, and each kind of cell."""

    def __init__(self, sheet: str, columns: list[Column], *, language: str, max_rows: int):
        self.sheet = sheet
        self.columns = columns
        self.language = language
        self.max_rows = max_rows
        self.errors: list[CellError] = []
        self.codes: dict[str, str] = {}
        self.converters = {
            Kind.TEXT: self._text,
            Kind.CODE: self._code,
            Kind.CODES: self._codes,
            Kind.DECIMAL: self._decimal,
            Kind.INTEGER: self._integer,
            Kind.DATE: self._date,
            Kind.DATETIME: self._datetime,
        }

    def _error(self, row: int, column: str, key: str, code: str, message: str) -> None:
        self.errors.append(CellError(self.sheet, row, column, key, code, message))

    def _header(self, header: list, first_column: int) -> list[tuple[int, Column, str]]:
        by_label = _columns_by_label(self.columns)
        placed: list[tuple[int, Column, str]] = []
        seen: dict[str, str] = {}
        for position, value in enumerate(header):
            letter = get_column_letter(first_column + position + 1)
            text = _header_text(value)
            if not text:
                continue
            column = by_label.get(text)
            if column is None:
                self._error(
                    1,
                    letter,
                    "",
                    "unknown_column",
                    _say(
                        self.language,
                        "Column {letter} is headed '{header}', which is not a column of this "
                        "template. Delete the column, or move its data to the right column.",
                        "第{letter}列的表头“{header}”不是本模板的列。请删除该列，或把数据移到正确的列中。",
                        letter=letter,
                        header=text,
                    ),
                )
            elif column.key in seen:
                self._error(
                    1,
                    letter,
                    column.key,
                    "duplicate_column",
                    _say(
                        self.language,
                        "Column {letter} repeats the header '{header}' of column {first}. Keep one "
                        "of them.",
                        "第{letter}列重复了第{first}列的表头“{header}”，请只保留一列。",
                        letter=letter,
                        header=text,
                        first=seen[column.key],
                    ),
                )
            else:
                seen[column.key] = letter
                placed.append((position, column, letter))
        for column in self.columns:
            if column.required and column.key not in seen:
                self._error(
                    1,
                    "",
                    column.key,
                    "missing_column",
                    _say(
                        self.language,
                        "The required column '{header}' is missing. Add it back with exactly this "
                        "header, or download the template again and copy your rows into it.",
                        "缺少必填列“{header}”。请按原表头恢复该列，或重新下载模板并把数据复制进去。",
                        header=column.label(self.language),
                    ),
                )
        return placed

    def _merged_cells(self, sheet) -> None:
        first_column = (sheet.start or (0, 0))[1]
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
            start = f"{get_column_letter(left + 1)}{top + 1}"
            end = f"{get_column_letter(right + 1)}{bottom + 1}"
            self._error(
                top + 1,
                get_column_letter(max(left, first_column) + 1),
                "",
                "merged_cells",
                _say(
                    self.language,
                    "Cells {start}:{end} are merged. Unmerge them and fill the value into every "
                    "cell: every row of a consignment repeats the consignment's values.",
                    "单元格{start}:{end}被合并。请取消合并，并在每个单元格中填写数值：同一批货物的每一行都要重复填写表头信息。",
                    start=start,
                    end=end,
                ),
            )

    def _unheaded(self, row: int, letter: str) -> None:
        self._error(
            row,
            letter,
            "",
            "no_header",
            _say(
                self.language,
                "Column {letter} has data but no header, so the hub does not know what it is. "
                "Delete the data, or move it to the column it belongs to.",
                "第{letter}列有数据但没有表头，平台无法识别。请删除这些数据，或移到所属的列中。",
                letter=letter,
            ),
        )

    # --- Cell converters: a value, None for a blank, or _CellProblem ---------------------------

    def _problem(self, code: str, english: str, chinese: str, **values) -> _CellProblem:
        return _CellProblem(code, _say(self.language, english, chinese, **values))

    def _not_text(self, raw) -> _CellProblem:
        return self._problem(
            "not_text",
            "This cell holds {value} as a date, time or true/false value. Format the column as "
            "text and type the value again.",
            "该单元格的{value}是日期、时间或逻辑值。请把该列设为文本格式后重新输入。",
            value=_quoted(raw),
        )

    def _text(self, raw):
        if type(raw) is str:
            return raw.strip() or None
        if type(raw) is float:
            return _number_text(raw)
        if type(raw) is int:
            return str(raw)
        raise self._not_text(raw)

    def _code(self, raw):
        # Codes repeat down a column: each is converted once and held once.
        code = self.codes.get(raw) if type(raw) is str else None
        if code is None:
            text = self._text(raw)
            code = text.upper() if text else ""
            if type(raw) is str:
                self.codes[raw] = code
        return code or None

    def _codes(self, raw):
        text = self._text(raw)
        return [part.upper() for part in CODE_SEPARATORS.split(text) if part] if text else None

    def _decimal(self, raw):
        if type(raw) is float or type(raw) is int:
            return _number_text(raw)
        if type(raw) is not str:
            raise self._not_number(raw)
        text = raw.strip()
        if not text:
            return None
        if PLAIN_NUMBER.fullmatch(text):
            return text
        if GROUPED_NUMBER.fullmatch(text):
            raise self._problem(
                "thousands_separator",
                "{value} is text with thousands separators. Type the number without them, "
                "e.g. {plain} (formatting the cell to show separators is fine).",
                "{value}是带千位分隔符的文本。请去掉分隔符输入数字，如{plain}（可通过单元格格式显示分隔符）。",
                value=_quoted(text),
                plain=text.replace(",", ""),
            )
        if DECIMAL_COMMA_NUMBER.fullmatch(text):
            raise self._problem(
                "decimal_comma",
                "{value} has a comma as the decimal mark. Type it with a point: {plain}.",
                "{value}使用逗号作小数点。请改用英文句点：{plain}。",
                value=_quoted(text),
                plain=text.replace(",", "."),
            )
        raise self._not_number(text)

    def _not_number(self, raw) -> _CellProblem:
        return self._problem(
            "not_a_number",
            "{value} is not a number. Type digits with an optional decimal point, without "
            "units or currency signs, e.g. 1250.50.",
            "{value}不是数字。请只填写数字（可带小数点），不要带单位或货币符号，如1250.50。",
            value=_quoted(raw),
        )

    def _integer(self, raw):
        if type(raw) is float and raw.is_integer():
            return int(raw)
        if type(raw) is int:
            return raw
        if type(raw) is str and raw.strip().isdigit() and raw.strip().isascii():
            return int(raw.strip())
        if type(raw) is str and not raw.strip():
            return None
        raise self._problem(
            "not_a_whole_number",
            "{value} is not a whole number. Type a whole number, e.g. 3.",
            "{value}不是整数。请填写整数，如3。",
            value=_quoted(raw),
        )

    def _date(self, raw):
        if type(raw) is date:
            return raw.isoformat()
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        if isinstance(raw, date):
            return raw.isoformat()
        if type(raw) is str:
            text = raw.strip()
            if not text:
                return None
            parts = YEAR_FIRST_DATE.fullmatch(text)
            if parts:
                year, month, day = (int(part) for part in parts.groups())
                # A date not in the calendar is left for the catalogue to name.
                return f"{year:04d}-{month:02d}-{day:02d}"
            raise self._problem(
                "date_as_text",
                "{value} is a date typed as text, which can be read more than one way. Enter it "
                "as a date, or type it year first: YYYY-MM-DD, e.g. 2026-11-03.",
                "{value}是以文本形式输入的日期，可能有多种理解。请按日期格式输入，或以年份开头写成YYYY-MM-DD，"
                "如2026-11-03。",
                value=_quoted(text),
            )
        raise self._problem(
            "not_a_date",
            "{value} is not a date. Enter a date, or type it as YYYY-MM-DD, e.g. 2026-11-03.",
            "{value}不是日期。请输入日期，或写成YYYY-MM-DD，如2026-11-03。",
            value=_quoted(raw),
        )

    def _datetime(self, raw):
        """An aware datetime as ISO text, or a naive datetime for `_local_arrival`."""
        if isinstance(raw, datetime):
            return _to_second(raw)
        if isinstance(raw, date):
            return datetime(raw.year, raw.month, raw.day)
        if type(raw) is str:
            text = raw.strip()
            if not text:
                return None
            moment = _parse_datetime(text)
            if moment is not None:
                return moment.isoformat() if moment.tzinfo else moment
        raise self._problem(
            "not_a_datetime",
            "{value} is not a date and time. Enter a date and time, or type it as "
            "2026-12-02 08:00, with its offset from UTC where the port of discharge needs one "
            "(2026-12-02 08:00 -05:00).",
            "{value}不是日期时间。请输入日期和时间，或写成2026-12-02 08:00；"
            "卸货港需要时请注明与UTC的时差（如2026-12-02 08:00 -05:00）。",
            value=_quoted(raw),
        )


class _ConsignmentReader(_SheetReader):
    """The data sheet: rows grouped into consignments by their reference."""

    def read(self, sheet) -> SheetContents:
        first_column = (sheet.start or (0, 0))[1]
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None or header.count("") == len(header):
            return SheetContents(self.sheet, {}, [], self.errors, 0)
        placed = self._header(header, first_column)
        letters = {column.key: letter for _position, column, letter in placed}
        if any(error.row == 1 and error.code == "missing_column" for error in self.errors):
            return SheetContents(self.sheet, letters, [], self.errors, 0)
        headed = {position for position, value in enumerate(header) if _header_text(value)}
        groups, count = self._groups(rows, placed, headed, first_column)
        # After the rows: a sheet parsed in parts has its merged cells with its last part.
        self._merged_cells(sheet)
        consignments = [group.consignment() for group in groups.values()]
        return SheetContents(self.sheet, letters, consignments, self.errors, count)

    def _groups(self, rows, placed, headed: set[int], first_column: int):
        """The rows grouped by consignment reference, and how many rows had data.

        A consignment's values are converted once for a run of rows that repeat them as typed,
        which is how a consignment's rows usually come; a row that types them otherwise is
        converted on its own and compared."""
        consignment_plan = [entry for entry in placed if not entry[1].is_line_value]
        # A line's cells are looked up among the values the column already converted, which
        # repeat down a column (units, countries, quantities), before they are converted.
        line_plan = [
            (
                position,
                column.key[6:],
                column.key,
                letter,
                self.converters[column.kind],
                {} if column.kind in MEMOIZED_KINDS else None,
            )
            for position, column, letter in placed
            if column.is_line_value
        ]
        positions = [position for position, _column, _letter in consignment_plan]
        getter = itemgetter(*positions)
        # itemgetter gives a tuple for two or more positions, and the value itself for one.
        typed_values = getter if len(positions) > 1 else lambda row: (getter(row),)
        letters = {column.key: letter for _position, column, letter in placed}
        groups: dict[str, _Group] = {}
        unheaded: list[int] | None = None
        previous_typed, previous_types, previous = None, None, None
        count = 0
        for row_number, row in enumerate(rows, 2):
            if row.count("") == len(row):
                continue
            count += 1
            if count > self.max_rows:
                raise _too_many_rows(self.language, self.max_rows)
            typed = typed_values(row)
            # Equal is not enough: TRUE equals 1, and 1 converts otherwise than 1.0 in a message.
            types = tuple(map(type, typed))
            if typed != previous_typed or types != previous_types:
                previous_typed, previous_types = typed, types
                previous = self._consignment_values(consignment_plan, typed)
            values, problems = previous
            for letter, key, code, message in problems:
                self._error(row_number, letter, key, code, message)
            line = {}
            for position, name, key, letter, convert, converted in line_plan:
                raw = row[position]
                if raw == "":
                    continue
                # True == 1 == 1.0: a memo keyed by value holds only the types that are
                # converted alike when equal.
                memoized = converted is not None and type(raw) in MEMOIZED_TYPES
                value = converted.get(raw, _EMPTY) if memoized else _EMPTY
                if value is _EMPTY:
                    try:
                        value = convert(raw)
                    except _CellProblem as problem:
                        self._error(row_number, letter, key, problem.code, problem.message)
                        continue
                    if memoized and len(converted) < MEMOIZED_VALUES:
                        converted[raw] = value
                if value is not None:
                    line[name] = value
            if unheaded is None:  # every row of a sheet has the sheet's width
                unheaded = [position for position in range(len(row)) if position not in headed]
            for position in [position for position in unheaded if row[position] != ""]:
                self._unheaded(row_number, get_column_letter(first_column + position + 1))
                unheaded.remove(position)
            self._add_row(groups, row_number, values, line, letters)
        return groups, count

    def _consignment_values(self, plan, typed) -> tuple[dict, list[tuple]]:
        """The consignment's values as converted from one row, and the problems of its cells."""
        values, problems = {}, []
        for (_position, column, letter), raw in zip(plan, typed, strict=True):
            if raw == "":
                continue
            try:
                value = self.converters[column.kind](raw)
            except _CellProblem as problem:
                problems.append((letter, column.key, problem.code, problem.message))
                values[column.key] = _EMPTY
                continue
            if value is not None:
                values[column.key] = value
        arrival = values.get("estimated_arrival")
        if isinstance(arrival, datetime):
            values["estimated_arrival"] = self._local_arrival(
                arrival, values.get("port_of_discharge"), plan, problems
            )
        return values, problems

    def _local_arrival(self, moment: datetime, port, plan, problems: list[tuple]):
        """An arrival time typed without an offset is local time at the port of discharge, as the
        connectors take it."""
        zone = PORT_COUNTRY_TIME_ZONES.get(port[:2]) if isinstance(port, str) else None
        if zone is not None:
            return moment.replace(tzinfo=ZoneInfo(zone)).isoformat()
        letter = next(
            letter for _position, column, letter in plan if column.key == "estimated_arrival"
        )
        problems.append(
            (
                letter,
                "estimated_arrival",
                "missing_time_zone",
                _say(
                    self.language,
                    "The arrival time has no offset from UTC, and the hub cannot take the time "
                    "zone from the port of discharge {port} (its country has several, or is not "
                    "known). Type the time with its offset, e.g. 2026-12-02 08:00 -05:00.",
                    "到达时间未注明与UTC的时差，平台也无法根据卸货港{port}确定时区（该国有多个时区或未收录）。"
                    "请写明时差，如2026-12-02 08:00 -05:00。",
                    port=port or "—",
                ),
            )
        )
        return _EMPTY

    def _add_row(self, groups: dict, row: int, values: dict, line: dict, letters) -> None:
        reference = values.get("reference")
        if reference is None:
            if "reference" in letters:
                self._error(
                    row,
                    letters["reference"],
                    "reference",
                    "required",
                    _say(
                        self.language,
                        "Every row needs the consignment reference: it says which consignment "
                        "the line belongs to.",
                        "每行都要填写业务参考号：它表明该行属于哪一批货物。",
                    ),
                )
            return
        if reference is _EMPTY:
            return
        group = groups.get(reference)
        if group is None:
            groups[reference] = _Group(reference, row, values)
            group = groups[reference]
        elif values is not group.values:
            for key, mine, theirs in group.differences(values):
                self._disagreement(row, key, letters[key], mine, group.first_row, theirs, reference)
        number = line.get("line_number")
        if number is not None and number in group.line_rows:
            self._error(
                row,
                letters["lines.line_number"],
                "lines.line_number",
                "duplicate",
                _say(
                    self.language,
                    "Line number {number} is also on row {first}, in the same consignment "
                    "{reference}. Give every line of a consignment its own number.",
                    "行号{number}与第{first}行重复（同属货物{reference}）。同一批货物的每一行须使用不同的行号。",
                    number=number,
                    first=group.line_rows[number],
                    reference=reference,
                ),
            )
        elif number is not None:
            group.line_rows[number] = row
        group.rows.append(row)
        group.lines.append(line)

    def _disagreement(self, row, key, letter, mine, first_row, theirs, reference) -> None:
        column = next(column for column in self.columns if column.key == key)
        blank = _say(self.language, "nothing", "空白")
        self._error(
            row,
            letter,
            key,
            "disagrees",
            _say(
                self.language,
                "Row {row} gives {header} as {mine}, but row {first_row}, the first row of "
                "consignment {reference}, gives {theirs}. Every row of a consignment repeats the "
                "same consignment values: make them agree.",
                "第{row}行的“{header}”为{mine}，而货物{reference}的首行（第{first_row}行）为{theirs}。"
                "同一批货物的每一行必须填写相同的表头信息，请使之一致。",
                row=row,
                header=column.label(self.language),
                mine=_quoted(mine) if mine is not None else blank,
                first_row=first_row,
                theirs=_quoted(theirs) if theirs is not None else blank,
                reference=reference,
            ),
        )


class _PartnerReader(_SheetReader):
    """The partners sheet: a record per row."""

    def read(self, sheet) -> tuple[dict[str, str], list[RecordRow]]:
        """The letters of the columns found, and the rows with data."""
        first_column = (sheet.start or (0, 0))[1]
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None or header.count("") == len(header):
            return {}, []
        placed = self._header(header, first_column)
        letters = {column.key: letter for _position, column, letter in placed}
        if any(error.row == 1 and error.code == "missing_column" for error in self.errors):
            return letters, []
        self._merged_cells(sheet)
        unheaded = [position for position, value in enumerate(header) if not _header_text(value)]
        records, count = [], 0
        for row_number, row in enumerate(rows, 2):
            if row.count("") == len(row):
                continue
            count += 1
            if count > self.max_rows:
                raise _too_many_rows(self.language, self.max_rows)
            values = {}
            for position, column, letter in placed:
                raw = row[position]
                try:
                    value = self.converters[column.kind](raw) if raw != "" else None
                except _CellProblem as problem:
                    self._error(row_number, letter, column.key, problem.code, problem.message)
                    continue
                if value not in (None, []):
                    values[column.key] = value
                elif column.required:
                    self._required(row_number, letter, column)
            for position in [position for position in unheaded if row[position] != ""]:
                self._unheaded(row_number, get_column_letter(first_column + position + 1))
                unheaded.remove(position)
            records.append(RecordRow(row_number, values))
        return letters, records

    def _required(self, row: int, letter: str, column: Column) -> None:
        self._error(
            row,
            letter,
            column.key,
            "required",
            _say(
                self.language,
                "{header} is required on every row. Fill it in, or delete the row.",
                "每行都必须填写“{header}”。请填写，或删除该行。",
                header=column.label(self.language),
            ),
        )


# The kinds whose converted value is immutable and depends on the cell's value alone.
MEMOIZED_KINDS = frozenset({Kind.TEXT, Kind.CODE, Kind.DECIMAL, Kind.INTEGER})
MEMOIZED_TYPES = frozenset({str, float, int})
MEMOIZED_VALUES = 20_000
CODE_SEPARATORS = re.compile(r"[\s,;，；、]+")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
GROUPED_NUMBER = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
DECIMAL_COMMA_NUMBER = re.compile(r"-?[0-9]+,[0-9]+")
YEAR_FIRST_DATE = re.compile(r"([0-9]{4})(?:[-/.]|年)([0-9]{1,2})(?:[-/.]|月)([0-9]{1,2})日?")
_DATETIME_TEXT = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?))?"
    r"\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def _parse_datetime(text: str) -> datetime | None:
    match = _DATETIME_TEXT.fullmatch(text)
    if not match:
        return None
    day, clock, offset = match.groups()
    if offset and len(offset) == 3:
        offset += ":00"
    elif offset and len(offset) == 5:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(
            f"{day}T{clock or '00:00'}{offset or ''}".replace("Z", "+00:00")
        )
    except ValueError:
        return None
    return _to_second(moment)


def _to_second(moment: datetime) -> datetime:
    """A spreadsheet stores times as fractions of a day, which come back a microsecond off."""
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def _number_text(number: float | int) -> str:
    """A number as decimal digits: a float by its shortest exact form, which is what was typed."""
    if type(number) is int:
        return str(number)
    if number.is_integer() and -1e16 < number < 1e16:
        return str(int(number))
    text = repr(number)
    if "e" not in text:
        return text
    try:
        return format(Decimal(text), "f")
    except InvalidOperation:  # nan or inf, which the catalogue refuses by name
        return text


def _quoted(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "'" + ", ".join(value) + "'"
    if isinstance(value, float):
        return _number_text(value)
    return f"'{value}'"


def _nested(flat: dict) -> dict:
    """{"seller.name": x} -> {"seller": {"name": x}}."""
    document: dict = {}
    for key, value in flat.items():
        head, _, member = key.partition(".")
        if member:
            document.setdefault(head, {})[member] = value
        else:
            document[head] = value
    return document
