"""Purchasing console screens: read-mostly. Suppliers, purchase orders (lines inline), the receipts
queue and payables; actions call the services."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.core.actors import Actor
from huitong.core.crypto import mask_phone
from huitong.core.errors import DomainError
from huitong.core.money import format_yuan
from huitong.purchasing import services
from huitong.purchasing.models import (
    Payable,
    PayableStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierPayment,
    SupplierPrice,
)


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SupplierPriceInline(ReadOnlyInline):
    model = SupplierPrice
    fields = ("sku", "cost_fen", "min_order_quantity", "is_preferred", "updated_at")
    readonly_fields = fields


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "contact_name", "masked_phone", "lead_time_days", "min_order", "payment_terms_days",
                    "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    exclude = ("phone",)
    inlines = [SupplierPriceInline]

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone or "")

    @admin.display(description=_("起订金额"), ordering="min_order_fen")
    def min_order(self, obj):
        return format_yuan(obj.min_order_fen)


class PurchaseOrderLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = ("line_no", "sku", "quantity", "unit_cost_fen", "received_quantity")
    readonly_fields = fields


def _each(modeladmin, request, queryset, call, done: str) -> None:
    actor, ok = Actor.of_user(request.user), 0
    for po in queryset.order_by("pk"):
        try:
            call(purchase_order_id=po.pk, actor=actor)
            ok += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{po.number}: {exc.message}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{done} {ok}", messages.SUCCESS)


@admin.action(description=_("确认所选采购单"))
def confirm_orders(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.confirm_purchase_order, "已确认")


@admin.action(description=_("关闭所选已到货采购单"))
def close_received_orders(modeladmin, request, queryset):
    _each(modeladmin, request, queryset.filter(status="received"), services.close_purchase_order, "已关闭")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "supplier", "location", "status", "total", "received", "expected_date", "created_at")
    list_filter = ("status", "supplier", "location")
    search_fields = ("number", "supplier__code", "supplier__name")
    list_select_related = ("supplier", "location")
    date_hierarchy = "created_at"
    inlines = [PurchaseOrderLineInline]
    actions = [confirm_orders, close_received_orders]

    @admin.display(description=_("采购金额"), ordering="total_fen")
    def total(self, obj):
        return format_yuan(obj.total_fen)

    @admin.display(description=_("已到货金额"), ordering="received_fen")
    def received(self, obj):
        return format_yuan(obj.received_fen)


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = ("sku", "quantity", "over_quantity", "unit_cost_fen", "amount_fen", "on_hand_before", "cost_before_fen",
              "cost_after_fen")
    readonly_fields = fields


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "purchase_order", "supplier", "location", "total", "allow_over", "actor_label",
                    "received_at")
    list_filter = ("allow_over", "purchase_order__supplier", "purchase_order__location")
    search_fields = ("number", "purchase_order__number")
    list_select_related = ("purchase_order__supplier", "purchase_order__location")
    date_hierarchy = "received_at"
    inlines = [ReceiptLineInline]

    @admin.display(description=_("供应商"))
    def supplier(self, obj):
        return obj.purchase_order.supplier

    @admin.display(description=_("收货库位"))
    def location(self, obj):
        return obj.purchase_order.location

    @admin.display(description=_("到货金额"), ordering="total_fen")
    def total(self, obj):
        return format_yuan(obj.total_fen)


class SupplierPaymentInline(ReadOnlyInline):
    model = SupplierPayment
    fields = ("paid_on", "amount_fen", "method", "reference", "actor_label", "created_at")
    readonly_fields = fields


@admin.register(Payable)
class PayableAdmin(ReadOnlyAdmin):
    list_display = ("receipt", "supplier", "amount", "paid", "outstanding", "due_date", "overdue", "status")
    list_filter = ("status", "supplier")
    search_fields = ("receipt__number", "supplier__code", "supplier__name")
    list_select_related = ("receipt", "supplier")
    inlines = [SupplierPaymentInline]

    @admin.display(description=_("应付金额"), ordering="amount_fen")
    def amount(self, obj):
        return format_yuan(obj.amount_fen)

    @admin.display(description=_("已付金额"), ordering="paid_fen")
    def paid(self, obj):
        return format_yuan(obj.paid_fen)

    @admin.display(description=_("未付金额"))
    def outstanding(self, obj):
        return format_yuan(obj.outstanding_fen)

    @admin.display(description=_("逾期"), boolean=True)
    def overdue(self, obj):
        return obj.status != PayableStatus.PAID and obj.due_date < timezone.localdate()
