"""The roles people hold. Customs roles are global (Django groups named after the role); enterprise
roles belong to a membership of one enterprise."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomsRole(models.TextChoices):
    ONBOARDING_OFFICER = "customs_onboarding_officer", _("Customs onboarding officer")
    RISK_OFFICER = "customs_risk_officer", _("Customs risk officer")
    ANALYST = "customs_analyst", _("Customs analyst")
    AUDITOR = "customs_auditor", _("Customs auditor")


class EnterpriseRole(models.TextChoices):
    ADMIN = "admin", _("Enterprise admin")
    SUBMITTER = "submitter", _("Submitter")
    VIEWER = "viewer", _("Viewer")


def customs_roles_of(user) -> set[str]:
    """The customs roles a user holds, cached on the user object for the request."""
    if not user.is_authenticated or user.pk is None:  # API clients hold no customs roles
        return set()
    cached = getattr(user, "_customs_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role.value for role in CustomsRole if role.value in names}
        user._customs_roles = cached
    return cached


def has_customs_role(user, *roles: CustomsRole) -> bool:
    return bool(customs_roles_of(user) & {role.value for role in roles})


def is_customs_staff(user) -> bool:
    return bool(customs_roles_of(user))
