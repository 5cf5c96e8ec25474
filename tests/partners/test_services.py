import pytest
from django.db import connection

from hub.core.models import AuditEvent
from hub.partners.identifiers import identifier_blind_index
from hub.partners.models import MatchCandidate, Partner, PartnerEntity, PartyLink
from hub.partners.selectors import partner_version_list
from hub.partners.services import (
    candidate_confirm,
    candidate_keep_apart,
    consignment_parties_link,
    entity_merge,
    partner_register_or_update,
    partner_resolve,
    partner_split,
    partner_update,
)
from hub.submissions.models import ConsignmentRevision
from hub.submissions.services import consignment_ingest
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    officer,
    registered_partner,
)

pytestmark = pytest.mark.django_db

RHEIN_VAT = "DE136695976"


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Run the jobs a block enqueues, as the workers would once it commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def other_enterprise(db):
    return MembershipFactory(enterprise=EnterpriseFactory(), role="admin")


@pytest.fixture
def risk_officer(db):
    return officer("customs_risk_officer")


def update(partner, actor, **changes):
    registration = {
        "legal_name": partner.legal_name,
        "country": partner.country,
        "address": partner.address,
        "roles": partner.roles,
        "identifiers": {i.scheme: i.value for i in partner.identifiers.all()},
        "contact_name": partner.contact_name,
        "contact_email": partner.contact_email,
        "contact_phone": partner.contact_phone,
        **changes,
    }
    return partner_update(partner=partner, actor=actor, **registration)


# --- Registrations and their history ---------------------------------------------------------


def test_identifiers_are_stored_encrypted_and_found_through_their_blind_index(
    enterprise, enterprise_admin
):
    partner = registered_partner(enterprise, enterprise_admin, identifiers={"vat": RHEIN_VAT})

    with connection.cursor() as cursor:
        cursor.execute("SELECT value, blind_index FROM partners_partneridentifier")
        [(stored, index)] = cursor.fetchall()
    assert stored.startswith("enc1:")
    assert RHEIN_VAT not in stored
    assert index == identifier_blind_index("vat", RHEIN_VAT)
    assert partner.identifiers.get().value == RHEIN_VAT


def test_an_edit_is_a_new_version_and_the_earlier_ones_stay_readable(enterprise, enterprise_admin):
    partner = registered_partner(enterprise, enterprise_admin, identifiers={"vat": RHEIN_VAT})

    edited = update(partner, enterprise_admin, address="Hafenstraße 1, Hamburg", roles=["shipper"])

    assert edited.version == 2
    versions = partner_version_list(partner=edited)
    assert [version.number for version in versions] == [2, 1]
    assert versions[0].registration["address"] == "Hafenstraße 1, Hamburg"
    assert versions[1].registration["address"] == ""
    assert versions[1].registration["identifiers"] == {"vat": RHEIN_VAT}
    changed = AuditEvent.objects.get(action="partners.partner.changed")
    assert changed.data == {"version": 2, "changed": ["address", "roles"]}
    registered = AuditEvent.objects.get(action="partners.partner.registered")
    assert registered.data["identifier_schemes"] == ["vat"]
    assert RHEIN_VAT not in str(registered.data)


def test_an_update_from_a_sheet_row_keeps_what_the_row_leaves_blank(enterprise, enterprise_admin):
    partner = registered_partner(
        enterprise,
        enterprise_admin,
        roles=["seller", "manufacturer"],
        identifiers={"vat": RHEIN_VAT},
        contact_email="export@rhein.example",
    )
    row = {"legal_name": partner.legal_name, "country": "DE", "roles": ["manufacturer", "seller"]}

    same, changed = partner_register_or_update(
        enterprise=enterprise,
        partner=partner,
        registration={**row, "identifiers": {}},
        actor=enterprise_admin,
    )
    updated, changed_again = partner_register_or_update(
        enterprise=enterprise,
        partner=partner,
        registration={**row, "identifiers": {"lei": "529900RHEINPRAEZ0080"}},
        actor=enterprise_admin,
    )

    assert (changed, same.version) == (False, 1)  # the same roles in another order
    assert (changed_again, updated.version) == (True, 2)
    assert {i.scheme: i.value for i in updated.identifiers.all()} == {
        "vat": RHEIN_VAT,
        "lei": "529900RHEINPRAEZ0080",
    }
    assert (updated.contact_email, updated.roles) == ("export@rhein.example", partner.roles)


def test_saving_an_unchanged_registration_makes_no_version(enterprise, enterprise_admin):
    partner = registered_partner(enterprise, enterprise_admin)

    assert update(partner, enterprise_admin).version == 1
    assert not AuditEvent.objects.filter(action="partners.partner.changed").exists()


