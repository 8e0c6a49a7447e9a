"""Marketing (营销): promotions, member prices, coupon templates and the coupons issued from them, and
campaigns that issue a template's coupons to a member segment. Prices are computed by ``pricing``
(pure); these tables hold the rules it is fed with."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PromotionKind(models.TextChoices):
    MULTI_BUY = "multi_buy", _("N件M折")
    SECOND_ITEM = "second_item", _("第二件X折")
    THRESHOLD_OFF = "threshold_off", _("满减")
    GIFT = "gift", _("满赠")


class Stage(models.IntegerChoices):
    """Order of application (member price is stage 1, coupons stage 4: not promotion stages)."""

    ITEM = 2, _("单品优惠")
    ORDER = 3, _("订单优惠")


class Promotion(models.Model):
    """One promotion rule. ``params`` depend on the kind (validated by the services):
    multi_buy ``{"min_quantity", "pay_percent"}``, second_item ``{"pay_percent"}``, threshold_off
    ``{"tiers": [[threshold_fen, off_fen], ...], "each_time", "cap_fen"}``, gift ``{"threshold_fen",
    "gift_sku_id", "gift_quantity"}``. ``scope`` lists ``store_ids``, ``platforms``, ``sku_ids``,
    ``product_ids``, ``category_ids`` (sub-categories included) and ``brand_ids``; empty means all.
    ``audience_tiers`` / ``audience_segments`` empty means every buyer, guests included."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=PromotionKind.choices)
    params = models.JSONField(_("参数"), default=dict)
    stage = models.PositiveSmallIntegerField(_("计算阶段"), choices=Stage.choices)
    exclusive_group = models.CharField(
        _("互斥组"), max_length=40, blank=True, help_text=_("同组只取优惠最大的一个")
    )
    exclusive = models.BooleanField(_("独享"), default=False, help_text=_("生效时同阶段其他优惠都不再参与"))
    priority = models.IntegerField(_("优先级"), default=0)
    scope = models.JSONField(_("适用范围"), default=dict, blank=True)
    audience_tiers = models.JSONField(_("会员等级"), default=list, blank=True)
    audience_segments = models.JSONField(_("会员分群"), default=list, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("促销活动")
        verbose_name_plural = _("促销活动")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PromotionKind.values), name="marketing_promotion_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="marketing_promotion_stage_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="marketing_promotion_name_not_blank"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="marketing_promotion_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "starts_at"], name="marketing_promotion_live")]

    def __str__(self) -> str:
        return self.name


class MemberPrice(models.Model):
    """An explicit member price for one SKU and one tier (wins over the tier's percent discount)."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU"))
    tier_code = models.CharField(_("会员等级"), max_length=30)
    price_fen = models.BigIntegerField(_("会员价(分)"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会员价")
        verbose_name_plural = _("会员价")
        ordering = ["sku_id", "tier_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "tier_code"], name="marketing_memberprice_sku_tier_unique"
            ),
            models.CheckConstraint(
                condition=Q(price_fen__gte=0), name="marketing_memberprice_price_non_negative"
            ),
            models.CheckConstraint(condition=~Q(tier_code=""), name="marketing_memberprice_tier_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}/{self.tier_code}: {self.price_fen}"


class CouponKind(models.TextChoices):
    FIXED = "fixed", _("满减券")
    PERCENT = "percent", _("折扣券")


class CouponTemplate(models.Model):
    """What a coupon gives and who may hold how many. Validity is a fixed window (``valid_from`` ..
    ``valid_until``) or ``valid_days`` after claiming (within the window when one is set too).
    ``issued_count`` only grows, by a conditional UPDATE, and never passes ``total_quantity``."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=CouponKind.choices)
    value_fen = models.BigIntegerField(_("面额(分)"), default=0)
    pay_percent = models.PositiveSmallIntegerField(_("折扣(实付百分比)"), null=True, blank=True)
    cap_fen = models.BigIntegerField(_("最高优惠(分)"), null=True, blank=True)
    threshold_fen = models.BigIntegerField(_("使用门槛(分)"), default=0)
    scope = models.JSONField(_("适用范围"), default=dict, blank=True)
    exclusive_group = models.CharField(_("互斥组"), max_length=40, blank=True)
    valid_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    valid_days = models.PositiveIntegerField(_("领取后有效天数"), null=True, blank=True)
    per_member_limit = models.PositiveIntegerField(_("每人限领"), default=1)
    total_quantity = models.PositiveIntegerField(_("发放总量"), null=True, blank=True)
    issued_count = models.PositiveIntegerField(_("已发放"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("优惠券模板")
        verbose_name_plural = _("优惠券模板")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CouponKind.values), name="marketing_coupontemplate_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=CouponKind.FIXED, value_fen__gt=0, pay_percent__isnull=True)
                    | Q(kind=CouponKind.PERCENT, pay_percent__gte=1, pay_percent__lte=99)
                ),
                name="marketing_coupontemplate_value_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(cap_fen__isnull=True) | Q(cap_fen__gt=0),
                name="marketing_coupontemplate_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(threshold_fen__gte=0), name="marketing_coupontemplate_threshold_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=False) | Q(valid_days__gte=1),
                name="marketing_coupontemplate_has_validity",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="marketing_coupontemplate_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__gte=1), name="marketing_coupontemplate_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(total_quantity__isnull=True) | Q(issued_count__lte=F("total_quantity")),
                name="marketing_coupontemplate_issued_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CouponStatus(models.TextChoices):
    ISSUED = "issued", _("未使用")
    LOCKED = "locked", _("已锁定")
    USED = "used", _("已使用")
    EXPIRED = "expired", _("已过期")
    VOID = "void", _("已作废")


