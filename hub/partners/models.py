from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.core.crypto import EncryptedTextField
from hub.core.models import TimeStampedModel
from hub.partners.identifiers import PartnerScheme


class PartnerRole(models.TextChoices):
    """Roles in the chain, in the order goods pass them: made, sold, shipped, forwarded, carried,
    handled, declared. The consignment party roles use the same values."""

    MANUFACTURER = "manufacturer", _("Manufacturer")
    SELLER = "seller", _("Seller / supplier")
    SHIPPER = "shipper", _("Shipper")
    FORWARDER = "forwarder", _("Freight forwarder")
    CARRIER = "carrier", _("Carrier")
    LOGISTICS_PROVIDER = "logistics_provider", _("Logistics provider")
    CUSTOMS_BROKER = "customs_broker", _("Customs broker")


class PartnerEntity(TimeStampedModel):
    """One company of the supply chain as customs knows it: the registrations of every enterprise
    that resolved to it. Named after its earliest registration."""

    name = models.CharField(_("name"), max_length=300)
    country = models.CharField(_("country"), max_length=2)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "partner entities"

    def __str__(self):
        return f"{self.name} ({self.country})"


class Partner(TimeStampedModel):
    """A supply-chain partner as one enterprise registered it. Every save is a version, kept in
    PartnerRevision."""

    class Resolution(models.TextChoices):
        PENDING = "pending", _("not resolved yet")
        IDENTIFIER = "identifier", _("same identifier as another registration")
        NAME = "name", _("same name once legal forms and spelling are folded")
        NEW = "new", _("first of its entity: nothing alike when it was resolved")
        OFFICER = "officer", _("decided by a customs officer")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="partners"
    )
    legal_name = models.CharField(_("legal name"), max_length=300)
    country = models.CharField(_("country"), max_length=2)
    address = models.TextField(_("address"), blank=True)
    roles = models.JSONField(_("roles in the supply chain"), default=list)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)
    entity = models.ForeignKey(
        PartnerEntity, null=True, blank=True, on_delete=models.SET_NULL, related_name="partners"
    )
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, default=Resolution.PENDING
    )
    resolution_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["legal_name", "id"]

    def __str__(self):
        return f"{self.legal_name} ({self.country})"

    def get_roles_display(self) -> list[str]:
        return [PartnerRole(role).label for role in self.roles if role in PartnerRole.values]


class PartnerIdentifier(models.Model):
    """An identifier in its canonical form, encrypted; its blind index finds equal identifiers
    across enterprises without decrypting them."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=10, choices=PartnerScheme.choices)
    value = EncryptedTextField()
    blind_index = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["scheme"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "scheme"], name="one_partner_id_per_scheme")
        ]

    def __str__(self):
        return f"{self.get_scheme_display()} of {self.partner_id}"


class PartnerRevision(models.Model):
    """A version of a registration as it was saved, identifiers included (hence encrypted)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = EncryptedTextField()
    changed_by = models.CharField(max_length=200)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "number"], name="partner_revision_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.partner_id} v{self.number}"


class BlockingKey(models.Model):
    """A key a registration is filed under (country and the start of a distinctive word of its
    name): resolution compares only registrations that share one."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="blocking_keys")
    key = models.CharField(max_length=40, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="blocking_key_unique")
        ]

    def __str__(self):
        return self.key


class MatchCandidate(TimeStampedModel):
    """A registration and an entity that resolution found alike but not alike enough to merge:
    open, it waits in the officers' confirmation queue; decided, it records the decision, which
    later resolutions respect."""

    class Status(models.TextChoices):
        OPEN = "open", _("awaiting an officer")
        MERGED = "merged", _("confirmed: the same company")
        APART = "apart", _("kept apart: different companies")

    class Reason(models.TextChoices):
        NAME = "name", _("alike names")
        IDENTIFIER_CONFLICT = "identifier_conflict", _("alike names, but different identifiers")
        IDENTIFIER = "identifier", _("same identifier as a registration of another entity")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="candidates")
    entity = models.ForeignKey(PartnerEntity, on_delete=models.CASCADE, related_name="candidates")
    score = models.FloatField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "entity"], name="one_candidate_per_pair")
        ]

    def __str__(self):
        return f"{self.partner_id} ~ {self.entity_id} ({self.score}, {self.status})"


class PartyLink(models.Model):
    """What a consignment party is to the enterprise that shared the consignment: one of its
    registered partners, or a party it never registered."""

    class Method(models.TextChoices):
        IDENTIFIER = "identifier", _("by identifier")
        NAME = "name", _("by name and country")
        UNREGISTERED = "unregistered", _("not a registered partner")

    party = models.OneToOneField(
        "submissions.ConsignmentParty",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="partner_link",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="party_links"
    )
    method = models.CharField(max_length=12, choices=Method.choices)

    class Meta:
        indexes = [models.Index(fields=["enterprise", "method"], name="party_link_method_idx")]

    def __str__(self):
        return f"party {self.party_id}: {self.method}"
