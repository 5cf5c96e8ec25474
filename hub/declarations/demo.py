"""The customs system's side of the demo: exchange rates, declarations of the demo enterprise
(three of them for the consignments of the connector samples it shares, one without shared data)
and of a consignee the hub does not know, their status changes and two bank payments. Everything
goes through the feeds' services, and loading it again changes nothing."""

import csv
import json
from decimal import Decimal

from django.conf import settings

from hub.declarations.files import jsonl_read
from hub.declarations.services import (
    bank_payment_receive,
    declaration_receive,
    declaration_status_record,
    exchange_rate_record,
)

FIXTURES = settings.BASE_DIR / "fixtures" / "declarations"


def _stored(results, what: str) -> None:
    """A demo fixture the feeds refuse is a bug in the fixture: say which and why."""
    refused = [result for result in results if result.status == "refused"]
    if refused:
        raise ValueError(f"The demo {what} were refused: {[r.errors for r in refused]}")


def declarations_demo_load() -> None:
    with open(FIXTURES / "exchange_rates.csv", encoding="utf-8", newline="") as rates:
        _stored(
            exchange_rate_record(rates=list(csv.DictReader(rates)), actor=None), "exchange rates"
        )
    with open(FIXTURES / "declarations.jsonl", encoding="utf-8") as lines:
        documents = [source.document for source in jsonl_read(lines)]
    _stored(declaration_receive(documents=documents, actor=None), "declarations")
    with open(FIXTURES / "demo.json", encoding="utf-8") as file:
        demo = json.load(file, parse_float=Decimal)
    _stored(declaration_status_record(changes=demo["status_changes"], actor=None), "statuses")
    _stored(bank_payment_receive(records=demo["bank_payments"], actor=None), "bank payments")
