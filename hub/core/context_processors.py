from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub.core.roles import CustomsRole, customs_roles_of, has_customs_role, is_customs_staff


def _of_my_enterprise(url_name):
    """A page of the user's first enterprise, for its members."""

    def destination(user):
        from hub.enterprises.selectors import membership_list

        membership = membership_list(visible_to=user).order_by("created_at").first()
        return reverse(url_name, args=[membership.enterprise_id]) if membership else None

    return destination


def _upload_page(user):
    from hub.submissions.selectors import submission_enterprise_list

    enterprise = submission_enterprise_list(visible_to=user).order_by("legal_name").first()
    return reverse("upload", args=[enterprise.pk]) if enterprise else None


def _partner_queue(user):
    from hub.partners.permissions import decides_resolution

    return reverse("partner-candidate-list") if decides_resolution(user) else None


def _release_times(user):
    """Customs see every enterprise's figures; a member, its first enterprise's."""
    if is_customs_staff(user):
        return reverse("release-times-overview")
    return _of_my_enterprise("release-times")(user)


def _risk_page(url_name):
    def destination(user):
        from hub.risk.permissions import sees_risk

        return reverse(url_name) if sees_risk(user) else None

    return destination


def _if(condition, url_name):
    return lambda user: reverse(url_name) if condition(user) else None


# (label, where it leads for this user or None when the user may not use it). Each page adds its
# entry here when it is built.
NAVIGATION = [
    (_("Home"), _if(lambda user: True, "home")),
    (_("My enterprise"), _of_my_enterprise("enterprise-detail")),
    (_("Enterprises"), _if(is_customs_staff, "enterprise-list")),
    (_("Declarations"), _if(is_customs_staff, "declaration-list")),
    (_("Agreements"), _if(lambda user: True, "agreement-list")),
    (_("Upload data"), _upload_page),
    (_("Consignments"), _of_my_enterprise("consignment-list")),
    (_("Internal control"), _of_my_enterprise("internal-control")),
    (_("Partners"), _of_my_enterprise("partner-list")),
    (_("Partner entities"), _if(is_customs_staff, "partner-entity-list")),
    (_("Partner queue"), _partner_queue),
    (_("Risk queue"), _risk_page("risk-queue")),
    (_("Lanes and calibration"), _risk_page("risk-calibration")),
    (_("Rule sets"), _risk_page("risk-ruleset-list")),
    (_("Release times"), _release_times),
    (_("Clearance what-if"), _if(lambda user: True, "tracking-whatif")),
    (
        _("Agreement texts"),
        _if(
            lambda user: has_customs_role(user, CustomsRole.ONBOARDING_OFFICER),
            "agreement-text-list",
        ),
    ),
    (
        _("Audit trail"),
        _if(lambda user: has_customs_role(user, CustomsRole.AUDITOR), "audit-event-list"),
    ),
    (_("Administration"), _if(lambda user: user.is_staff, "admin:index")),
    (_("API documentation"), _if(lambda user: True, "api-docs")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, destination in NAVIGATION:
        url = destination(user)
        if url:
            items.append({"label": label, "url": url, "current": url == request.path})
    return {
        "nav_items": items,
        "customs_roles": [CustomsRole(role).label for role in sorted(customs_roles_of(user))],
    }
