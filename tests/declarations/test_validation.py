from decimal import Decimal

import pytest

from hub.declarations.validation import declaration_validate
from tests.factories import declaration_document


def errors_of(**overrides):
    return declaration_validate({**declaration_document(items=1), **overrides})[1]


def item_errors_of(**item_overrides):
    document = declaration_document(items=1)
    document["items"][0].update(item_overrides)
    return declaration_validate(document)[1]


def test_the_sample_declaration_is_valid():
    assert errors_of() == []


def test_safe_repairs_are_made_before_validation():
    document = declaration_document(
        items=1,
        number=" 220120261000000001 ",
        currency="rmb",
        trade_terms="C&F",
        containers=["csqu 305438-3"],
        consignee={"name": "Importer", "code": "3122 4401 23"},
    )
    document["items"][0].update(unit="KGS", origin_country="de", quantity=Decimal("12.5"))

    normalized, errors = declaration_validate(document)

    assert errors == []
    assert normalized["number"] == "220120261000000001"
    assert (normalized["currency"], normalized["trade_terms"]) == ("CNY", "CFR")
    assert normalized["containers"] == ["CSQU3054383"]
    assert normalized["consignee"]["code"] == "3122440123"
    assert normalized["items"][0]["unit"] == "KGM"
    assert normalized["items"][0]["origin_country"] == "DE"
    assert normalized["items"][0]["quantity"] == "12.5"


@pytest.mark.parametrize(
    ("overrides", "path", "code", "hint"),
    [
        ({"accepted_at": None}, "/accepted_at", "wrong_type", "leave an optional field out"),
        (
            {"invoiceNumber": "X"},
            "/invoiceNumber",
            "unknown_field",
            "did you mean 'invoice_number'",
        ),
        ({"customs_office": "22-48"}, "/customs_office", "invalid_format", "2 to 10 letters"),
        ({"number": "220/2026"}, "/number", "invalid_format", "starting with a letter or digit"),
        ({"declared_at": "2026-02-30T09:00:00Z"}, "/declared_at", "invalid_date", "calendar"),
        ({"port_of_entry": "Shanghai"}, "/port_of_entry", "invalid_code", "use CNSHA"),
        ({"transport_mode": 1}, "/transport_mode", "invalid_code", 'send it as the string "1"'),
        ({"freight": "12.345"}, "/freight", "invalid_format", "2 after it"),
        ({"freight": "1,200.00"}, "/freight", "invalid_format", "without sign, exponent"),
        ({"containers": []}, "/containers", "empty", "leave it out"),
        (
            {"containers": ["CSQU3054383", "CSQU3054383"]},
            "/containers/1",
            "duplicate",
            "twice",
        ),
        ({"consignor": "Rhein GmbH"}, "/consignor", "wrong_type", "'name', 'country'"),
        ({"items": []}, "/items", "empty", "at least one"),
        ({"items": ["x"]}, "/items/0", "wrong_type", "Each item must be a JSON object"),
        (
            {"declarant": {"name": "Broker", "code": "913101"}},
            "/declarant/code",
            "invalid_format",
            "",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_path_with_how_to_fix_it(overrides, path, code, hint):
    [error] = errors_of(**overrides)

    assert (error["path"], error["code"]) == (path, code)
    assert hint in error["message"]


@pytest.mark.parametrize(
    ("item", "code", "hint"),
    [
        ({"hs_code": 848210100}, "wrong_type", "lost any leading zero"),
        ({"hs_code": "8482.10.10.00"}, "invalid_code", "use 8482101000"),
        ({"hs_code": "848210"}, "invalid_code", "all 10 digits"),
        ({"origin_country": "Germany"}, "invalid_code", "use DE"),
        ({"item_number": True}, "wrong_type", "whole number"),
        ({"item_number": 2**31}, "too_large", "too large"),
        ({"quantity": "-3"}, "invalid_format", "without sign"),
        ({"description": "   "}, "blank", "give it a value"),
        ({"description": "x" * 513}, "too_long", "512 at most"),
    ],
)
def test_each_item_mistake_is_reported_at_its_path(item, code, hint):
    [error] = item_errors_of(**item)

    assert error["path"] == f"/items/0/{next(iter(item))}"
    assert error["code"] == code
    assert hint in error["message"]


def test_a_document_that_is_not_an_object_is_one_error_at_the_root():
    assert declaration_validate(["x"])[1] == [
        {
            "path": "",
            "code": "wrong_type",
            "message": "a declaration must be a JSON object; this is an array.",
        }
    ]
