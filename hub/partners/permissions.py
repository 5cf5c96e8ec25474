"""Who may do what with partners. An enterprise's members and ERP keys see and edit its own
registrations (editing takes the submit permission); customs staff see every registration and the
partner entities; risk officers and analysts decide how registrations resolve."""

from hub.core.roles import CustomsRole, has_customs_role, is_customs_staff
from hub.enterprises.permissions import SUBMIT

RESOLUTION_ROLES = (CustomsRole.RISK_OFFICER, CustomsRole.ANALYST)


def sees_partner_entities(user) -> bool:
    return is_customs_staff(user)


def decides_resolution(user) -> bool:
    return has_customs_role(user, *RESOLUTION_ROLES)


def may_register_partners(principal, enterprise) -> bool:
    """The enterprise's own ERP key, or a member whose role may share data."""
    if getattr(principal, "api_key", None) is not None:
        return principal.enterprise_id == enterprise.pk
    return principal.is_authenticated and principal.has_perm(SUBMIT, enterprise)
