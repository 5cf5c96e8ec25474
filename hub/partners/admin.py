from django.contrib import admin

from hub.partners.models import MatchCandidate, Partner, PartnerEntity


class ReadOnlyAdmin(admin.ModelAdmin):
    """Partners change through their services, which keep versions and the audit trail."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["legal_name", "country", "enterprise", "entity", "resolution", "version"]
    list_filter = ["resolution", "country"]
    search_fields = ["legal_name"]


@admin.register(PartnerEntity)
class PartnerEntityAdmin(ReadOnlyAdmin):
    list_display = ["name", "country", "created_at"]
    list_filter = ["country"]
    search_fields = ["name"]


@admin.register(MatchCandidate)
class MatchCandidateAdmin(ReadOnlyAdmin):
    list_display = ["partner", "entity", "score", "reason", "status", "decided_at"]
    list_filter = ["status", "reason"]
