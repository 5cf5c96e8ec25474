import pytest
from django.utils import timezone

from hub.core.models import AuditEvent
from hub.enterprises.models import ApiKey, Enterprise
from hub.enterprises.services import api_key_revoke

pytestmark = pytest.mark.django_db


def whoami(api_client, key):
    return api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_an_erp_key_identifies_its_enterprise(api_client, erp_key, enterprise):
    response = whoami(api_client, erp_key.plaintext)

    assert response.status_code == 200
    assert response.json()["kind"] == "erp"
    assert response.json()["enterprises"] == [
        {"id": enterprise.pk, "legal_name": enterprise.legal_name}
    ]


def test_only_a_hash_of_the_key_is_stored_and_its_use_is_recorded(api_client, erp_key):
    assert erp_key.plaintext.startswith(f"hub_{erp_key.prefix}_")
    assert erp_key.plaintext not in erp_key.key_hash
    assert erp_key.last_used_at is None

    whoami(api_client, erp_key.plaintext)

    erp_key.refresh_from_db()
    assert erp_key.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key hub_00000000_not-a-real-key",
        "Api-Key something-else",
        "Api-Key two words",
    ],
)
def test_an_unknown_or_malformed_key_is_a_401_in_the_error_shape(api_client, header):
    response = api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_wrong_secret_with_a_real_prefix_is_refused(api_client, erp_key):
    forged = f"hub_{erp_key.prefix}_{'A' * 40}"

    assert whoami(api_client, forged).status_code == 401


def test_a_revoked_key_stops_working_at_once_and_the_message_says_what_to_do(api_client, erp_key):
    api_key_revoke(api_key=erp_key)

    response = whoami(api_client, erp_key.plaintext)

    assert response.status_code == 401
    assert "revoked" in response.json()["message"]
    assert AuditEvent.objects.filter(action="enterprises.api_key.revoked").exists()


def test_a_key_of_an_enterprise_not_approved_is_refused(api_client, erp_key, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(status=Enterprise.Status.PENDING)

    response = whoami(api_client, erp_key.plaintext)

    assert response.status_code == 401
    assert "not approved" in response.json()["message"]


def test_without_credentials_the_api_answers_401(api_client):
    response = api_client.get("/api/v1/whoami")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_person_with_a_session_sees_their_memberships(api_client, enterprise_admin, enterprise):
    api_client.force_login(enterprise_admin)

    body = api_client.get("/api/v1/whoami").json()

    assert body["kind"] == "person"
    assert body["enterprises"] == [
        {"id": enterprise.pk, "legal_name": enterprise.legal_name, "role": "admin"}
    ]


def test_last_use_is_written_at_most_once_a_minute(api_client, erp_key):
    recent = timezone.now()
    ApiKey.objects.filter(pk=erp_key.pk).update(last_used_at=recent)

    whoami(api_client, erp_key.plaintext)

    erp_key.refresh_from_db()
    assert erp_key.last_used_at == recent
