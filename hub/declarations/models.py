"""The mandatory declarations as the customs declaration system sends them (G2G), their status
changes, the bank payment records of the third source, the daily exchange rates the cross-checks
convert with, and the outcomes of inspections."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.catalogue.fields import field
from hub.core.models import TimeStampedModel


class DeclarationStatus(models.TextChoices):
    """In the order a declaration normally passes them; "selected for inspection" is skipped by
    declarations released without one."""

    LODGED = "lodged", _("lodged")
    ACCEPTED = "accepted", _("accepted")
    SELECTED_FOR_INSPECTION = "selected_for_inspection", _("selected for inspection")
    INSPECTED = "inspected", _("inspected")
    DUTY_ASSESSED = "duty_assessed", _("duty assessed")
    DUTY_PAID = "duty_paid", _("duty paid")
    RELEASED = "released", _("released")


class Declaration(TimeStampedModel):
    """A mandatory import declaration. An amendment from the customs system replaces its content
    and items and raises `revision`; the audit trail keeps what each revision said."""

    number = models.CharField(_("declaration number"), max_length=30, unique=True)
    revision = models.PositiveIntegerField(default=1)
    customs_office = models.CharField(_("customs office"), max_length=10, db_index=True)
    declared_at = models.DateTimeField(_("declared"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    declarant_name = models.CharField(_("declarant (broker)"), max_length=300)
    declarant_code = models.CharField(max_length=40, blank=True)
    consignee_name = models.CharField(_("consignee"), max_length=300)
    consignee_code = models.CharField(
        max_length=40, help_text=_("China Customs registration code or USCC, as declared.")
    )
    # The enterprise the consignee code belongs to, when it is one the hub knows.
    consignee = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    # As long as the consignments' numbers they are matched with.
    transport_document_number = models.CharField(
        max_length=field("transport_document_number").max_length, db_index=True
    )
    invoice_number = models.CharField(
        max_length=field("invoice_number").max_length, blank=True, db_index=True
    )
    containers = models.JSONField(default=list, blank=True)
    transport_mode = models.CharField(max_length=1, blank=True)
    port_of_entry = models.CharField(max_length=5, blank=True, help_text=_("UN/LOCODE"))
    carrier_name = models.CharField(max_length=300, blank=True)
    consignor_name = models.CharField(_("consignor"), max_length=300)
    consignor_country = models.CharField(max_length=2)
    trade_terms = models.CharField(max_length=3, blank=True, help_text=_("Incoterms 2020"))
    currency = models.CharField(max_length=3)
    freight = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    insurance = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        max_length=30, choices=DeclarationStatus.choices, default=DeclarationStatus.LODGED
    )
    status_at = models.DateTimeField(null=True, blank=True)
    duty_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    duty_currency = models.CharField(max_length=3, blank=True)
    duty_due_date = models.DateField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    payload_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-declared_at", "-id"]
        indexes = [
            models.Index(fields=["consignee", "-declared_at"], name="declaration_by_consignee")
        ]

    def __str__(self):
        return self.number


class DeclarationItem(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="items")
    item_number = models.PositiveIntegerField()
    hs_code = models.CharField(max_length=10)
    description = models.TextField()
    quantity = models.DecimalField(max_digits=21, decimal_places=6)
    unit = models.CharField(max_length=3, help_text=_("UN/ECE Rec. 20"))
    net_weight_kg = models.DecimalField(max_digits=21, decimal_places=6, null=True, blank=True)
    value = models.DecimalField(max_digits=18, decimal_places=2)
    origin_country = models.CharField(max_length=2)

    class Meta:
        ordering = ["declaration_id", "item_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "item_number"], name="item_number_per_declaration"
            )
        ]

    def __str__(self):
        return f"{self.declaration_id}/{self.item_number}"


class DeclarationStatusChange(models.Model):
    """A status the customs system reported. The same change sent twice is stored once."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=30, choices=DeclarationStatus.choices)
    occurred_at = models.DateTimeField()
    duty_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    duty_currency = models.CharField(max_length=3, blank=True)
    duty_due_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["declaration_id", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "status", "occurred_at"], name="status_change_once"
            )
        ]

    def __str__(self):
        return f"{self.declaration_id} {self.status} at {self.occurred_at}"


class BankPayment(models.Model):
    """A foreign-exchange payment record from the banks' feed: the third source of the value."""

    reference = models.CharField(max_length=60, unique=True)
    payer_name = models.CharField(max_length=300)
    payer_code = models.CharField(max_length=40, blank=True)
    payer = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_payments",
    )
    payee_name = models.CharField(max_length=300)
    payee_country = models.CharField(max_length=2, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_on = models.DateField()
    invoice_reference = models.CharField(
        max_length=field("invoice_number").max_length, blank=True, db_index=True
    )
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-paid_on", "-id"]

    def __str__(self):
        return f"{self.reference}: {self.amount} {self.currency}"


class ExchangeRate(models.Model):
    """Units of the reporting currency (CNY) for one unit of `currency` on `day`."""

    currency = models.CharField(max_length=3)
    day = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        ordering = ["currency", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="one_rate_per_currency_day")
        ]

    def __str__(self):
        return f"{self.currency} {self.day}: {self.rate}"


class InspectionOutcome(TimeStampedModel):
    class Result(models.TextChoices):
        NO_DISCREPANCY = "no_discrepancy", _("no discrepancy")
        DISCREPANCY = "discrepancy", _("discrepancy")
        SEIZURE = "seizure", _("seizure")

    class Kind(models.TextChoices):
        DOCUMENTS = "documents", _("document check")
        PHYSICAL = "physical", _("physical inspection")
        POST_CLEARANCE = "post_clearance", _("post-clearance audit")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="inspection_outcomes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    result = models.CharField(max_length=20, choices=Result.choices)
    inspected_at = models.DateTimeField()
    note = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-inspected_at", "-id"]

    def __str__(self):
        return f"{self.declaration_id} {self.kind}: {self.result}"
