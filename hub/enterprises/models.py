import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.core.models import TimeStampedModel
from hub.core.roles import EnterpriseRole


class Enterprise(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    legal_name = models.CharField(_("legal name"), max_length=300)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )

    class Meta:
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name


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
