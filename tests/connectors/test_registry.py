import subprocess
import sys
from pathlib import Path

import pytest

import connectors
from connectors import Connector, ConnectorError, registry

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_built_in_formats_are_listed_and_looked_up_by_name():
    assert [connector.name for connector in connectors.all_connectors()] == ["edifact", "sap-idoc"]
    assert connectors.get("sap-idoc").file_extensions == (".xml",)


def test_an_unknown_format_name_is_refused_with_the_known_names():
    with pytest.raises(LookupError, match="the formats are: edifact, sap-idoc"):
        connectors.get("x12")


def test_a_second_connector_under_a_taken_name_is_refused():
    class Impostor(Connector):
        name = "edifact"
        description = "another EDIFACT"
        file_extensions = (".edi",)

        def parse(self, data):
            return []

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Impostor)


def test_a_connector_error_names_its_location_before_the_message():
    error = ConnectorError("Fill MENGE.", "/INVOIC02/IDOC/E1EDP01[3]/MENGE")
    assert str(error) == "/INVOIC02/IDOC/E1EDP01[3]/MENGE: Fill MENGE."


def test_the_connectors_package_imports_without_django():
    code = (
        "import sys, connectors.cli; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=False).returncode == 0
