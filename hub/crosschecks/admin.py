from django.contrib import admin

from hub.core.admin import ReadOnly
from hub.crosschecks.models import CrossCheck, Finding, Match

# Cross-checks are the jobs' results: they change when the data does, not by hand.


@admin.register(Match)
class MatchAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["declaration", "consignment", "method", "confidence", "matched_at"]
    list_filter = ["method"]
    search_fields = ["declaration__number", "consignment__reference"]


@admin.register(CrossCheck)
class CrossCheckAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["declaration", "outcome", "declaration_revision", "checked_at"]
    list_filter = ["outcome"]
    search_fields = ["declaration__number"]


@admin.register(Finding)
class FindingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["declaration", "item_number", "type", "severity", "shared_with_enterprise"]
    list_filter = ["type", "severity", "shared_with_enterprise"]
    search_fields = ["declaration__number"]
