"""Every sample document in fixtures/connectors/ against its expectation beside it: the canonical
consignments (`<doc>__<variant>.expected.json`) or the error (`.expected-error.json`)."""

import json
from pathlib import Path

import pytest

import connectors
from connectors import ConnectorError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"
FORMAT_OF_DOCUMENT = {
    "invoic02": "sap-idoc",
    "desadv01": "sap-idoc",
    "edifact_invoic_d96a": "edifact",
    "edifact_invoic_d01b": "edifact",
    "edifact_desadv_d96a": "edifact",
}
EXPECTATION_SUFFIXES = (".expected.json", ".expected-error.json")
DOCUMENTS = sorted(path for path in FIXTURES.iterdir() if not path.name.endswith(".json"))


def _expectations(document: Path) -> list[Path]:
    stem = document.name.rsplit(".", 1)[0]
    return [document.with_name(stem + suffix) for suffix in EXPECTATION_SUFFIXES]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_fixture_converts_to_its_expected_consignments_or_fails_with_its_expected_error(document):
    kind = document.name.split("__", 1)[0]
    assert kind in FORMAT_OF_DOCUMENT, (
        "name the fixture <doc>__<variant> with <doc> one of FORMAT_OF_DOCUMENT"
    )
    connector = connectors.get(FORMAT_OF_DOCUMENT[kind])
    consignments_file, error_file = _expectations(document)
    assert consignments_file.exists() != error_file.exists(), (
        f"{document.name} needs exactly one of {consignments_file.name} and {error_file.name}"
    )
    if consignments_file.exists():
        consignments = connector.parse(document.read_bytes())
        assert consignments == json.loads(consignments_file.read_text(encoding="utf-8"))
    else:
        with pytest.raises(ConnectorError) as raised:
            connector.parse(document.read_bytes())
        error = {"location": raised.value.location, "message": raised.value.message}
        assert error == json.loads(error_file.read_text(encoding="utf-8"))


def test_every_expectation_file_belongs_to_a_fixture():
    expected = {path for document in DOCUMENTS for path in _expectations(document)}
    orphans = [path.name for path in FIXTURES.glob("*.json") if path not in expected]
    assert orphans == []
