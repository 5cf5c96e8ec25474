import pytest
from django.test import Client

from hub.partners.models import MatchCandidate, Partner
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    officer,
    registered_partner,
)
from tests.risk import factories as risk_factories

pytestmark = pytest.mark.django_db

FORM = {
    "legal_name": "Rhein Präzisionstechnik GmbH",
    "country": "DE",
    "address": "Industriestraße 12, 73033 Göppingen",
    "roles": ["seller"],
    "vat": "136 695 976",
    "contact_email": "export@rhein.example",
}


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(enterprise, enterprise_admin, scope=["supply_chain_parties"])


@pytest.fixture
def submitter(enterprise):
    return MembershipFactory(enterprise=enterprise, role="submitter").user


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_submitter_registers_a_partner_and_edits_it_keeping_the_history(
    enterprise, agreement, submitter
):
    client = client_of(submitter)

    created = client.post(f"/enterprises/{enterprise.pk}/partners/new", FORM, follow=True)

    partner = Partner.objects.get()
    assert created.redirect_chain[-1][0] == f"/enterprises/{enterprise.pk}/partners/{partner.pk}/"
    assert partner.identifiers.get().value == "DE136695976"
    edited = client.post(
        f"/enterprises/{enterprise.pk}/partners/{partner.pk}/edit",
        {**FORM, "roles": ["seller", "manufacturer"]},
        follow=True,
    )
    page = edited.content.decode()
    assert "Saved as version 2." in page
    assert "v2" in page
    assert "v1" in page
    assert "Manufacturer" in page


def test_an_invalid_vat_number_is_shown_with_how_to_fix_it(enterprise, agreement, submitter):
    response = client_of(submitter).post(
        f"/enterprises/{enterprise.pk}/partners/new", {**FORM, "vat": "DE136695977"}
    )

    assert response.status_code == 200
    assert "checksum" in response.content.decode()
    assert not Partner.objects.exists()


def test_without_an_agreement_the_partner_pages_say_why_nothing_can_be_registered(
    enterprise, submitter
):
    client = client_of(submitter)

    listed = client.get(f"/enterprises/{enterprise.pk}/partners/").content.decode()
    refused = client.get(f"/enterprises/{enterprise.pk}/partners/new", follow=True)

    assert "none in force" in listed
    assert "Register a partner" not in listed
    assert "none in force" in refused.content.decode()


def test_parties_the_enterprise_never_registered_are_listed_with_a_link_to_register_them(
    enterprise, enterprise_admin, agreement, submitter, jobs
):
    with jobs():
        consignment_ingest(
            enterprise_id=enterprise.pk,
            documents=[
                consignment_document(
                    "PO-UNREG", carrier={"name": "Unknown Feeder Lines Ltd", "country": "SG"}
                )
            ],
            channel="api",
            actor=enterprise_admin,
        )

    page = client_of(submitter).get(f"/enterprises/{enterprise.pk}/partners/").content.decode()

    assert "Unknown Feeder Lines Ltd" in page
    assert "PO-UNREG" in page
    assert "?name=Unknown%20Feeder%20Lines%20Ltd&amp;country=SG&amp;role=carrier" in page
    prefilled = client_of(submitter).get(
        f"/enterprises/{enterprise.pk}/partners/new?name=Unknown+Feeder+Lines+Ltd&country=SG"
        "&role=carrier"
    )
    assert 'value="Unknown Feeder Lines Ltd"' in prefilled.content.decode()


@pytest.fixture
def two_importers_one_supplier(enterprise, enterprise_admin, agreement, jobs):
    """A and B both register Rhein, spelled differently, with the VAT number written two ways;
    A shares a consignment from it with a carrier it never registered."""
    other = MembershipFactory(enterprise=EnterpriseFactory(legal_name="Beta Optics Ltd"))
    with jobs():
        ours = registered_partner(enterprise, enterprise_admin, identifiers={"vat": "DE136695976"})
        registered_partner(
            other.enterprise,
            other.user,
            legal_name="RHEIN PRAEZISIONSTECHNIK",
            roles=["manufacturer"],
            identifiers={"vat": "DE136695976"},
        )
        consignment_ingest(
            enterprise_id=enterprise.pk,
            documents=[
                consignment_document(
                    "PO-CHAIN",
                    seller={"name": "Rhein GmbH", "country": "DE", "tax_id": "DE 136695976"},
                    carrier={"name": "Unknown Feeder Lines Ltd", "country": "SG"},
                )
            ],
            channel="api",
            actor=enterprise_admin,
        )
    ours.refresh_from_db()
    return ours


def test_customs_sees_one_entity_with_every_enterprise_that_declared_it_and_its_consignments(
    two_importers_one_supplier, enterprise
):
    entity = two_importers_one_supplier.entity
    client = client_of(officer("customs_analyst"))

    listed = client.get("/partners/entities/?q=rhein").content.decode()
    page = client.get(f"/partners/entities/{entity.pk}/").content.decode()

    assert listed.count("/partners/entities/") >= 1
    assert enterprise.legal_name in page
    assert "Beta Optics Ltd" in page
    assert "Seller / supplier" in page
    assert "Manufacturer" in page
    assert "PO-CHAIN" in page
    assert "No declaration is matched to a consignment that names this partner yet." in page


