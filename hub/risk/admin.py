from django.contrib import admin

from hub.core.admin import ReadOnly
from hub.risk.models import Decision, RiskProfile, RuleSet

# Profiles come from the engine, rule sets and decisions from the officers' pages, which keep
# versions and the audit trail.


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["version", "created_at", "created_by", "note"]


@admin.register(RiskProfile)
class RiskProfileAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["declaration", "lane", "score", "random_check", "rule_set", "is_current"]
    list_filter = ["lane", "is_current", "random_check"]


@admin.register(Decision)
class DecisionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["profile", "action", "lane_from", "lane_to", "decided_by", "decided_at"]
