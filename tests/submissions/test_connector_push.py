"""The ERP team's path end to end: a native document converted and pushed by the command-line
client to a running hub, and read back."""

import subprocess
import sys
from pathlib import Path

import pytest

from hub.catalogue.fields import DATASETS
from hub.submissions.models import Consignment
from tests.factories import ApiKeyFactory, active_agreement

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"
REPO = FIXTURES.parents[1]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(enterprise, enterprise_admin):
    active_agreement(enterprise, enterprise_admin, scope=list(DATASETS), channels=["api"])
    return ApiKeyFactory(enterprise=enterprise).plaintext


def push(live_server, key, fixture, format_name):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "connectors",
            "push",
            str(FIXTURES / fixture),
            "--format",
            format_name,
            "--url",
            live_server.url,
            "--key",
            key,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("fixture", "format_name"),
    [
        ("invoic02__basic.xml", "sap-idoc"),
        ("invoic02__multiple_idocs.xml", "sap-idoc"),
        ("desadv01__containers.xml", "sap-idoc"),
        ("edifact_invoic_d96a__basic.edi", "edifact"),
        ("edifact_invoic_d96a__multiple_messages.edi", "edifact"),
        ("edifact_invoic_d01b__una_release_chars.edi", "edifact"),
        ("edifact_desadv_d96a__basic.edi", "edifact"),
    ],
)
def test_a_sample_document_converts_and_pushes_through_the_cli(
    live_server, key, fixture, format_name
):
    import json

    expected = json.loads((FIXTURES / fixture).with_suffix(".expected.json").read_text())

    completed = push(live_server, key, fixture, format_name)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    stored = set(Consignment.objects.values_list("reference", flat=True))
    assert stored == {document["reference"] for document in expected}


def test_pushing_the_same_file_again_is_safe(live_server, key):
    push(live_server, key, "invoic02__basic.xml", "sap-idoc")

    again = push(live_server, key, "invoic02__basic.xml", "sap-idoc")

    assert again.returncode == 0
    assert Consignment.objects.get().revision_count == 1
