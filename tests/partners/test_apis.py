import json

import pytest
from rest_framework.test import APIClient

from hub.agreements.services import agreement_suspend
from hub.partners.models import Partner
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    registered_partner,
)

pytestmark = pytest.mark.django_db

SUPPLIER = {
    "legal_name": "Rhein Präzisionstechnik GmbH",
    "country": "DE",
    "address": "Industriestraße 12, 73033 Göppingen",
    "roles": ["seller", "manufacturer"],
    "identifiers": {"vat": "DE 136 695 976", "lei": "5493001KJTIIGC8Y1R12"},
    "contact_email": "export@rhein.example",
}


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(enterprise, enterprise_admin)


@pytest.fixture
def erp(api_client, erp_key, agreement):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {erp_key.plaintext}")
    return api_client


def send(client, method, path, body, **headers):
    return getattr(client, method)(
        path, json.dumps(body), content_type="application/json", **headers
    )


def test_an_erp_system_registers_a_partner_with_its_identifiers_in_canonical_form(erp):
    response = send(erp, "post", "/api/v1/partners", SUPPLIER)

    assert response.status_code == 201
    body = response.json()
    assert body["identifiers"] == {"vat": "DE136695976", "lei": "5493001KJTIIGC8Y1R12"}
    assert body["roles"] == ["seller", "manufacturer"]
    assert body["version"] == 1
    assert [version["number"] for version in body["versions"]] == [1]


def test_while_the_agreement_is_suspended_no_partner_is_registered(
    erp, agreement, enterprise_admin
):
    agreement_suspend(
        agreement=agreement, party="customs", reason="data quality review", actor=enterprise_admin
    )

    response = send(erp, "post", "/api/v1/partners", SUPPLIER)

    assert response.status_code == 403
    assert response.json()["message"] == (
        "Your data-sharing agreement is suspended; partners can be registered again when it is "
        "resumed."
    )
    assert not Partner.objects.exists()


def test_an_enterprise_lists_only_its_own_partners(erp, enterprise):
    other = MembershipFactory(enterprise=EnterpriseFactory(), role="admin")
    registered_partner(other.enterprise, other.user, legal_name="Their Secret Supplier Ltd")
    send(erp, "post", "/api/v1/partners", SUPPLIER)

    listed = erp.get("/api/v1/partners").json()

    assert [partner["legal_name"] for partner in listed] == [SUPPLIER["legal_name"]]
    theirs = Partner.objects.get(enterprise=other.enterprise)
    assert erp.get(f"/api/v1/partners/{theirs.pk}").status_code == 404
    assert send(erp, "put", f"/api/v1/partners/{theirs.pk}", SUPPLIER).status_code == 404


def test_invalid_values_are_refused_with_the_path_of_each(erp):
    body = {**SUPPLIER, "roles": ["seller", "smuggler"], "identifiers": {"vat": "DE136695977"}}

    response = send(erp, "post", "/api/v1/partners", body)

    assert response.status_code == 400
    errors = {error["path"]: error["message"] for error in response.json()["errors"]}
    assert set(errors) == {"/roles/1"}
    body["roles"] = ["seller"]
    errors = send(erp, "post", "/api/v1/partners", body).json()["errors"]
    assert [error["path"] for error in errors] == ["/identifiers/vat"]
    assert "DE136695976" in errors[0]["message"]


def test_an_identifier_registered_for_another_partner_is_refused(erp):
    send(erp, "post", "/api/v1/partners", SUPPLIER)

    again = send(erp, "post", "/api/v1/partners", {**SUPPLIER, "legal_name": "Rhein Werk 2"})

    assert again.status_code == 400
    paths = {error["path"] for error in again.json()["errors"]}
    assert paths == {"/identifiers/vat", "/identifiers/lei"}


def test_an_update_is_a_new_version_and_the_detail_lists_every_version(erp):
    created = send(erp, "post", "/api/v1/partners", SUPPLIER).json()

    updated = send(
        erp, "put", f"/api/v1/partners/{created['id']}", {**SUPPLIER, "roles": ["shipper"]}
    )

    assert updated.status_code == 200
    detail = erp.get(f"/api/v1/partners/{created['id']}").json()
    assert detail["version"] == 2
    assert [(v["number"], v["registration"]["roles"]) for v in detail["versions"]] == [
        (2, ["shipper"]),
        (1, ["seller", "manufacturer"]),
    ]


def test_without_an_agreement_in_force_nothing_is_registered(api_client, enterprise):
    api_client.credentials(
        HTTP_AUTHORIZATION=f"Api-Key {ApiKeyFactory(enterprise=enterprise).plaintext}"
    )

    response = send(api_client, "post", "/api/v1/partners", SUPPLIER)

    assert response.status_code == 403
    assert response.json()["code"] == "no_active_agreement"


def test_a_member_of_two_enterprises_names_the_one_that_registers(agreement, enterprise):
    person = MembershipFactory(enterprise=enterprise, role="submitter").user
    MembershipFactory(enterprise=EnterpriseFactory(), role="admin", user=person)
    client = APIClient()
    client.force_login(person)

    unnamed = send(client, "post", "/api/v1/partners", SUPPLIER)
    named = send(client, "post", "/api/v1/partners", {**SUPPLIER, "enterprise": enterprise.pk})

    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["path"] == "/enterprise"
    assert named.status_code == 201
    assert named.json()["enterprise"] == enterprise.pk


def test_the_list_filters_by_enterprise_and_refuses_a_blank_filter(erp, enterprise):
    send(erp, "post", "/api/v1/partners", SUPPLIER)

    assert len(erp.get(f"/api/v1/partners?enterprise={enterprise.pk}").json()) == 1
    assert erp.get(f"/api/v1/partners?enterprise={enterprise.pk + 1}").json() == []
    blank = erp.get("/api/v1/partners?enterprise=")
    assert blank.status_code == 400
    assert blank.json()["errors"][0]["path"] == "/enterprise"


def test_a_viewer_may_read_but_not_register(agreement, enterprise):
    viewer = MembershipFactory(enterprise=enterprise, role="viewer").user
    client = APIClient()
    client.force_login(viewer)

    assert client.get("/api/v1/partners").status_code == 200
    assert send(client, "post", "/api/v1/partners", SUPPLIER).status_code == 403


def test_a_repeated_request_with_its_idempotency_key_registers_once(erp):
    first = send(erp, "post", "/api/v1/partners", SUPPLIER, HTTP_IDEMPOTENCY_KEY="partner-1")
    again = send(erp, "post", "/api/v1/partners", SUPPLIER, HTTP_IDEMPOTENCY_KEY="partner-1")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert Partner.objects.count() == 1


def test_the_openapi_schema_documents_every_answer_of_the_partner_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    partners = schema["paths"]["/api/v1/partners"]
    assert set(partners["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "413",
        "415",
        "422",
        "429",
    }
    assert set(partners["get"]["responses"]) == {"200", "400", "401", "429"}
    detail = schema["paths"]["/api/v1/partners/{id}"]
    assert set(detail["put"]["responses"]) >= {"200", "400", "403", "404"}
    assert "identifiers" in schema["components"]["schemas"]["PartnerOutput"]["properties"]
