import re

import pytest
from playwright.sync_api import expect

from hub.agreements.models import Agreement
from hub.core.models import AuditEvent
from tests.factories import PASSWORD, agreement_text, officer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, username, password=PASSWORD):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_an_enterprise_registers_is_approved_signs_gets_countersigned_and_creates_a_key(
    live_server, page
):
    agreement_text()
    officer("customs_onboarding_officer", username="officer.onboarding")
    officer("customs_auditor", username="officer.auditor")
    base = live_server.url

    # The trader registers the enterprise.
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="Register your enterprise").click()
    page.get_by_label("Legal name").fill("Eastern Optics Trading Co., Ltd.")
    page.get_by_label("Country").fill("CN")
    page.get_by_label("Address").fill("100 Century Avenue, Shanghai")
    page.get_by_label("Importer").check()
    page.get_by_label("Unified social credit code (China)").fill("91310115MA1K3PQ2XL")
    page.get_by_label("Contact person").fill("Zhou Xin")
    page.get_by_label("Contact e-mail").fill("zhou@eastern-optics.example")
    page.get_by_label("Your user name").fill("zhou.xin")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-passphrase-1")
    page.get_by_label("Password again").fill("a-long-passphrase-1")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("awaiting approval")).to_be_visible()
    enterprise_url = page.url
    log_out(page)

    # The onboarding officer approves it.
    log_in(page, base, "officer.onboarding")
    page.get_by_role("link", name="Enterprises").click()
    page.get_by_role("link", name="Eastern Optics Trading Co., Ltd.").click()
    page.get_by_label("Decision").select_option("yes")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    log_out(page)

    # The trader drafts an agreement with optional data, and signs it.
    log_in(page, base, "zhou.xin", "a-long-passphrase-1")
    page.goto(enterprise_url)
    page.get_by_role("link", name="Draft a new agreement version").click()
    page.get_by_label("Transport details").check()
    page.get_by_label("API push from the ERP system").check()
    page.get_by_role("button", name="Create the draft").click()
    expect(
        page.get_by_role("heading", name=re.compile("What the enterprise shares"))
    ).to_be_visible()
    page.get_by_label(re.compile("I am authorised to sign")).check()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.locator(".status-signed")).to_be_visible()
    agreement_url = page.url
    log_out(page)

    # The officer countersigns.
    log_in(page, base, "officer.onboarding")
    page.get_by_role("link", name="Agreements").click()
    page.get_by_role("link", name=re.compile("Eastern Optics Trading Co., Ltd. v1")).click()
    page.get_by_role("button", name="Countersign for customs").click()
    expect(page.locator(".status-active")).to_be_visible()
    page.get_by_role("link", name="Verify the signatures").click()
    expect(page.get_by_text("Valid: every signature holds")).to_be_visible()
    log_out(page)

    # The trader creates an API key, shown once.
    log_in(page, base, "zhou.xin", "a-long-passphrase-1")
    page.goto(enterprise_url)
    page.get_by_label("Name").fill("SAP production")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("Key").input_value()
    assert re.fullmatch(r"hub_[0-9a-f]{8}_[A-Za-z0-9-]+", key)
    log_out(page)

    # The auditor sees every step in the audit trail.
    log_in(page, base, "officer.auditor")
    page.get_by_role("link", name="Audit trail").click()
    for action in (
        "enterprises.enterprise.registered",
        "enterprises.enterprise.approved",
        "agreements.agreement.signed",
        "agreements.agreement.countersigned",
        "enterprises.api_key.created",
    ):
        expect(page.get_by_role("cell", name=action, exact=True).first).to_be_visible()

    agreement = Agreement.objects.get()
    assert agreement_url.endswith(f"/agreements/{agreement.pk}/")
    assert "vessel_or_flight" in agreement.scope or "transport_details" in agreement.scope
    assert AuditEvent.objects.filter(action="agreements.agreement.countersigned").count() == 1
