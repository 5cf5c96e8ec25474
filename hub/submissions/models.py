from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.catalogue.fields import field
from hub.core.crypto import EncryptedTextField
from hub.core.models import TimeStampedModel


class Channel(models.TextChoices):
    API = "api", _("API")
    EXCEL = "excel", _("Excel upload")


class Consignment(TimeStampedModel):
    """A consignment an enterprise shares, identified by its own reference. Its content lives in
    revisions: an amendment adds one, and earlier ones stay readable."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="consignments"
    )
    reference = models.CharField(max_length=field("reference").max_length)
    current_revision = models.OneToOneField(
        "ConsignmentRevision", null=True, on_delete=models.PROTECT, related_name="+"
    )
    revision_count = models.PositiveIntegerField(default=0)
    # The current revision's payload hash, so that a resend is recognised without a join.
    current_sha256 = models.CharField(max_length=64, blank=True)
    # The current revision's keys for matching and lists, kept here to avoid a join.
    transport_document_number = models.CharField(
        max_length=field("transport_document_number").max_length, db_index=True
    )
    invoice_number = models.CharField(max_length=field("invoice_number").max_length)
    estimated_arrival = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "reference"], name="reference_per_enterprise"
            )
        ]

    def __str__(self):
        return self.reference


class ConsignmentRevision(models.Model):
    """One version of a consignment as received, with where it came from."""

    consignment = models.ForeignKey(Consignment, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="revisions"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    source_format = models.CharField(max_length=30, default="json")
    received_at = models.DateTimeField()
    hours_before_arrival = models.DecimalField(max_digits=10, decimal_places=2)
    payload_sha256 = models.CharField(max_length=64)
    submitted_by = models.CharField(max_length=200)
    document = EncryptedTextField(
        deflate=True, help_text="The document as received (canonical JSON)."
    )
    transport_document_number = models.CharField(
        max_length=field("transport_document_number").max_length
    )
    transport_mode = models.CharField(max_length=1)
    port_of_loading = models.CharField(max_length=5)
    port_of_discharge = models.CharField(max_length=5)
    estimated_arrival = models.DateTimeField()
    departure_date = models.DateField(null=True)
    vessel_or_flight = models.CharField(max_length=field("vessel_or_flight").max_length, blank=True)
    voyage_number = models.CharField(max_length=field("voyage_number").max_length, blank=True)
    containers = models.JSONField(default=list, blank=True)
    invoice_number = models.CharField(max_length=field("invoice_number").max_length)
    invoice_date = models.DateField()
    currency = models.CharField(max_length=3)
    invoice_total = EncryptedTextField(blank=True)
    incoterms = models.CharField(max_length=3, blank=True)
    contract_number = models.CharField(max_length=field("contract_number").max_length, blank=True)
    contract_date = models.DateField(null=True)

    class Meta:
        ordering = ["consignment_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consignment", "number"], name="revision_number_unique")
        ]

    def __str__(self):
        return f"{self.consignment_id} r{self.number}"


class ConsignmentParty(models.Model):
    class Role(models.TextChoices):
        SELLER = "seller", _("seller")
        SHIPPER = "shipper", _("shipper")
        CARRIER = "carrier", _("carrier")
        FORWARDER = "forwarder", _("freight forwarder")
        MANUFACTURER = "manufacturer", _("manufacturer")

    revision = models.ForeignKey(
        ConsignmentRevision, on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    name = models.CharField(max_length=field("seller.name").max_length)
    country = models.CharField(max_length=2)
    address = models.TextField(blank=True)
    tax_id = EncryptedTextField(blank=True)

    def __str__(self):
        return f"{self.role}: {self.name}"


class ConsignmentLine(models.Model):
    """A line at material-number level, finer than the declaration's items."""

    # No foreign-key constraint in the database (docs/decisions/0014): lines are written only
    # by consignment_ingest, in the same transaction as their revision, and revisions are never
    # deleted; the per-row check cost a quarter of PostgreSQL's work on a large ingest.
    revision = models.ForeignKey(
        ConsignmentRevision, on_delete=models.CASCADE, related_name="lines", db_constraint=False
    )
    line_number = models.PositiveIntegerField()
    material_number = models.CharField(max_length=field("lines.material_number").max_length)
    description = models.TextField()
    quantity = models.DecimalField(max_digits=21, decimal_places=6)
    unit = models.CharField(max_length=3)
    line_value = EncryptedTextField()
    origin_country = models.CharField(max_length=2)
    hs_code = models.CharField(max_length=10, blank=True)
    net_weight_kg = models.DecimalField(max_digits=21, decimal_places=6, null=True)
    gross_weight_kg = models.DecimalField(max_digits=21, decimal_places=6, null=True)
    unit_price = EncryptedTextField(blank=True)
    packages = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["revision_id", "line_number"]

    def __str__(self):
        return f"{self.line_number}: {self.material_number}"


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an Idempotency-Key, replayed for repeats."""

    principal = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique")
        ]

    def __str__(self):
        return f"{self.principal} {self.key}"


class Upload(TimeStampedModel):
    """An Excel file uploaded to share consignments and supply-chain partners, and what became
    of it. The file is kept, encrypted, only when it was refused for errors in its cells: its
    annotated copy is made from it."""

    class Result(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")
        DUPLICATE = "duplicate", _("already uploaded")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="uploads"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement", null=True, on_delete=models.PROTECT, related_name="uploads"
    )
    file_name = models.CharField(_("file"), max_length=255)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_label = models.CharField(
        _("uploaded by"), max_length=200, help_text="A person's user name or an API key's label."
    )
    declaration = models.TextField(
        blank=True, help_text="The authenticity declaration the uploader confirmed."
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    code = models.CharField(max_length=40, blank=True, help_text="Why it was refused.")
    message = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    consignments = models.JSONField(
        default=list, blank=True, help_text="Of an accepted file: each consignment's outcome."
    )
    partners = models.JSONField(
        default=list,
        blank=True,
        help_text="Of an accepted file: each partner row's registration and outcome.",
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workbook = EncryptedTextField(blank=True, help_text="The refused file, in base64.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="upload_history_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "sha256"],
                condition=models.Q(result="accepted"),
                name="file_shared_once_per_enterprise",
            )
        ]

    def __str__(self):
        return f"{self.file_name} ({self.result})"

    @property
    def counts(self) -> dict[str, int]:
        """How many consignments of an accepted file were new, amended or unchanged."""
        counts = dict.fromkeys(("new", "amended", "unchanged"), 0)
        for item in self.consignments:
            counts[item["status"]] += 1
        return counts

    @property
    def partner_counts(self) -> dict[str, int]:
        """How many partners of an accepted file were registered, updated or unchanged."""
        counts = dict.fromkeys(("registered", "updated", "unchanged"), 0)
        for item in self.partners:
            counts[item["status"]] += 1
        return counts
