from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from huitong.inventory.models import Location, Reservation, StockItem, StockMovement


@admin.register(Location)
class LocationAdmin(ModelAdmin):
    list_display = ("code", "name", "kind", "province", "city", "priority", "is_active")
    list_filter = ("kind", "province", "is_active")
    search_fields = ("code", "name", "city")


@admin.register(StockItem)
class StockItemAdmin(ModelAdmin):
    """Read-only: stock changes only through receipts, stocktakes, transfers and orders (services)."""

    list_display = ("sku", "location", "on_hand", "reserved", "available_display", "safety_stock", "updated_at")
    list_filter = ("location",)
    search_fields = ("sku__code", "sku__product__name", "sku__barcode")
    list_select_related = ("sku__product", "location")
    readonly_fields = ("sku", "location", "on_hand", "reserved", "safety_stock", "updated_at")

    @admin.display(description=_("可用"))
    def available_display(self, obj):
        return obj.available

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ModelAdmin):
    list_display = ("created_at", "stock_item", "kind", "quantity", "reference", "actor_label")
    list_filter = ("kind",)
    search_fields = ("reference", "stock_item__sku__code")
    list_select_related = ("stock_item__sku", "stock_item__location")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reservation)
class ReservationAdmin(ModelAdmin):
    list_display = ("reference", "stock_item", "quantity", "status", "created_at", "closed_at")
    list_filter = ("status",)
    search_fields = ("reference",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
