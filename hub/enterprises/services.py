import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from hub.core.audit import audit_record
from hub.core.roles import EnterpriseRole
from hub.enterprises.models import (
    AeoStatus,
    ApiKey,
    CreditRating,
    Enterprise,
    EnterpriseIdentifier,
    Invitation,
    Membership,
    RatingChange,
)
from hub.enterprises.permissions import ALL_ENTERPRISE_PERMISSIONS, ROLE_PERMISSIONS

INVITATION_VALIDITY = timedelta(days=14)


@transaction.atomic
def enterprise_register(
    *,
    legal_name: str,
    country: str,
    identifiers: dict[str, str],
    address: str = "",
    trade_roles: list[str] | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    registrant=None,
    actor=None,
    status: str = Enterprise.Status.PENDING,
) -> Enterprise:
    """Register an enterprise awaiting customs' approval. `identifiers` are already normalized
    (scheme → compact value); the person who registered becomes its first admin."""
    enterprise = Enterprise.objects.create(
        legal_name=legal_name,
        country=country,
        address=address,
        trade_roles=trade_roles or [],
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        status=status,
    )
    EnterpriseIdentifier.objects.bulk_create(
        EnterpriseIdentifier(enterprise=enterprise, scheme=scheme, value=value)
        for scheme, value in identifiers.items()
    )
    audit_record(
        action="enterprises.enterprise.registered",
        actor=actor or registrant,
        obj=enterprise,
        enterprise_id=enterprise.pk,
        data={"legal_name": legal_name, "country": country, "identifiers": identifiers},
    )
    if registrant is not None:
        membership_create(
            enterprise=enterprise, user=registrant, role=EnterpriseRole.ADMIN, actor=registrant
        )
    return enterprise


@transaction.atomic
def enterprise_decide(*, enterprise: Enterprise, approve: bool, reason: str, actor) -> Enterprise:
    """An onboarding officer's approval or rejection, with the reason the enterprise will see."""
    enterprise.status = Enterprise.Status.APPROVED if approve else Enterprise.Status.REJECTED
    enterprise.decision_reason = reason
    enterprise.decided_by = actor
    enterprise.decided_at = timezone.now()
    enterprise.save(
        update_fields=["status", "decision_reason", "decided_by", "decided_at", "updated_at"]
    )
    audit_record(
        action="enterprises.enterprise.approved" if approve else "enterprises.enterprise.rejected",
        actor=actor,
        obj=enterprise,
        enterprise_id=enterprise.pk,
        data={"reason": reason},
    )
    return enterprise


@transaction.atomic
def enterprise_rating_set(
    *,
    enterprise: Enterprise,
    credit_rating: CreditRating,
    aeo_status: AeoStatus,
    reason: str,
    source: RatingChange.Source,
    actor,
) -> RatingChange:
    enterprise.credit_rating = credit_rating
    enterprise.aeo_status = aeo_status
    enterprise.save(update_fields=["credit_rating", "aeo_status", "updated_at"])
    change = RatingChange.objects.create(
        enterprise=enterprise,
        credit_rating=credit_rating,
        aeo_status=aeo_status,
        reason=reason,
        source=source,
        changed_by=actor.get_username(),
    )
    audit_record(
        action="enterprises.enterprise.rating_changed",
        actor=actor,
        obj=enterprise,
        enterprise_id=enterprise.pk,
        data={"credit_rating": credit_rating, "aeo_status": aeo_status, "reason": reason},
    )
    return change


def _grant_role(*, enterprise: Enterprise, user, role: str) -> None:
    for permission in ALL_ENTERPRISE_PERMISSIONS:
        remove_perm(permission, user, enterprise)
    for permission in ROLE_PERMISSIONS[EnterpriseRole(role)]:
        assign_perm(permission, user, enterprise)


@transaction.atomic
def membership_create(*, enterprise: Enterprise, user, role: str, actor=None) -> Membership:
    membership = Membership.objects.create(enterprise=enterprise, user=user, role=role)
    _grant_role(enterprise=enterprise, user=user, role=role)
    audit_record(
        action="enterprises.membership.created",
        actor=actor,
        obj=membership,
        enterprise_id=enterprise.pk,
        data={"user": user.get_username(), "role": role},
    )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor) -> Membership:
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _grant_role(enterprise=membership.enterprise, user=membership.user, role=role)
    audit_record(
        action="enterprises.membership.role_changed",
        actor=actor,
        obj=membership,
        enterprise_id=membership.enterprise_id,
        data={"user": membership.user.get_username(), "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    for permission in ALL_ENTERPRISE_PERMISSIONS:
        remove_perm(permission, membership.user, membership.enterprise)
    audit_record(
        action="enterprises.membership.removed",
        actor=actor,
        obj=membership,
        enterprise_id=membership.enterprise_id,
        data={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def invitation_create(
    *, enterprise: Enterprise, email: str, role: str, actor
) -> tuple[Invitation, str]:
    """Create an invitation and return it with its token, which is shown once."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        enterprise=enterprise,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    audit_record(
        action="enterprises.invitation.created",
        actor=actor,
        obj=invitation,
        enterprise_id=enterprise.pk,
        data={"email": email, "role": role},
    )
    return invitation, token


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership_create(
        enterprise=invitation.enterprise, user=user, role=invitation.role, actor=user
    )


@transaction.atomic
def api_key_create(
    *, name: str, enterprise: Enterprise | None = None, kind=ApiKey.Kind.ERP, actor=None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext, which is shown once and never stored."""
    prefix = secrets.token_hex(4)
    plaintext = f"hub_{prefix}_{secrets.token_urlsafe(30).replace('_', '-')}"
    api_key = ApiKey.objects.create(
        kind=kind,
        enterprise=enterprise,
        name=name,
        prefix=prefix,
        key_hash=ApiKey.hash_secret(plaintext),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        action="enterprises.api_key.created",
        actor=actor,
        obj=api_key,
        enterprise_id=enterprise.pk if enterprise else None,
        data={"name": name, "prefix": prefix, "kind": kind},
    )
    return api_key, plaintext


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor=None) -> ApiKey:
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        action="enterprises.api_key.revoked",
        actor=actor,
        obj=api_key,
        enterprise_id=api_key.enterprise_id,
        data={"prefix": api_key.prefix},
    )
    return api_key