# --- Resolution across enterprises ------------------------------------------------------------


def test_one_supplier_registered_by_two_enterprises_with_the_vat_number_written_differently_is_one_entity(  # noqa: E501
    enterprise, enterprise_admin, other_enterprise, jobs
):
    with jobs():
        ours = registered_partner(
            enterprise,
            enterprise_admin,
            legal_name="Rhein Präzisionstechnik GmbH",
            identifiers={"vat": RHEIN_VAT},
        )
    with jobs():
        theirs = registered_partner(
            other_enterprise.enterprise,
            other_enterprise.user,
            legal_name="RHEIN PRAEZISIONS-TECHNIK G.m.b.H.",
            identifiers={"vat": RHEIN_VAT},
        )

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.entity_id == theirs.entity_id
    assert theirs.resolution == Partner.Resolution.IDENTIFIER
    assert PartnerEntity.objects.get().name == "Rhein Präzisionstechnik GmbH"


def test_registrations_with_one_name_once_folded_merge_without_asking(
    enterprise, enterprise_admin, other_enterprise, jobs
):
    with jobs():
        registered_partner(enterprise, enterprise_admin, legal_name="Müller Maschinenbau GmbH")
        theirs = registered_partner(
            other_enterprise.enterprise,
            other_enterprise.user,
            legal_name="Mueller Maschinenbau Gesellschaft mit beschränkter Haftung",
        )

    theirs.refresh_from_db()
    assert theirs.resolution == Partner.Resolution.NAME
    assert PartnerEntity.objects.count() == 1


def test_a_registration_in_the_grey_zone_waits_for_an_officer_in_an_entity_of_its_own(
    enterprise, enterprise_admin, other_enterprise, jobs
):
    with jobs():
        ours = registered_partner(
            enterprise, enterprise_admin, legal_name="Evergreen Marine Corp.", country="TW"
        )
        theirs = registered_partner(
            other_enterprise.enterprise,
            other_enterprise.user,
            legal_name="Evergren Marine Corp.",
            country="TW",
        )

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.resolution == Partner.Resolution.NEW
    assert theirs.entity_id != ours.entity_id
    candidate = MatchCandidate.objects.get()
    assert (candidate.partner, candidate.entity_id) == (theirs, ours.entity_id)
    assert candidate.status == MatchCandidate.Status.OPEN
    assert candidate.reason == MatchCandidate.Reason.NAME


def test_alike_names_with_different_identifiers_are_never_merged_without_asking(
    enterprise, enterprise_admin, other_enterprise, jobs
):
    with jobs():
        registered_partner(enterprise, enterprise_admin, identifiers={"vat": RHEIN_VAT})
        theirs = registered_partner(
            other_enterprise.enterprise, other_enterprise.user, identifiers={"vat": "DE129273398"}
        )

    theirs.refresh_from_db()
    assert theirs.resolution == Partner.Resolution.NEW
    assert MatchCandidate.objects.get().reason == MatchCandidate.Reason.IDENTIFIER_CONFLICT


def test_an_officer_confirms_a_candidate_and_the_entity_of_its_own_goes(
    enterprise, enterprise_admin, other_enterprise, risk_officer, jobs
):
    with jobs():
        ours = registered_partner(enterprise, enterprise_admin, legal_name="Evergreen Marine Corp.")
        theirs = registered_partner(
            other_enterprise.enterprise, other_enterprise.user, legal_name="Evergren Marine Corp."
        )

    candidate_confirm(candidate=MatchCandidate.objects.get(), actor=risk_officer)

    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert theirs.entity_id == ours.entity_id
    assert theirs.resolution == Partner.Resolution.OFFICER
    assert PartnerEntity.objects.count() == 1
    assert MatchCandidate.objects.get().status == MatchCandidate.Status.MERGED
    event = AuditEvent.objects.get(action="partners.entity.merge_confirmed")
    assert event.actor_user == risk_officer


def test_kept_apart_stays_apart_when_the_registration_is_resolved_again(
    enterprise, enterprise_admin, other_enterprise, risk_officer, jobs
):
    with jobs():
        registered_partner(enterprise, enterprise_admin, legal_name="Schmidt Spedition GmbH")
        theirs = registered_partner(
            other_enterprise.enterprise, other_enterprise.user, legal_name="Schmitt Spedition GmbH"
        )
    candidate_keep_apart(candidate=MatchCandidate.objects.get(), actor=risk_officer)

    with jobs():
        update(theirs, other_enterprise.user, address="Lindenallee 22, Saarbrücken")

    assert MatchCandidate.objects.get().status == MatchCandidate.Status.APART
    assert PartnerEntity.objects.count() == 2
    assert AuditEvent.objects.filter(action="partners.entity.kept_apart").count() == 1


