import secrets

from django.db import transaction
from django.utils import timezone

from hub.core.audit import audit_record
from hub.enterprises.models import ApiKey, Enterprise, Membership


@transaction.atomic
def enterprise_create(
    *, legal_name: str, country: str, actor=None, status=Enterprise.Status.PENDING
) -> Enterprise:
    enterprise = Enterprise.objects.create(legal_name=legal_name, country=country, status=status)
    audit_record(
        action="enterprises.enterprise.created",
        actor=actor,
        obj=enterprise,
        enterprise_id=enterprise.pk,
        data={"legal_name": legal_name, "country": country},
    )
    return enterprise


@transaction.atomic
def membership_create(*, enterprise: Enterprise, user, role: str, actor=None) -> Membership:
    membership = Membership.objects.create(enterprise=enterprise, user=user, role=role)
    audit_record(
        action="enterprises.membership.created",
        actor=actor,
        obj=membership,
        enterprise_id=enterprise.pk,
        data={"user": user.get_username(), "role": role},
    )
    return membership


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
