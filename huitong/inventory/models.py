from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("仓库")
    STORE = "store", _("门店")
    PICKUP_POINT = "pickup_point", _("自提点")


class Location(models.Model):
    """Somewhere stock is kept: a warehouse, a store, a community pickup point."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=LocationKind.choices)
    province = models.CharField(_("省"), max_length=40, blank=True)
    city = models.CharField(_("市"), max_length=40, blank=True)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    priority = models.IntegerField(_("优先级"), default=100, help_text=_("数字越小越优先发货"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库位/门店")
        verbose_name_plural = _("库位/门店")
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LocationKind.values), name="inventory_location_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StockItem(models.Model):
    """Stock of one SKU at one location. ``0 <= reserved <= on_hand`` always (invariant 1);
    ``on_hand`` equals the sum of this item's movements (invariant 2)."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="stock_items", verbose_name=_("SKU"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_items", verbose_name=_("库位"))
    on_hand = models.BigIntegerField(_("在库"), default=0)
    reserved = models.BigIntegerField(_("预占"), default=0)
    safety_stock = models.BigIntegerField(_("安全库存"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["sku", "location"], name="inventory_stock_sku_location_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="inventory_stock_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_stock_reserved_non_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="inventory_stock_reserved_within_on_hand"),
            models.CheckConstraint(condition=Q(safety_stock__gte=0), name="inventory_stock_safety_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIVE = "receive", _("入库")
    ADJUST = "adjust", _("盘点调整")
    TRANSFER_OUT = "transfer_out", _("调拨出库")
    TRANSFER_IN = "transfer_in", _("调拨入库")
    SHIP = "ship", _("发货出库")
    REVERSAL = "reversal", _("冲销")


class StockMovement(models.Model):
    """The append-only on-hand ledger. Rows are never updated or deleted (database triggers refuse
    it); a mistake is corrected by a reversing movement."""

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=20, choices=MovementKind.choices)
    quantity = models.BigIntegerField(_("数量变化"))
    reference = models.CharField(_("单据"), max_length=100, blank=True, db_index=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=150)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("出入库流水")
        verbose_name_plural = _("出入库流水")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="inventory_movement_quantity_non_zero"),
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="inventory_movement_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} ({self.reference})"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("预占中")
    RELEASED = "released", _("已释放")
    SHIPPED = "shipped", _("已出库")


class Reservation(models.Model):
    """Stock held for a document (an order line). ``reserved`` of a stock item equals the sum of its
    active reservations. The (stock item, reference) pair is unique: reserving twice is a no-op."""

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="reservations")
    reference = models.CharField(_("单据"), max_length=100)
    quantity = models.BigIntegerField(_("数量"))
    status = models.CharField(_("状态"), max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("库存预占")
        verbose_name_plural = _("库存预占")
        constraints = [
            models.UniqueConstraint(fields=["stock_item", "reference"], name="inventory_reservation_reference_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_reservation_quantity_positive"),
            models.CheckConstraint(condition=Q(status__in=ReservationStatus.values), name="inventory_reservation_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} ({self.status})"
