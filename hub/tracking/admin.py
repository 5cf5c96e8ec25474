from django.contrib import admin

from hub.core.admin import ReadOnly
from hub.tracking.models import CargoEvent


@admin.register(CargoEvent)
class CargoEventAdmin(ReadOnly, admin.ModelAdmin):
    """Events are the reporters' record and are never changed: a correction is a new event."""

    list_display = ["transport_document_number", "type", "occurred_at", "location", "reporter"]
    list_filter = ["type"]
    search_fields = ["transport_document_number", "container_number", "event_id"]
    date_hierarchy = "occurred_at"
