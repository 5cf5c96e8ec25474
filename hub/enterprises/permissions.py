"""What each enterprise role may do, as django-guardian object permissions on the enterprise.

Memberships are the record of who belongs where; the services keep these object permissions in
step with them, and every check reads the permissions."""

from django.utils.translation import gettext as _
from rest_framework import permissions

from hub.core.roles import CustomsRole, EnterpriseRole, has_customs_role

VIEW = "enterprises.view_enterprise"
SUBMIT = "enterprises.submit_data"
MANAGE_MEMBERS = "enterprises.manage_members"
MANAGE_AGREEMENTS = "enterprises.manage_agreements"
MANAGE_API_KEYS = "enterprises.manage_api_keys"

ROLE_PERMISSIONS = {
    EnterpriseRole.ADMIN: [VIEW, SUBMIT, MANAGE_MEMBERS, MANAGE_AGREEMENTS, MANAGE_API_KEYS],
    EnterpriseRole.SUBMITTER: [VIEW, SUBMIT],
    EnterpriseRole.VIEWER: [VIEW],
}
ALL_ENTERPRISE_PERMISSIONS = ROLE_PERMISSIONS[EnterpriseRole.ADMIN]


def is_customs_system(principal) -> bool:
    return bool(getattr(principal, "is_customs_system", False))


class IsCustomsSystem(permissions.BasePermission):
    message = _("Only the customs declaration system's key may call this endpoint.")

    def has_permission(self, request, view):
        return is_customs_system(request.user)


def customs_role_permission(*roles: CustomsRole, allow_customs_system: bool = False):
    """A DRF permission: a person holding one of `roles` (or, optionally, the customs system)."""

    class HasCustomsRole(permissions.BasePermission):
        message = _("This needs the customs role: %(roles)s.") % {
            "roles": ", ".join(str(role.label) for role in roles)
        }

        def has_permission(self, request, view):
            if allow_customs_system and is_customs_system(request.user):
                return True
            return has_customs_role(request.user, *roles)

    return HasCustomsRole
