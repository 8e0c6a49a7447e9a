"""After-sales requests (售后单): refund only, return and refund, exchange — with the order lines they
concern, the refund each line carries, and what the warehouse found when the goods came back."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("仅退款")
    RETURN_REFUND = "return_refund", _("退货退款")
    EXCHANGE = "exchange", _("换货")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已驳回")
    GOODS_RECEIVED = "goods_received", _("已收到退货")
    REFUNDED = "refunded", _("已退款")
    EXCHANGED = "exchanged", _("已换货")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已撤销")


class RequestReason(models.TextChoices):
    NO_REASON_7_DAYS = "no_reason_7_days", _("七天无理由")
    QUALITY = "quality", _("质量问题")
    WRONG_ITEM = "wrong_item", _("发错货")
    MISSING_ITEM = "missing_item", _("少件")
    DAMAGED = "damaged", _("破损")
    CHANGED_MIND = "changed_mind", _("不想要了")
    OTHER = "other", _("其他")


# A request in one of these states no longer claims its order lines (their units and money are free again).
RELEASED_STATES = (RequestStatus.REJECTED, RequestStatus.CANCELLED)


class AfterSalesRequest(models.Model):
    number = models.CharField(_("售后单号"), max_length=32, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"))
    kind = models.CharField(_("类型"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(_("状态"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.REQUESTED)
    reason = models.CharField(_("原因"), max_length=30, choices=RequestReason.choices)
    evidence_note = models.TextField(_("凭证说明"), blank=True)
    refund_fen = models.BigIntegerField(_("退款金额(分)"), default=0,
                                        help_text=_("申请时为申请金额,同意时可调低;换货为 0"))
    refunded_fen = models.BigIntegerField(_("已退金额(分)"), default=0)
    settled_on_platform = models.BooleanField(_("平台已退款"), default=False,
                                              help_text=_("平台订单的钱由平台退回,汇通只记账"))
    platform_refund_id = models.CharField(_("平台退款单号"), max_length=64, blank=True)
    return_carrier_code = models.CharField(_("退货快递"), max_length=20, blank=True)
    return_waybill_no = models.CharField(_("退货运单号"), max_length=40, blank=True)
    replacement_order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("换货新订单"))
    decision_note = models.CharField(_("处理说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True, db_index=True)
    approved_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("售后单")
        verbose_name_plural = _("售后单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="aftersales_status_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="aftersales_request_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values),
                                   name="aftersales_request_status_valid"),
            models.CheckConstraint(condition=Q(reason__in=RequestReason.values),
                                   name="aftersales_request_reason_valid"),
            models.CheckConstraint(
                condition=(Q(kind=RequestKind.EXCHANGE) & Q(refund_fen=0))
                | (~Q(kind=RequestKind.EXCHANGE) & Q(refund_fen__gt=0)),
                name="aftersales_request_refund_matches_kind"),
            models.CheckConstraint(condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("refund_fen")),
                                   name="aftersales_request_refunded_within_amount"),
            models.UniqueConstraint(fields=["order", "platform_refund_id"], condition=~Q(platform_refund_id=""),
                                    name="aftersales_request_platform_refund_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class AfterSalesLine(models.Model):
    """Units of one order line in a request. ``value_fen`` is what was paid for those units (their share of
    the line amount, fixed when the request opens); ``refund_fen`` is this line's part of the refund;
    ``resellable_quantity`` and ``damaged_quantity`` are what inspection found (the rest never arrived)."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("订单行"))
    quantity = models.PositiveIntegerField(_("数量"))
    value_fen = models.BigIntegerField(_("商品实付(分)"), help_text=_("这些件数在订单行实付金额中的份额"))
    refund_fen = models.BigIntegerField(_("退款分摊(分)"), default=0)
    exchange_sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("换成 SKU"))
    resellable_quantity = models.PositiveIntegerField(_("可二次销售"), default=0)
    damaged_quantity = models.PositiveIntegerField(_("残次"), default=0)

    class Meta:
        verbose_name = _("售后行")
        verbose_name_plural = _("售后行")
        ordering = ["request", "order_line"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order_line"], name="aftersales_line_order_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="aftersales_line_quantity_positive"),
            models.CheckConstraint(condition=Q(refund_fen__gte=0) & Q(refund_fen__lte=F("value_fen")),
                                   name="aftersales_line_refund_within_value"),
            models.CheckConstraint(
                condition=Q(resellable_quantity__gte=0) & Q(damaged_quantity__gte=0)
                & Q(quantity__gte=F("resellable_quantity") + F("damaged_quantity")),
                name="aftersales_line_inspected_within_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.order_line_id} × {self.quantity}"
