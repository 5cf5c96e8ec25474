"""The Excel template as a trader sees it, and reading it back: every problem named by its cell."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import threading
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from connectors import excel_template
from connectors.excel_template import (
    Limits,
    WorkbookRefused,
    annotated_build,
    workbook_inspect,
    workbook_read,
)
from hub.catalogue.fields import DATASETS, required_keys
from hub.partners.sheet import PARTNER_COLUMNS
from hub.submissions.services import consignment_validate
from hub.submissions.uploads import (
    template_columns,
    template_identity,
    template_workbook,
    upload_limits,
)
from tests.conftest import require_or_skip
from tests.factories import consignment_document
from tests.workbooks import (
    as_version_1,
    column_letter,
    consignment_rows,
    declaration_across_a_chunk,
    encrypted_workbook,
    entity_bomb,
    far_away_cell,
    far_away_row,
    filled_template,
    large_sheet_with_a_wrong_checksum,
    million_rows,
    partner_column_letter,
    pdf,
    renamed_csv,
    unreferenced_cells,
    with_identity,
    with_last_row_commented_out,
    with_last_row_first,
    with_macros,
    with_rows_added,
    zip_bomb,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "excel"
EVERY_DATASET = SimpleNamespace(scope=sorted(DATASETS), version=3)
MINIMUM = SimpleNamespace(scope=[], version=1)
LIMITS = Limits(max_bytes=16 * 1024 * 1024, max_rows=1000, max_uncompressed_bytes=64 * 1024 * 1024)


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def read(data: bytes, agreement=MINIMUM, language="en"):
    """Inspect and read `data` as the upload does, with the catalogue's checks of each document.

    A large sheet is parsed in parts while it is inspected: every file read here is also read
    with each of its sheets parsed in parts of a row or two, and both readings must agree."""
    whole = _outcome(data, agreement, language)
    with in_parts_of_a_few_rows():
        in_parts = _outcome(data, agreement, language)
    if isinstance(whole, WorkbookRefused):
        assert (in_parts.code, in_parts.message) == (whole.code, whole.message)
        raise whole
    assert in_parts == whole
    return whole


def _outcome(data: bytes, agreement, language: str):
    try:
        contents = workbook_read(
            data,
            template_columns(agreement.scope),
            template_identity(agreement),
            limits=LIMITS,
            language=language,
            partner_columns=PARTNER_COLUMNS,
        )
    except WorkbookRefused as refused:
        return refused
    for consignment in contents.consignments:
        contents.add_document_errors(
            consignment, consignment_validate(consignment.document, scope=agreement.scope)[1]
        )
    return contents


@contextlib.contextmanager
def in_parts_of_a_few_rows():
    """Every worksheet parsed in parts, each of the rows of about a kilobyte of the sheet."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(excel_template, "PARTED_FROM_BYTES", 0)
        patch.setattr(excel_template, "CHUNK_BYTES", 1024)
        patch.setattr(excel_template, "PART_BYTES", 1)
        yield


def refusal(data: bytes, agreement=MINIMUM) -> WorkbookRefused:
    with pytest.raises(WorkbookRefused) as refused:
        read(data, agreement)
    return refused.value


def errors_by_cell(contents) -> dict[str, str]:
    return {error.cell: error.message for error in contents.sorted_errors()}


# --- The template ---------------------------------------------------------------------------


def test_required_columns_look_different_from_optional_ones():
    sheet = workbook(template_workbook(agreement=EVERY_DATASET, language="en")).worksheets[0]
    headers = {cell.value: cell for cell in sheet[1]}

    required, optional = headers["Consignment reference"], headers["Vessel name or flight number"]
    assert required.fill.fgColor.rgb != optional.fill.fgColor.rgb
    assert required.font.color.rgb != optional.font.color.rgb
    fills = {
        column.required: headers[column.label_en].fill.fgColor.rgb
        for column in template_columns(EVERY_DATASET.scope)
    }
    assert len(fills) == 2
    assert all(
        headers[column.label_en].fill.fgColor.rgb == fills[column.required]
        for column in template_columns(EVERY_DATASET.scope)
    )


def test_every_header_carries_its_help_in_a_comment():
    sheet = workbook(template_workbook(agreement=EVERY_DATASET, language="en")).worksheets[0]

    comments = {cell.value: cell.comment.text for cell in sheet[1]}

    assert comments["Consignment reference"].startswith("Required on every row.")
    assert "the shipment number in your ERP" in comments["Consignment reference"]
    assert comments["Vessel name or flight number"].startswith("Optional.")
    assert "Choose a code from the dropdown" in comments["Invoice currency"]
    assert "local time at the port of discharge" in comments["Estimated time of arrival"]


