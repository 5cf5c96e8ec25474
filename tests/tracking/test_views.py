from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.declarations.models import DeclarationStatus
from hub.submissions.services import consignment_ingest
from hub.tracking.models import CargoEvent
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
)
from tests.tracking.conftest import DOCUMENT, key_client, session_client, share
from tests.tracking.factories import declaration_for, finding, reporter_key, status_change

pytestmark = pytest.mark.django_db


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def carrier(db):
    return reporter_key("carrier", legal_name="Ocean Carrier Lines Co., Ltd.").enterprise


def carrier_event(carrier, type, occurred_at, **fields):
    return CargoEvent.objects.create(
        reporter=carrier,
        event_id=f"{type}-{occurred_at.timestamp()}",
        type=type,
        transport_document_number=DOCUMENT,
        occurred_at=occurred_at,
        received_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def rival(importer):
    """Enterprise B: its admin, an agreement, and a consignment under the same bill of lading
    as A's."""
    enterprise = EnterpriseFactory(legal_name="Beta Rival Trading Co., Ltd.")
    enterprise.admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, enterprise.admin, scope=["transport_details"])
    share(enterprise, "B-OWN-1")
    return enterprise


def test_the_list_shows_status_arrival_change_clearance_duty_and_what_needs_action(
    importer, carrier, settings
):
    settings.TRACKING_DUTY_ALERT_DAYS = 3
    consignment = share(importer, "PO-LIST-1", estimated_arrival=ago(40))
    carrier_event(carrier, "arrival", ago(10), location="CNSHA")
    declaration = declaration_for(consignment, declared_at=ago(8))
    status_change(
        declaration,
        DeclarationStatus.DUTY_ASSESSED,
        ago(2),
        duty_amount=Decimal("1520.40"),
        duty_currency="CNY",
        duty_due_date=timezone.localdate() + timedelta(days=2),
    )

    page = session_client(importer.viewer).get(f"/enterprises/{importer.pk}/consignments/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "PO-LIST-1" in body
    assert "duty assessed" in body
    assert "30.0 h later than shared" in body
    assert "1520.40 CNY" in body
    assert '<span class="alert" title="Duty of 1520.40 CNY is due on' in body
    # Late, but arrived: nothing to act on any more.
    assert body.count('<span class="alert"') == 1


def test_the_list_filters_pages_and_answers_htmx_with_the_table_alone(importer):
    documents = [
        consignment_document(f"PO-P{n:03d}", estimated_arrival=ago(n).isoformat(), lines=1)
        for n in range(1, 56)
    ]
    consignment_ingest(
        enterprise_id=importer.pk, documents=documents, channel="api", actor=importer.admin
    )
    reader = session_client(importer.viewer)
    url = f"/enterprises/{importer.pk}/consignments/"

    first = reader.get(url).content.decode()
    second = reader.get(url, {"page": 2}).content.decode()
    searched = reader.get(url, {"q": "P042"}, HTTP_HX_REQUEST="true")

    assert "PO-P001" in first
    assert "PO-P051" not in first
    assert "PO-P051" in second
    assert "Page 2 of 2" in second
    assert "<html" not in searched.content.decode()
    assert "PO-P042" in searched.content.decode()
    assert "PO-P041" not in searched.content.decode()
    assert searched["Vary"]
    assert "HX-Request" in searched["Vary"]


def test_a_filter_that_is_not_valid_is_a_400_saying_what_to_correct(importer):
    share(importer, "PO-BADF")

    response = session_client(importer.viewer).get(
        f"/enterprises/{importer.pk}/consignments/", {"arrival_from": "31/12/2026"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid date" in body
    assert "PO-BADF" not in body


def test_the_consignment_page_shows_the_timeline_and_the_feedback_customs_shared(importer, carrier):
    consignment = share(importer, "PO-PAGE", received_at=ago(100))
    carrier_event(carrier, "departure", ago(90), location="DEHAM", vessel_or_flight="ARIES")
    declaration = declaration_for(consignment, declared_at=ago(5))
    finding(declaration, shared_back=True, explanation="Declared value is 12% below the invoice.")
    finding(declaration, shared_back=False, explanation="Consignor flagged by intelligence.")

    body = session_client(importer.viewer).get(f"/consignments/{consignment.pk}/").content.decode()

    assert "Ocean Carrier Lines Co., Ltd." in body
    assert "DEHAM" in body
    assert "Hamburg" in body
    assert declaration.number in body
    assert "Declared value is 12% below the invoice." in body
    assert "Consignor flagged by intelligence." not in body


def test_customs_see_any_enterprises_consignments(importer, customs):
    consignment = share(importer, "PO-CUSTOMS")
    officer = session_client(customs)

    listing = officer.get(f"/enterprises/{importer.pk}/consignments/")
    detail = officer.get(f"/consignments/{consignment.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "PO-CUSTOMS" in listing.content.decode()


def test_another_enterprise_never_sees_a_consignment_its_events_or_its_findings(
    importer, rival, carrier
):
    mine = share(importer, "A-SECRET-9")
    carrier_event(carrier, "arrival", ago(10), location="CNSHA", note="Berth 4")
    declaration = declaration_for(mine, declared_at=ago(5))
    status_change(declaration, DeclarationStatus.ACCEPTED, ago(4))
    finding(declaration, shared_back=True, explanation="Alpha value differs")
    b_admin = session_client(rival.admin)
    b_key = key_client(ApiKeyFactory(enterprise=rival))

    assert b_admin.get(f"/enterprises/{importer.pk}/consignments/").status_code == 404
    assert b_admin.get(f"/consignments/{mine.pk}/").status_code == 404
    assert b_key.get("/api/v1/consignments/A-SECRET-9").status_code == 404
    own_list = b_admin.get(f"/enterprises/{rival.pk}/consignments/").content.decode()
    own = b_key.get("/api/v1/consignments/B-OWN-1").json()
    assert "A-SECRET-9" not in own_list
    # The bill of lading's arrival concerns B's goods too; A's declaration does not.
    assert sorted(entry["type"] for entry in own["events"]) == ["arrival", "shared"]
    assert own["clearance"]["declarations"] == []
    assert declaration.number not in str(own)
    assert "Alpha value differs" not in own_list
