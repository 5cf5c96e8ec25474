"""Cargo events reported by carriers and the port. Declaration statuses come from the
declarations app; a consignment's timeline merges both."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.catalogue.fields import field
from hub.core.models import TimeStampedModel


class CargoEventType(models.TextChoices):
    DEPARTURE = "departure", _("departure")
    POSITION = "position", _("position update")
    ESTIMATED_ARRIVAL = "estimated_arrival", _("estimated arrival changed")
    ARRIVAL = "arrival", _("arrival")
    UNLOADING = "unloading", _("unloading")
    GATE_OUT = "gate_out", _("gate-out")


class CargoEvent(models.Model):
    """An event about the goods of one transport document (bill of lading or air waybill),
    optionally one container of it. It concerns every consignment shared under that transport
    document, whoever shared it."""

    reporter = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="cargo_events"
    )
    # The reporter's own id of the event: the same event sent twice is stored once.
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=CargoEventType.choices)
    transport_document_number = models.CharField(
        max_length=field("transport_document_number").max_length, db_index=True
    )
    container_number = models.CharField(max_length=11, blank=True)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=5, blank=True, help_text=_("UN/LOCODE"))
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    vessel_or_flight = models.CharField(max_length=50, blank=True)
    estimated_arrival = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["transport_document_number", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "event_id"], name="event_once_per_reporter")
        ]

    def __str__(self):
        return f"{self.transport_document_number} {self.type} at {self.occurred_at}"


class ReleaseStage(models.TextChoices):
    """The stages of the WCO Time Release Study the hub measures, and the whole of it."""

    ARRIVAL_TO_DECLARATION = "arrival_to_declaration", _("arrival → declaration")
    DECLARATION_TO_ACCEPTANCE = "declaration_to_acceptance", _("declaration → acceptance")
    ACCEPTANCE_TO_RELEASE = "acceptance_to_release", _("acceptance → release")
    RELEASE_TO_GATE_OUT = "release_to_gate_out", _("release → gate-out")
    ARRIVAL_TO_RELEASE = "arrival_to_release", _("arrival → release (overall)")


class ReleaseTiming(models.Model):
    """The times of one declaration, from the arrival of its goods to their gate-out, and what
    its statistics are grouped by. Derived data: rebuilt from the declaration, its matched
    consignments and the cargo events of their transport documents whenever those change."""

    declaration = models.OneToOneField(
        "declarations.Declaration",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="release_timing",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="release_timings",
    )
    # As declared: tells consignees apart, hub enterprises or not, when pooled figures are shown.
    consignee_code = models.CharField(max_length=40)
    customs_office = models.CharField(max_length=10)
    broker = models.CharField(max_length=300)
    carrier = models.CharField(max_length=300, blank=True)
    port_of_entry = models.CharField(max_length=5, blank=True)
    port_of_loading = models.CharField(max_length=5, blank=True)
    # The chapter of the item of greatest value.
    hs_chapter = models.CharField(max_length=2, blank=True)
    # Set by the risk engine through `release_timings_lane_set`; a refresh keeps it.
    lane = models.CharField(max_length=20, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    estimated_arrival_at = models.DateTimeField(null=True, blank=True)
    declared_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    gate_out_at = models.DateTimeField(null=True, blank=True)
    # The arrival, or the declaration when no arrival was reported: what periods and trends
    # file the timing under.
    started_at = models.DateTimeField()
    # Stage durations in seconds; negative when a declaration was lodged before arrival.
    arrival_to_declaration = models.BigIntegerField(null=True, blank=True)
    declaration_to_acceptance = models.BigIntegerField(null=True, blank=True)
    acceptance_to_release = models.BigIntegerField(null=True, blank=True)
    release_to_gate_out = models.BigIntegerField(null=True, blank=True)
    arrival_to_release = models.BigIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["started_at"], name="timing_by_start"),
            models.Index(fields=["enterprise", "started_at"], name="timing_by_enterprise"),
            models.Index(fields=["released_at"], name="timing_by_release"),
        ]

    def __str__(self):
        return f"{self.declaration_id} from {self.started_at}"


class ReleaseTarget(TimeStampedModel):
    """An enterprise's target for one stage: the time it expects and the spread (standard
    deviation) it accepts, as in CLIS target management."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="release_targets"
    )
    stage = models.CharField(_("stage"), max_length=30, choices=ReleaseStage.choices)
    target_hours = models.DecimalField(_("target time (hours)"), max_digits=8, decimal_places=2)
    spread_hours = models.DecimalField(_("accepted spread (hours)"), max_digits=8, decimal_places=2)
    set_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["enterprise_id", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "stage"], name="one_target_per_stage")
        ]

    def __str__(self):
        return f"{self.enterprise_id} {self.stage}: {self.target_hours} ± {self.spread_hours} h"