def test_code_list_columns_have_dropdowns_fed_from_a_hidden_list_sheet():
    book = workbook(template_workbook(agreement=EVERY_DATASET, language="en"))
    sheet = book.worksheets[0]
    dropdowns = {
        str(validation.sqref): validation for validation in sheet.data_validations.dataValidation
    }
    unit = column_letter(EVERY_DATASET, "lines.unit")
    port = column_letter(EVERY_DATASET, "port_of_loading")

    unit_list = dropdowns[f"{unit}2:{unit}1048576"]
    assert unit_list.type == "list"
    assert unit_list.showErrorMessage  # a closed list: only its codes
    source = book.defined_names[unit_list.formula1].attr_text
    assert source.startswith("hub_lists!")
    assert book["hub_lists"].sheet_state == "hidden"
    codes = [row[0].value for row in book["hub_lists"][source.split("!")[1].replace("$", "")]]
    assert {"KGM", "PCE"} <= set(codes)
    # Ports are an open scheme: the list offers the common ones, and any other may be typed.
    assert not dropdowns[f"{port}2:{port}1048576"].showErrorMessage
    countries = book.defined_names["hub_list_country"].attr_text
    assert int(countries.rsplit("$", 1)[1]) > 240  # long lists work through the hidden sheet


def test_code_and_identifier_columns_are_formatted_as_text_so_leading_zeros_survive():
    sheet = workbook(template_workbook(agreement=EVERY_DATASET, language="en")).worksheets[0]

    def number_format(key):
        return sheet.column_dimensions[column_letter(EVERY_DATASET, key)].number_format

    assert number_format("lines.hs_code") == "@"
    assert number_format("lines.material_number") == "@"
    assert number_format("transport_mode") == "@"
    assert number_format("invoice_date") == "yyyy-mm-dd"
    assert number_format("lines.quantity") == "General"


def test_the_template_comes_in_english_and_simplified_chinese():
    english = workbook(template_workbook(agreement=MINIMUM, language="en"))
    chinese = workbook(template_workbook(agreement=MINIMUM, language="zh-hans"))

    assert english.sheetnames[:5] == [
        "Consignments",
        "Partners",
        "Instructions",
        "Example",
        "Partners example",
    ]
    assert chinese.sheetnames[:5] == [
        "货物明细",
        "合作伙伴",
        "填写说明",
        "填写示例",
        "合作伙伴示例",
    ]
    assert chinese.worksheets[0]["A1"].value == "企业业务参考号"
    assert chinese.worksheets[0]["A1"].comment.text.startswith("每行必填。")
    assert "逐行填写" in chinese["填写说明"]["A3"].value


def test_a_hidden_sheet_names_the_template_catalogue_and_scope_version():
    book = workbook(template_workbook(agreement=EVERY_DATASET, language="en"))

    identity = {row[0].value: row[1].value for row in book["hub_template"].iter_rows()}

    assert book["hub_template"].sheet_state == "hidden"
    assert identity["template_version"] == "2"
    assert identity["partners_sheet"] == "Partners"
    assert identity["catalogue_version"] == template_identity(EVERY_DATASET).catalogue_version
    assert identity["scope_digest"] == template_identity(EVERY_DATASET).scope_digest
    assert identity["agreement_version"] == "3"


def test_the_instructions_sheet_explains_the_layout_and_the_example_is_valid():
    book = workbook(template_workbook(agreement=EVERY_DATASET, language="en"))
    instructions = "\n".join(str(row[0].value) for row in book["Instructions"].iter_rows())
    assert "one row per goods line" in instructions
    assert "Repeat the consignment's own values" in instructions

    example_rows = list(book["Example"].iter_rows(min_row=2, values_only=True))
    sheet = book["Consignments"]
    for row in example_rows:
        sheet.append(list(row))
    output = io.BytesIO()
    book.save(output)

    contents = read(output.getvalue(), EVERY_DATASET)
    assert contents.errors == []
    assert [c.document["reference"] for c in contents.consignments] == [
        "SHP-2026-0042",
        "SHP-2026-0043",
    ]


