import copy

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.catalogue.codelists import container_check_digit
from hub.catalogue.fields import DATASETS, FIELDS, children
from hub.catalogue.schemas import scope_normalize
from hub.catalogue.validation import ERROR_CODES, validate_consignment
from tests.catalogue.conftest import EVERYTHING, FULL_DOCUMENT, MINIMUM_DOCUMENT
from tests.catalogue.strategies import (
    STAND_ALONE_KEYS,
    container_numbers,
    decimal_numbers,
    decimal_strings,
    documents,
    hs_codes,
    scopes,
    time_zones,
)

# Generating whole documents is slower than Hypothesis expects of a simple strategy.
documents_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_error(document, scope=EVERYTHING) -> dict:
    errors = validate_consignment(document, scope)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_full_document_passes_when_the_scope_includes_everything(document):
    assert validate_consignment(document, EVERYTHING) == []


def test_the_required_minimum_passes_with_an_empty_scope(minimum_document):
    assert validate_consignment(minimum_document, []) == []


def test_an_optional_field_outside_the_scope_is_refused_with_its_path(minimum_document):
    minimum_document["lines"][1]["hs_code"] = "3403990000"

    error = only_error(minimum_document, ["contract"])

    assert error["path"] == "/lines/1/hs_code"
    assert error["code"] == "outside_scope"
    assert "line_weights_and_classification" in error["message"]


def test_a_party_outside_the_scope_is_refused_as_a_whole(minimum_document):
    minimum_document["carrier"] = {"name": "Maersk A/S", "country": "DK"}

    assert only_error(minimum_document, [])["path"] == "/carrier"


def test_a_party_member_outside_the_scope_is_refused(minimum_document):
    minimum_document["seller"]["tax_id"] = "DE123456789"

    error = only_error(minimum_document, ["shipper"])

    assert (error["path"], error["code"]) == ("/seller/tax_id", "outside_scope")


def test_every_mistake_of_a_document_is_reported_with_its_path(document):
    document["currency"] = "RMB"
    document["estimated_arrival"] = "2025-03-01T08:00:00"
    del document["seller"]["country"]
    document["lines"][0]["unit"] = "KG"
    document["lines"][0]["quantity"] = "1,5"
    document["lines"][1]["hs_code"] = 3403990000
    del document["lines"][1]["line_value"]
    document["containers"].append("CSQU3054384")
    document["colour"] = "blue"

    errors = validate_consignment(document, EVERYTHING)

    assert [(error["path"], error["code"]) for error in errors] == [
        ("/colour", "unknown_field"),
        ("/containers/1", "check_digit"),
        ("/currency", "invalid_code"),
        ("/estimated_arrival", "missing_time_zone"),
        ("/lines/0/quantity", "invalid_format"),
        ("/lines/0/unit", "invalid_code"),
        ("/lines/1/hs_code", "wrong_type"),
        ("/lines/1/line_value", "required"),
        ("/seller/country", "required"),
    ]
    assert {error["code"] for error in errors} <= ERROR_CODES.keys()


def test_errors_are_in_document_order_with_line_10_after_line_2(minimum_document):
    line = minimum_document["lines"][0]
    minimum_document["lines"] = [
        {**line, "line_number": number, "unit": "KG"} for number in range(1, 12)
    ]

    paths = [error["path"] for error in validate_consignment(minimum_document, [])]

    assert paths[:3] == ["/lines/0/unit", "/lines/1/unit", "/lines/2/unit"]
    assert paths[-1] == "/lines/10/unit"