def test_officers_merge_entities_and_split_a_registration_off_for_good(
    enterprise, enterprise_admin, other_enterprise, risk_officer, jobs
):
    with jobs():
        ours = registered_partner(
            enterprise, enterprise_admin, legal_name="Nordic Steel AB", country="SE"
        )
        theirs = registered_partner(
            other_enterprise.enterprise,
            other_enterprise.user,
            legal_name="Baltic Metals AB",
            country="SE",
        )
    ours.refresh_from_db()
    theirs.refresh_from_db()

    entity_merge(source=theirs.entity, target=ours.entity, actor=risk_officer)
    theirs.refresh_from_db()
    assert theirs.entity_id == ours.entity_id
    assert PartnerEntity.objects.count() == 1

    partner_split(partner=theirs, actor=risk_officer)
    theirs.refresh_from_db()
    assert theirs.entity_id != ours.entity_id
    with jobs():  # a later edit resolves it again, and the split holds
        update(theirs, other_enterprise.user, legal_name="Nordic Steel AB")
    theirs.refresh_from_db()
    assert theirs.entity_id != ours.entity_id
    assert MatchCandidate.objects.get(partner=theirs).status == MatchCandidate.Status.APART
    assert {e.action for e in AuditEvent.objects.filter(actor_user=risk_officer)} == {
        "partners.entity.merged",
        "partners.partner.split",
    }


def test_resolving_twice_changes_nothing(enterprise, enterprise_admin, other_enterprise, jobs):
    with jobs():
        registered_partner(enterprise, enterprise_admin, legal_name="Evergreen Marine Corp.")
        theirs = registered_partner(
            other_enterprise.enterprise, other_enterprise.user, legal_name="Evergren Marine Corp."
        )
    theirs.refresh_from_db()
    entity = theirs.entity_id

    partner_resolve(partner=theirs)

    theirs.refresh_from_db()
    assert theirs.entity_id == entity
    assert MatchCandidate.objects.count() == 1
    assert PartnerEntity.objects.count() == 2


# --- Links from consignment parties ---------------------------------------------------------


@pytest.fixture
def sharing(enterprise, enterprise_admin):
    active_agreement(enterprise, enterprise_admin, scope=["supply_chain_parties"])


def share(enterprise, actor, **parties):
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document("PO-LINK-1", **parties)],
        channel="api",
        actor=actor,
    )


def links_by_role():
    return {link.party.role: link for link in PartyLink.objects.select_related("party", "partner")}


def test_parties_link_by_identifier_then_by_name_and_the_unregistered_are_marked(
    enterprise, enterprise_admin, sharing, jobs
):
    seller = registered_partner(enterprise, enterprise_admin, identifiers={"vat": RHEIN_VAT})
    shipper = registered_partner(
        enterprise, enterprise_admin, legal_name="Hapag-Lloyd AG", roles=["carrier"]
    )

    with jobs():
        share(
            enterprise,
            enterprise_admin,
            seller={"name": "Rhein GmbH (Werk 2)", "country": "DE", "tax_id": "136 695 976"},
            shipper={"name": "HAPAG LLOYD Aktiengesellschaft", "country": "DE"},
            carrier={"name": "Unknown Feeder Lines Ltd", "country": "SG"},
        )

    links = links_by_role()
    assert (links["seller"].partner, links["seller"].method) == (seller, "identifier")
    assert (links["shipper"].partner, links["shipper"].method) == (shipper, "name")
    assert (links["carrier"].partner, links["carrier"].method) == (None, "unregistered")


def test_linking_the_same_revisions_again_changes_nothing(
    enterprise, enterprise_admin, sharing, jobs
):
    with jobs():
        share(enterprise, enterprise_admin)

    consignment_parties_link(
        revision_ids=list(ConsignmentRevision.objects.values_list("pk", flat=True))
    )

    assert PartyLink.objects.count() == 1


def test_registering_a_partner_later_links_the_parties_marked_unregistered(
    enterprise, enterprise_admin, sharing, jobs
):
    with jobs():
        share(enterprise, enterprise_admin)
    assert links_by_role()["seller"].method == "unregistered"

    with jobs():
        partner = registered_partner(enterprise, enterprise_admin)

    assert (links_by_role()["seller"].partner, links_by_role()["seller"].method) == (
        partner,
        "name",
    )


def test_another_enterprises_registrations_never_link_to_our_parties(
    enterprise, enterprise_admin, other_enterprise, sharing, jobs
):
    registered_partner(other_enterprise.enterprise, other_enterprise.user)

    with jobs():
        share(enterprise, enterprise_admin)

    assert links_by_role()["seller"].method == "unregistered"
