"""The after-sales queue: read-mostly; decisions go through the services (actions here, or the API)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.aftersales import services
from huitong.aftersales.models import AfterSalesLine, AfterSalesRequest
from huitong.core.actors import Actor
from huitong.core.errors import DomainError


class AfterSalesLineInline(TabularInline):
    model = AfterSalesLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity", "value_fen", "refund_fen", "exchange_sku", "resellable_quantity",
              "damaged_quantity")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _each(modeladmin, request, queryset, call, done: str) -> None:
    actor = Actor.of_user(request.user)
    ok = 0
    for obj in queryset.order_by("pk"):
        try:
            call(request_id=obj.pk, actor=actor)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj.number}: {exc.message}", messages.ERROR)
            continue
        ok += 1
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}", messages.SUCCESS)


@admin.action(description=_("同意所选售后"), permissions=["change"])
def approve_requests(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.approve_request, "已同意")


@admin.action(description=_("退款所选售后"), permissions=["change"])
def refund_requests(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.refund_request, "已退款")


@admin.action(description=_("关闭所选售后"), permissions=["change"])
def close_requests(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.close_request, "已关闭")


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(ModelAdmin):
    list_display = ("number", "order", "kind", "status", "reason", "refund_fen", "refunded_fen",
                    "settled_on_platform", "created_at")
    list_filter = ("status", "kind", "reason", "settled_on_platform")
    search_fields = ("number", "order__number", "platform_refund_id", "return_waybill_no")
    date_hierarchy = "created_at"
    list_select_related = ("order",)
    inlines = [AfterSalesLineInline]
    actions = [approve_requests, refund_requests, close_requests]
    readonly_fields = [f.name for f in AfterSalesRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
