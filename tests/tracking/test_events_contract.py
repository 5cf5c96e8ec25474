"""POST events against its OpenAPI schema as a carrier, whose key gets past the role check: the
contract test over the whole API calls it only with keys that may not report events."""

import pytest
from hypothesis import HealthCheck, settings

from tests.test_api_contract import (  # noqa: F401  (a fixture, used by name)
    requests_inside_the_test_transaction,
    schema,
)
from tests.tracking.factories import reporter_key

events_operation = schema.include(path="/api/v1/events")


@pytest.fixture
def carrier_headers(db, requests_inside_the_test_transaction):  # noqa: F811
    return {"Authorization": f"Api-Key {reporter_key('carrier', 'port_operator').plaintext}"}


@events_operation.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_answer_to_a_carrier_is_documented_and_none_is_a_server_error(case, carrier_headers):
    case.call_and_validate(headers=carrier_headers)


def test_an_accepted_event_and_a_batch_answer_as_the_schema_says(carrier_headers):
    operation = schema["/api/v1/events"]["POST"]
    single = {
        "event_id": "C-1",
        "type": "arrival",
        "transport_document_number": "COSU6312458790",
        "occurred_at": "2026-01-05T08:00:00+08:00",
        "location": "CNSHA",
    }

    created = operation.Case(body=single).call_and_validate(headers=carrier_headers)
    batch = operation.Case(body={"events": [single, {}]}).call_and_validate(headers=carrier_headers)

    assert (created.status_code, batch.status_code) == (201, 200)
    assert batch.json()["results"][0]["status"] == "unchanged"
