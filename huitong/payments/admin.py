from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from huitong.payments.models import Payment, ReconciliationLine, ReconciliationRun, Refund


class _ReadOnly(ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("refund_no", "reference", "amount_fen", "status", "reason", "gateway_refund_no", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(_ReadOnly):
    list_display = ("out_trade_no", "reference", "method", "status", "amount_fen", "refunded_fen", "paid_at")
    list_filter = ("method", "status")
    search_fields = ("out_trade_no", "reference", "gateway_trade_no")
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(_ReadOnly):
    list_display = ("refund_no", "payment", "reference", "amount_fen", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("refund_no", "reference", "payment__out_trade_no")


class ReconciliationLineInline(TabularInline):
    model = ReconciliationLine
    extra = 0
    can_delete = False
    fields = (
        "kind",
        "out_trade_no",
        "row_no",
        "statement_amount_fen",
        "huitong_amount_fen",
        "statement_status",
        "huitong_status",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(_ReadOnly):
    list_display = (
        "id",
        "gateway",
        "file_name",
        "period_start",
        "period_end",
        "statement_rows",
        "matched",
        "created_at",
    )
    list_filter = ("gateway",)
    inlines = [ReconciliationLineInline]
