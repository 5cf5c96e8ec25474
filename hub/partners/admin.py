from django.contrib import admin

from hub.core.admin import ReadOnly
from hub.partners.models import MatchCandidate, Partner, PartnerEntity

# Partners change through their services, which keep versions and the audit trail.


@admin.register(Partner)
class PartnerAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["legal_name", "country", "enterprise", "entity", "resolution", "version"]
    list_filter = ["resolution", "country"]
    search_fields = ["legal_name"]


@admin.register(PartnerEntity)
class PartnerEntityAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "country", "created_at"]
    list_filter = ["country"]
    search_fields = ["name"]


@admin.register(MatchCandidate)
class MatchCandidateAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["partner", "entity", "score", "reason", "status", "decided_at"]
    list_filter = ["status", "reason"]
