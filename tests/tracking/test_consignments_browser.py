from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.declarations.models import DeclarationStatus
from tests.factories import PASSWORD, EnterpriseFactory, MembershipFactory, active_agreement
from tests.tracking.conftest import share
from tests.tracking.factories import declaration_for, status_change

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_narrows_the_list_to_what_needs_action_and_opens_the_timeline(live_server, page):
    enterprise = EnterpriseFactory(legal_name="Alpha Precision Optics Co., Ltd.")
    membership = MembershipFactory(
        enterprise=enterprise, user__username="alpha.viewer", role="viewer"
    )
    enterprise.admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, enterprise.admin, scope=["transport_details"])
    share(enterprise, "PO-CALM")
    owing = share(enterprise, "PO-OWING", received_at=timezone.now() - timedelta(hours=10))
    status_change(
        declaration_for(owing, declared_at=timezone.now() - timedelta(hours=5)),
        DeclarationStatus.DUTY_ASSESSED,
        timezone.now() - timedelta(hours=1),
        duty_amount=Decimal("1520.40"),
        duty_currency="CNY",
        duty_due_date=timezone.localdate() + timedelta(days=1),
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(membership.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Consignments").click()
    page.get_by_role("link", name="PO-CALM").wait_for()
    page.get_by_label("Alerts").select_option("any")

    page.get_by_role("link", name="PO-CALM").wait_for(state="detached")
    assert "alert=any" in page.url
    page.get_by_role("link", name="PO-OWING").click()
    page.get_by_role("heading", name="Needs action").wait_for()
    timeline = page.locator("table.timeline tbody tr").all_inner_texts()
    assert [row.split("\t")[1].split("\n")[0] for row in timeline] == [
        "shared (r1)",
        "lodged",
        "duty assessed",
    ]