@pytest.mark.parametrize(
    ("path", "value", "hint"),
    [
        ("/lines/0/unit", "KG", "use KGM (kilogram)"),
        ("/lines/0/unit", "PCS", "use PCE (piece)"),
        ("/lines/0/unit", "kgm", "codes are upper case: use KGM"),
        ("/lines/0/unit", "CBM", "use MTQ (cubic metre)"),
        ("/lines/0/origin_country", "cn", "codes are upper case: use CN"),
        ("/lines/0/origin_country", "UK", "use GB"),
        ("/lines/0/origin_country", "CHN", "use CN"),
        ("/lines/0/origin_country", "Germany", "use DE"),
        ("/seller/country", "EL", "use GR"),
        ("/currency", "RMB", "use CNY"),
        ("/currency", "usd", "codes are upper case: use USD"),
        ("/incoterms", "FOB Hamburg", "use FOB"),
        ("/incoterms", "DAT", "use DPU"),
        ("/transport_mode", 1, 'send it as the string "1"'),
        ("/transport_mode", "SEA", "use 1 (maritime transport)"),
        ("/port_of_loading", "Hamburg", "use DEHAM (Hamburg)"),
        ("/port_of_loading", "de ham", "use DEHAM"),
        ("/port_of_discharge", "XXSHA", "ISO 3166-1 alpha-2 code of a country"),
        ("/lines/0/hs_code", "8482.10.00", "use 84821000"),
        ("/lines/0/hs_code", "10121", "use 010121"),
        ("/lines/0/hs_code", "84821", "use 084821"),
        ("/lines/0/hs_code", "8482", "6, 8 or 10 digits"),
        ("/containers/0", "csqu 305438-3", "use CSQU3054383"),
        ("/containers/0", "CSQU305438", "three letters, U, J or Z, and seven digits"),
    ],
)
def test_a_wrong_code_is_explained_with_the_code_meant(document, path, value, hint):
    target = document
    *parents, last = path.strip("/").split("/")
    for part in parents:
        target = target[int(part) if part.isdigit() else part]
    target[int(last) if last.isdigit() else last] = value

    error = only_error(document)

    assert (error["path"], error["code"]) == (path, "invalid_code")
    assert hint in error["message"]


def test_the_unit_message_says_what_is_wrong_and_what_to_send(document):
    document["lines"][2:] = [{**document["lines"][0], "line_number": 3, "unit": "KG"}]

    error = only_error(document)

    assert error == {
        "path": "/lines/2/unit",
        "code": "invalid_code",
        "message": "'KG' is not a UN/ECE Rec. 20 unit code; use KGM (kilogram).",
    }


@pytest.mark.parametrize("value", ["1250.50", "1250", "0.000001", "0", 1250.5, 1250, 0])
def test_decimals_are_accepted_as_strings_and_as_numbers(document, value):
    document["lines"][0]["line_value"] = value

    assert validate_consignment(document, EVERYTHING) == []


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("1,250.50", "no thousands separators"),
        ("1250,50", "use a point for decimals"),
        ("-5", "must not be negative"),
        ("1e3", "without an exponent"),
        (" 12", "remove the spaces"),
        ("1.1234567", "at most 6 decimal places"),
        ("12.", "digits with an optional decimal point"),
    ],
)
def test_a_malformed_decimal_string_is_refused_with_a_hint(document, value, hint):
    document["lines"][0]["quantity"] = value

    error = only_error(document)

    assert (error["path"], error["code"]) == ("/lines/0/quantity", "invalid_format")
    assert hint in error["message"]


@pytest.mark.parametrize("value", [-1, -0.5])
def test_a_negative_number_is_refused(document, value):
    document["lines"][0]["net_weight_kg"] = value

    assert only_error(document)["code"] == "too_small"


def test_a_boolean_is_not_a_decimal(document):
    document["invoice_total"] = True

    assert only_error(document)["code"] == "wrong_type"


def test_an_hs_code_with_a_leading_zero_is_kept_as_a_string(document):
    document["lines"][0]["hs_code"] = "0101210000"
    sent = copy.deepcopy(document)

    assert validate_consignment(document, EVERYTHING) == []
    assert document == sent


def test_a_numeric_hs_code_is_refused_with_a_hint_about_the_lost_zero(document):
    document["lines"][0]["hs_code"] = 101210000

    error = only_error(document)

    assert (error["path"], error["code"]) == ("/lines/0/hs_code", "wrong_type")
    assert '"0101210000"' in error["message"]


def test_a_datetime_without_a_time_zone_is_refused(document):
    document["estimated_arrival"] = "2025-03-01T08:00:00"

    error = only_error(document)

    assert (error["path"], error["code"]) == ("/estimated_arrival", "missing_time_zone")
    assert "2025-03-01T08:00:00+08:00" in error["message"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2025-03-01", "missing_time_zone"),
        ("2025-03-01 08:00:00+08:00", "invalid_format"),
        ("2025-03-01T08:00+08:00", "invalid_format"),
        ("01.03.2025 08:00", "invalid_format"),
        ("2025-02-30T08:00:00Z", "invalid_date"),
    ],
)
def test_a_datetime_must_be_rfc_3339_with_seconds_and_an_offset(document, value, code):
    document["estimated_arrival"] = value

    assert only_error(document)["code"] == code


