import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from hub.core.bulk import instance_first
from hub.enterprises.models import ApiKey, Enterprise

KEYWORD = "Api-Key"
# Recording every use would turn each read into a write; once a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiClient:
    """The principal behind an API key: an enterprise's integration or the customs system."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.enterprise_id = api_key.enterprise_id
        self.is_customs_system = api_key.kind == ApiKey.Kind.G2G

    def get_username(self) -> str:
        return self.api_key.audit_label

    def __str__(self):
        return self.get_username()


def principal_id(user) -> str:
    """Who is calling, as one string: the API key's visible prefix, or the person's id. Rate
    limits and idempotency records are kept per principal."""
    api_key = getattr(user, "api_key", None)
    return f"key:{api_key.prefix}" if api_key is not None else f"user:{user.pk}"


def _api_key_by_prefix(prefix: str) -> ApiKey | None:
    """The key with its enterprise's approval status, read on every API request."""
    return instance_first(
        ApiKey,
        f"LEFT JOIN {Enterprise._meta.db_table} AS enterprise "
        "ON enterprise.id = row.enterprise_id WHERE row.prefix = %s",
        [prefix],
        extra={"enterprise_status": "enterprise.status"},
    )


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`, where a key reads `hub_<prefix>_<secret>`."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as 'Authorization: Api-Key <key>', with no spaces in the key.")
            )
        key = header[1]
        parts = key.split("_")
        if len(parts) != 3 or parts[0] != "hub":
            raise exceptions.AuthenticationFailed(_("That is not a hub API key."))
        api_key = _api_key_by_prefix(parts[1])
        if api_key is None or not hmac.compare_digest(api_key.key_hash, ApiKey.hash_secret(key)):
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("This API key was revoked. Ask your enterprise admin for a new one.")
            )
        if (
            api_key.enterprise_id is not None
            and api_key.enterprise_status != Enterprise.Status.APPROVED
        ):
            raise exceptions.AuthenticationFailed(
                _("Your enterprise is not approved by customs; its keys cannot be used yet.")
            )
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiClient(api_key), api_key

    def authenticate_header(self, request):
        return KEYWORD
