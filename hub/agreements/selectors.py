from django.db.models import QuerySet
from django.http import Http404

from hub.agreements.models import Agreement, AgreementText, Party
from hub.core.bulk import instance_first
from hub.core.roles import CustomsRole, has_customs_role
from hub.enterprises.permissions import MANAGE_AGREEMENTS
from hub.enterprises.selectors import enterprise_list


def agreement_list(*, visible_to) -> QuerySet[Agreement]:
    return Agreement.objects.filter(
        enterprise__in=enterprise_list(visible_to=visible_to)
    ).select_related("enterprise", "text")


def agreement_get(*, visible_to, pk) -> Agreement:
    try:
        return agreement_list(visible_to=visible_to).get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def agreement_in_force(*, enterprise_id: int) -> Agreement | None:
    """The agreement that governs what the enterprise shares now (active or suspended). Every
    submission runs this."""
    return instance_first(
        Agreement,
        "WHERE row.enterprise_id = %s AND row.status IN (%s, %s)",
        [enterprise_id, *Agreement.IN_FORCE],
    )


class AgreementNotActive(Exception):
    """Nothing may be shared now. `code` says why: "no_active_agreement", or
    "agreement_suspended" with the suspended `agreement`."""

    def __init__(self, code: str, agreement: Agreement | None = None):
        super().__init__(code)
        self.code = code
        self.agreement = agreement


def agreement_active(*, enterprise_id: int) -> Agreement:
    """The agreement the enterprise shares data under now: in force and not suspended. Raises
    AgreementNotActive otherwise; each caller words the refusal for what was being shared."""
    agreement = agreement_in_force(enterprise_id=enterprise_id)
    if agreement is None:
        raise AgreementNotActive("no_active_agreement")
    if agreement.status != Agreement.Status.ACTIVE:
        raise AgreementNotActive("agreement_suspended", agreement)
    return agreement


def agreement_text_list() -> QuerySet[AgreementText]:
    return AgreementText.objects.all()


def agreement_text_current() -> AgreementText | None:
    return AgreementText.objects.order_by("-created_at").first()


def agreement_actions(*, agreement: Agreement, viewer) -> dict[str, str]:
    """The lifecycle actions the viewer may take on the agreement now, each with the party it
    acts for: this decides both the buttons shown and what a request is allowed to do."""
    status = agreement.status
    actions: dict[str, str] = {}
    enterprise_admin = viewer.is_authenticated and viewer.has_perm(
        MANAGE_AGREEMENTS, agreement.enterprise
    )
    officer = has_customs_role(viewer, CustomsRole.ONBOARDING_OFFICER)
    if enterprise_admin:
        if status == Agreement.Status.DRAFT:
            actions["sign"] = Party.ENTERPRISE
        if status == Agreement.Status.ACTIVE:
            actions["suspend"] = Party.ENTERPRISE
        if (
            status == Agreement.Status.SUSPENDED
            and agreement.suspended_by_party == Party.ENTERPRISE
        ):
            actions["resume"] = Party.ENTERPRISE
        if status not in (Agreement.Status.TERMINATED, Agreement.Status.SUPERSEDED):
            actions["terminate"] = Party.ENTERPRISE
    if officer:
        if status == Agreement.Status.SIGNED:
            actions["countersign"] = Party.CUSTOMS
        if status == Agreement.Status.ACTIVE:
            actions["suspend"] = Party.CUSTOMS
        if status == Agreement.Status.SUSPENDED:
            actions["resume"] = Party.CUSTOMS
        if status in (Agreement.Status.ACTIVE, Agreement.Status.SUSPENDED, Agreement.Status.SIGNED):
            actions["terminate"] = Party.CUSTOMS
    return actions
