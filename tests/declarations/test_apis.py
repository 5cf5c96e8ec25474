import json

import pytest
from django.db import connection  # noqa: F401  (read by a skipif condition)
from rest_framework.test import APIClient

from hub.core.roles import CustomsRole
from hub.declarations.models import (
    BankPayment,
    Declaration,
    DeclarationItem,
    ExchangeRate,
    InspectionOutcome,
)
from hub.declarations.services import declaration_receive, declaration_status_record
from tests.declarations.conftest import CUSTOMS_CODE, USCC
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    declaration_document,
    officer,
)

pytestmark = pytest.mark.django_db

NUMBER = "220120261000000001"


def client_with_key(api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key.plaintext}")
    return client


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def g2g(g2g_key):
    return client_with_key(g2g_key)


def post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def error_paths(response) -> set:
    return {(error["path"], error["code"]) for error in response.json()["errors"]}


# --- POST declarations -------------------------------------------------------------------------


def test_the_customs_system_sends_a_declaration_then_the_same_again_then_an_amendment(
    g2g, importer
):
    created = post(g2g, "/api/v1/declarations", declaration_document(NUMBER))
    again = post(g2g, "/api/v1/declarations", declaration_document(NUMBER))
    amended = post(g2g, "/api/v1/declarations", declaration_document(NUMBER, items=1))

    assert created.status_code == 201
    body = created.json()
    assert (body["number"], body["status"], body["revision"]) == (NUMBER, "created", 1)
    assert body["consignee_enterprise"] == importer.pk
    assert len(body["payload_sha256"]) == 64
    assert (again.status_code, again.json()["status"], again.json()["revision"]) == (
        200,
        "unchanged",
        1,
    )
    assert (amended.status_code, amended.json()["status"], amended.json()["revision"]) == (
        201,
        "amended",
        2,
    )
    assert DeclarationItem.objects.count() == 1


def test_an_invalid_declaration_is_a_400_with_every_error_and_its_path(g2g, importer):
    document = declaration_document()
    document["items"][0]["unit"] = "BOXES"
    document["consignee"]["code"] = "31224401"
    document["shipper"] = {"name": "x"}

    response = post(g2g, "/api/v1/declarations", document)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert error_paths(response) == {
        ("/items/0/unit", "invalid_code"),
        ("/consignee/code", "invalid_format"),
        ("/shipper", "unknown_field"),
    }
    assert not Declaration.objects.exists()


