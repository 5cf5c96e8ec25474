import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from hub.core.models import User
from hub.enterprises.models import Enterprise
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from hub.tracking.models import CargoEvent
from hub.tracking.selectors import consignment_tracking_get, tracking_of
from hub.tracking.status import Stage

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO_ENTERPRISE = "Demo Precision Instruments (Shanghai) Co., Ltd."


def test_the_demo_voyages_load_once_and_their_keys_report_events(settings, capsys):
    settings.DEBUG = True
    voyages = json.loads((FIXTURES / "tracking" / "demo_events.json").read_text())

    call_command("demo_load")
    call_command("demo_load")

    assert CargoEvent.objects.count() == sum(len(events) for events in voyages.values())
    output = capsys.readouterr().out.split("Demo cargo-event API keys")[-1]
    carrier_key, terminal_key = re.findall(r"hub_[0-9a-f]{8}_[A-Za-z0-9-]+", output)[:2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {terminal_key}")
    response = client.post(
        "/api/v1/events",
        {
            "event_id": "TRY-1",
            "type": "gate_out",
            "transport_document_number": "ONEYTYOG01234500",
            "occurred_at": "2026-03-20T10:00:00+08:00",
            "location": "CNSHA",
        },
        format="json",
    )
    assert response.status_code == 201
    assert carrier_key != terminal_key


def test_a_connector_sample_the_demo_enterprise_shares_shows_its_voyage(settings):
    settings.DEBUG = True
    call_command("demo_load")
    enterprise = Enterprise.objects.get(legal_name=DEMO_ENTERPRISE)
    sample = json.loads((FIXTURES / "connectors" / "invoic02__basic.expected.json").read_text())
    admin = User.objects.get(username="trader.admin")

    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=sample if isinstance(sample, list) else [sample],
        channel="api",
        actor=admin,
    )

    consignment = Consignment.objects.get(transport_document_number="HLCUHAM260200417")
    tracking = tracking_of(consignment_tracking_get(visible_to=admin, pk=consignment.pk))
    assert (tracking.status, tracking.cargo) == (Stage.GATE_OUT, Stage.GATE_OUT)
    assert tracking.arrival_change_hours > 0