def test_the_template_opens_in_libreoffice_and_keeps_its_dropdowns(tmp_path):
    soffice = shutil.which("soffice")
    require_or_skip(
        soffice is not None, "needs LibreOffice (apt-get install libreoffice-calc-nogui)"
    )
    forwarder = {
        "legal_name": "Nordsee Spedition GmbH",
        "country": "DE",
        "roles": "forwarder, carrier",
        "identifiers.duns": "001234567",
    }
    (tmp_path / "template-en.xlsx").write_bytes(
        filled_template(EVERY_DATASET, [], partners=[forwarder])
    )
    (tmp_path / "template-zh-hans.xlsx").write_bytes(
        template_workbook(agreement=EVERY_DATASET, language="zh-hans")
    )
    converted = tmp_path / "saved"

    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(converted),
            str(tmp_path / "template-en.xlsx"),
            str(tmp_path / "template-zh-hans.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )

    assert result.returncode == 0, result.stderr
    for language in ("en", "zh-hans"):
        saved = (converted / f"template-{language}.xlsx").read_bytes()
        book = workbook(saved)
        assert [sheet.sheet_state for sheet in book.worksheets][-2:] == ["hidden", "hidden"]
        dropdowns = book.worksheets[0].data_validations.dataValidation
        assert {validation.formula1 for validation in dropdowns} >= {
            "hub_list_currency",
            "hub_list_unit",
            "hub_list_country",
        }
        assert book.defined_names["hub_list_unit"].attr_text.startswith("hub_lists!")
        assert book.worksheets[0]["A1"].comment is not None
        partners = book.worksheets[1]
        assert {validation.formula1 for validation in partners.data_validations.dataValidation} == {
            "hub_list_country",
            "hub_list_partner_role",
        }
        assert partners["A1"].comment is not None
        assert partners.column_dimensions["E"].number_format == "@"  # VAT numbers stay text
    # Still the hub's template, and the partner typed in comes back as typed.
    english = read((converted / "template-en.xlsx").read_bytes(), EVERY_DATASET)
    assert english.errors == []
    assert [record.values for record in english.partners] == [
        {**forwarder, "country": "DE", "roles": ["FORWARDER", "CARRIER"]}
    ]
    assert refusal((converted / "template-zh-hans.xlsx").read_bytes(), EVERY_DATASET).code == (
        "empty"
    )


def test_the_partners_sheet_looks_and_helps_like_the_data_sheet():
    book = workbook(template_workbook(agreement=EVERY_DATASET, language="en"))
    data, partners = book["Consignments"], book["Partners"]
    headers = {cell.value: cell for cell in partners[1]}

    required_fill = data["A1"].fill.fgColor.rgb
    optional_fill = data[f"{column_letter(EVERY_DATASET, 'vessel_or_flight')}1"].fill.fgColor.rgb
    assert [name for name, cell in headers.items() if cell.fill.fgColor.rgb == required_fill] == [
        "Legal name",
        "Country",
        "Roles in your supply chain",
    ]
    assert {headers[name].fill.fgColor.rgb for name in ("Address", "VAT or tax number")} == {
        optional_fill
    }
    roles = headers["Roles in your supply chain"].comment.text
    assert roles.startswith("Required on every row.")
    assert "seller (seller or supplier)" in roles
    assert "type several separated by commas" in roles
    assert headers["EORI number"].comment.text.startswith("Optional.")


def test_the_partners_sheet_offers_countries_and_roles_and_keeps_identifiers_as_text():
    book = workbook(template_workbook(agreement=MINIMUM, language="en"))
    partners = book["Partners"]
    dropdowns = {
        str(validation.sqref): validation for validation in partners.data_validations.dataValidation
    }
    country, roles = partner_column_letter("country"), partner_column_letter("roles")

    assert dropdowns[f"{country}2:{country}1048576"].formula1 == "hub_list_country"
    assert dropdowns[f"{country}2:{country}1048576"].showErrorMessage
    role_list = dropdowns[f"{roles}2:{roles}1048576"]
    # Several roles are typed into one cell, which a closed dropdown would refuse.
    assert not role_list.showErrorMessage
    source = book.defined_names[role_list.formula1].attr_text.split("!")[1].replace("$", "")
    assert [row[0].value for row in book["hub_lists"][source]] == [
        "manufacturer",
        "seller",
        "shipper",
        "forwarder",
        "carrier",
        "logistics_provider",
        "customs_broker",
    ]
    for key in ("identifiers.vat", "identifiers.duns", "identifiers.gln", "contact_phone"):
        assert partners.column_dimensions[partner_column_letter(key)].number_format == "@"


def test_the_instructions_explain_the_partners_sheet_in_both_languages():
    english = workbook(template_workbook(agreement=MINIMUM, language="en"))
    chinese = workbook(template_workbook(agreement=MINIMUM, language="zh-hans"))

    instructions = "\n".join(str(row[0].value) for row in english["Instructions"].iter_rows())
    assert "The sheet 'Partners' describes your overseas supply-chain partners" in instructions
    assert "type several codes in the cell separated by commas, e.g. seller, manufacturer" in (
        instructions
    )
    assert "blank cells keep it" in instructions
    assert "Columns of 'Partners'" in instructions
    assert "“合作伙伴”工作表用于填写境外供应链合作伙伴" in "\n".join(
        str(row[0].value) for row in chinese["填写说明"].iter_rows()
    )
    assert chinese["合作伙伴"]["A1"].value == "法定名称"


# --- Reading ---------------------------------------------------------------------------------


def test_a_filled_template_gives_one_consignment_per_reference_with_a_line_per_row():
    rows = consignment_rows("PO-1", lines=2) + consignment_rows("PO-2", lines=1)

    contents = read(filled_template(MINIMUM, rows))

    assert contents.errors == []
    assert contents.rows == 3
    assert [c.document for c in contents.consignments] == [
        consignment_document("PO-1", lines=2),
        consignment_document("PO-2", lines=1),
    ]
    assert [c.rows for c in contents.consignments] == [[2, 3], [4]]


def test_cells_are_read_as_a_trader_types_them():
    rows = consignment_rows("PO-1", lines=1)
    rows[0].update(
        {
            "invoice_date": datetime(2026, 11, 3),
            "estimated_arrival": datetime(2026, 12, 2, 7, 59, 59, 999_999),
            "lines.quantity": 120.0,
            "lines.line_value": 1001.5,
            "lines.line_number": 1.0,
            "currency": " eur ",
        }
    )

    [consignment] = read(filled_template(MINIMUM, rows)).consignments

    assert consignment.document["invoice_date"] == "2026-11-03"
    # Without an offset, an arrival is local time at the port of discharge (CNSHA: UTC+8).
    assert consignment.document["estimated_arrival"] == "2026-12-02T08:00:00+08:00"
    assert consignment.document["lines"][0]["quantity"] == "120"
    assert consignment.document["lines"][0]["line_value"] == "1001.5"
    assert consignment.document["lines"][0]["line_number"] == 1
    assert consignment.document["currency"] == "EUR"


def test_a_cell_equal_to_one_read_above_it_is_read_by_its_own_type():
    # TRUE equals 1 in Python; a value converted once for a column must not stand for it.
    rows = consignment_rows("PO-1", lines=3)
    rows[0]["lines.quantity"] = 1.0
    rows[1]["lines.quantity"] = True
    rows[2]["lines.quantity"] = 1

    contents = read(filled_template(MINIMUM, rows))

    quantity = column_letter(MINIMUM, "lines.quantity")
    assert errors_by_cell(contents) == {
        f"{quantity}3": "'True' is not a number. Type digits with an optional decimal point, "
        "without units or currency signs, e.g. 1250.50."
    }
    lines = contents.consignments[0].document["lines"]
    assert [line.get("quantity") for line in lines] == ["1", None, "1"]


def test_a_consignment_value_equal_to_the_one_above_it_is_read_by_its_own_type():
    # The consignment's values are converted once for rows that repeat them: TRUE below a 1,
    # equal in Python, is not a repetition.
    rows = consignment_rows("PO-1", lines=2)
    rows[0]["transport_mode"] = 1
    rows[1]["transport_mode"] = True

    contents = read(filled_template(MINIMUM, rows))

    mode = column_letter(MINIMUM, "transport_mode")
    assert errors_by_cell(contents) == {
        f"{mode}3": "This cell holds 'True' as a date, time or true/false value. Format the column "
        "as text and type the value again."
    }


def test_dates_typed_as_text_are_taken_year_first_and_refused_otherwise():
    rows = consignment_rows("PO-1", lines=1) + consignment_rows("PO-2", lines=1)
    rows[0]["invoice_date"] = "2026/11/3"
    rows[1]["invoice_date"] = "03/11/2026"

    contents = read(filled_template(MINIMUM, rows))

    assert contents.consignments[0].document["invoice_date"] == "2026-11-03"
    cell = f"{column_letter(MINIMUM, 'invoice_date')}3"
    assert errors_by_cell(contents) == {
        cell: "'03/11/2026' is a date typed as text, which can be read more than one way. Enter "
        "it as a date, or type it year first: YYYY-MM-DD, e.g. 2026-11-03."
    }


def test_numbers_typed_with_thousands_separators_are_refused_with_the_plain_number():
    rows = consignment_rows("PO-1", lines=1)
    rows[0]["lines.line_value"] = "1,234.50"
    rows[0]["lines.quantity"] = "12,5"

    contents = read(filled_template(MINIMUM, rows))

    errors = errors_by_cell(contents)
    assert errors[f"{column_letter(MINIMUM, 'lines.line_value')}2"].startswith(
        "'1,234.50' is text with thousands separators. Type the number without them, e.g. 1234.50"
    )
    assert errors[f"{column_letter(MINIMUM, 'lines.quantity')}2"] == (
        "'12,5' has a comma as the decimal mark. Type it with a point: 12.5."
    )


def test_a_number_shown_with_separators_by_its_cell_format_is_read_as_the_number():
    rows = consignment_rows("PO-1", lines=1)
    rows[0]["lines.line_value"] = 1234.5
    letter = column_letter(MINIMUM, "lines.line_value")

    def formatted(sheet):
        sheet[f"{letter}2"].number_format = "#,##0.00"

    [consignment] = read(filled_template(MINIMUM, rows, edit=formatted)).consignments

    assert consignment.document["lines"][0]["line_value"] == "1234.5"


def test_merged_cells_are_an_error_naming_the_range():
    rows = consignment_rows("PO-1", lines=3)
    letter = column_letter(MINIMUM, "invoice_number")

    def merged(sheet):
        sheet.merge_cells(f"{letter}2:{letter}4")

    contents = read(filled_template(MINIMUM, rows, edit=merged))

    assert errors_by_cell(contents)[f"{letter}2"].startswith(
        f"Cells {letter}2:{letter}4 are merged. Unmerge them and fill the value into every cell"
    )


def test_rows_of_one_consignment_that_disagree_on_a_consignment_value_are_an_error():
    rows = consignment_rows("PO-1", lines=3)
    rows[2]["invoice_date"] = "2026-11-04"
    rows[1]["vessel_or_flight"] = None

    contents = read(filled_template(MINIMUM, rows))

    cell = f"{column_letter(MINIMUM, 'invoice_date')}4"
    assert errors_by_cell(contents) == {
        cell: "Row 4 gives Invoice date as '2026-11-04', but row 2, the first row of consignment "
        "PO-1, gives '2026-11-03'. Every row of a consignment repeats the same consignment "
        "values: make them agree."
    }


def test_a_line_number_used_twice_in_a_consignment_names_both_rows():
    rows = consignment_rows("PO-1", lines=2)
    rows[1]["lines.line_number"] = 1

    contents = read(filled_template(MINIMUM, rows))

    assert errors_by_cell(contents) == {
        f"{column_letter(MINIMUM, 'lines.line_number')}3": "Line number 1 is also on row 2, in "
        "the same consignment PO-1. Give every line of a consignment its own number."
    }


def test_catalogue_errors_are_placed_on_the_cells_they_are_about():
    rows = consignment_rows("PO-1", lines=2)
    for row in rows:
        row["currency"] = "EURO"
    rows[1]["lines.unit"] = "BOXES"

    contents = read(filled_template(MINIMUM, rows))

    currency, unit = column_letter(MINIMUM, "currency"), column_letter(MINIMUM, "lines.unit")
    errors = errors_by_cell(contents)
    # A consignment value is wrong on every row that repeats it.
    assert set(errors) == {f"{currency}2", f"{currency}3", f"{unit}3"}
    assert errors[f"{unit}3"].startswith("'BOXES' is not a UN/ECE Rec. 20 unit code")
    assert {error.code for error in contents.errors} == {"invalid_code"}
    assert {error.sheet for error in contents.errors} == {"Consignments"}


def test_a_column_the_template_does_not_have_and_data_without_a_header_are_errors():
    rows = consignment_rows("PO-1", lines=1)
    last = column_letter(MINIMUM, "lines.origin_country")

    def edited(sheet):
        width = sheet.max_column
        sheet.cell(1, width + 1, "Notes")
        sheet.cell(2, width + 1, "fragile")
        sheet.cell(2, width + 3, "stray")

    contents = read(filled_template(MINIMUM, rows, edit=edited))

    errors = errors_by_cell(contents)
    assert last == "R"
    assert errors["S1"].startswith("Column S is headed 'Notes', which is not a column")
    assert errors["U2"].startswith("Column U has data but no header")
    assert "S2" not in errors


def test_a_missing_required_column_is_named_and_nothing_else_is_checked():
    rows = consignment_rows("PO-1", lines=1)

    def without_currency(sheet):
        sheet.delete_cols(4)

    contents = read(filled_template(MINIMUM, rows, edit=without_currency))

    [error] = contents.errors
    assert (error.row, error.column, error.code) == (1, "", "missing_column")
    assert error.message.startswith("The required column 'Invoice currency' is missing.")
    assert contents.consignments == []


def test_partner_rows_are_read_one_per_row_and_a_blank_required_cell_is_an_error():
    partners = [
        {
            "legal_name": "Rhein Präzisionstechnik GmbH",
            "country": "de",
            "roles": "seller, Manufacturer",
            "identifiers.duns": "001234567",
        },
        {"legal_name": "Nordsee Spedition GmbH", "roles": "forwarder"},
    ]

    contents = read(filled_template(MINIMUM, [], partners=partners))

    assert contents.consignments == []
    assert [(record.row, record.values) for record in contents.partners] == [
        (
            2,
            {
                "legal_name": "Rhein Präzisionstechnik GmbH",
                "country": "DE",
                "roles": ["SELLER", "MANUFACTURER"],
                "identifiers.duns": "001234567",  # typed as text, its leading zeros kept
            },
        ),
        (3, {"legal_name": "Nordsee Spedition GmbH", "roles": ["FORWARDER"]}),
    ]
    [error] = contents.errors
    assert (error.sheet, error.cell, error.code) == (
        "Partners",
        f"{partner_column_letter('country')}3",
        "required",
    )
    assert error.message == "Country is required on every row. Fill it in, or delete the row."


def test_merged_cells_on_the_partners_sheet_are_an_error_too():
    partners = [{"legal_name": "Nordsee Spedition GmbH", "country": "DE", "roles": "forwarder"}]
    partners *= 3

    def merged(sheet):
        sheet.parent["Partners"].merge_cells("B2:B4")

    contents = read(filled_template(MINIMUM, [], partners=partners, edit=merged))

    [error] = [error for error in contents.errors if error.code == "merged_cells"]
    assert (error.sheet, error.cell) == ("Partners", "B2")
    assert error.message.startswith("Cells B2:B4 are merged.")


def test_a_chinese_partners_sheet_is_read_by_its_chinese_headers():
    partner = {"legal_name": "宁波均胜电子股份有限公司", "country": "CN", "roles": "manufacturer"}

    contents = read(filled_template(MINIMUM, [], language="zh-hans", partners=[partner]))

    assert contents.errors == []
    assert contents.partners_sheet == "合作伙伴"
    assert contents.partners[0].values["legal_name"] == "宁波均胜电子股份有限公司"


def test_an_old_template_without_a_partners_sheet_is_read_as_before():
    contents = read(as_version_1(filled_template(MINIMUM, consignment_rows("PO-1"))))

    assert contents.errors == []
    assert contents.partners_sheet == ""
    assert [c.document["reference"] for c in contents.consignments] == ["PO-1"]


def test_an_arrival_without_offset_at_a_port_of_a_country_with_several_zones_is_an_error():
    rows = consignment_rows("PO-1", lines=1, port_of_discharge="USLAX")
    rows[0]["estimated_arrival"] = "2026-12-02 08:00"

    contents = read(filled_template(MINIMUM, rows))

    assert errors_by_cell(contents)[f"{column_letter(MINIMUM, 'estimated_arrival')}2"].startswith(
        "The arrival time has no offset from UTC, and the hub cannot take the time zone from the "
        "port of discharge USLAX"
    )


def test_errors_are_written_in_simplified_chinese_for_a_chinese_upload():
    rows = consignment_rows("PO-1", lines=1)
    rows[0]["invoice_date"] = "03/11/2026"

    contents = read(filled_template(MINIMUM, rows, language="zh-hans"), language="zh-hans")

    assert contents.errors[0].message.startswith("'03/11/2026'是以文本形式输入的日期")
    assert contents.sheet == "货物明细"


@pytest.mark.parametrize("variant", ["openpyxl", "libreoffice"])
def test_files_saved_by_libreoffice_and_by_excel_style_openpyxl_are_read_alike(variant):
    fixture = FIXTURES / f"consignments__{variant}"

    contents = read(fixture.with_suffix(".xlsx").read_bytes(), EVERY_DATASET)

    assert contents.errors == []
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    assert [c.document for c in contents.consignments] == expected


def test_a_large_sheet_is_parsed_in_parts_while_it_is_inspected_and_read_as_one(monkeypatch):
    rows = consignment_rows("PO-1", lines=40) + consignment_rows("PO-2", lines=40)
    rows[55]["lines.unit"] = "BOXES"
    letter = column_letter(MINIMUM, "invoice_number")

    def merged(sheet):
        sheet.merge_cells(f"{letter}70:{letter}72")

    data = filled_template(MINIMUM, rows, edit=merged)
    parsed = []
    parse = excel_template._Parting.parse

    def parse_noted(parting, path, name, pieces):
        parsed.append(name)
        return parse(parting, path, name, pieces)

    monkeypatch.setattr(excel_template._Parting, "parse", parse_noted)

    contents = read(data)

    assert parsed.count("Consignments") > 40
    assert [len(c.document["lines"]) for c in contents.consignments] == [40, 40]
    by_cell = errors_by_cell(contents)
    assert by_cell[f"{column_letter(MINIMUM, 'lines.unit')}57"].startswith("'BOXES' is not")
    assert by_cell[f"{letter}70"].startswith(f"Cells {letter}70:{letter}72 are merged.")


def test_a_sheet_whose_rows_are_written_out_of_order_is_read_in_the_order_of_its_rows():
    data = with_last_row_first(filled_template(MINIMUM, consignment_rows("PO-1", lines=5)))

    contents = read(data)

    assert contents.errors == []
    assert contents.consignments[0].rows == [2, 3, 4, 5, 6]
    assert contents.consignments[0].document == consignment_document("PO-1", lines=5)


def test_a_row_inside_an_xml_comment_is_not_read():
    data = with_last_row_commented_out(filled_template(MINIMUM, consignment_rows("PO-1", lines=4)))

    contents = read(data)

    assert contents.errors == []
    assert contents.consignments[0].document == consignment_document("PO-1", lines=3)


def test_a_file_refused_while_its_sheet_is_parsed_in_parts_leaves_no_parsing_behind():
    data = far_away_row(filled_template(MINIMUM, consignment_rows("PO-1", lines=30)))

    with in_parts_of_a_few_rows():
        assert refusal(data).code == "too_many_rows"

    assert not [thread for thread in threading.enumerate() if thread.name.startswith("xlsx-")]


# --- Hostile and broken files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (renamed_csv, "not_xlsx", "This is a text file (a CSV file?), not an Excel workbook."),
        (pdf, "not_xlsx", "This is a PDF file."),
        (encrypted_workbook, "encrypted", "This workbook is protected with a password"),
        (lambda: b"PK\x03\x04" + bytes(200), "damaged", "The file is damaged"),
        (
            lambda: filled_template(MINIMUM, consignment_rows("PO-1"))[:-200],
            "damaged",
            "The file is damaged",
        ),
    ],
    ids=["renamed csv", "pdf", "encrypted", "not a zip", "cut short"],
)
def test_a_file_that_is_not_a_readable_xlsx_is_refused_before_parsing(make, code, message):
    refused = refusal(make())

    assert refused.code == code
    assert refused.message.startswith(message)