class Coupon(models.Model):
    """One coupon: held by a member (``customer``, taking one of the template's per-member ``slot``s,
    so the limit is a unique constraint, not a count) or an anonymous single-use code."""

    template = models.ForeignKey(
        CouponTemplate, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("模板")
    )
    code = models.CharField(_("券码"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "members.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("会员"),
    )
    slot = models.PositiveIntegerField(_("领取序号"), null=True, blank=True)
    campaign = models.ForeignKey(
        "Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coupons",
        verbose_name=_("营销活动"),
    )
    # Idempotency key of the issue ("campaign:<id>:<customer>"); survives member merges unchanged.
    issue_key = models.CharField(_("发放键"), max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CouponStatus.choices, default=CouponStatus.ISSUED
    )
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("失效时间"))
    used_reference = models.CharField(_("使用单号"), max_length=64, blank=True, db_index=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    discount_fen = models.BigIntegerField(_("优惠金额(分)"), default=0)
    order_total_fen = models.BigIntegerField(_("订单金额(分)"), default=0)
    issued_at = models.DateTimeField(_("发放时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CouponStatus.values), name="marketing_coupon_status_valid"
            ),
            models.UniqueConstraint(
                fields=["template", "customer", "slot"],
                condition=Q(customer__isnull=False),
                name="marketing_coupon_one_per_member_slot",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=True, slot__isnull=True)
                | Q(customer__isnull=False, slot__gte=1),
                name="marketing_coupon_member_has_slot",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="marketing_coupon_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(discount_fen__gte=0) & Q(order_total_fen__gte=0),
                name="marketing_coupon_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[CouponStatus.USED, CouponStatus.LOCKED]) | ~Q(used_reference=""),
                name="marketing_coupon_used_has_reference",
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="marketing_coupon_holder")]

    def __str__(self) -> str:
        return self.code


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RUNNING = "running", _("发放中")
    COMPLETED = "completed", _("已完成")


class Campaign(models.Model):
    """Issue one coupon of ``template`` to every member of ``segment`` (once per member, however often
    it runs)."""

    name = models.CharField(_("名称"), max_length=100)
    template = models.ForeignKey(
        CouponTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("优惠券模板")
    )
    segment = models.CharField(_("会员分群"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    issued_count = models.PositiveIntegerField(_("已发放"), default=0)
    skipped_count = models.PositiveIntegerField(_("未发放(已达限领或已领)"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_run_at = models.DateTimeField(_("最近发放"), null=True, blank=True)

    class Meta:
        verbose_name = _("营销活动")
        verbose_name_plural = _("营销活动")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="marketing_campaign_status_valid"
            ),
            models.CheckConstraint(condition=~Q(segment=""), name="marketing_campaign_segment_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
