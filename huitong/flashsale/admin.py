from django.contrib import admin
from unfold.admin import ModelAdmin

from huitong.flashsale.models import Claim, FlashSale


@admin.register(FlashSale)
class FlashSaleAdmin(ModelAdmin):
    list_display = (
        "name",
        "store",
        "sku",
        "price_fen",
        "starts_at",
        "ends_at",
        "quantity",
        "remaining",
        "status",
    )
    list_filter = ("status", "store")
    search_fields = ("name",)
    readonly_fields = [f.name for f in FlashSale._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ModelAdmin):
    list_display = ("sale", "customer", "claim_no", "quantity", "order", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Claim._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
