from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from hub.core.models import AuditEvent, OutboxJob, User

admin.site.register(User, UserAdmin)


class ReadOnly:
    """For admins and inlines of data that changes only through its services or feeds, which
    validate it and write the audit trail: shown here, never added, edited or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["occurred_at", "action", "actor_label", "object_type", "object_id", "seq"]
    list_filter = ["action"]
    search_fields = ["action", "object_id", "actor_label", "request_id"]


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "status", "attempts", "available_at", "finished_at"]
    list_filter = ["status", "task"]
    readonly_fields = [field.name for field in OutboxJob._meta.fields]

    def has_add_permission(self, request):
        return False
