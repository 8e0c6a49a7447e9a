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


class ReviewStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", _("未审核")
    WAITING = "waiting", _("等待审核")  # inside the cool-down, or outside the review window
    HELD = "held", _("审核挂起")
    FINANCE = "finance", _("待财务审核")
    APPROVED = "approved", _("已审核")


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
    # 审单 / 合单 / 拆单 / 分仓 (huitong.orders.review, merging, allocation)
    review_status = models.CharField(_("审核状态"), max_length=20, choices=ReviewStatus.choices,
                                     default=ReviewStatus.UNREVIEWED)
    review_due_at = models.DateTimeField(_("下次审核时间"), null=True, blank=True,
                                         help_text=_("等待中或待复核的订单到点后自动审核"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    preferred_location = models.ForeignKey("inventory.Location", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("指定发货库位"),
                                           help_text=_("由备注关键字规则设置,分仓时优先"))
    merge_group = models.ForeignKey("orders.MergeGroup", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="orders", verbose_name=_("合单组"))
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="split_children", verbose_name=_("拆分自"))

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "placed_at"], name="orders_status_placed_idx"),
            models.Index(fields=["store", "placed_at"], name="orders_store_placed_idx"),
            models.Index(fields=["review_status", "review_due_at"], name="orders_review_due_idx"),
            # Held orders are few among many: every stock change looks for those waiting on its SKUs.
            models.Index(fields=["store"], condition=~Q(hold_reasons=[]), name="orders_held_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["store", "external_id"], condition=~Q(external_id=""),
                                    name="orders_order_store_external_unique"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="orders_order_status_valid"),
            models.CheckConstraint(condition=Q(review_status__in=ReviewStatus.values),
                                   name="orders_order_review_status_valid"),
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


# --- 审单 (review), 合单 (merge), 分仓 (allocation) ---------------------------------------------------

class AllocationStrategy(models.TextChoices):
    SINGLE_LOCATION = "single_location", _("整单优先同一库位发货")
    NEAREST = "nearest", _("就近发货(省/市)")
    PRIORITY = "priority", _("按库位优先级")
    SPLIT = "split", _("无单一库位可发时拆分到多库位")


DEFAULT_STRATEGIES = [AllocationStrategy.SINGLE_LOCATION, AllocationStrategy.NEAREST, AllocationStrategy.PRIORITY,
                      AllocationStrategy.SPLIT]


def default_strategies() -> list[str]:
    return [str(s) for s in DEFAULT_STRATEGIES]


class WorkflowSettings(models.Model):
    """One row (pk 1): how paid orders are reviewed, merged and allocated. A missing row means the defaults."""

    cool_down_minutes = models.PositiveIntegerField(
        _("付款后冷静期(分钟)"), default=0, help_text=_("付款后等待多久再自动审核,留给买家改地址或加购"))
    window_start = models.TimeField(_("自动审核开始时间"), null=True, blank=True)
    window_end = models.TimeField(_("自动审核结束时间"), null=True, blank=True,
                                  help_text=_("不设置则全天自动审核;结束早于开始表示跨午夜"))
    finance_review = models.BooleanField(_("启用财务复审"), default=False)
    finance_min_total_fen = models.BigIntegerField(_("财务复审起点金额(分)"), default=0,
                                                   help_text=_("应付金额不低于此值的订单需财务复审"))
    unpaid_recheck_minutes = models.PositiveIntegerField(
        _("等待合并复核间隔(分钟)"), default=10, help_text=_("因同买家有未付款订单而挂起的订单多久后自动复核"))
    merge_gap_minutes = models.PositiveIntegerField(_("合单时间间隔(分钟)"), default=24 * 60,
                                                    help_text=_("付款时间相差不超过此值的订单才可合并"))
    strategies = models.JSONField(_("分仓策略(按顺序)"), default=default_strategies)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审单与分仓设置")
        verbose_name_plural = _("审单与分仓设置")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="orders_workflowsettings_single_row"),
            models.CheckConstraint(condition=Q(finance_min_total_fen__gte=0),
                                   name="orders_workflowsettings_finance_min_non_negative"),
        ]

    def __str__(self) -> str:
        return str(_("审单与分仓设置"))


class RuleKind(models.TextChoices):
    BUYER_REMARK = "buyer_remark", _("有买家留言")
    SELLER_REMARK = "seller_remark", _("有卖家备注")
    REMARK_KEYWORD = "remark_keyword", _("留言/备注含关键字")
    AMOUNT_RANGE = "amount_range", _("金额在范围内")
    QUANTITY_RANGE = "quantity_range", _("件数在范围内")
    BELOW_FLOOR_PRICE = "below_floor_price", _("低于最低售价")
    ADDRESS_INCOMPLETE = "address_incomplete", _("地址不完整")
    UNMAPPED_SKU = "unmapped_sku", _("商品未对应")
    EXCLUDED_SKU = "excluded_sku", _("含指定商品")
    BLACKLISTED = "blacklisted", _("黑名单")
    REFUND_IN_PROGRESS = "refund_in_progress", _("售后/退款中")
    UNPAID_SIBLING = "unpaid_sibling", _("同买家有未付款订单")
    OUT_OF_STOCK = "out_of_stock", _("库存不足")