@pytest.mark.parametrize("value", ["2025-03-01T08:00:00Z", "2025-03-01T08:00:00.125-05:30"])
def test_a_datetime_with_an_offset_or_z_passes(document, value):
    document["estimated_arrival"] = value

    assert validate_consignment(document, EVERYTHING) == []


@pytest.mark.parametrize(
    ("value", "code", "hint"),
    [
        ("2025-02-30", "invalid_date", "not a date in the calendar"),
        ("20/01/2025", "invalid_format", "YYYY-MM-DD"),
        ("2025-01-20T10:00:00Z", "invalid_format", "write 2025-01-20"),
    ],
)
def test_a_date_must_be_a_calendar_date_in_iso_form(document, value, code, hint):
    document["invoice_date"] = value

    error = only_error(document)

    assert error["code"] == code
    assert hint in error["message"]


def test_a_code_with_a_trailing_newline_is_refused(document):
    document["port_of_loading"] = "DEHAM\n"

    error = only_error(document)

    assert error["code"] == "invalid_code"
    assert r'"DEHAM\n"' in error["message"]


def test_a_missing_required_field_names_the_field(document):
    del document["lines"][1]["origin_country"]
    del document["shipper"]["name"]

    errors = validate_consignment(document, EVERYTHING)

    assert errors == [
        {
            "path": "/lines/1/origin_country",
            "code": "required",
            "message": "'origin_country' (Country of origin) is required on every line.",
        },
        {
            "path": "/shipper/name",
            "code": "required",
            "message": "'name' (Shipper name) is required whenever 'shipper' is given.",
        },
    ]


def test_a_required_message_names_the_field_in_the_readers_language(document):
    del document["lines"][0]["unit"]

    with translation.override("zh-hans"):
        error = only_error(document)

    assert "计量单位" in error["message"]


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("invoice_no", "invoice_number"),
        ("invoiceNumber", "invoice_number"),
        ("refrence", "reference"),
    ],
)
def test_an_unknown_field_is_refused_with_the_field_probably_meant(document, name, meant):
    document[name] = document.pop(meant)

    errors = {error["path"]: error for error in validate_consignment(document, EVERYTHING)}

    assert errors[f"/{meant}"]["code"] == "required"
    assert errors[f"/{name}"]["code"] == "unknown_field"
    assert f"did you mean '{meant}'" in errors[f"/{name}"]["message"]


def test_null_for_an_optional_field_is_refused_with_advice_to_leave_it_out(document):
    document["lines"][0]["gross_weight_kg"] = None

    error = only_error(document)

    assert (error["code"], error["path"]) == ("wrong_type", "/lines/0/gross_weight_kg")
    assert "leave an optional field out" in error["message"]


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (lambda d: d.update(lines=[]), "/lines", "empty"),
        (lambda d: d.update(lines=["not an object"]), "/lines/0", "wrong_type"),
        (lambda d: d.update(containers=[]), "/containers", "empty"),
        (lambda d: d["containers"].append("CSQU3054383"), "/containers", "duplicate"),
        (lambda d: d.update(seller="Kugellager Nord GmbH"), "/seller", "wrong_type"),
        (lambda d: d.update(reference=""), "/reference", "blank"),
        (lambda d: d.update(reference="SO 1"), "/reference", "invalid_format"),
        (lambda d: d.update(invoice_number="   "), "/invoice_number", "blank"),
        (lambda d: d.update(invoice_number="1" * 65), "/invoice_number", "too_long"),
        (lambda d: d["lines"][0].update(line_number=0), "/lines/0/line_number", "too_small"),
        (lambda d: d["lines"][0].update(line_number="1"), "/lines/0/line_number", "wrong_type"),
        (lambda d: d["lines"][0].update(packages=2**31), "/lines/0/packages", "too_large"),
        (lambda d: d.update(invoice_total=10**15), "/invoice_total", "too_large"),
    ],
)
def test_each_kind_of_mistake_has_its_code(document, change, path, code):
    change(document)

    error = only_error(document)

    assert (error["path"], error["code"]) == (path, code)


def test_a_document_that_is_not_an_object_is_refused_at_the_root():
    assert only_error(["not", "a", "consignment"]) == {
        "path": "",
        "code": "wrong_type",
        "message": "A consignment must be a JSON object; this is an array.",
    }


def test_equivalent_scopes_validate_alike(document):
    del document["lines"][0]["hs_code"]
    expanded = [key for name in EVERYTHING for key in DATASETS[name].keys]

    assert validate_consignment(document, expanded) == validate_consignment(document, EVERYTHING)


