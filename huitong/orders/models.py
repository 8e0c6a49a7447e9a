from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huitong.core.crypto import EncryptedTextField


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("待付款")
    PAID = "paid", _("已付款")
    ALLOCATED = "allocated", _("已分仓")
    SHIPPED = "shipped", _("已发货")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class StoreLocation(models.Model):
    """Which locations fulfil a store's orders, in priority order (a POS store: its own shop)."""

    store = models.ForeignKey("channels.ChannelStore", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    priority = models.IntegerField(_("优先级"), default=100)

    class Meta:
        verbose_name = _("店铺发货库位")
        verbose_name_plural = _("店铺发货库位")
        ordering = ["store", "priority", "location"]
        constraints = [models.UniqueConstraint(fields=["store", "location"], name="orders_store_location_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} ← {self.location_id} ({self.priority})"


class Order(models.Model):
    number = models.CharField(_("订单号"), max_length=32, unique=True)
    store = models.ForeignKey("channels.ChannelStore", on_delete=models.PROTECT, related_name="orders",
                              verbose_name=_("店铺"))
    external_id = models.CharField(_("平台订单号"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING_PAYMENT)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    subtotal_fen = models.BigIntegerField(_("商品金额(分)"))
    discount_fen = models.BigIntegerField(_("优惠(分)"), default=0)
    shipping_fen = models.BigIntegerField(_("运费(分)"), default=0)
    total_fen = models.BigIntegerField(_("应付(分)"))
    paid_fen = models.BigIntegerField(_("实付(分)"), default=0)
    buyer_nick = models.CharField(_("买家"), max_length=100, blank=True)
    receiver_name = EncryptedTextField(_("收货人"), blank=True)
    receiver_phone = EncryptedTextField(_("收货电话"), blank=True)
    receiver_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    province = models.CharField(_("省"), max_length=40, blank=True)
    city = models.CharField(_("市"), max_length=40, blank=True)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    address = EncryptedTextField(_("详细地址"), blank=True)
    buyer_remark = models.CharField(_("买家留言"), max_length=500, blank=True)
    seller_remark = models.CharField(_("卖家备注"), max_length=500, blank=True)
    buyer_id = models.CharField(_("平台买家 ID"), max_length=100, blank=True, db_index=True)
    customer = models.ForeignKey("members.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="orders", verbose_name=_("客户"))
    platform_status = models.CharField(_("平台状态"), max_length=40, blank=True)
    platform_updated_at = models.DateTimeField(_("平台更新时间"), null=True, blank=True)
    # Why the order cannot move on by itself: [{"code": "unmapped_sku", "message": "..."}]; empty = not held.
    hold_reasons = models.JSONField(_("挂起原因"), default=list, blank=True)
    carrier_code = models.CharField(_("快递公司"), max_length=20, blank=True)
    waybill_no = models.CharField(_("运单号"), max_length=40, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    placed_at = models.DateTimeField(_("下单时间"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("分仓时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "placed_at"], name="orders_status_placed_idx"),
            models.Index(fields=["store", "placed_at"], name="orders_store_placed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["store", "external_id"], condition=~Q(external_id=""),
                                    name="orders_order_store_external_unique"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="orders_order_status_valid"),
            models.CheckConstraint(
                condition=Q(subtotal_fen__gte=0) & Q(discount_fen__gte=0) & Q(shipping_fen__gte=0)
                & Q(discount_fen__lte=F("subtotal_fen")),
                name="orders_order_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_fen=F("subtotal_fen") - F("discount_fen") + F("shipping_fen")),
                name="orders_order_total_adds_up",
            ),
            models.CheckConstraint(condition=Q(paid_fen__gte=0) & Q(paid_fen__lte=F("total_fen")),
                                   name="orders_order_paid_within_total"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("SKU"), help_text=_("为空:平台商品尚未对应到 SKU"))
    sku_code = models.CharField(_("SKU 编码"), max_length=64, blank=True)
    platform_line_id = models.CharField(_("平台子订单号"), max_length=64, blank=True)
    platform_item_id = models.CharField(_("平台商品 ID"), max_length=64, blank=True)
    platform_sku_id = models.CharField(_("平台 SKU ID"), max_length=64, blank=True)
    merchant_code = models.CharField(_("商家编码"), max_length=64, blank=True)
    title = models.CharField(_("商品名称"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price_fen = models.BigIntegerField(_("单价(分)"))
    discount_fen = models.BigIntegerField(_("分摊优惠(分)"), default=0)
    amount_fen = models.BigIntegerField(_("行金额(分)"))
    location = models.ForeignKey("inventory.Location", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("发货库位"))
    reservation = models.ForeignKey("inventory.Reservation", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("订单行")
        verbose_name_plural = _("订单行")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="orders_line_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price_fen__gte=0) & Q(discount_fen__gte=0) & Q(amount_fen__gte=0),
                                   name="orders_line_amounts_non_negative"),
            models.CheckConstraint(condition=Q(amount_fen=F("unit_price_fen") * F("quantity") - F("discount_fen")),
                                   name="orders_line_amount_adds_up"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no} {self.sku_code} × {self.quantity}"
