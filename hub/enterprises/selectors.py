from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from hub.core.roles import is_customs_staff
from hub.enterprises.models import ApiKey, Enterprise, Invitation, Membership
from hub.enterprises.permissions import VIEW, is_customs_system


def sees_every_enterprise(viewer) -> bool:
    return is_customs_system(viewer) or is_customs_staff(viewer)


def enterprise_list(*, visible_to) -> QuerySet[Enterprise]:
    """Customs staff and the customs system see every enterprise; an ERP key sees its own; a
    person sees those they have the view permission on (their memberships)."""
    if sees_every_enterprise(visible_to):
        return Enterprise.objects.all()
    if getattr(visible_to, "enterprise_id", None):
        return Enterprise.objects.filter(pk=visible_to.enterprise_id)
    if visible_to.is_authenticated and visible_to.pk is not None:
        return get_objects_for_user(visible_to, VIEW, klass=Enterprise, accept_global_perms=False)
    return Enterprise.objects.none()


def enterprise_get(*, visible_to, pk) -> Enterprise:
    """404 for what the viewer may not see: its existence is not disclosed either."""
    try:
        return enterprise_list(visible_to=visible_to).get(pk=pk)
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def membership_list(*, visible_to, enterprise: Enterprise | None = None) -> QuerySet[Membership]:
    """Without an enterprise: the viewer's own memberships. With one: its members, for those
    who may see the enterprise."""
    if enterprise is None:
        if not visible_to.is_authenticated or visible_to.pk is None:
            return Membership.objects.none()
        return Membership.objects.filter(user=visible_to)
    if not enterprise_list(visible_to=visible_to).filter(pk=enterprise.pk).exists():
        return Membership.objects.none()
    return enterprise.memberships.select_related("user").order_by("user__username")


def invitation_list(*, visible_to, enterprise: Enterprise) -> QuerySet[Invitation]:
    if not enterprise_list(visible_to=visible_to).filter(pk=enterprise.pk).exists():
        return Invitation.objects.none()
    return enterprise.invitations.filter(
        accepted_at__isnull=True, cancelled_at__isnull=True
    ).order_by("-created_at")


def invitation_get_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("enterprise")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def api_key_list(*, visible_to, enterprise: Enterprise) -> QuerySet[ApiKey]:
    if not enterprise_list(visible_to=visible_to).filter(pk=enterprise.pk).exists():
        return ApiKey.objects.none()
    return enterprise.api_keys.order_by("-created_at")
