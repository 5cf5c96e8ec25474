import re

import pytest

from hub.catalogue.codelists import (
    CONTAINERS,
    COUNTRIES,
    CURRENCIES,
    INCOTERMS,
    PORT_KINDS,
    PORTS,
    TRANSPORT_MODES,
    UNITS,
    container_check_digit,
)
from hub.catalogue.fields import (
    CATALOGUE_VERSION,
    DATASETS,
    FIELDS,
    FieldType,
    children,
    field,
    optional_keys,
    required_keys,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.key)
def test_every_field_has_a_label_and_help_in_english_and_chinese(f):
    assert f.label_en.strip(), f"{f.key} lacks its English label"
    assert f.help_en.strip(), f"{f.key} lacks its English help"
    assert CJK.search(f.label_zh), f"{f.key} lacks its Chinese label"
    assert CJK.search(f.help_zh), f"{f.key} lacks its Chinese help"
    assert not CJK.search(f.label_en + f.help_en), f"{f.key}: Chinese in the English text"


def test_every_dataset_has_a_label_and_description_in_both_languages():
    for dataset in DATASETS.values():
        assert dataset.label_en
        assert dataset.description_en
        assert CJK.search(dataset.label_zh)
        assert CJK.search(dataset.description_zh)


@pytest.mark.parametrize(
    ("key", "term"),
    [
        ("transport_document_number", "提单号"),
        ("lines.origin_country", "原产国"),
        ("lines.hs_code", "商品编码"),
        ("lines.net_weight_kg", "净重"),
        ("lines.gross_weight_kg", "毛重"),
        ("port_of_loading", "装货港"),
        ("port_of_discharge", "卸货港"),
        ("currency", "币制"),
        ("lines.unit", "计量单位"),
    ],
)
def test_chinese_labels_use_the_customs_terms(key, term):
    assert term in field(key).label_zh


def test_the_required_minimum_is_the_one_every_agreement_starts_from():
    assert set(required_keys()) == {
        "reference",
        "transport_document_number",
        "transport_mode",
        "port_of_loading",
        "port_of_discharge",
        "estimated_arrival",
        "invoice_number",
        "invoice_date",
        "currency",
        "seller",
        "seller.name",
        "seller.country",
        "lines",
        "lines.line_number",
        "lines.material_number",
        "lines.description",
        "lines.quantity",
        "lines.unit",
        "lines.line_value",
        "lines.origin_country",
    }


def test_members_of_an_optional_party_are_neither_required_minimum_nor_opted_into_alone():
    assert "shipper" in optional_keys()
    assert "shipper.address" in optional_keys()
    assert "shipper.name" not in optional_keys() + required_keys()
    assert field("shipper.name").required


def test_every_optional_key_belongs_to_exactly_one_dataset():
    in_datasets = [key for dataset in DATASETS.values() for key in dataset.keys]
    assert sorted(in_datasets) == sorted(optional_keys())


def test_financial_values_and_tax_ids_are_confidential():
    confidential = {f.key for f in FIELDS if f.confidential}
    assert {"lines.line_value", "lines.unit_price", "invoice_total"} <= confidential
    assert {f"{party}.tax_id" for party in ("seller", "shipper", "carrier")} <= confidential
    assert "lines.quantity" not in confidential


def test_every_party_has_name_and_country_required_and_tax_id_and_address_optional():
    for party in (f for f in FIELDS if f.type == FieldType.PARTY):
        members = {f.name: f.required for f in children(party.key)}
        assert members == {"name": True, "country": True, "tax_id": False, "address": False}


def test_wco_references_name_a_class_or_a_class_element():
    for f in FIELDS:
        assert not f.wco_ref or re.fullmatch(r"[A-Z][A-Za-z]+(\.[A-Z][A-Za-z]+)*", f.wco_ref)


def test_an_unknown_key_is_refused():
    with pytest.raises(KeyError, match="not a catalogue field"):
        field("lines.colour")


def test_the_catalogue_has_a_version():
    assert re.fullmatch(r"\d+\.\d+", CATALOGUE_VERSION)


def test_code_lists_hold_the_standard_codes():
    assert {"CN", "DE", "US", "HK", "GB"} <= COUNTRIES.values.keys()
    assert {"CNY", "EUR", "USD", "JPY"} <= CURRENCIES.values.keys()
    assert "XXX" not in CURRENCIES.values
    assert set(TRANSPORT_MODES.values) == {"1", "2", "3", "4", "5", "7", "8"}
    assert set(INCOTERMS.values) == {
        *("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"),
    }


def test_the_unit_list_has_the_common_trade_units_with_names():
    assert len(UNITS.values) >= 60
    assert {"KGM", "TNE", "PCE", "MTR", "MTK", "MTQ", "LTR", "SET", "PR"} <= UNITS.values.keys()
    assert all(re.fullmatch(r"[A-Z0-9]{2,3}", code) for code in UNITS.values)
    assert all(name.strip() for name in UNITS.values.values())


def test_the_port_list_has_major_seaports_and_airports_of_many_countries():
    assert len(PORTS.values) >= 150
    assert len({code[:2] for code in PORTS.values}) >= 50
    assert all(PORTS.is_valid(code) for code in PORTS.values)
    assert set(PORT_KINDS.values()) == {"seaport", "airport", "seaport+airport"}
    assert PORTS.values["CNSHA"] == "Shanghai"


def test_a_unlocode_outside_the_reference_list_is_valid_when_its_country_is():
    assert "CNXYZ" not in PORTS.values
    assert PORTS.is_valid("CNXYZ")
    assert PORTS.is_valid("DE2A9")
    assert not PORTS.is_valid("XXABC")
    assert not PORTS.is_valid("CNSH1")
    assert not PORTS.is_valid("cnsha")


def test_the_iso_6346_check_digit_of_the_standards_example():
    assert CONTAINERS.is_valid("CSQU3054383")
    assert container_check_digit("CSQU3054383") == 3
