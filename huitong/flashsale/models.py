"""Flash sales (秒杀): a quantity of one SKU set aside at one location, sold at a flash price in a time
window, at most ``per_buyer_limit`` units per member. ``remaining`` is the database counter (taken by a
conditional UPDATE on both paths; the Redis counter only screens buyers in front of it); each buyer's
units are one ``FlashSaleBuyer`` row with a conditional counter; every unit taken is a ``Claim`` tied to
its order until paid or returned."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FlashSaleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("待开始")
    RUNNING = "running", _("进行中")
    ENDED = "ended", _("已结束")


# Sold to buyers while in the window (``scheduled`` turns ``running`` when the window opens).
OPEN_STATES = (FlashSaleStatus.SCHEDULED, FlashSaleStatus.RUNNING)


class FlashSale(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    store = models.ForeignKey(
        "channels.ChannelStore", on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺")
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("备货库位")
    )
    price_fen = models.BigIntegerField(_("秒杀价(分)"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    quantity = models.BigIntegerField(_("秒杀数量"))
    per_buyer_limit = models.IntegerField(_("每人限购"), default=1)
    unpaid_timeout_minutes = models.IntegerField(_("未付款超时(分钟)"), default=10)
    status = models.CharField(
        _("状态"), max_length=20, choices=FlashSaleStatus.choices, default=FlashSaleStatus.DRAFT
    )
    remaining = models.BigIntegerField(_("剩余数量"), default=0)
    # The active set-aside reservation (None before start, after the end, or while all units are claimed).
    reservation = models.ForeignKey(
        "inventory.Reservation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("备货预占"),
    )
    released_quantity = models.BigIntegerField(_("结束时释放"), default=0)
    started_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束于"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("秒杀活动")
        verbose_name_plural = _("秒杀活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FlashSaleStatus.values), name="flashsale_sale_status_valid"
            ),
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="flashsale_sale_price_non_negative"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="flashsale_sale_quantity_positive"),
            models.CheckConstraint(condition=Q(per_buyer_limit__gt=0), name="flashsale_sale_limit_positive"),
            models.CheckConstraint(
                condition=Q(unpaid_timeout_minutes__gt=0), name="flashsale_sale_timeout_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="flashsale_sale_window_valid"
            ),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("quantity")),
                name="flashsale_sale_remaining_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class FlashSaleBuyer(models.Model):
    """One member's units in one sale: ``held`` (claimed and not returned, never above the limit: the
    conditional UPDATE that raises it says so) and ``seq`` (claims ever made, numbering them)."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="buyers")
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    held = models.IntegerField(_("持有"), default=0)
    seq = models.IntegerField(_("抢购次数"), default=0)

    class Meta:
        verbose_name = _("秒杀买家")
        verbose_name_plural = _("秒杀买家")
        constraints = [
            models.UniqueConstraint(fields=["sale", "customer"], name="flashsale_buyer_unique"),
            models.CheckConstraint(condition=Q(held__gte=0), name="flashsale_buyer_held_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id}/{self.customer_id}: {self.held}"


class ClaimStatus(models.TextChoices):
    HELD = "held", _("待付款")
    PAID = "paid", _("已付款")
    RETURNED = "returned", _("已退回")


class Claim(models.Model):
    """Units a member took in a sale and the order made for them."""

    sale = models.ForeignKey(FlashSale, on_delete=models.PROTECT, related_name="claims")
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    claim_no = models.IntegerField(_("序号"))
    request_id = models.CharField(_("请求号"), max_length=64, blank=True)
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(_("数量"))
    status = models.CharField(_("状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.HELD)
    created_at = models.DateTimeField(_("抢购时间"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("秒杀订单")
        verbose_name_plural = _("秒杀订单")
        indexes = [models.Index(fields=["status", "created_at"], name="flashsale_claim_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "customer", "claim_no"], name="flashsale_claim_no_unique"
            ),
            models.UniqueConstraint(
                fields=["sale", "customer", "request_id"],
                condition=~Q(request_id=""),
                name="flashsale_claim_request_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="flashsale_claim_quantity_positive"),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="flashsale_claim_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id}/{self.customer_id}#{self.claim_no} ({self.status})"
