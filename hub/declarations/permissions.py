from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from hub.enterprises.selectors import sees_every_enterprise


class SeesEveryDeclaration(BasePermission):
    message = _(
        "The list of declarations is for customs staff and the customs system; an enterprise "
        "reads its own declarations one by one, by number."
    )

    def has_permission(self, request, view):
        return sees_every_enterprise(request.user)
