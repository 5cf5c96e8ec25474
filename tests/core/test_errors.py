import json

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_urls")]

DOCUMENTS = "/api/v1/test-documents"


def assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_every_invalid_value_is_reported_with_its_json_pointer_path(client):
    document = {
        "reference": "",
        "lines": [{"quantity": "5", "unit": "PCE"}, {"quantity": "-1", "unit": "KILOGRAM"}],
    }

    response = client.post(DOCUMENTS, json.dumps(document), content_type="application/json")

    body = assert_error_shape(response, 400, "invalid")
    paths = {error["path"]: error["code"] for error in body["errors"]}
    assert paths == {
        "/reference": "blank",
        "/lines/1/quantity": "min_value",
        "/lines/1/unit": "max_length",
    }
    assert "3 invalid value" in body["message"]


def test_a_document_level_error_has_the_root_path(client):
    response = client.post(
        DOCUMENTS,
        {"reference": "x1", "lines": [{"quantity": 1, "unit": "PCE"}]},
        content_type="application/json",
    )

    body = assert_error_shape(response, 400, "invalid")
    assert body["errors"] == [
        {"path": "", "code": "invalid", "message": "References may not start with x."}
    ]


def test_a_valid_document_passes(client):
    response = client.post(
        DOCUMENTS,
        {"reference": "R1", "lines": [{"quantity": 1, "unit": "PCE"}]},
        content_type="application/json",
    )

    assert response.status_code == 201


def test_malformed_json_is_a_400_that_says_how_to_fix_it(client):
    response = client.post(DOCUMENTS, '{"reference": "R1", ', content_type="application/json")

    body = assert_error_shape(response, 400, "malformed_body")
    assert "valid JSON" in body["message"]


def test_a_body_that_is_not_json_is_a_415(client):
    response = client.post(DOCUMENTS, "reference=R1", content_type="text/plain")

    body = assert_error_shape(response, 415, "unsupported_media_type")
    assert "application/json" in body["message"]


def test_an_oversized_body_is_refused_with_413_before_it_is_read(client, settings):
    settings.API_MAX_BODY_BYTES = 1000
    big = json.dumps({"reference": "R1", "lines": [{"quantity": 1, "unit": "PCE"}] * 200})

    response = client.post(DOCUMENTS, big, content_type="application/json")

    body = assert_error_shape(response, 413, "payload_too_large")
    assert "limit is 1000" in body["message"]


def test_an_unknown_api_route_is_a_json_404_not_an_html_page(client):
    response = client.get("/api/v1/no-such-thing")

    body = assert_error_shape(response, 404, "not_found")
    assert "/api/docs/" in body["message"]


def test_an_unsupported_method_is_a_405_in_the_error_shape(client):
    response = client.delete(DOCUMENTS)

    assert_error_shape(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_an_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_object_the_caller_may_not_see_is_a_404_in_the_error_shape(client, erp_key):
    # Selectors raise Django's Http404, which came out as DRF's {"detail": ...}.
    response = client.get(
        "/api/v1/enterprises/999999", HTTP_AUTHORIZATION=f"Api-Key {erp_key.plaintext}"
    )

    body = assert_error_shape(response, 404, "not_found")
    assert "Check the id" in body["message"]
