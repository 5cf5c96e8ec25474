"""The carriers' and the port's side of the demo: a container line and a terminal operator, each
with an API key, and the voyages (fixtures/tracking/demo_events.json) of the transport documents
the demo's connector samples and declarations name: one released before it berthed and out by
the gate, one held for inspection with its duty overdue, one declared before arrival, one late
and unheard of since. The events concern whichever consignments are shared under those
documents, now or later; loading them again stores nothing new."""

import json
from decimal import Decimal

from django.conf import settings

from hub.enterprises.models import ApiKey, Enterprise, TradeRole
from hub.enterprises.services import api_key_create, enterprise_register
from hub.tracking.apis import CargoEventInput, event_validate
from hub.tracking.services import cargo_events_record
from hub.tracking.status import event_types_for

EVENTS = settings.BASE_DIR / "fixtures" / "tracking" / "demo_events.json"
DEMO_KEY_NAME = "Demo events integration"
REPORTERS = {
    "carrier": {
        "legal_name": "Demo Harbour Line Container Shipping Co., Ltd.",
        "country": "CN",
        "address": "378 Dongdaming Road, Hongkou District, Shanghai",
        "trade_roles": [TradeRole.CARRIER],
        "contact_email": "edi@harbour-line.example",
    },
    "terminal": {
        "legal_name": "Demo Yangshan Container Terminal Co., Ltd.",
        "country": "CN",
        "address": "1 Shengdong Road, Yangshan Deep-Water Port, Shanghai",
        "trade_roles": [TradeRole.PORT_OPERATOR],
        "contact_email": "gate@yangshan-terminal.example",
    },
}


def _enterprise(details: dict) -> Enterprise:
    existing = Enterprise.objects.filter(legal_name=details["legal_name"]).first()
    return existing or enterprise_register(
        **details, identifiers={}, status=Enterprise.Status.APPROVED
    )


def tracking_demo_load() -> list[tuple[str, str]]:
    """Store the demo voyages, checked as POST events checks them; returns each reporter's name
    with a fresh API key, since a key is shown only once."""
    with open(EVENTS, encoding="utf-8") as file:
        voyages = json.load(file, parse_float=Decimal)
    keys = []
    for role, details in REPORTERS.items():
        enterprise = _enterprise(details)
        ApiKey.objects.filter(enterprise=enterprise, name=DEMO_KEY_NAME).delete()
        api_key, plaintext = api_key_create(name=DEMO_KEY_NAME, enterprise=enterprise)
        keys.append((enterprise.legal_name, plaintext))
        validator = CargoEventInput(
            context={"allowed_types": event_types_for(enterprise.trade_roles), "roles": role}
        )
        events = []
        for body in voyages[role]:
            values, errors = event_validate(validator, body)
            if errors:
                raise ValueError(f"The demo event {body['event_id']} is refused: {errors}")
            events.append(values)
        cargo_events_record(reporter_id=enterprise.pk, events=events, actor=api_key)
    return keys
