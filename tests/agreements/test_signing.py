import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.agreements.models import Agreement, AgreementText, Signature
from hub.agreements.services import agreement_verify
from tests.factories import active_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(enterprise, enterprise_admin)


def test_a_countersigned_agreement_verifies(api_client, agreement, enterprise_admin):
    api_client.force_login(enterprise_admin)

    body = api_client.get(f"/api/v1/agreements/{agreement.pk}/verification").json()

    assert body["valid"] is True
    assert [signature["party"] for signature in body["signatures"]] == ["enterprise", "customs"]


def test_anyone_can_check_a_record_with_the_published_public_key(api_client, agreement):
    key = api_client.get("/api/v1/signing-key").json()
    signature = Signature.objects.get(agreement=agreement, party="customs")

    public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public_key.verify(base64.b64decode(signature.signature), signature.payload.encode())
    record = json.loads(signature.payload)
    assert record["terms"]["scope"] == agreement.scope
    assert record["terms"]["text_sha256"] == agreement.text.text_hash


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("scope", ["containers"]),
        ("channels", ["excel"]),
        ("version", 7),
        ("signed_at", "2020-01-01T00:00:00+00:00"),
    ],
)
def test_changing_any_signed_field_in_the_database_breaks_verification(agreement, column, value):
    Agreement.objects.filter(pk=agreement.pk).update(**{column: value})
    agreement.refresh_from_db()

    result = agreement_verify(agreement=agreement)

    assert not result.valid
    assert column in " ".join(result.problems)


def test_changing_the_agreement_text_breaks_verification(agreement):
    AgreementText.objects.filter(pk=agreement.text_id).update(retention_months=1200)
    agreement.refresh_from_db()

    assert "text" in agreement_verify(agreement=agreement).problems[0]


def test_a_forged_signature_record_breaks_verification(agreement):
    signature = Signature.objects.get(agreement=agreement, party="enterprise")
    forged = signature.payload.replace('"channels":["api","excel"]', '"channels":["excel"]')
    Signature.objects.filter(pk=signature.pk).update(payload=forged)

    problems = agreement_verify(agreement=agreement).problems

    assert any("does not match its record" in problem for problem in problems)


def test_the_verify_page_says_not_valid_after_tampering(client, agreement, enterprise_admin):
    Agreement.objects.filter(pk=agreement.pk).update(scope=["containers"])
    client.force_login(enterprise_admin)

    page = client.get(f"/agreements/{agreement.pk}/verify").content.decode()

    assert "Not valid" in page
    assert "scope changed" in page
