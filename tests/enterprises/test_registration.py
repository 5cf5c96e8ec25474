import pytest

from hub.core.models import AuditEvent
from hub.enterprises.identifiers import InvalidIdentifier, identifier_normalize
from hub.enterprises.models import Enterprise, EnterpriseIdentifier
from tests.factories import EnterpriseFactory, officer

pytestmark = pytest.mark.django_db

VALID_USCC = "91310115MA1K3PQ2XL"


def registration(**overrides):
    data = {
        "legal_name": "Eastern Optics Trading Co., Ltd.",
        "country": "cn",
        "address": "100 Century Avenue, Shanghai",
        "trade_roles": ["importer"],
        "uscc": "9131 0115 MA1K 3PQ2 XL",
        "contact_name": "Zhou Xin",
        "contact_email": "zhou@eastern-optics.example",
        "username": "zhou.xin",
        "password1": "a-long-passphrase-1",
        "password2": "a-long-passphrase-1",
    }
    return {**data, **overrides}


def test_a_new_enterprise_registers_and_its_registrant_becomes_its_admin(client):
    response = client.post("/register/", registration(), follow=True)

    enterprise = Enterprise.objects.get(legal_name="Eastern Optics Trading Co., Ltd.")
    assert enterprise.status == Enterprise.Status.PENDING
    assert enterprise.country == "CN"
    assert enterprise.identifiers.get().value == VALID_USCC  # stored compact
    assert enterprise.memberships.get().user.username == "zhou.xin"
    page = response.content.decode()
    assert "awaiting approval" in page
    assert "Customs is reviewing the registration" in page
    assert AuditEvent.objects.filter(action="enterprises.enterprise.registered").exists()


def test_a_wrong_check_character_in_the_uscc_is_refused_with_a_hint(client):
    response = client.post("/register/", registration(uscc="91310115MA1K3PQ2XA"))

    assert response.status_code == 200
    assert "check character" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_a_second_registration_with_the_same_identifier_is_refused(client):
    EnterpriseFactory(identifiers={"uscc": VALID_USCC})

    response = client.post("/register/", registration())

    assert "already registered" in response.content.decode()
    assert Enterprise.objects.count() == 1


def test_at_least_one_identifier_is_required(client):
    response = client.post("/register/", registration(uscc=""))

    assert "Give at least one identifier" in response.content.decode()


@pytest.mark.parametrize(
    ("scheme", "value", "compact"),
    [
        ("vat", "de 136 695 976", "DE136695976"),
        ("vat", "GB980780684", "GB980780684"),
        ("lei", "5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R12"),
        ("eori", "de1234567890123", "DE1234567890123"),
        ("customs_code", "3122440123", "3122440123"),
    ],
)
def test_identifiers_are_validated_and_stored_compact(scheme, value, compact):
    assert identifier_normalize(scheme, value) == compact


@pytest.mark.parametrize(
    ("scheme", "value", "hint"),
    [
        ("vat", "DE136695977", "country prefix"),
        ("lei", "5493001KJTIIGC8Y1R13", "check digits"),
        ("eori", "1234567", "2-letter country code"),
        ("customs_code", "31224", "10 characters"),
    ],
)
def test_invalid_identifiers_are_refused_with_how_to_fix_them(scheme, value, hint):
    with pytest.raises(InvalidIdentifier) as invalid:
        identifier_normalize(scheme, value)

    assert hint in invalid.value.message


def test_an_onboarding_officer_rejects_with_a_reason_the_enterprise_sees(client):
    client.post("/register/", registration())
    registrant_client = client
    enterprise = Enterprise.objects.get()
    from django.test import Client

    officer_client = Client()
    officer_client.force_login(officer())

    response = officer_client.post(
        f"/enterprises/{enterprise.pk}/decision",
        {"approve": "no", "reason": "The licence copy is unreadable."},
    )

    assert response.status_code == 302
    page = registrant_client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "rejected" in page
    assert "The licence copy is unreadable." in page
    assert AuditEvent.objects.filter(action="enterprises.enterprise.rejected").exists()


def test_a_rejection_without_a_reason_is_refused(client):
    enterprise = EnterpriseFactory(status=Enterprise.Status.PENDING)
    client.force_login(officer())

    client.post(f"/enterprises/{enterprise.pk}/decision", {"approve": "no", "reason": ""})

    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.PENDING


def test_only_onboarding_officers_decide(client, enterprise_admin, enterprise):
    pending = EnterpriseFactory(status=Enterprise.Status.PENDING)
    client.force_login(officer("customs_risk_officer"))

    response = client.post(f"/enterprises/{pending.pk}/decision", {"approve": "yes"})

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Enterprise.Status.PENDING


def test_the_customs_system_registers_an_enterprise_over_the_api(api_client):
    from tests.factories import ApiKeyFactory

    g2g = ApiKeyFactory(enterprise=None, kind="g2g")

    response = api_client.post(
        "/api/v1/enterprises",
        {
            "legal_name": "Rhine Machinery GmbH",
            "country": "DE",
            "trade_roles": ["exporter"],
            "identifiers": {"vat": "DE136695976", "eori": "DE1234567890123"},
        },
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {g2g.plaintext}",
    )

    assert response.status_code == 201
    assert response.json()["identifiers"] == {"vat": "DE136695976", "eori": "DE1234567890123"}
    assert response.json()["status"] == "pending"


def test_the_registration_api_reports_a_duplicate_identifier_at_its_path(api_client):
    EnterpriseFactory(identifiers={"vat": "DE136695976"})
    api_client.force_login(officer())

    response = api_client.post(
        "/api/v1/enterprises",
        {
            "legal_name": "Copy GmbH",
            "country": "DE",
            "trade_roles": ["exporter"],
            "identifiers": {"vat": "DE 136 695 976"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/identifiers/vat"
    assert "already registered" in response.json()["errors"][0]["message"]
    assert EnterpriseIdentifier.objects.count() == 1
