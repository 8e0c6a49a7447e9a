"""Fulfillment console screens: the to-ship queue, shipments (with lines and carrier scans), pickups,
delivery runs and interceptions. Read-mostly: every action calls a service."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.permissions import Role, has_any_role
from huitong.fulfillment import printing, selectors, services
from huitong.fulfillment.models import (
    DeliveryRun,
    InterceptionRequest,
    Pickup,
    Shipment,
    ShipmentLine,
    ToShipOrder,
    TrackingEvent,
)


class ReadOnly(ModelAdmin):
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


def _each(modeladmin, request, queryset, call, done: str) -> None:
    """Run a service per selected row; report successes and each failure's message."""
    actor, ok = Actor.of_user(request.user), 0
    for obj in queryset:
        try:
            call(obj, actor)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            continue
        ok += 1
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}", messages.SUCCESS)


@admin.register(ToShipOrder)
class ToShipOrderAdmin(ReadOnly):
    """待发货: allocated orders, not held, with no shipment or pickup yet."""

    list_display = ("number", "store", "buyer_nick", "province", "city", "total_fen", "paid_at", "allocated_at")
    list_filter = ("store",)
    search_fields = ("number", "external_id", "buyer_nick")
    fields = ("number", "store", "status", "buyer_nick", "province", "city", "district", "buyer_remark",
              "seller_remark", "total_fen", "paid_at", "allocated_at")  # personal data stays out (invariant 9)
    readonly_fields = fields
    actions = ["make_shipments"]

    def get_queryset(self, request):
        return ToShipOrder.objects.filter(pk__in=selectors.to_ship_queue().values("pk")).select_related("store")

    @admin.action(description=_("生成发货单(默认快递)"))
    def make_shipments(self, request, queryset):
        _each(self, request, queryset, lambda o, actor: services.create_shipments(order_id=o.pk, actor=actor),
              "已生成发货单")


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ("sku_code", "title", "quantity")
    readonly_fields = fields


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ("occurred_at", "kind", "place", "description", "source", "received_at")
    readonly_fields = fields
    ordering = ("occurred_at",)


@admin.register(Shipment)
class ShipmentAdmin(ReadOnly):
    list_display = ("number", "order_number", "location", "carrier", "waybill_no", "status", "created_at",
                    "shipped_at", "delivered_at")
    list_filter = ("status", "carrier", "location")
    search_fields = ("number", "order_number", "waybill_no")
    list_select_related = ("location",)
    date_hierarchy = "created_at"
    fields = ("number", "order_number", "location", "carrier", "waybill_no", "status", "created_at", "picked_at",
              "shipped_at", "delivered_at", "cancelled_at")
    readonly_fields = fields
    inlines = [ShipmentLineInline, TrackingEventInline]
    actions = ["mark_picked", "ship", "print_picking_list", "print_labels"]

    @admin.action(description=_("标记已拣货"))
    def mark_picked(self, request, queryset):
        _each(self, request, queryset, lambda s, actor: services.pick_shipment(shipment_id=s.pk, actor=actor),
              "已拣货")

    @admin.action(description=_("确认发货(需已有运单号)"))
    def ship(self, request, queryset):
        _each(self, request, queryset.order_by("pk"),
              lambda s, actor: services.ship_shipment(shipment_id=s.pk, actor=actor), "已发货")

    def _print(self, request, queryset, render, name: str, need_waybill: bool = False):
        if not has_any_role(request.user, [Role.WAREHOUSE]):
            self.message_user(request, _("打印面单与拣货单需要仓库角色"), messages.ERROR)
            return None
        try:
            data = selectors.printable_shipments(list(queryset.values_list("pk", flat=True)),
                                                 need_waybill=need_waybill)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        response = HttpResponse(render(data), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response

    @admin.action(description=_("打印拣货单"))
    def print_picking_list(self, request, queryset):
        return self._print(request, queryset, printing.picking_list_pdf, "picking-list.pdf")

    @admin.action(description=_("打印电子面单"))
    def print_labels(self, request, queryset):
        return self._print(request, queryset, printing.waybill_labels_pdf, "labels.pdf", need_waybill=True)


@admin.register(Pickup)
class PickupAdmin(ReadOnly):
    list_display = ("order_number", "location", "status", "run", "created_at", "ready_at", "picked_up_at")
    list_filter = ("status", "location")
    search_fields = ("order_number",)
    list_select_related = ("location", "run")
    exclude = ("code_hash",)
    readonly_fields = ("order_number", "location", "status", "run", "created_at", "ready_at", "picked_up_at")


class RunPickupInline(ReadOnlyInline):
    model = Pickup
    fields = ("order_number", "status", "ready_at", "picked_up_at")
    readonly_fields = fields


@admin.register(DeliveryRun)
class DeliveryRunAdmin(ReadOnly):
    list_display = ("number", "pickup_point", "run_date", "status", "dispatched_at", "arrived_at")
    list_filter = ("status", "pickup_point")
    search_fields = ("number",)
    date_hierarchy = "run_date"
    list_select_related = ("pickup_point",)
    readonly_fields = ("number", "pickup_point", "run_date", "status", "created_at", "dispatched_at", "arrived_at")
    inlines = [RunPickupInline]
    actions = ["dispatch", "confirm_arrival"]

    @admin.action(description=_("出车配送"))
    def dispatch(self, request, queryset):
        _each(self, request, queryset, lambda r, actor: services.dispatch_delivery_run(run_id=r.pk, actor=actor),
              "已出车")

    @admin.action(description=_("自提点确认到货"))
    def confirm_arrival(self, request, queryset):
        _each(self, request, queryset, lambda r, actor: services.confirm_run_arrival(run_id=r.pk, actor=actor),
              "已到货")


@admin.register(InterceptionRequest)
class InterceptionRequestAdmin(ReadOnly):
    list_display = ("order_number", "stage", "carrier", "waybill_no", "status", "reason", "created_at", "resolved_at")
    list_filter = ("status", "stage", "carrier")
    search_fields = ("order_number", "waybill_no")
    readonly_fields = ("order_number", "shipment", "stage", "carrier", "waybill_no", "status", "reason",
                       "result_note", "created_at", "resolved_at")
    exclude = ("order",)
    actions = ["mark_succeeded", "mark_failed"]

    @admin.action(description=_("拦截成功"))
    def mark_succeeded(self, request, queryset):
        _each(self, request, queryset, lambda i, actor: services.resolve_interception(
            interception_id=i.pk, succeeded=True, actor=actor, note="后台确认"), "已记录")

    @admin.action(description=_("拦截失败"))
    def mark_failed(self, request, queryset):
        _each(self, request, queryset, lambda i, actor: services.resolve_interception(
            interception_id=i.pk, succeeded=False, actor=actor, note="后台确认"), "已记录")
