"""Cargo events in and consignment status out: 1,000 events in one POST events beside 200 sent
one per request, and an enterprise's consignment list (status, estimates, clearance and alerts
computed in the query) over 5,000 consignments with 20,000 events and 2,500 matched
declarations.

DATABASE_URL=postgres://... REDIS_URL=redis://... make bench
"""

import hashlib
import itertools
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from hub.crosschecks.models import Match
from hub.declarations.models import Declaration
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from hub.tracking.models import CargoEvent
from tests.bench.conftest import measure
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
)

CONSIGNMENTS = 5000
EVENTS_PER_DOCUMENT = 4
BATCH = 1000
SINGLES = 200
_ids = itertools.count()


@pytest.fixture
def world(db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs DATABASE_URL (PostgreSQL)")
    settings.API_RATE_LIMIT = "100000000/min"
    importer = EnterpriseFactory()
    admin = MembershipFactory(enterprise=importer, role="admin").user
    active_agreement(importer, admin, scope=["transport_details"])
    now = timezone.now()
    for start in range(0, CONSIGNMENTS, BATCH):
        documents = [
            consignment_document(
                f"PO-{n:05d}",
                lines=1,
                transport_document_number=f"BL{n:08d}",
                estimated_arrival=(now - timedelta(hours=n % 500)).isoformat(),
            )
            for n in range(start, start + BATCH)
        ]
        consignment_ingest(
            enterprise_id=importer.pk, documents=documents, channel="api", actor=admin
        )
    carrier = EnterpriseFactory(trade_roles=["carrier"])
    steps = ["departure", "position", "estimated_arrival", "arrival"]
    CargoEvent.objects.bulk_create(
        CargoEvent(
            reporter=carrier,
            event_id=f"S-{n}-{step}",
            type=step,
            transport_document_number=f"BL{n:08d}",
            occurred_at=now - timedelta(hours=600 - 10 * position),
            location="" if step in ("position", "estimated_arrival") else "CNSHA",
            latitude=Decimal("30") if step == "position" else None,
            longitude=Decimal("125") if step == "position" else None,
            estimated_arrival=now if step == "estimated_arrival" else None,
            received_at=now,
        )
        for n in range(CONSIGNMENTS)
        for position, step in enumerate(steps[:EVENTS_PER_DOCUMENT])
    )
    consignments = {c.reference: c for c in Consignment.objects.filter(enterprise=importer)}
    declarations = Declaration.objects.bulk_create(
        Declaration(
            number=f"2248{n:014d}",
            customs_office="2248",
            declared_at=now - timedelta(hours=5),
            declarant_name="Broker",
            consignee_name="Importer",
            consignee_code="C1",
            consignee=importer,
            transport_document_number=f"BL{n:08d}",
            consignor_name="Seller",
            consignor_country="DE",
            currency="EUR",
            status=["accepted", "duty_assessed", "released"][n % 3],
            duty_amount=Decimal("100.00"),
            duty_currency="CNY",
            duty_due_date=timezone.localdate() + timedelta(days=n % 7),
            received_at=now,
            payload_sha256=hashlib.sha256(str(n).encode()).hexdigest(),
        )
        for n in range(0, CONSIGNMENTS, 2)
    )
    Match.objects.bulk_create(
        Match(
            declaration=declaration,
            consignment=consignments[f"PO-{int(declaration.number[4:]):05d}"],
            revision_id=consignments[f"PO-{int(declaration.number[4:]):05d}"].current_revision_id,
            method="transport_document",
            confidence=Decimal("1"),
            matched_at=now,
        )
        for declaration in declarations
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    member = Client()
    member.force_login(admin)
    carrier_api = APIClient()
    carrier_api.credentials(
        HTTP_AUTHORIZATION=f"Api-Key {ApiKeyFactory(enterprise=carrier).plaintext}"
    )
    return importer, member, carrier_api


def test_bench_events_in_and_the_consignment_list_out(world):
    importer, member, carrier_api = world
    occurred_at = (timezone.now() - timedelta(hours=1)).isoformat()

    def post_batch():
        run = next(_ids)
        body = {
            "events": [
                {
                    "event_id": f"B{run}-{n}",
                    "type": "unloading",
                    "transport_document_number": f"BL{n:08d}",
                    "occurred_at": occurred_at,
                    "location": "CNSHA",
                }
                for n in range(BATCH)
            ]
        }
        response = carrier_api.post(
            "/api/v1/events", json.dumps(body), content_type="application/json"
        )
        assert response.json()["accepted"] == BATCH

    def post_one_at_a_time():
        run = next(_ids)
        for n in range(SINGLES):
            body = {
                "event_id": f"S{run}-{n}",
                "type": "unloading",
                "transport_document_number": f"BL{n:08d}",
                "occurred_at": occurred_at,
                "location": "CNSHA",
            }
            response = carrier_api.post(
                "/api/v1/events", json.dumps(body), content_type="application/json"
            )
            assert response.status_code == 201

    def page(**query):
        def get():
            response = member.get(f"/enterprises/{importer.pk}/consignments/", query)
            assert response.status_code == 200

        return get

    def read_one():
        response = member.get("/api/v1/consignments/PO-00042")
        assert response.json()["status"] == "accepted"

    seeded = (CargoEvent.objects.count(), Declaration.objects.count())
    rows = [
        ("POST events, 200 one per request", measure(post_one_at_a_time, repeat=3), SINGLES),
        ("POST events, 1,000 in one batch", measure(post_batch), BATCH),
        ("consignment list, first page of 50", measure(page()), None),
        ("list filtered to 'needs action'", measure(page(alert="any")), None),
        ("list filtered to one status, page 20", measure(page(status="released", page=20)), None),
        ("GET consignments/{reference} with timeline", measure(read_one), None),
    ]
    print(
        f"\n[{connection.vendor}] {CONSIGNMENTS:,} consignments, "
        f"{seeded[0]:,} events, {seeded[1]:,} declarations:"
    )
    for label, seconds, items in rows:
        rate = f"{items / seconds:9,.0f} events/s" if items else ""
        print(f"  {label:<44} {seconds * 1000:8.1f} ms  {rate}")
