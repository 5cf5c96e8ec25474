from django.contrib import admin

from hub.enterprises.models import ApiKey, Enterprise, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "country", "status"]
    list_filter = ["status", "country"]
    search_fields = ["legal_name"]
    inlines = [MembershipInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "kind", "enterprise", "last_used_at", "revoked_at"]
    list_filter = ["kind"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
