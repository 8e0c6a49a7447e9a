from django.contrib import admin
from unfold.admin import ModelAdmin

from huitong.core.models import AuditEntry, OutboxMessage


@admin.register(AuditEntry)
class AuditEntryAdmin(ModelAdmin):
    list_display = ("at", "actor_label", "object_type", "object_id", "from_state", "to_state", "reason")
    list_filter = ("object_type", "to_state")
    search_fields = ("object_id", "actor_label", "reason")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = ("id", "topic", "key", "status", "attempts", "created_at", "delivered_at")
    list_filter = ("status", "topic")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