def test_a_workbook_with_macros_is_refused():
    refused = refusal(with_macros(filled_template(MINIMUM, consignment_rows("PO-1"))))

    assert refused.code == "macros"
    assert "This workbook contains macros (.xlsm)" in refused.message


def test_a_zip_bomb_is_refused_from_its_sizes_before_anything_is_unpacked():
    refused = refusal(zip_bomb(filled_template(MINIMUM, consignment_rows("PO-1"))))

    assert refused.code == "suspicious_archive"
    assert refused.message.startswith("This file would expand to far more data")


def test_an_xml_entity_bomb_is_refused_before_any_parser_reads_it():
    refused = refusal(entity_bomb(filled_template(MINIMUM, consignment_rows("PO-1"))))

    assert refused.code == "xml_dtd"
    assert "xl/sharedStrings.xml" in refused.message


def test_a_large_sheet_that_does_not_match_its_checksum_is_refused_as_damaged():
    refused = refusal(
        large_sheet_with_a_wrong_checksum(template_workbook(agreement=MINIMUM, language="en"))
    )

    assert refused.code == "damaged"
    assert "xl/worksheets/sheet1.xml does not match its recorded size and checksum" in (
        refused.message
    )


@pytest.mark.parametrize("split", [1, 2, 5], ids=["<|!DOCTYPE", "<!|DOCTYPE", "<!DOC|TYPE"])
def test_a_declaration_across_two_pieces_of_a_part_is_refused(split):
    workbook = filled_template(MINIMUM, consignment_rows("PO-1"))

    refused = refusal(declaration_across_a_chunk(workbook, split))

    assert refused.code == "xml_dtd"
    assert "xl/sharedStrings.xml" in refused.message


