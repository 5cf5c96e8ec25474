from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub.core.roles import CustomsRole, customs_roles_of, has_customs_role

# (url name, label, who may use it). Each page adds its entry here when it is built.
NAVIGATION = [
    ("home", _("Home"), lambda user: True),
    (
        "audit-event-list",
        _("Audit trail"),
        lambda user: has_customs_role(user, CustomsRole.AUDITOR),
    ),
    ("admin:index", _("Administration"), lambda user: user.is_staff),
    ("api-docs", _("API documentation"), lambda user: True),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "nav_items": [
            {"label": label, "url": reverse(name), "current": name == current}
            for name, label, may_use in NAVIGATION
            if may_use(user)
        ],
        "customs_roles": [CustomsRole(role).label for role in sorted(customs_roles_of(user))],
    }
