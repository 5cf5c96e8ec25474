from django.contrib import admin

from hub.crosschecks.models import CrossCheck, Finding, Match


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cross-checks are the jobs' results: they change when the data does, not by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["declaration", "consignment", "method", "confidence", "matched_at"]
    list_filter = ["method"]
    search_fields = ["declaration__number", "consignment__reference"]


@admin.register(CrossCheck)
class CrossCheckAdmin(ReadOnlyAdmin):
    list_display = ["declaration", "outcome", "declaration_revision", "checked_at"]
    list_filter = ["outcome"]
    search_fields = ["declaration__number"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["declaration", "item_number", "type", "severity", "shared_with_enterprise"]
    list_filter = ["type", "severity", "shared_with_enterprise"]
    search_fields = ["declaration__number"]
