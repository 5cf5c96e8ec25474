from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from hub.core.roles import is_customs_staff
from hub.enterprises.permissions import is_customs_system
from hub.submissions.selectors import submission_enterprise_list


class IsErpKey(BasePermission):
    message = _(
        "Pushing consignments takes an enterprise's ERP API key (Authorization: Api-Key <key>). "
        "People share data with the Excel upload."
    )

    def has_permission(self, request, view):
        api_key = getattr(request.user, "api_key", None)
        return api_key is not None and api_key.enterprise_id is not None


class MaySeeConsignments(BasePermission):
    """Enterprise members and ERP keys see their own; customs staff and the customs system all."""

    def has_permission(self, request, view):
        user = request.user
        return (
            bool(getattr(user, "enterprise_id", None))
            or is_customs_system(user)
            or is_customs_staff(user)
            or bool(user.pk and user.memberships.exists())
        )


class MaySubmitData(BasePermission):
    message = _(
        "Uploading takes the enterprise's ERP API key, or a member of the enterprise who may "
        "submit data for it (an admin or a submitter)."
    )

    def has_permission(self, request, view):
        return submission_enterprise_list(visible_to=request.user).exists()
