"""The OpenAPI schema is the API's contract. Schemathesis calls every operation it lists with
generated input, valid and invalid, as each kind of caller, and fails on a 5xx and on any status
code, content type or body the schema does not document. Generated ids and references seldom name
a real object, so each success answer is also checked once with the objects of the test world."""

from types import SimpleNamespace

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings

from hub.catalogue.fields import DATASETS
from hub.declarations.models import Declaration
from hub.declarations.services import declaration_receive
from hub.enterprises.models import Enterprise
from hub.risk.services import profiles_refresh
from hub.submissions.services import consignment_ingest
from hub.wsgi import application
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    declaration_document,
    officer,
)

CONFIG = schemathesis.Config.from_dict(
    {
        # Fixed, so that every run, in CI too, sends the same cases.
        "seed": 20260101,
        "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
        },
    }
)

# The schema the hub serves, fetched as a client would; building it needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

CALLERS = ["enterprise_erp_key", "customs_system_key", "onboarding_officer_session"]
REFERENCE = "PO-CONTRACT-1"
DECLARATION = "220120261000000042"


@pytest.fixture
def requests_inside_the_test_transaction():
    """Like Django's test client, keep the per-request connection clean-up from closing the
    connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, requests_inside_the_test_transaction):
    """An approved enterprise sharing by API and Excel under an agreement with every optional
    dataset, one consignment of it, an enterprise awaiting a decision, and the headers and
    cookies of each kind of caller."""
    # The world is built for every operation and caller: hashing its people's passwords the
    # production way would take most of this module's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    membership = MembershipFactory(enterprise=EnterpriseFactory(), role="admin")
    enterprise, admin = membership.enterprise, membership.user
    agreement = active_agreement(enterprise, admin, scope=DATASETS, channels=("api", "excel"))
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document(REFERENCE)],
        channel="api",
        actor=admin,
    )
    declaration_receive(documents=[declaration_document(DECLARATION)], actor=None)
    # Follow-ups do not run inside the test's transaction: the declaration's profile is made here.
    profiles_refresh(declaration_ids=Declaration.objects.values_list("pk", flat=True))
    session = Client()
    session.force_login(officer("customs_onboarding_officer"))
    csrf_token = get_random_string(32)
    erp_key = ApiKeyFactory(enterprise=enterprise).plaintext
    g2g_key = ApiKeyFactory(enterprise=None, kind="g2g").plaintext
    return SimpleNamespace(
        enterprise=enterprise,
        agreement=agreement,
        pending=EnterpriseFactory(status=Enterprise.Status.PENDING),
        callers={
            "enterprise_erp_key": {"headers": {"Authorization": f"Api-Key {erp_key}"}},
            "customs_system_key": {"headers": {"Authorization": f"Api-Key {g2g_key}"}},
            "onboarding_officer_session": {
                "headers": {"X-CSRFToken": csrf_token},
                "cookies": {
                    "sessionid": session.cookies["sessionid"].value,
                    "csrftoken": csrf_token,
                },
            },
        },
    )


@pytest.fixture(params=CALLERS)
def caller(request, world):
    return world.callers[request.param]


@schema.parametrize()
# The world is built once per operation and caller, and its examples share it on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_answer_is_documented_and_none_is_a_server_error(case, caller):
    case.call_and_validate(**caller)


SUCCESSES = [
    # (caller, method, path, the request's parts given the world)
    (
        "customs_system_key",
        "GET",
        "/api/v1/enterprises/{id}",
        lambda w: {"path_parameters": {"id": w.enterprise.pk}},
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/enterprises",
        lambda w: {
            "body": {
                "legal_name": "Rhine Machinery GmbH",
                "country": "DE",
                "trade_roles": ["exporter"],
                "identifiers": {"vat": "DE136695976"},
            }
        },
    ),
    (
        "onboarding_officer_session",
        "POST",
        "/api/v1/enterprises/{id}/decision",
        lambda w: {"path_parameters": {"id": w.pending.pk}, "body": {"approve": True}},
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/enterprises/{id}/rating",
        lambda w: {
            "path_parameters": {"id": w.enterprise.pk},
            "body": {"credit_rating": "general", "aeo_status": "certified", "reason": ""},
        },
    ),
    (
        "enterprise_erp_key",
        "GET",
        "/api/v1/agreements/{id}",
        lambda w: {"path_parameters": {"id": w.agreement.pk}},
    ),
    (
        "customs_system_key",
        "GET",
        "/api/v1/agreements/{id}/verification",
        lambda w: {"path_parameters": {"id": w.agreement.pk}},
    ),
    (
        "customs_system_key",
        "GET",
        "/api/v1/consignments/{reference}",
        lambda w: {
            "path_parameters": {"reference": REFERENCE},
            "query": {"revision": 1, "enterprise": w.enterprise.pk},
        },
    ),
    (
        "enterprise_erp_key",
        "POST",
        "/api/v1/consignments",
        lambda w: {"body": consignment_document("PO-CONTRACT-2")},
    ),
    (
        "enterprise_erp_key",
        "PUT",
        "/api/v1/consignments/{reference}",
        lambda w: {
            "path_parameters": {"reference": REFERENCE},
            "body": consignment_document(REFERENCE, lines=2),
        },
    ),
    (
        "enterprise_erp_key",
        "POST",
        "/api/v1/consignments/batch",
        lambda w: {"body": {"consignments": [consignment_document("PO-CONTRACT-3"), {}]}},
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/declarations",
        lambda w: {"body": declaration_document("220120261000000043")},
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/declarations",
        lambda w: {"body": {"declarations": [declaration_document(DECLARATION), {}]}},
    ),
    ("customs_system_key", "GET", "/api/v1/declarations", lambda w: {"query": {"page_size": 1}}),
    (
        "onboarding_officer_session",
        "GET",
        "/api/v1/profiles",
        lambda w: {"query": {"declaration": DECLARATION, "history": True}},
    ),
    (
        "customs_system_key",
        "GET",
        "/api/v1/declarations/{number}",
        lambda w: {"path_parameters": {"number": DECLARATION}},
    ),
    (
        "customs_system_key",
        "GET",
        "/api/v1/declarations/{number}/crosscheck",
        lambda w: {"path_parameters": {"number": DECLARATION}},
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/declarations/statuses",
        lambda w: {
            "body": {
                "changes": [
                    {
                        "number": DECLARATION,
                        "status": "duty_assessed",
                        "occurred_at": "2026-12-03T16:00:00+08:00",
                        "duty_amount": "1520.40",
                        "duty_currency": "CNY",
                        "duty_due_date": "2026-12-20",
                    },
                    {"number": DECLARATION},
                ]
            }
        },
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/bank-payments",
        lambda w: {
            "body": {
                "payments": [
                    {
                        "reference": "BOC-CONTRACT-1",
                        "payer": {"name": "Importer", "code": "3122440123"},
                        "payee": {"name": "Rhein GmbH", "country": "DE"},
                        "amount": "3006.50",
                        "currency": "EUR",
                        "paid_on": "2026-11-20",
                    }
                ]
            }
        },
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/exchange-rates",
        lambda w: {"body": {"rates": [{"currency": "EUR", "day": "2026-12-01", "rate": "7.85"}]}},
    ),
    (
        "customs_system_key",
        "POST",
        "/api/v1/inspections",
        lambda w: {
            "body": {
                "declaration_number": DECLARATION,
                "kind": "documents",
                "result": "no_discrepancy",
                "inspected_at": "2026-12-03T15:00:00+08:00",
            }
        },
    ),
]


@pytest.mark.parametrize(
    ("caller_name", "method", "path", "parts"),
    SUCCESSES,
    ids=[f"{method} {path}" for _, method, path, _ in SUCCESSES],
)
def test_each_success_answer_matches_the_schema(world, caller_name, method, path, parts):
    case = schema[path][method].Case(**parts(world))

    response = case.call_and_validate(**world.callers[caller_name])

    assert 200 <= response.status_code < 300, response.text
