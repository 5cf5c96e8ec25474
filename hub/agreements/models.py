import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.core.models import TimeStampedModel


class Channel(models.TextChoices):
    API = "api", _("API push from the ERP system")
    EXCEL = "excel", _("Excel template upload")


class Party(models.TextChoices):
    ENTERPRISE = "enterprise", _("the enterprise")
    CUSTOMS = "customs", _("customs")


class AgreementText(TimeStampedModel):
    """A published version of the agreement text. Published texts never change: customs publishes
    a new version instead, and each agreement keeps the version it was signed under."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    purposes = models.TextField(_("purposes of use"))
    enterprise_obligations = models.TextField(_("obligations of the enterprise"))
    customs_obligations = models.TextField(_("obligations of customs"))
    security_commitments = models.TextField(_("security commitments"))
    benefits = models.TextField(_("what the enterprise gets back"))
    retention_months = models.PositiveIntegerField(_("retention period (months)"))
    text_hash = models.CharField(max_length=64, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    CONTENT_FIELDS = (
        "version",
        "title",
        "purposes",
        "enterprise_obligations",
        "customs_obligations",
        "security_commitments",
        "benefits",
        "retention_months",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.version})"

    def compute_hash(self) -> str:
        content = {name: getattr(self, name) for name in self.CONTENT_FIELDS}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class Agreement(TimeStampedModel):
    """One enterprise bound to one text version and a scope. Changing the scope makes a new
    version that supersedes this one when it becomes active; shared records point to the
    version they arrived under."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed, awaiting customs' countersignature")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        TERMINATED = "terminated", _("terminated")
        SUPERSEDED = "superseded", _("superseded by a newer version")

    IN_FORCE = (Status.ACTIVE, Status.SUSPENDED)
    IN_PROGRESS = (Status.DRAFT, Status.SIGNED)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="agreements"
    )
    text = models.ForeignKey(AgreementText, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveIntegerField(_("version"))
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    scope = models.JSONField(_("optional fields shared"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.CharField(max_length=200, blank=True)
    suspended_by_party = models.CharField(max_length=10, choices=Party.choices, blank=True)
    suspension_reason = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=200, blank=True)
    ended_by_party = models.CharField(max_length=10, choices=Party.choices, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["enterprise_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "version"], name="agreement_version_unique"
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="one_agreement_in_force_per_enterprise",
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(status__in=["draft", "signed"]),
                name="one_agreement_in_progress_per_enterprise",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} v{self.version} ({self.get_status_display()})"


class Signature(models.Model):
    """A signature by the hub's Ed25519 key over the canonical JSON of the agreement as one party
    signed it. Verification rebuilds that JSON from the stored agreement, so that a change to any
    field it covers breaks the signature."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(max_length=10, choices=Party.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    payload = models.TextField()
    signature = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party"], name="one_signature_per_party")
        ]

    def __str__(self):
        return f"{self.agreement} signed by {self.party}"
