"""Cargo events reported by carriers and the port. Declaration statuses come from the
declarations app; a consignment's timeline merges both."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    transport_document_number = models.CharField(max_length=50, db_index=True)
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
