from django.contrib import admin
from unfold.admin import ModelAdmin

from huitong.payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):
    list_display = ("out_trade_no", "reference", "method", "status", "amount_fen", "refunded_fen", "paid_at")
    list_filter = ("method", "status")
    search_fields = ("out_trade_no", "reference", "gateway_trade_no")
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
