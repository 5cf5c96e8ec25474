"""How declarations were matched to shared consignments and what comparing them found."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchMethod(models.TextChoices):
    """Strongest first: a match is recorded with the strongest method that found it."""

    TRANSPORT_DOCUMENT = "transport_document", _("transport document number and consignee")
    INVOICE = "invoice", _("invoice number")
    CONTAINERS = "containers", _("container numbers")
    WINDOW = "window", _("time window, seller and value")


# Methods that rest on an identifier both sides carry; the window is a likeness only.
KEY_METHODS = (MatchMethod.TRANSPORT_DOCUMENT, MatchMethod.INVOICE, MatchMethod.CONTAINERS)


class Match(models.Model):
    """One declaration linked to one consignment; a declaration may cover several consignments
    and a consignment several declarations."""

    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.CASCADE, related_name="matches"
    )
    consignment = models.ForeignKey(
        "submissions.Consignment", on_delete=models.CASCADE, related_name="matches"
    )
    # The revision compared: an amendment of the consignment re-runs the match.
    revision = models.ForeignKey(
        "submissions.ConsignmentRevision", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=20, choices=MatchMethod.choices)
    confidence = models.DecimalField(max_digits=4, decimal_places=3)
    matched_at = models.DateTimeField()

    class Meta:
        ordering = ["declaration_id", "-confidence", "consignment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "consignment"], name="one_match_per_pair"
            )
        ]

    def __str__(self):
        return f"{self.declaration_id} ↔ {self.consignment_id} ({self.method})"


class CrossCheck(models.Model):
    """The latest comparison of a declaration with the shared data matched to it. Keyed by the
    declaration, so that a run writes it and its findings without reading ids back."""

    class Outcome(models.TextChoices):
        NO_SHARED_DATA = "no_shared_data", _("no shared data")
        CONSISTENT = "consistent", _("consistent")
        FINDINGS = "findings", _("differences found")

    declaration = models.OneToOneField(
        "declarations.Declaration",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="crosscheck",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    declaration_revision = models.PositiveIntegerField()
    checked_at = models.DateTimeField()
    # What could not be compared and why (no exchange rate, units that do not convert), in the
    # hub's language.
    notes = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"{self.declaration_id}: {self.outcome}"


class Finding(models.Model):
    """A difference beyond its tolerance between what was declared and what was shared."""

    class Type(models.TextChoices):
        VALUE = "value", _("value differs")
        QUANTITY = "quantity", _("quantity differs")
        NET_WEIGHT = "net_weight", _("net weight differs")
        ORIGIN = "origin", _("origin differs")
        HS_HEADING = "hs_heading", _("HS heading differs")
        UNREGISTERED_CONSIGNOR = "unregistered_consignor", _("consignor not a registered partner")
        LATE_SHARING = "late_sharing", _("shared late")
        PAYMENT = "payment", _("bank payment differs from the value")
        UNMATCHED_ITEM = "unmatched_item", _("item without shared lines")
        UNDECLARED_GOODS = "undeclared_goods", _("shared goods no item declares")

    class Severity(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    crosscheck = models.ForeignKey(CrossCheck, on_delete=models.CASCADE, related_name="findings")
    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.CASCADE, related_name="findings"
    )
    item_number = models.PositiveIntegerField(null=True, blank=True)
    type = models.CharField(max_length=30, choices=Type.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    declared = models.CharField(max_length=200, blank=True)
    shared = models.CharField(max_length=200, blank=True)
    tolerance = models.CharField(max_length=200, blank=True)
    explanation = models.TextField()
    # Customs may share a finding back with the enterprise as data-quality feedback.
    shared_with_enterprise = models.BooleanField(default=False)

    class Meta:
        ordering = ["declaration_id", "item_number", "type"]
        indexes = [models.Index(fields=["declaration", "type"], name="finding_by_declaration")]

    def __str__(self):
        return f"{self.declaration_id} {self.type} ({self.severity})"
