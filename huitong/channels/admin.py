from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.channels import selectors
from huitong.channels.models import ChannelStore, MappingComponent, PublicationRule, SkuMapping


@admin.register(ChannelStore)
class ChannelStoreAdmin(ModelAdmin):
    list_display = ("code", "name", "platform", "is_active", "shipment_confirm_delay_minutes", "created_at")
    list_filter = ("platform", "is_active")
    search_fields = ("code", "name")
    # Credentials are never shown or edited here in clear: masked below, set through the API or CLI.
    exclude = ("credentials",)
    readonly_fields = ("masked_credentials",)

    @admin.display(description=_("平台凭证(已脱敏)"))
    def masked_credentials(self, obj):
        return selectors.masked_credentials(obj) if obj.pk else "-"


class MappingComponentInline(TabularInline):
    model = MappingComponent
    extra = 0
    autocomplete_fields = ("sku",)


@admin.register(SkuMapping)
class SkuMappingAdmin(ModelAdmin):
    list_display = ("store", "platform_item_id", "platform_sku_id", "merchant_code", "auto_matched", "updated_at")
    list_filter = ("store", "auto_matched")
    search_fields = ("platform_item_id", "platform_sku_id", "merchant_code")
    inlines = [MappingComponentInline]


@admin.register(PublicationRule)
class PublicationRuleAdmin(ModelAdmin):
    list_display = ("store", "sku", "percent", "plus", "minimum", "maximum", "delist_below_minimum", "locked")
    list_filter = ("store",)
    autocomplete_fields = ("sku",)
