import pytest

from hub.catalogue.codelists import PORTS, UNITS
from hub.catalogue.excel import excel_columns
from tests.catalogue.conftest import EVERYTHING


def test_the_required_minimum_template_has_one_column_per_value_in_catalogue_order():
    columns = excel_columns([], "en")

    assert [column.key for column in columns] == [
        "reference",
        "invoice_number",
        "invoice_date",
        "currency",
        "transport_document_number",
        "transport_mode",
        "port_of_loading",
        "port_of_discharge",
        "estimated_arrival",
        "seller.name",
        "seller.country",
        "lines.line_number",
        "lines.material_number",
        "lines.description",
        "lines.quantity",
        "lines.unit",
        "lines.line_value",
        "lines.origin_country",
    ]
    assert all(column.required for column in columns)


def test_headers_and_help_follow_the_language():
    english = {column.key: column for column in excel_columns([], "en")}
    chinese = {column.key: column for column in excel_columns([], "zh-hans")}

    assert english["lines.origin_country"].header == "Country of origin"
    assert chinese["lines.origin_country"].header.startswith("原产国")
    assert "ISO 3166-1" in chinese["lines.origin_country"].help
    assert chinese["transport_document_number"].header == "提单号"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="not 'fr'"):
        excel_columns([], "fr")


def test_code_columns_are_marked_and_carry_their_dropdown_values():
    columns = {column.key: column for column in excel_columns(EVERYTHING, "en")}

    assert columns["lines.unit"].code_values == tuple(UNITS.values)
    assert columns["port_of_loading"].code_values == tuple(PORTS.values)
    assert columns["transport_mode"].code_values == ("1", "2", "3", "4", "5", "7", "8")
    # HS codes and container numbers are read as text but have no list to choose from.
    assert columns["lines.hs_code"].is_code_column
    assert columns["lines.hs_code"].code_values is None
    assert columns["containers"].is_code_column
    assert not columns["lines.quantity"].is_code_column
    assert columns["lines.quantity"].code_values is None


def test_optional_parties_are_flattened_and_none_of_their_columns_is_required():
    columns = {column.key: column for column in excel_columns(["shipper"], "en")}

    assert "shipper" not in columns
    assert not columns["shipper.name"].required
    assert not columns["shipper.country"].required
    assert "shipper.address" not in columns