def test_numbers_sent_as_json_numbers_are_taken_as_decimals(g2g, importer):
    body = json.dumps(declaration_document(items=1)).replace('"120.000"', "120.125", 1)

    response = g2g.post("/api/v1/declarations", body, content_type="application/json")

    assert response.status_code == 201
    assert str(DeclarationItem.objects.get().quantity.normalize()) == "120.125"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ([declaration_document()], ""),
        ("220120261000000001", ""),
        ({"declarations": []}, "/declarations"),
        ({"declarations": {"number": NUMBER}}, "/declarations"),
        ({"declarations": [declaration_document()], "source": "x"}, "/source"),
    ],
)
def test_a_body_that_is_neither_a_declaration_nor_a_batch_is_a_400(g2g, body, path):
    response = post(g2g, "/api/v1/declarations", body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path


def test_text_with_a_nul_character_is_refused(g2g, importer):
    response = post(g2g, "/api/v1/declarations", declaration_document(carrier_name="COSCO\x00"))

    assert response.status_code == 400
    assert error_paths(response) == {("/carrier_name", "nul_character")}


def test_a_batch_stores_the_valid_declarations_and_says_which_were_refused(g2g, importer):
    bad = declaration_document("220120261000000002", declared_at="yesterday")

    response = post(
        g2g,
        "/api/v1/declarations",
        {
            "declarations": [
                declaration_document("220120261000000001"),
                bad,
                declaration_document("220120261000000003"),
            ]
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["amended"], body["unchanged"], body["refused"]) == (2, 0, 0, 1)
    assert body["results"][0] == {
        "index": 0,
        "number": "220120261000000001",
        "status": "created",
        "revision": 1,
    }
    assert body["results"][1]["status"] == "refused"
    assert body["results"][1]["errors"][0]["path"] == "/declared_at"
    assert Declaration.objects.count() == 2


def test_a_batch_over_1000_declarations_is_refused_with_how_to_fix_it(g2g):
    response = post(g2g, "/api/v1/declarations", {"declarations": [{}] * 1001})

    assert response.status_code == 400
    assert "at most 1,000" in response.json()["errors"][0]["message"]


def test_only_the_customs_system_may_send_declarations(importer, erp_key, api_client):
    document = declaration_document()

    as_erp = post(client_with_key(erp_key), "/api/v1/declarations", document)
    as_officer = post(
        client_of(officer(CustomsRole.RISK_OFFICER)), "/api/v1/declarations", document
    )
    anonymous = post(api_client, "/api/v1/declarations", document)

    assert (as_erp.status_code, as_officer.status_code, anonymous.status_code) == (403, 403, 401)
    assert not Declaration.objects.exists()


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(g2g, importer):
    first = post(g2g, "/api/v1/declarations", declaration_document(), HTTP_IDEMPOTENCY_KEY="k-1")
    replay = post(g2g, "/api/v1/declarations", declaration_document(), HTTP_IDEMPOTENCY_KEY="k-1")
    other = post(
        g2g, "/api/v1/declarations", declaration_document(items=1), HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert Declaration.objects.get().revision == 1


def test_the_customs_system_key_has_a_request_budget(g2g, settings):
    settings.API_RATE_LIMIT = "2/min"

    statuses = [post(g2g, "/api/v1/declarations", {}).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


# --- GET declarations --------------------------------------------------------------------------


@pytest.fixture
def stored(importer):
    """Three declarations of the importer, one of another enterprise."""
    other = EnterpriseFactory(identifiers={"customs_code": "3101990001"})
    declaration_receive(
        documents=[
            declaration_document("220120261000000001", declared_at="2026-12-01T09:00:00+08:00"),
            declaration_document("220120261000000002", declared_at="2026-12-02T09:00:00+08:00"),
            declaration_document("220120261000000003", consignee_code=USCC),
            declaration_document("220120261000000004", consignee_code="3101990001"),
        ],
        actor=None,
    )
    declaration_status_record(
        changes=[
            {
                "number": "220120261000000001",
                "status": "released",
                "occurred_at": "2026-12-04T11:30:00+08:00",
            }
        ],
        actor=None,
    )
    return other


def test_customs_list_declarations_a_page_at_a_time_newest_first(stored):
    client = client_of(officer(CustomsRole.ANALYST))

    first = client.get("/api/v1/declarations?page_size=3").json()
    second = client.get(first["next"]).json()

    assert first["count"] == 4
    assert [d["number"] for d in first["results"] + second["results"]] == [
        "220120261000000004",
        "220120261000000003",
        "220120261000000002",
        "220120261000000001",
    ]
    assert second["next"] is None
    summary = second["results"][0]
    assert summary["status"] == "released"
    assert summary["consignee"]["code"] == CUSTOMS_CODE


def test_the_list_filters_by_status_and_by_consignee(stored, g2g, importer):
    released = g2g.get("/api/v1/declarations?status=released").json()
    of_importer = g2g.get(f"/api/v1/declarations?enterprise={importer.pk}").json()

    assert [d["number"] for d in released["results"]] == ["220120261000000001"]
    assert of_importer["count"] == 3


@pytest.mark.parametrize(
    ("query", "status_code"),
    [("page_size=0", 400), ("status=gone", 400), ("enterprise=", 400), ("page=9", 404)],
)
def test_a_bad_list_query_is_a_4xx(stored, g2g, query, status_code):
    assert g2g.get(f"/api/v1/declarations?{query}").status_code == status_code


def test_enterprises_may_not_list_declarations(stored, importer, erp_key):
    member = MembershipFactory(enterprise=importer, role="admin").user

    assert client_of(member).get("/api/v1/declarations").status_code == 403
    assert client_with_key(erp_key).get("/api/v1/declarations").status_code == 403


def test_the_consignee_reads_its_declaration_with_items_and_status_history(stored, importer):
    member = MembershipFactory(enterprise=importer, role="viewer").user

    response = client_of(member).get("/api/v1/declarations/220120261000000001")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "released"
    assert [item["item_number"] for item in body["items"]] == [1, 2, 3]
    assert body["items"][0]["value"] == "1001.50"
    assert [change["status"] for change in body["status_changes"]] == ["released"]
    assert body["declarant"] == {
        "name": "Shanghai Pudong Customs Brokerage Co., Ltd.",
        "code": "3122980017",
    }
    assert body["consignee"]["enterprise"] == importer.pk


def test_enterprise_b_never_sees_a_declaration_of_enterprise_a(stored, importer):
    other_member = MembershipFactory(enterprise=stored, role="admin").user
    other_key = ApiKeyFactory(enterprise=stored)

    for client in (client_of(other_member), client_with_key(other_key)):
        response = client.get("/api/v1/declarations/220120261000000001")
        assert response.status_code == 404
        assert "220120261000000001" not in response.content.decode()
    assert client_with_key(other_key).get("/api/v1/declarations/220120261000000004").json()[
        "number"
    ] == ("220120261000000004")


def test_members_of_an_enterprise_customs_has_not_approved_see_no_declaration(stored, importer):
    member = MembershipFactory(enterprise=importer, role="admin").user
    importer.status = "pending"
    importer.save()

    assert client_of(member).get("/api/v1/declarations/220120261000000001").status_code == 404


@pytest.mark.parametrize("number", ["220120261000000099", "lower-case", "A" * 31])
def test_a_number_no_visible_declaration_has_is_a_404(stored, g2g, number):
    assert g2g.get(f"/api/v1/declarations/{number}").status_code == 404


# --- Status changes, payments, rates -----------------------------------------------------------


def test_status_changes_arrive_in_a_batch_with_a_result_each(stored, g2g):
    changes = [
        {"number": "220120261000000002", "status": "accepted", "occurred_at": "2026-12-02T10:00Z"},
        {
            "number": "220120261000000002",
            "status": "accepted",
            "occurred_at": "2026-12-02T10:00:00Z",
        },
        {
            "number": "220120261000000099",
            "status": "accepted",
            "occurred_at": "2026-12-02T10:00:00Z",
        },
    ]
    changes.append(dict(changes[1]))

    response = post(g2g, "/api/v1/declarations/statuses", {"changes": changes})

    assert response.status_code == 200
    body = response.json()
    assert (body["recorded"], body["unchanged"], body["refused"]) == (1, 1, 2)
    assert [result["status"] for result in body["results"]] == [
        "refused",
        "recorded",
        "refused",
        "unchanged",
    ]
    assert body["results"][0]["errors"][0]["path"] == "/occurred_at"
    assert body["results"][2]["errors"][0]["code"] == "unknown_declaration"
    assert Declaration.objects.get(number="220120261000000002").status == "accepted"


def test_bank_payments_arrive_in_a_batch(importer, g2g):
    payment = {
        "reference": "ICBC-2026-77",
        "payer": {"name": "Demo Precision Instruments", "code": CUSTOMS_CODE},
        "payee": {"name": "Rhein Präzisionstechnik GmbH", "country": "DE"},
        "amount": 3006.5,
        "currency": "EUR",
        "paid_on": "2026-11-20",
    }

    response = post(g2g, "/api/v1/bank-payments", {"payments": [payment, {"reference": "x"}]})

    body = response.json()
    assert (response.status_code, body["recorded"], body["refused"]) == (200, 1, 1)
    assert body["results"][0] == {"index": 0, "reference": "ICBC-2026-77", "status": "recorded"}
    assert BankPayment.objects.get().payer == importer


def test_exchange_rates_arrive_in_a_batch(g2g):
    rates = [
        {"currency": "USD", "day": "2026-03-02", "rate": "7.1842"},
        {"currency": "CNY", "day": "2026-03-02", "rate": "1"},
    ]

    response = post(g2g, "/api/v1/exchange-rates", {"rates": rates})

    body = response.json()
    assert (response.status_code, body["recorded"], body["refused"]) == (200, 1, 1)
    assert body["results"][0] == {
        "index": 0,
        "currency": "USD",
        "day": "2026-03-02",
        "status": "recorded",
    }
    assert ExchangeRate.objects.get().currency == "USD"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v1/declarations/statuses", "changes"),
        ("/api/v1/bank-payments", "payments"),
        ("/api/v1/exchange-rates", "rates"),
    ],
)
def test_each_feed_takes_only_its_batch_and_only_from_the_customs_system(g2g, erp_key, path, key):
    assert post(g2g, path, {}).json()["errors"][0]["path"] == f"/{key}"
    assert post(g2g, path, {key: [{}] * 1001}).status_code == 400
    assert post(client_with_key(erp_key), path, {key: [{}]}).status_code == 403


# --- POST inspections --------------------------------------------------------------------------


def inspection(number=NUMBER, **overrides):
    return {
        "declaration_number": number,
        "kind": "physical",
        "result": "no_discrepancy",
        "inspected_at": "2026-12-03T15:00:00+08:00",
        "note": "Seals intact.",
        **overrides,
    }


def test_a_risk_officer_records_an_inspection_outcome(stored, risk_officer):
    response = post(client_of(risk_officer), "/api/v1/inspections", inspection())

    assert response.status_code == 201
    body = response.json()
    assert (body["declaration_number"], body["result"]) == (NUMBER, "no_discrepancy")
    assert body["recorded_by"] == risk_officer.username
    assert InspectionOutcome.objects.get().declaration.number == NUMBER


def test_the_customs_system_records_inspection_outcomes_too(stored, g2g_key):
    response = post(client_with_key(g2g_key), "/api/v1/inspections", inspection())

    assert response.status_code == 201
    assert response.json()["recorded_by"] == g2g_key.audit_label


def test_other_customs_roles_may_not_record_inspections(stored):
    response = post(client_of(officer(CustomsRole.ANALYST)), "/api/v1/inspections", inspection())

    assert response.status_code == 403
    assert not InspectionOutcome.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (inspection(number="220120261000000099"), ("/declaration_number", "unknown_declaration")),
        (inspection(kind="x-ray"), ("/kind", "invalid_code")),
        (inspection(inspected_at="2026-12-03"), ("/inspected_at", "missing_time_zone")),
        ({"kind": "physical"}, ("/declaration_number", "required")),
    ],
)
def test_a_bad_inspection_is_a_400_naming_the_value(stored, g2g, body, error):
    response = post(g2g, "/api/v1/inspections", body)

    assert response.status_code == 400
    assert error in error_paths(response)
    assert not InspectionOutcome.objects.exists()
