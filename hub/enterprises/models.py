import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.core.models import TimeStampedModel
from hub.core.roles import EnterpriseRole
from hub.enterprises.identifiers import Scheme


class TradeRole(models.TextChoices):
    IMPORTER = "importer", _("Importer")
    EXPORTER = "exporter", _("Exporter")
    CARRIER = "carrier", _("Carrier")
    FORWARDER = "forwarder", _("Freight forwarder")
    CUSTOMS_BROKER = "customs_broker", _("Customs broker")
    PORT_OPERATOR = "port_operator", _("Port operator")


class CreditRating(models.TextChoices):
    """China Customs' enterprise credit categories."""

    UNRATED = "unrated", _("Not rated yet")
    ADVANCED_CERTIFIED = "advanced_certified", _("Advanced certified enterprise")
    GENERAL = "general", _("General credit enterprise")
    DISHONEST = "dishonest", _("Dishonest enterprise")


class AeoStatus(models.TextChoices):
    NONE = "none", _("Not certified")
    CERTIFIED = "certified", _("AEO certified")
    SUSPENDED = "suspended", _("AEO suspended")
    REVOKED = "revoked", _("AEO revoked")


class Enterprise(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    legal_name = models.CharField(_("legal name"), max_length=300)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    address = models.TextField(_("address"), blank=True)
    trade_roles = models.JSONField(_("roles in trade"), default=list, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    credit_rating = models.CharField(
        _("credit rating"),
        max_length=20,
        choices=CreditRating.choices,
        default=CreditRating.UNRATED,
    )
    aeo_status = models.CharField(
        _("AEO status"), max_length=10, choices=AeoStatus.choices, default=AeoStatus.NONE
    )

    class Meta:
        ordering = ["legal_name"]
        permissions = [
            ("submit_data", "Share data on behalf of the enterprise"),
            ("manage_members", "Invite members and change their roles"),
            ("manage_agreements", "Sign and end data-sharing agreements"),
            ("manage_api_keys", "Create and revoke API keys"),
        ]

    def __str__(self):
        return self.legal_name

    def get_trade_roles_display(self) -> list[str]:
        return [TradeRole(role).label for role in self.trade_roles if role in TradeRole.values]


class EnterpriseIdentifier(models.Model):
    """An identifier in its compact form; one enterprise per identifier across the hub."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    value = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="identifier_unique_in_hub"),
            models.UniqueConstraint(
                fields=["enterprise", "scheme"], name="one_identifier_per_scheme"
            ),
        ]

    def __str__(self):
        return f"{self.get_scheme_display()}: {self.value}"


class RatingChange(models.Model):
    """The history of an enterprise's credit rating and AEO status: the risk engine reads it."""

    class Source(models.TextChoices):
        OFFICER = "officer", _("customs officer")
        CUSTOMS_SYSTEM = "customs_system", _("customs system")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="rating_changes"
    )
    credit_rating = models.CharField(max_length=20, choices=CreditRating.choices)
    aeo_status = models.CharField(max_length=10, choices=AeoStatus.choices)
    reason = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    changed_by = models.CharField(max_length=200)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.enterprise}: {self.credit_rating}/{self.aeo_status} at {self.changed_at}"


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=EnterpriseRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"{self.user} · {self.enterprise} ({self.get_role_display()})"


class Invitation(TimeStampedModel):
    """An invitation to join an enterprise. Only the token's hash is stored; the link is shown
    to the admin who made it."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=EnterpriseRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.email} → {self.enterprise} ({self.role})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ApiKey(TimeStampedModel):
    """A credential for a machine client: an enterprise's ERP integration, or the customs system.

    Only the sha256 of the key is stored (keys are long random strings, so a fast hash suffices);
    the prefix is kept in clear to find the row and to let people tell their keys apart.
    """

    class Kind(models.TextChoices):
        ERP = "erp", _("enterprise ERP integration")
        G2G = "g2g", _("customs declaration system")

    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.ERP)
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="g2g", enterprise__isnull=True)
                | models.Q(kind="erp", enterprise__isnull=False),
                name="erp_keys_belong_to_an_enterprise",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def audit_label(self) -> str:
        return f"api-key:{self.prefix}"

    @staticmethod
    def hash_secret(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