@documents_settings
@given(st.data(), scopes)
def test_any_valid_document_of_any_scope_passes(data, scope):
    assert validate_consignment(data.draw(documents(scope)), scope) == []


REQUIRED_MEMBERS = [
    *(("", f.name) for f in children("") if f.required),
    *(("/lines/0", f.name) for f in children("lines") if f.required),
]


@documents_settings
@given(documents(EVERYTHING), st.sampled_from(REQUIRED_MEMBERS))
def test_a_document_missing_any_required_field_is_refused_at_that_path(document, missing):
    holder_path, name = missing
    holder = document["lines"][0] if holder_path else document
    del holder[name]

    errors = validate_consignment(document, EVERYTHING)

    assert [(error["path"], error["code"]) for error in errors] == [
        (f"{holder_path}/{name}", "required")
    ]


def paths_holding(document: dict, key: str) -> list[str]:
    """The JSON pointers of the values `key` has in `document`."""
    parent, _, name = key.rpartition(".")
    if parent == "lines":
        lines = document["lines"]
        return [f"/lines/{i}/{name}" for i, line in enumerate(lines) if name in line]
    holder = document[parent] if parent else document
    return [f"/{key.replace('.', '/')}"] if name in holder else []


@documents_settings
@given(st.data(), st.sampled_from(STAND_ALONE_KEYS))
def test_any_optional_field_is_refused_wherever_it_appears_when_the_scope_lacks_it(data, key):
    document = data.draw(documents([key]).filter(lambda document: paths_holding(document, key)))

    errors = validate_consignment(document, [])

    assert [(error["path"], error["code"]) for error in errors] == [
        (path, "outside_scope") for path in paths_holding(document, key)
    ]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@given(st.sampled_from([f.key for f in FIELDS]), json_values)
def test_any_json_value_in_any_field_gives_errors_an_integrator_can_read(key, value):
    document = copy.deepcopy(FULL_DOCUMENT)
    *parents, name = key.split(".")
    holder = document
    for parent in parents:
        holder = holder[parent][0] if parent == "lines" else holder[parent]
    holder[name] = value

    for error in validate_consignment(document, EVERYTHING):
        assert error["path"].startswith("/")
        assert error["code"] in ERROR_CODES
        assert error["message"]


@given(decimal_strings | decimal_numbers)
def test_any_non_negative_decimal_below_the_limit_passes(value):
    document = copy.deepcopy(MINIMUM_DOCUMENT)
    document["lines"][0]["quantity"] = value

    assert validate_consignment(document, []) == []


@given(hs_codes)
def test_any_hs_code_of_6_8_or_10_digits_passes_as_a_string(value):
    document = copy.deepcopy(MINIMUM_DOCUMENT)
    document["lines"][0]["hs_code"] = value

    assert validate_consignment(document, ["lines.hs_code"]) == []


@given(st.datetimes(timezones=time_zones))
def test_any_time_zone_aware_datetime_passes_and_the_same_time_without_zone_does_not(moment):
    document = copy.deepcopy(MINIMUM_DOCUMENT)
    document["estimated_arrival"] = moment.isoformat()
    assert validate_consignment(document, []) == []

    document["estimated_arrival"] = moment.replace(tzinfo=None).isoformat()
    assert only_error(document, [])["code"] == "missing_time_zone"


@given(container_numbers(), st.integers(min_value=1, max_value=9))
def test_a_container_number_with_any_other_check_digit_is_refused(number, shift):
    wrong = number[:10] + str((int(number[10]) + shift) % 10)
    document = copy.deepcopy(MINIMUM_DOCUMENT)
    document["containers"] = [number]
    assert validate_consignment(document, ["containers"]) == []

    document["containers"] = [wrong]
    error = only_error(document, ["containers"])
    assert (error["code"], str(container_check_digit(wrong))) == ("check_digit", number[10])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_compiled_validator_gives_the_same_verdict_as_the_full_one(data):
    from hub.catalogue.validation import _compiled_validator, _validator

    keys = scope_normalize(EVERYTHING)
    document = data.draw(documents(keys))
    if data.draw(st.booleans()):  # break one value at random
        path = data.draw(st.sampled_from(sorted(document)))
        document[path] = data.draw(
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=5),
                st.just("2026-02-30"),
                st.just("CNSHA\\n"),
            )
        )

    full_verdict = not any(True for _ in _validator(keys).iter_errors(document))

    assert _compiled_validator(keys).is_valid(document) == full_verdict
