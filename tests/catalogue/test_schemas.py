import pytest
from hypothesis import given
from jsonschema import Draft202012Validator

from hub.catalogue.fields import CATALOGUE_VERSION, DATASETS, optional_keys
from hub.catalogue.schemas import consignment_schema, scope_fields, scope_normalize
from tests.catalogue.conftest import EVERYTHING
from tests.catalogue.strategies import scopes


def object_schemas(schema):
    """Every schema of an object inside `schema`, the root first."""
    if schema.get("type") == "object":
        yield schema
        for member in schema["properties"].values():
            yield from object_schemas(member)
    elif schema.get("type") == "array":
        yield from object_schemas(schema["items"])


def test_a_dataset_expands_into_its_keys():
    assert scope_normalize(["contract"]) == {"contract_number", "contract_date", "incoterms"}


def test_datasets_and_single_keys_combine():
    assert scope_normalize(["invoice_values", "lines.hs_code"]) == {
        "invoice_total",
        "lines.unit_price",
        "lines.hs_code",
    }


def test_required_keys_in_a_scope_are_accepted_and_left_out_as_always_included():
    assert scope_normalize(["reference", "lines.unit", "incoterms"]) == {"incoterms"}


def test_an_unknown_scope_key_raises_and_suggests_the_closest_name():
    with pytest.raises(ValueError, match=r"'contrakt' is neither.*did you mean 'contract'"):
        scope_normalize(["contrakt"])


def test_every_unknown_scope_key_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"'colour'.*'weight'"):
        scope_normalize(["colour", "weight", "contract"])


def test_a_member_of_an_optional_party_needs_the_party_in_the_scope():
    with pytest.raises(ValueError, match=r"'shipper\.address' is part of 'shipper'"):
        scope_normalize(["shipper.address"])
    assert scope_normalize(["shipper", "shipper.address"]) == {"shipper", "shipper.address"}


def test_a_member_that_comes_with_its_party_cannot_be_chosen_alone():
    with pytest.raises(ValueError, match=r"'shipper\.name' comes with 'shipper'"):
        scope_normalize(["shipper.name"])


def test_a_scope_given_as_one_string_is_refused_rather_than_read_letter_by_letter():
    with pytest.raises(ValueError, match="not one string"):
        scope_normalize("contract")


def test_the_schema_declares_draft_2020_12_and_is_a_valid_schema():
    schema = consignment_schema(EVERYTHING)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_schema_id_names_the_catalogue_version_and_the_scope():
    contract = consignment_schema(["contract"])["$id"]
    assert CATALOGUE_VERSION in contract
    assert contract != consignment_schema([])["$id"]
    assert contract == consignment_schema(["incoterms", "contract_date", "contract_number"])["$id"]


@given(scopes)
def test_every_object_of_every_scope_refuses_properties_it_does_not_list(scope):
    for schema in object_schemas(consignment_schema(scope)):
        assert schema["additionalProperties"] is False


def test_an_empty_scope_has_exactly_the_required_minimum():
    schema = consignment_schema([])
    assert set(schema["properties"]) == {
        *("reference", "transport_document_number", "transport_mode", "port_of_loading"),
        *("port_of_discharge", "estimated_arrival", "invoice_number", "invoice_date"),
        *("currency", "seller", "lines"),
    }
    assert schema["required"] == list(schema["properties"])
    assert set(schema["properties"]["seller"]["properties"]) == {"name", "country"}


def test_an_optional_party_in_scope_requires_its_name_and_country():
    shipper = consignment_schema(["shipper"])["properties"]["shipper"]
    assert shipper["required"] == ["name", "country"]
    assert "shipper" not in consignment_schema(["shipper"])["required"]


def test_small_code_lists_are_enums_and_hs_codes_a_pattern():
    schema = consignment_schema(EVERYTHING)
    assert "KGM" in schema["$defs"]["unit"]["enum"]
    assert schema["$defs"]["transport_mode"]["enum"] == ["1", "2", "3", "4", "5", "7", "8"]
    assert "FOB" in schema["$defs"]["incoterms"]["enum"]
    assert "CNY" in schema["$defs"]["currency"]["enum"]
    assert schema["$defs"]["hs_code"]["type"] == "string"


def test_the_schema_only_defines_the_code_lists_its_scope_uses():
    assert "incoterms" not in consignment_schema([])["$defs"]
    assert "incoterms" in consignment_schema(["contract"])["$defs"]


def test_scope_fields_lists_the_scope_in_catalogue_order():
    keys = [f.key for f in scope_fields(["supply_chain_parties"])]
    assert keys.index("seller") < keys.index("seller.tax_id") < keys.index("shipper")
    assert "shipper.name" in keys
    assert not set(keys) & (set(optional_keys()) - set(DATASETS["supply_chain_parties"].keys))
