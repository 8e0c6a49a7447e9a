"""Fulfillment data: shipments (parcels from one location, with lines), carrier tracking events, store and
pickup-point pickups with their codes, delivery runs to pickup points, and interception requests.

Orders, order lines, SKUs and locations belong to the apps below; rows here point at them and copy the
few values that must not change under a printed document (order number, SKU code, title)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huitong.fulfillment.carriers import CARRIER_CHOICES, CARRIERS
from huitong.orders.models import Order


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("待拣货")
    PICKED = "picked", _("已拣货")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已签收")
    EXCEPTION = "exception", _("物流异常")
    INTERCEPTED = "intercepted", _("已拦截")
    CANCELLED = "cancelled", _("已作废")


# Shipments that still count against their order (a cancelled one can be made again).
ACTIVE_SHIPMENT = [s for s in ShipmentStatus.values if s != ShipmentStatus.CANCELLED]
NOT_YET_SHIPPED = [ShipmentStatus.CREATED, ShipmentStatus.PICKED]
ON_THE_ROAD = [ShipmentStatus.SHIPPED, ShipmentStatus.EXCEPTION]


class Shipment(models.Model):
    """A parcel: the lines that leave from one location, with a carrier and a waybill. It is made for one
    order — or, for a merge group (合单), for the group's master order and carries every member's lines
    (each line says its order)."""

    number = models.CharField(_("发货单号"), max_length=32, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"),
                              help_text=_("合单时为主订单"))
    order_number = models.CharField(_("订单号"), max_length=32, db_index=True)
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("发货库位"))
    carrier = models.CharField(_("快递公司"), max_length=20, choices=CARRIER_CHOICES)
    waybill_no = models.CharField(_("运单号"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ShipmentStatus.choices,
                              default=ShipmentStatus.CREATED)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    picked_at = models.DateTimeField(_("拣货时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="fulfil_shipment_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ShipmentStatus.values),
                                   name="fulfillment_shipment_status_valid"),
            models.CheckConstraint(condition=Q(carrier__in=list(CARRIERS)), name="fulfillment_shipment_carrier_valid"),
            models.UniqueConstraint(fields=["carrier", "waybill_no"],
                                    condition=~Q(waybill_no="") & ~Q(status=ShipmentStatus.CANCELLED),
                                    name="fulfillment_shipment_waybill_unique"),
            # The idempotency key of "make the shipments of this order": one live parcel per location.
            models.UniqueConstraint(fields=["order", "location"], condition=~Q(status=ShipmentStatus.CANCELLED),
                                    name="fulfillment_shipment_one_per_location"),
            models.CheckConstraint(
                condition=~Q(status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED]) | ~Q(waybill_no=""),
                name="fulfillment_shipment_shipped_has_waybill"),
        ]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"))
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("SKU"))
    sku_code = models.CharField(_("SKU 编码"), max_length=64, blank=True)
    title = models.CharField(_("商品名称"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("发货明细")
        verbose_name_plural = _("发货明细")
        ordering = ["shipment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="fulfillment_shipmentline_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfillment_shipmentline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} × {self.quantity}"


class TrackingKind(models.TextChoices):
    COLLECTED = "collected", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派送中")
    DELIVERED = "delivered", _("已签收")
    EXCEPTION = "exception", _("异常")


class TrackingSource(models.TextChoices):
    WEBHOOK = "webhook", _("快递回调")
    IMPORT = "import", _("导入")


class TrackingEvent(models.Model):
    """One carrier scan. (shipment, kind, time) is unique: the same event delivered twice is one row."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="tracking_events")
    kind = models.CharField(_("节点"), max_length=20, choices=TrackingKind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    description = models.CharField(_("描述"), max_length=300, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=TrackingSource.choices)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        ordering = ["shipment", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "kind", "occurred_at"], name="fulfillment_tracking_event_unique"),
            models.CheckConstraint(condition=Q(kind__in=TrackingKind.values), name="fulfillment_tracking_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=TrackingSource.values),
                                   name="fulfillment_tracking_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class DeliveryRunStatus(models.TextChoices):
    PLANNED = "planned", _("待出车")
    DISPATCHED = "dispatched", _("配送中")
    ARRIVED = "arrived", _("已到达")
    CANCELLED = "cancelled", _("已取消")


class DeliveryRun(models.Model):
    """One same-city trip carrying the orders of one community pickup point (社区团购配送批次)."""

    number = models.CharField(_("批次号"), max_length=32, unique=True)
    pickup_point = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("自提点"))
    run_date = models.DateField(_("配送日期"), db_index=True)
    status = models.CharField(_("状态"), max_length=20, choices=DeliveryRunStatus.choices,
                              default=DeliveryRunStatus.PLANNED)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("出车时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("配送批次")
        verbose_name_plural = _("配送批次")
        ordering = ["-run_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryRunStatus.values),
                                   name="fulfillment_deliveryrun_status_valid"),
        ]

    def __str__(self) -> str:
        return self.number


