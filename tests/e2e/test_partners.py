import re

import pytest
from playwright.sync_api import expect

from hub.partners.models import Partner
from tests.e2e.test_onboarding import log_in, log_out
from tests.factories import EnterpriseFactory, MembershipFactory, active_agreement, officer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def register_supplier(page, base_url, username, *, name, vat, role):
    log_in(page, base_url, username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.get_by_role("link", name="Register a partner").click()
    page.get_by_label("Legal name").fill(name)
    page.get_by_label("Country").select_option("DE")
    page.get_by_label(role).check()
    page.get_by_label("VAT or tax number").fill(vat)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Partner registered.")).to_be_visible()
    url = page.url
    log_out(page)
    return url


def test_two_importers_register_one_supplier_differently_and_customs_sees_one_entity(
    live_server, page
):
    base = live_server.url
    enterprises = {}
    for username, legal_name in (
        ("alpha.admin", "Alpha Optics Co., Ltd."),
        ("beta.admin", "Beta Instruments Co., Ltd."),
    ):
        membership = MembershipFactory(
            enterprise=EnterpriseFactory(legal_name=legal_name),
            user__username=username,
            role="admin",
        )
        active_agreement(membership.enterprise, membership.user)
        enterprises[username] = membership.enterprise
    officer("customs_analyst", username="officer.analyst")

    alpha_partner = register_supplier(
        page,
        base,
        "alpha.admin",
        name="Rhein Präzisionstechnik GmbH",
        vat="DE136695976",
        role="Seller / supplier",
    )
    register_supplier(
        page,
        base,
        "beta.admin",
        name="RHEIN PRAEZISIONS-TECHNIK",
        vat="136 695 976",
        role="Manufacturer",
    )

    # Customs sees one entity, declared by both importers.
    log_in(page, base, "officer.analyst")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partner entities").click()
    page.get_by_label("Name contains").fill("rhein")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=re.compile("Rhein"))).to_have_count(1)
    page.get_by_role("link", name="Rhein Präzisionstechnik GmbH").click()
    expect(page.get_by_role("link", name="Alpha Optics Co., Ltd.")).to_be_visible()
    expect(page.get_by_role("link", name="Beta Instruments Co., Ltd.")).to_be_visible()
    expect(page.get_by_role("cell", name="Manufacturer")).to_be_visible()
    log_out(page)
    assert Partner.objects.values("entity").distinct().count() == 1

    # Neither importer sees the other's registration.
    log_in(page, base, "beta.admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    expect(page.get_by_role("link", name="RHEIN PRAEZISIONS-TECHNIK")).to_be_visible()
    expect(page.get_by_text("Rhein Präzisionstechnik GmbH")).to_have_count(0)
    expect(page.get_by_text("Alpha Optics")).to_have_count(0)
    response = page.goto(alpha_partner)
    assert response.status == 404
