import pytest
from django.test import Client

from hub.agreements.models import Agreement
from hub.agreements.selectors import agreement_in_force
from hub.agreements.services import agreement_draft, agreement_sign
from hub.core.models import AuditEvent
from tests.factories import MembershipFactory, active_agreement, agreement_text, officer

pytestmark = pytest.mark.django_db


def draft(enterprise, admin, scope=(), channels=("api",)):
    return agreement_draft(
        enterprise=enterprise,
        text=agreement_text(),
        scope=list(scope),
        channels=list(channels),
        actor=admin,
    )


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_agreement_goes_from_draft_to_signed_to_active(enterprise, enterprise_admin):
    agreement = draft(enterprise, enterprise_admin)
    admin_client, officer_client = logged_in(enterprise_admin), logged_in(officer())

    admin_client.post(f"/agreements/{agreement.pk}/sign", {"confirm": "on"})
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SIGNED
    assert agreement_in_force(enterprise_id=enterprise.pk) is None

    officer_client.post(f"/agreements/{agreement.pk}/countersign")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement_in_force(enterprise_id=enterprise.pk) == agreement
    actions = set(
        AuditEvent.objects.filter(object_type="agreements.agreement").values_list(
            "action", flat=True
        )
    )
    assert {
        "agreements.agreement.drafted",
        "agreements.agreement.signed",
        "agreements.agreement.countersigned",
    } <= actions


def test_signing_needs_the_authenticity_declaration(enterprise, enterprise_admin):
    agreement = draft(enterprise, enterprise_admin)

    logged_in(enterprise_admin).post(f"/agreements/{agreement.pk}/sign", {})

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


def test_a_submitter_cannot_sign_and_an_enterprise_cannot_countersign(enterprise, enterprise_admin):
    agreement = draft(enterprise, enterprise_admin)
    submitter = MembershipFactory(enterprise=enterprise, role="submitter").user

    assert (
        logged_in(submitter).post(f"/agreements/{agreement.pk}/sign", {"confirm": "on"}).status_code
        == 403
    )
    agreement_sign(agreement=agreement, actor=enterprise_admin)
    assert (
        logged_in(enterprise_admin).post(f"/agreements/{agreement.pk}/countersign").status_code
        == 403
    )


def test_a_new_scope_supersedes_the_old_version_only_once_countersigned(
    enterprise, enterprise_admin
):
    first = active_agreement(enterprise, enterprise_admin, channels=["api"])
    second = draft(enterprise, enterprise_admin, channels=["api", "excel"])
    agreement_sign(agreement=second, actor=enterprise_admin)
    assert agreement_in_force(enterprise_id=enterprise.pk) == first

    logged_in(officer()).post(f"/agreements/{second.pk}/countersign")

    first.refresh_from_db()
    assert first.status == Agreement.Status.SUPERSEDED
    assert agreement_in_force(enterprise_id=enterprise.pk) == second
    assert second.supersedes == first
    assert (first.version, second.version) == (1, 2)


def test_the_enterprise_terminates_early_with_who_and_why(enterprise, enterprise_admin):
    agreement = active_agreement(enterprise, enterprise_admin)

    logged_in(enterprise_admin).post(
        f"/agreements/{agreement.pk}/terminate", {"reason": "We stop importing into China."}
    )

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert agreement.ended_by == enterprise_admin.username
    assert agreement.ended_by_party == "enterprise"
    assert agreement.end_reason == "We stop importing into China."
    assert agreement_in_force(enterprise_id=enterprise.pk) is None


def test_customs_suspends_and_resumes_with_a_reason(enterprise, enterprise_admin):
    agreement = active_agreement(enterprise, enterprise_admin)
    officer_client = logged_in(officer())

    officer_client.post(
        f"/agreements/{agreement.pk}/suspend",
        {"reason": "Data quality review after repeated mismatches."},
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SUSPENDED
    assert agreement.suspended_by_party == "customs"
    assert (
        logged_in(enterprise_admin).post(f"/agreements/{agreement.pk}/resume").status_code == 403
    )  # customs suspended it

    officer_client.post(f"/agreements/{agreement.pk}/resume")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_ending_needs_a_reason(enterprise, enterprise_admin):
    agreement = active_agreement(enterprise, enterprise_admin)

    logged_in(enterprise_admin).post(f"/agreements/{agreement.pk}/terminate", {"reason": ""})

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_a_terminated_agreement_cannot_be_signed_again(enterprise, enterprise_admin):
    agreement = active_agreement(enterprise, enterprise_admin)
    client = logged_in(enterprise_admin)
    client.post(f"/agreements/{agreement.pk}/terminate", {"reason": "done"})

    assert client.post(f"/agreements/{agreement.pk}/sign", {"confirm": "on"}).status_code == 403


def test_an_officer_sees_agreements_awaiting_countersignature(enterprise, enterprise_admin):
    agreement = draft(enterprise, enterprise_admin)
    agreement_sign(agreement=agreement, actor=enterprise_admin)

    page = logged_in(officer()).get("/agreements/").content.decode()

    assert "Awaiting your countersignature" in page
    assert f"/agreements/{agreement.pk}/" in page
