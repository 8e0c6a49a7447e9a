from django.contrib import admin
from unfold.admin import ModelAdmin

from huitong.channels.models import ChannelStore


@admin.register(ChannelStore)
class ChannelStoreAdmin(ModelAdmin):
    list_display = ("code", "name", "platform", "is_active", "created_at")
    list_filter = ("platform", "is_active")
    search_fields = ("code", "name")
