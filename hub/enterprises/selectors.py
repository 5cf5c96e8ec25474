from django.db.models import QuerySet

from hub.core.roles import is_customs_staff
from hub.enterprises.models import Enterprise, Membership


def enterprise_list(*, visible_to) -> QuerySet[Enterprise]:
    """Customs staff see every enterprise; a member sees the enterprises they belong to; an
    integration sees its own enterprise."""
    if getattr(visible_to, "is_customs_system", False) or is_customs_staff(visible_to):
        return Enterprise.objects.all()
    if getattr(visible_to, "enterprise_id", None):
        return Enterprise.objects.filter(pk=visible_to.enterprise_id)
    if visible_to.is_authenticated:
        return Enterprise.objects.filter(memberships__user=visible_to)
    return Enterprise.objects.none()


def membership_list(*, visible_to) -> QuerySet[Membership]:
    """A person sees their own memberships and those of the enterprises they administer."""
    if not visible_to.is_authenticated or visible_to.pk is None:
        return Membership.objects.none()
    return Membership.objects.filter(user=visible_to)
