from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from huitong.orders.models import Order, OrderLine, StoreLocation


class OrderLineInline(TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("line_no", "sku_code", "title", "quantity", "unit_price_fen", "discount_fen", "amount_fen", "location")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

# Personal data stays out of the admin (invariant 9); the API shows it to the roles that need it.
PERSONAL_FIELDS = ("receiver_name", "receiver_phone", "receiver_phone_hash", "address")


@admin.register(Order)
class OrderAdmin(ModelAdmin):
    """Orders change only through services (API, console); the admin is for looking."""

    list_display = ("number", "store", "status", "total_fen", "buyer_nick", "placed_at", "paid_at", "shipped_at")
    list_filter = ("status", "store")
    search_fields = ("number", "external_id", "buyer_nick")
    date_hierarchy = "placed_at"
    list_select_related = ("store",)
    inlines = [OrderLineInline]
    exclude = PERSONAL_FIELDS
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in PERSONAL_FIELDS]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StoreLocation)
class StoreLocationAdmin(ModelAdmin):
    list_display = ("store", "location", "priority")
    list_filter = ("store",)