def test_a_million_rows_are_refused_before_the_sheet_is_loaded(settings):
    settings.UPLOAD_MAX_ROWS = 100_000
    data = million_rows(template_workbook(agreement=MINIMUM, language="en"))

    with pytest.raises(WorkbookRefused) as refused:
        workbook_inspect(data, upload_limits(template_columns([])), language="en")

    assert refused.value.code == "too_many_rows"
    assert refused.value.message.startswith("The workbook has more than 100,000 rows")
    # and the rest of the sheet is no longer decompressed once the refusal is raised
    assert not [thread for thread in threading.enumerate() if thread.name == "xlsx-inflate"]


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (far_away_cell, "too_many_columns"),
        (far_away_row, "too_many_rows"),
        (unreferenced_cells, "unusual_layout"),
    ],
    ids=["a cell far to the right", "a row far below", "cells without references"],
)
def test_a_sheet_whose_grid_would_not_fit_in_memory_is_refused_before_it_is_read(make, code):
    refused = refusal(make(filled_template(MINIMUM, consignment_rows("PO-1"))))

    assert refused.code == code


# The production row limit: rows of up to six digits are within it, a seven-digit one may not be.
MILLION_ROWS = Limits(
    max_bytes=16 * 1024 * 1024, max_rows=1_000_000, max_uncompressed_bytes=64 * 1024 * 1024
)


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (b'<row r="5"><c r="EA5"><v>1</v></c></row>', "too_many_columns"),
        (b'<row r="5"><c r="AAA5"><v>1</v></c></row>', "too_many_columns"),
        (b'<row r="5"><c r="A5"><v>1</v></c><c r="EA5"><v>1</v></c></row>', "too_many_columns"),
        (b'<row r="1005002"><c r="A1005002"><v>1</v></c></row>', "too_many_rows"),
        (b'<row><c r="A5"><v>1</v></c></row>', "unusual_layout"),
        (b'<row r="5"><c><v>1</v></c></row>', "unusual_layout"),
        (b'<row r="5"><c s="0" r="A5"><v>1</v></c></row>', "unusual_layout"),
        (b"<row r=\"5\"><c r='ZZ5'><v>1</v></c></row>", "unusual_layout"),
        (b'<row\tr="1048576"><c\tr="ZZ1048576"><v>1</v></c></row>', "unusual_layout"),
        (b'<row r="5"><x:c xmlns:x="urn:x" r="ZZ5"><v>1</v></x:c></row>', "unusual_layout"),
        (b'<row r="5"><c r="DZ5"><v>1</v></c></row>', None),
        (b'<row r="1005001"><c r="A1005001"><v>1</v></c></row>', None),
    ],
    ids=[
        "column EA",
        "column AAA",
        "column EA after a plain cell",
        "a row past the limit",
        "a row without its reference",
        "a cell without its reference",
        "a reference not first",
        "a reference in single quotes",
        "references after tabs",
        "a prefixed cell",
        "column DZ, the last allowed",
        "the last row allowed",
    ],
)
def test_every_cell_and_row_reference_is_checked_against_the_grid_limits(row, code):
    workbook = with_rows_added(template_workbook(agreement=MINIMUM, language="en"), row)

    if code is None:
        assert workbook_inspect(workbook, MILLION_ROWS, language="en") is None
    else:
        with pytest.raises(WorkbookRefused) as refused:
            workbook_inspect(workbook, MILLION_ROWS, language="en")
        assert refused.value.code == code


