import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from hub.declarations.demo import declarations_demo_load
from hub.declarations.models import BankPayment, Declaration, DeclarationStatusChange
from hub.declarations.selectors import declaration_list, exchange_rate_on
from hub.enterprises.models import Enterprise
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CONNECTOR_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"
DEMO_ENTERPRISE = "Demo Precision Instruments (Shanghai) Co., Ltd."


def test_the_demo_gives_the_demo_enterprise_declarations_with_their_clearance(settings):
    settings.DEBUG = True

    call_command("demo_load")
    call_command("demo_load")  # a second run changes nothing

    enterprise = Enterprise.objects.get(legal_name=DEMO_ENTERPRISE)
    member = MembershipFactory(enterprise=enterprise, role="viewer").user
    own = declaration_list(visible_to=member)
    assert own.count() == 4
    assert Declaration.objects.filter(consignee=None).count() == 1
    assert all(declaration.revision == 1 for declaration in own)
    released = own.get(number="224820261000004171")
    assert (released.status, released.duty_amount) == ("released", Decimal("241560.00"))
    assert own.get(number="224820261000004512").status == "duty_assessed"
    assert DeclarationStatusChange.objects.count() == 11
    assert BankPayment.objects.filter(payer=enterprise).count() == 2
    assert exchange_rate_on("EUR", date(2026, 3, 28)) is not None


def test_three_demo_declarations_are_for_the_connector_samples_the_demo_shares(db):
    declarations_demo_load()

    samples = set()
    for path in CONNECTOR_FIXTURES.glob("*.expected.json"):
        content = json.loads(path.read_text(encoding="utf-8"))
        for document in content if isinstance(content, list) else [content]:
            samples.add((document["transport_document_number"], document["invoice_number"]))
    declared = set(Declaration.objects.values_list("transport_document_number", "invoice_number"))
    assert len(samples & declared) == 3
