from django.contrib import admin

from hub.risk.models import Decision, RiskProfile, RuleSet


class ReadOnlyAdmin(admin.ModelAdmin):
    """Profiles come from the engine, rule sets and decisions from the officers' pages, which
    keep versions and the audit trail."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyAdmin):
    list_display = ["version", "created_at", "created_by", "note"]


@admin.register(RiskProfile)
class RiskProfileAdmin(ReadOnlyAdmin):
    list_display = ["declaration", "lane", "score", "random_check", "rule_set", "is_current"]
    list_filter = ["lane", "is_current", "random_check"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["profile", "action", "lane_from", "lane_to", "decided_by", "decided_at"]
