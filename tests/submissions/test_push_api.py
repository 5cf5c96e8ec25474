import json

import pytest
from django.db import connection  # noqa: F401  (read by a skipif condition)
from rest_framework.test import APIClient

from hub.agreements.services import agreement_terminate
from hub.submissions.models import Consignment
from tests.factories import active_agreement, consignment_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(enterprise, enterprise_admin, scope=["transport_details"])


@pytest.fixture
def erp(api_client, erp_key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {erp_key.plaintext}")
    return api_client


def post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_an_erp_system_pushes_reads_and_amends_a_consignment(erp, agreement):
    created = post(erp, "/api/v1/consignments", consignment_document("PO-7", lines=2))
    assert created.status_code == 201
    assert created.json()["revision"] == 1

    amended_document = consignment_document(
        "PO-7", lines=3, vessel_or_flight="COSCO SHIPPING ARIES"
    )
    amended = erp.put(
        "/api/v1/consignments/PO-7", json.dumps(amended_document), content_type="application/json"
    )
    assert amended.status_code == 201
    assert amended.json()["revision"] == 2

    read = erp.get("/api/v1/consignments/PO-7").json()
    assert read["revision"] == 2
    assert [r["number"] for r in read["revisions"]] == [1, 2]
    assert read["revisions"][0]["agreement_version"] == agreement.version
    assert len(read["document"]["lines"]) == 3
    first = erp.get("/api/v1/consignments/PO-7?revision=1").json()
    assert len(first["document"]["lines"]) == 2


@pytest.mark.skipif(
    "connection.vendor == 'sqlite'", reason="SQLite keeps numeric columns as 8-byte floats"
)
def test_numbers_sent_as_json_numbers_keep_every_digit(erp, agreement):
    # 21 significant digits: a float would keep about 16 of them.
    body = json.dumps(consignment_document("PO-DEC")).replace(
        '"120.000"', "123456789012345.123456", 1
    )

    response = erp.post("/api/v1/consignments", body, content_type="application/json")

    assert response.status_code == 201
    line = Consignment.objects.get().current_revision.lines.get(line_number=1)
    assert str(line.quantity) == "123456789012345.123456"


def test_an_invalid_document_is_a_400_with_every_error_path(erp, agreement):
    document = consignment_document("PO-X")
    document["lines"][0]["unit"] = "BOXES"
    document["estimated_arrival"] = "2026-12-02T08:00:00"

    response = post(erp, "/api/v1/consignments", document)

    assert response.status_code == 400
    paths = {error["path"] for error in response.json()["errors"]}
    assert paths == {"/estimated_arrival", "/lines/0/unit"}


def test_the_scope_endpoint_gives_the_schema_of_the_agreement(erp, agreement):
    body = erp.get("/api/v1/scope").json()

    assert body["agreement_version"] == agreement.version
    assert body["scope"] == ["transport_details"]
    assert "vessel_or_flight" in body["schema"]["properties"]
    assert "incoterms" not in body["schema"]["properties"]
    assert body["schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_a_batch_stores_the_valid_ones_and_says_which_were_refused(erp, agreement):
    bad = consignment_document("PO-BAD")
    bad["currency"] = "EURO"

    response = post(
        erp,
        "/api/v1/consignments/batch",
        {"consignments": [consignment_document("PO-OK-1"), bad, consignment_document("PO-OK-2")]},
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["accepted"], body["refused"]) == (2, 1)
    assert body["results"][1]["status"] == "refused"
    assert body["results"][1]["errors"][0]["path"] == "/currency"
    assert Consignment.objects.count() == 2


def test_a_batch_over_1000_is_refused_with_how_to_fix_it(erp, agreement):
    response = post(
        erp,
        "/api/v1/consignments/batch",
        {"consignments": [{"reference": str(n)} for n in range(1001)]},
    )

    assert response.status_code == 400
    assert "at most 1,000" in response.json()["errors"][0]["message"]


def test_an_idempotency_key_replays_the_first_response(erp, agreement):
    document = consignment_document("PO-IDEM")
    first = post(erp, "/api/v1/consignments", document, HTTP_IDEMPOTENCY_KEY="abc-1")
    replay = post(erp, "/api/v1/consignments", document, HTTP_IDEMPOTENCY_KEY="abc-1")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"


def test_the_same_idempotency_key_with_another_body_is_a_422(erp, agreement):
    post(erp, "/api/v1/consignments", consignment_document("PO-I1"), HTTP_IDEMPOTENCY_KEY="k")

    response = post(
        erp, "/api/v1/consignments", consignment_document("PO-I2"), HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Consignment.objects.filter(reference="PO-I2").exists()


def test_after_termination_the_keys_next_submission_is_a_clear_403(
    erp, agreement, enterprise_admin
):
    agreement_terminate(
        agreement=agreement, party="enterprise", reason="stop", actor=enterprise_admin
    )

    response = post(erp, "/api/v1/consignments", consignment_document("PO-T"))

    assert response.status_code == 403
    assert response.json()["code"] == "no_active_agreement"
    assert "no data-sharing agreement in force" in response.json()["message"]


def test_too_many_requests_is_a_429_with_retry_after(erp, agreement, settings):
    settings.API_RATE_LIMIT = "2/min"

    statuses = [erp.get("/api/v1/scope").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    response = erp.get("/api/v1/scope")
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_a_person_cannot_push_through_the_api(api_client, agreement, enterprise_admin):
    api_client.force_login(enterprise_admin)

    response = post(api_client, "/api/v1/consignments", consignment_document())

    assert response.status_code == 403
    assert "ERP API key" in response.json()["message"]


def test_amending_an_unknown_reference_is_a_404_that_says_to_post(erp, agreement):
    response = erp.put(
        "/api/v1/consignments/NOPE",
        json.dumps(consignment_document("NOPE")),
        content_type="application/json",
    )

    assert response.status_code == 404
    assert "POST" in response.json()["message"]


def test_another_enterprise_cannot_read_the_consignment(erp, agreement):
    from tests.factories import ApiKeyFactory

    post(erp, "/api/v1/consignments", consignment_document("PO-PRIVATE"))
    other = ApiKeyFactory()

    response = APIClient().get(
        "/api/v1/consignments/PO-PRIVATE", HTTP_AUTHORIZATION=f"Api-Key {other.plaintext}"
    )

    assert response.status_code == 404


def test_a_reference_no_consignment_can_have_is_a_404_that_says_what_a_reference_is(erp, agreement):
    # PostgreSQL refused the NUL character outright, which was a 500.
    read = erp.get("/api/v1/consignments/PO%00-1")
    amend = erp.put(
        "/api/v1/consignments/PO%00-1",
        json.dumps(consignment_document()),
        content_type="application/json",
    )

    for response in (read, amend):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "up to 64 letters, digits" in response.json()["message"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("revision", "latest"), ("revision", "0"), ("enterprise", "99999999999999999999")],
)
def test_a_query_parameter_that_is_not_a_valid_number_is_a_400_naming_it(
    erp, agreement, parameter, value
):
    # An enterprise id beyond the database's integers was a 500 on SQLite.
    post(erp, "/api/v1/consignments", consignment_document("PO-Q"))

    response = erp.get(f"/api/v1/consignments/PO-Q?{parameter}={value}")

    assert response.status_code == 400
    assert [error["path"] for error in response.json()["errors"]] == [f"/{parameter}"]


def test_a_batch_item_of_the_wrong_type_holding_a_fraction_is_refused_not_a_server_error(
    erp, agreement
):
    # A fraction is parsed as a Decimal, which the refusal message failed to quote.
    response = erp.post(
        "/api/v1/consignments/batch",
        '{"consignments": [[1, 0.5]]}',
        content_type="application/json",
    )

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert (item["status"], item["errors"][0]["code"]) == ("refused", "wrong_type")


def test_a_nul_character_anywhere_in_the_body_is_a_400_with_its_path(erp, agreement):
    # PostgreSQL cannot store NUL: in a stored text, or in a refusal kept for an idempotency key
    # that quotes it, it was a 500.
    document = consignment_document("PO-NUL")
    document["lines"][1]["description"] = "Bearing\x00"
    batch = {"consignments": [{"ref\x00erence": "PO-NUL-2"}]}

    single = post(erp, "/api/v1/consignments", document)
    batched = post(erp, "/api/v1/consignments/batch", batch, HTTP_IDEMPOTENCY_KEY="nul-1")

    assert single.status_code == batched.status_code == 400
    assert single.json()["errors"][0]["path"] == "/lines/1/description"
    assert batched.json()["errors"][0]["path"] == "/consignments/0/ref\x00erence"
    assert "NUL" in single.json()["errors"][0]["message"]
    assert not Consignment.objects.exists()


def test_an_idempotency_key_with_control_characters_is_a_400(erp, agreement):
    response = post(
        erp,
        "/api/v1/consignments",
        consignment_document("PO-CTRL"),
        HTTP_IDEMPOTENCY_KEY="abc\x00def",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/Idempotency-Key"
    assert not Consignment.objects.exists()


def test_a_lone_surrogate_escape_in_the_body_is_a_400_with_its_path(erp, agreement):
    # "\ud800" is valid JSON but no valid text: it cannot be encoded to store it.
    body = json.dumps(consignment_document("PO-SURROGATE")).replace(
        '"PO-SURROGATE"', '"PO-SURROGATE\\ud800"', 1
    )
    batch = '{"consignments": [{"ref\\udc00erence": "PO-SURROGATE-2"}]}'

    single = erp.post("/api/v1/consignments", body, content_type="application/json")
    batched = erp.post("/api/v1/consignments/batch", batch, content_type="application/json")

    assert single.status_code == batched.status_code == 400
    assert single.json()["errors"][0]["path"] == "/reference"
    assert "surrogate" in single.json()["errors"][0]["message"]
    assert batched.json()["errors"][0]["path"] == "/consignments/0/ref\\udc00erence"
    assert not Consignment.objects.exists()


def test_nan_is_not_json_and_is_refused_before_any_check(erp, agreement):
    body = json.dumps(consignment_document("PO-NAN")).replace('"PO-NAN"', "NaN", 1)

    response = erp.post("/api/v1/consignments", body, content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["message"]
    assert not Consignment.objects.exists()