class PickupStatus(models.TextChoices):
    AWAITING_DELIVERY = "awaiting_delivery", _("待配送")
    IN_TRANSIT = "in_transit", _("配送中")
    READY = "ready", _("待自提")
    PICKED_UP = "picked_up", _("已自提")
    CANCELLED = "cancelled", _("已取消")


OPEN_PICKUP = [PickupStatus.AWAITING_DELIVERY, PickupStatus.IN_TRANSIT, PickupStatus.READY]


class Pickup(models.Model):
    """An order the customer collects: at a store (BOPIS, stock reserved there) or at a community pickup
    point (delivered there by a run). The 6-digit code is kept only as a keyed hash."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"))
    order_number = models.CharField(_("订单号"), max_length=32, db_index=True)
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("自提地点"))
    status = models.CharField(_("状态"), max_length=20, choices=PickupStatus.choices)
    code_hash = models.CharField(max_length=64)
    run = models.ForeignKey(DeliveryRun, null=True, blank=True, on_delete=models.PROTECT, related_name="pickups",
                            verbose_name=_("配送批次"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    ready_at = models.DateTimeField(_("可提货时间"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("提货时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("自提单")
        verbose_name_plural = _("自提单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PickupStatus.values), name="fulfillment_pickup_status_valid"),
            models.UniqueConstraint(fields=["order"], condition=Q(status__in=OPEN_PICKUP),
                                    name="fulfillment_pickup_one_open_per_order"),
            models.UniqueConstraint(fields=["location", "code_hash"], condition=Q(status__in=OPEN_PICKUP),
                                    name="fulfillment_pickup_code_unique_per_location"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} @ {self.location_id}"


class InterceptionStage(models.TextChoices):
    BEFORE_SHIPPING = "before_shipping", _("发货前")
    IN_TRANSIT = "in_transit", _("运输中")


class InterceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("拦截中")
    SUCCEEDED = "succeeded", _("拦截成功")
    FAILED = "failed", _("拦截失败")


class InterceptionRequest(models.Model):
    """拦截: before shipping the order is stopped at once; a parcel on the road gets a request against its
    waybill that the carrier answers (succeeded: it comes back; failed: it was delivered anyway)."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"))
    order_number = models.CharField(_("订单号"), max_length=32, db_index=True)
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="interceptions", verbose_name=_("发货单"))
    stage = models.CharField(_("阶段"), max_length=20, choices=InterceptionStage.choices)
    carrier = models.CharField(_("快递公司"), max_length=20, blank=True)
    waybill_no = models.CharField(_("运单号"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=InterceptionStatus.choices,
                              default=InterceptionStatus.REQUESTED)
    reason = models.CharField(_("原因"), max_length=200)
    result_note = models.CharField(_("处理结果"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("拦截")
        verbose_name_plural = _("拦截")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InterceptionStatus.values),
                                   name="fulfillment_interception_status_valid"),
            models.CheckConstraint(condition=Q(stage__in=InterceptionStage.values),
                                   name="fulfillment_interception_stage_valid"),
            models.UniqueConstraint(fields=["order", "waybill_no"], condition=Q(status=InterceptionStatus.REQUESTED),
                                    name="fulfillment_interception_one_open_per_parcel"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} {self.waybill_no or self.stage}"


class ToShipOrder(Order):
    """The to-ship queue in the admin console: allocated orders, not held, with no live shipment or pickup
    yet (the admin filters; this proxy only gives the screen its own name)."""

    class Meta:
        proxy = True
        verbose_name = _("待发货订单")
        verbose_name_plural = _("待发货订单")