def test_a_template_of_another_version_or_scope_is_refused_with_what_to_do():
    current = filled_template(MINIMUM, consignment_rows("PO-1"))

    old = refusal(with_identity(current, template_version="0"))
    other_scope = refusal(filled_template(EVERY_DATASET, consignment_rows("PO-1")))
    not_ours = refusal(with_identity(current, template="something else"))

    assert old.code == "template_version"
    assert "Download the current template" in old.message
    assert other_scope.code == "wrong_scope"
    assert not_ours.code == "not_template"


def test_an_empty_template_is_refused():
    refused = refusal(template_workbook(agreement=MINIMUM, language="en"))

    assert refused.code == "empty"
    assert refused.message.startswith(
        "The sheets 'Consignments' and 'Partners' have no rows of data below their header rows."
    )


def test_formulas_are_read_by_their_calculated_values_and_refused_without_one():
    rows = consignment_rows("PO-1", lines=1)
    letter = column_letter(MINIMUM, "lines.line_value")

    def formula(sheet):
        sheet[f"{letter}2"] = "=1000+1.5"

    refused = refusal(filled_template(MINIMUM, rows, edit=formula))

    assert refused.code == "formula_without_value"
    assert f"Consignments: {letter}2" in refused.message
    # A file that Excel or LibreOffice saved has the values: see the LibreOffice fixture.


