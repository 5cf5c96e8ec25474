import re

import pytest
from playwright.sync_api import expect

from hub.core.models import AuditEvent
from hub.declarations.models import InspectionOutcome
from hub.risk.models import Decision, RiskProfile
from hub.risk.services import profiles_refresh
from tests.e2e.test_onboarding import log_in
from tests.factories import officer
from tests.risk import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_officer_moves_a_declaration_to_another_lane_and_records_what_the_inspection_found(
    live_server, page
):
    officer("customs_risk_officer", username="officer.risk")
    sharer = f.sharer("Eastern Optics Co., Ltd.")
    declaration = f.matched_declaration(sharer, number="220120261000000101")
    differing = f.matched_declaration(
        f.sharer("Western Trading Co., Ltd."),
        number="220120261000000102",
        findings=[("value", "high")],
    )
    profiles_refresh(declaration_ids=[declaration.pk, differing.pk])

    log_in(page, live_server.url, "officer.risk")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Risk queue").click()
    page.get_by_label("Lane").select_option("green")
    # The filter applies as it changes, through htmx.
    expect(page.get_by_role("link", name="220120261000000102")).to_have_count(0)
    page.get_by_role("link", name="220120261000000101").click()

    expect(
        page.get_by_role("heading", name=re.compile("Declaration 220120261000000101"))
    ).to_be_visible()
    expect(page.get_by_role("rowheader", name="Cross-check of this declaration")).to_be_visible()
    expect(page.get_by_text("Consistent with the shared data.")).to_be_visible()

    decide = page.locator("#decide")
    decide.get_by_label("Lane").select_option("red")
    decide.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Say why the declaration goes to another lane")).to_be_visible()
    page.locator("#decide").get_by_label("Reason").fill("Container flagged by the port scanner")
    page.locator("#decide").get_by_label("Lane").select_option("red")
    page.locator("#decide").get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded: red: physical inspection.")).to_be_visible()
    expect(page.get_by_role("cell", name="Container flagged by the port scanner")).to_be_visible()

    inspection = page.locator("#inspection")
    inspection.get_by_label("Inspection").select_option("physical")
    inspection.get_by_label("Result").select_option("discrepancy")
    inspection.get_by_label("Note").fill("Forty cartons more than declared")
    inspection.get_by_role("button", name="Record outcome").click()
    expect(page.get_by_text("Inspection outcome recorded: discrepancy.")).to_be_visible()
    expect(page.get_by_role("cell", name="Forty cartons more than declared")).to_be_visible()

    profile = RiskProfile.objects.get(declaration=declaration, is_current=True)
    assert profile.decided_lane == "red"
    assert Decision.objects.get().decided_by.username == "officer.risk"
    assert InspectionOutcome.objects.get().recorded_by == "officer.risk"
    assert AuditEvent.objects.filter(action="risk.profile.decided").count() == 1
    assert AuditEvent.objects.filter(action="declarations.inspection.recorded").count() == 1