def test_the_entity_page_shows_the_declarations_behind_its_consignments_with_findings_and_outcomes(
    two_importers_one_supplier, enterprise
):
    consignment = Consignment.objects.get(reference="PO-CHAIN")
    declared = risk_factories.declaration(enterprise, number="220120260000000777")
    risk_factories.match(declared, consignment)
    risk_factories.crosscheck(declared, findings=[("origin", "high")])
    risk_factories.inspection(declared, result="discrepancy")
    unrelated = risk_factories.declaration(enterprise, number="220120260000000888")
    risk_factories.crosscheck(unrelated, findings=[("value", "high")])

    page = client_of(officer("customs_risk_officer")).get(
        f"/partners/entities/{two_importers_one_supplier.entity.pk}/"
    )

    html = page.content.decode()
    assert "220120260000000777" in html
    assert "Origin differs" in html or "origin differs" in html
    assert "physical inspection: discrepancy" in html
    assert "220120260000000888" not in html


def test_the_supply_chain_runs_from_the_seller_to_the_consignee_and_marks_the_unregistered(
    two_importers_one_supplier, enterprise
):
    consignment = Consignment.objects.get(reference="PO-CHAIN")

    page = (
        client_of(officer("customs_risk_officer"))
        .get(f"/consignments/{consignment.pk}/supply-chain")
        .content.decode()
    )

    seller, carrier, consignee = (
        page.index("Rhein GmbH"),
        page.index("Unknown Feeder Lines Ltd"),
        page.index(enterprise.legal_name, page.index("Consignee")),
    )
    assert seller < carrier < consignee
    assert "by identifier" in page
    assert "The enterprise never registered this party" in page


def test_members_do_not_see_which_entity_their_partner_resolved_to(
    two_importers_one_supplier, enterprise, enterprise_admin
):
    path = f"/enterprises/{enterprise.pk}/partners/{two_importers_one_supplier.pk}/"

    member_page = client_of(enterprise_admin).get(path).content.decode()
    customs_page = client_of(officer("customs_analyst")).get(path).content.decode()

    assert "Beta Optics" not in member_page
    assert "Partner entity" not in member_page
    assert "Partner entity" in customs_page


def test_an_officer_decides_a_candidate_from_the_queue(
    enterprise, enterprise_admin, agreement, jobs
):
    other = MembershipFactory(enterprise=EnterpriseFactory())
    with jobs():
        registered_partner(enterprise, enterprise_admin, legal_name="Evergreen Marine Corp.")
        registered_partner(other.enterprise, other.user, legal_name="Evergren Marine Corp.")
    candidate = MatchCandidate.objects.get()
    client = client_of(officer("customs_risk_officer"))

    queue = client.get("/partners/queue/").content.decode()
    decided = client.post(f"/partners/queue/{candidate.pk}", {"decision": "merge"}, follow=True)

    assert "Evergren Marine Corp." in queue
    assert "Same company: merge" in queue
    assert "joined the entity" in decided.content.decode()
    assert Partner.objects.values("entity").distinct().count() == 1
    auditor_queue = client_of(officer("customs_auditor")).get("/partners/queue/").content.decode()
    assert "Same company: merge" not in auditor_queue


def test_an_officer_merges_an_entity_into_another_and_splits_a_registration_off(
    enterprise, enterprise_admin, agreement, jobs
):
    other = MembershipFactory(enterprise=EnterpriseFactory())
    with jobs():
        ours = registered_partner(enterprise, enterprise_admin, legal_name="Nordic Steel AB")
        theirs = registered_partner(other.enterprise, other.user, legal_name="Baltic Metals AB")
    ours.refresh_from_db()
    theirs.refresh_from_db()
    client = client_of(officer("customs_analyst"))

    merged = client.post(
        f"/partners/entities/{ours.entity_id}/merge", {"other": theirs.entity_id}, follow=True
    )
    assert "merged into this one" in merged.content.decode()
    assert "Split off" in merged.content.decode()
    split = client.post(f"/partners/registrations/{theirs.pk}/split", follow=True)

    assert "an entity of its own" in split.content.decode()
    assert Partner.objects.values("entity").distinct().count() == 2


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("customs_risk_officer", {"Partner entities", "Partner queue"}, {"Partners<"}),
        ("customs_auditor", {"Partner entities"}, {"Partner queue"}),
    ],
)
def test_customs_navigation_leads_to_the_entities_and_deciders_to_the_queue(role, shown, hidden):
    page = client_of(officer(role)).get("/").content.decode()

    assert all(label in page for label in shown)
    assert not any(label in page for label in hidden)


def test_a_member_finds_the_partners_of_its_enterprise_in_the_navigation(
    enterprise, enterprise_admin
):
    page = client_of(enterprise_admin).get("/").content.decode()

    assert f'href="/enterprises/{enterprise.pk}/partners/"' in page
    assert "Partner entities" not in page