class RuleAction(models.TextChoices):
    HOLD = "hold", _("挂起待人工审核")
    SET_CARRIER = "set_carrier", _("指定快递")
    SET_LOCATION = "set_location", _("指定发货库位")


class ReviewRule(models.Model):
    """An auto-review rule an operator configures. A paid order matching any active rule of its store
    (or of every store) is held with each matching rule listed; keyword rules may instead set the carrier
    or the shipping location."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=RuleKind.choices)
    action = models.CharField(_("动作"), max_length=20, choices=RuleAction.choices, default=RuleAction.HOLD)
    store = models.ForeignKey("channels.ChannelStore", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("店铺"), help_text=_("为空:适用于所有店铺"))
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.IntegerField(_("顺序"), default=100)
    min_value = models.BigIntegerField(_("下限"), null=True, blank=True, help_text=_("金额为分,件数为件;含"))
    max_value = models.BigIntegerField(_("上限"), null=True, blank=True, help_text=_("金额为分,件数为件;含"))
    keywords = models.JSONField(_("关键字"), default=list, blank=True)
    sku_codes = models.JSONField(_("商品编码"), default=list, blank=True)
    carrier_code = models.CharField(_("快递公司"), max_length=20, blank=True)
    location = models.ForeignKey("inventory.Location", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("发货库位"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审单规则")
        verbose_name_plural = _("审单规则")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="orders_reviewrule_kind_valid"),
            models.CheckConstraint(condition=Q(action__in=RuleAction.values), name="orders_reviewrule_action_valid"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="orders_reviewrule_range_ordered"),
            models.CheckConstraint(condition=Q(action="hold") | Q(kind="remark_keyword"),
                                   name="orders_reviewrule_action_only_for_keywords"),
            models.CheckConstraint(condition=~Q(action="set_carrier") | ~Q(carrier_code=""),
                                   name="orders_reviewrule_carrier_given"),
            models.CheckConstraint(condition=~Q(action="set_location") | Q(location__isnull=False),
                                   name="orders_reviewrule_location_given"),
        ]

    def __str__(self) -> str:
        return self.name


class BlacklistKind(models.TextChoices):
    BUYER = "buyer", _("买家")
    PHONE = "phone", _("手机号")
    ADDRESS = "address", _("地址")


class BlacklistEntry(models.Model):
    """A buyer, phone or address whose orders are held. Stored as a keyed hash (personal data) and a
    masked label for display."""

    kind = models.CharField(_("类型"), max_length=20, choices=BlacklistKind.choices)
    value_hash = models.CharField(max_length=64)
    label = models.CharField(_("显示"), max_length=100)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.CharField(_("添加人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("黑名单")
        verbose_name_plural = _("黑名单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_hash"], name="orders_blacklist_kind_value_unique"),
            models.CheckConstraint(condition=Q(kind__in=BlacklistKind.values), name="orders_blacklist_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class FloorPrice(models.Model):
    """The lowest price a SKU may sell at (per unit, after discounts); without one, the catalog cost."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU"))
    floor_price_fen = models.BigIntegerField(_("最低售价(分)"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("最低售价")
        verbose_name_plural = _("最低售价")
        constraints = [
            models.UniqueConstraint(fields=["sku"], name="orders_floorprice_sku_unique"),
            models.CheckConstraint(condition=Q(floor_price_fen__gte=0), name="orders_floorprice_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} ≥ {self.floor_price_fen}"


class MergeStatus(models.TextChoices):
    ACTIVE = "active", _("已合并")
    UNDONE = "undone", _("已撤销")


class MergeGroup(models.Model):
    """Orders of one buyer shipped as one parcel (合单). Each order keeps its own lines, amounts and
    reservations; the group is allocated together and the fulfillment app ships it as one."""

    store = models.ForeignKey("channels.ChannelStore", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("店铺"))
    master = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("主订单"))
    status = models.CharField(_("状态"), max_length=20, choices=MergeStatus.choices, default=MergeStatus.ACTIVE)
    order_numbers = models.JSONField(_("订单号"), default=list)
    created_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合单")
        verbose_name_plural = _("合单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MergeStatus.values), name="orders_mergegroup_status_valid"),
        ]

    def __str__(self) -> str:
        return f"合单 #{self.pk} ({', '.join(self.order_numbers)})"


class OrderReview(Order):
    """The review (审单) side of an order: the review queue in the admin console, and the object its
    review transitions are audited under (``orders.orderreview``), apart from the order's own lifecycle."""

    class Meta:
        proxy = True
        verbose_name = _("审单队列")
        verbose_name_plural = _("审单队列")


class AllocationQueueOrder(Order):
    """Reviewed orders waiting to be allocated, in the admin console."""

    class Meta:
        proxy = True
        verbose_name = _("待分仓订单")
        verbose_name_plural = _("待分仓订单")