def test_the_inspection_does_not_refuse_a_plain_template():
    assert (
        workbook_inspect(
            template_workbook(agreement=EVERY_DATASET, language="en"), LIMITS, language="en"
        )
        is None
    )


# --- The annotated copy ----------------------------------------------------------------------


def test_the_annotated_copy_marks_each_bad_cell_and_lists_every_error():
    rows = consignment_rows("PO-1", lines=2)
    rows[1]["lines.unit"] = "BOXES"
    rows[0]["lines.description"] = '=HYPERLINK("http://evil.example")'
    rows[1]["lines.material_number"] = "@SUM(A1)"
    description = f"{column_letter(MINIMUM, 'lines.description')}2"
    data = filled_template(MINIMUM, rows, edit=lambda sheet: _as_text(sheet, description))
    contents = read(data)

    annotated = workbook(
        annotated_build(
            data,
            template_columns(MINIMUM.scope),
            template_identity(MINIMUM),
            contents.sorted_errors(),
            max_rows=LIMITS.max_rows,
        )
    )

    sheet = annotated["Consignments"]
    unit = f"{column_letter(MINIMUM, 'lines.unit')}3"
    assert sheet[unit].value == "BOXES"
    assert sheet[unit].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet[unit].comment.text.startswith("'BOXES' is not a UN/ECE Rec. 20 unit code")
    assert (sheet["A2"].value, sheet["A2"].comment) == ("PO-1", None)
    # Text that a spreadsheet would run as a formula goes back as text.
    for cell in (description, f"{column_letter(MINIMUM, 'lines.material_number')}3"):
        assert sheet[cell].data_type == "s"
        assert sheet[cell].quotePrefix
    assert annotated.sheetnames[:2] == ["Consignments", "Errors"]
    listed = list(annotated["Errors"].iter_rows(min_row=2, values_only=True))
    assert [(name, cell, row, column) for name, cell, row, column, _message in listed] == [
        ("Consignments", unit, 3, "P")
    ]
    assert annotated["Errors"]["B2"].hyperlink.location == f"'Consignments'!{unit}"
    assert annotated["hub_template"].sheet_state == "hidden"
    assert annotated["Consignments"]["A1"].comment.text.startswith("Required on every row.")


def _as_text(sheet, cell):
    """openpyxl would store text starting with = as a formula; a trader's cell holds it as text."""
    sheet[cell].data_type = "s"


def test_an_annotated_copy_uploaded_again_after_the_fixes_is_accepted():
    rows = consignment_rows("PO-1", lines=2)
    rows[1]["lines.unit"] = "BOXES"
    data = filled_template(MINIMUM, rows)
    annotated = workbook(
        annotated_build(
            data,
            template_columns(MINIMUM.scope),
            template_identity(MINIMUM),
            read(data).sorted_errors(),
            max_rows=LIMITS.max_rows,
        )
    )
    annotated["Consignments"][f"{column_letter(MINIMUM, 'lines.unit')}3"] = "PCE"
    output = io.BytesIO()
    annotated.save(output)

    contents = read(output.getvalue())

    assert contents.errors == []
    assert contents.consignments[0].document == consignment_document("PO-1", lines=2)


def test_the_required_minimum_makes_the_required_columns():
    required = {column.key for column in template_columns([]) if column.required}

    assert required == {key for key in required_keys() if key not in ("seller", "lines")}
