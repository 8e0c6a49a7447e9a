"""Marketing reads: promotions, member prices, coupon templates, coupons, campaigns and their reports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from huitong.marketing.errors import (
    CampaignNotFound,
    CouponNotFound,
    CouponTemplateNotFound,
    PromotionNotFound,
)
from huitong.marketing.models import (
    Campaign,
    Coupon,
    CouponStatus,
    CouponTemplate,
    MemberPrice,
    Promotion,
)


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: int
    issued: int
    used: int
    orders: int
    revenue_fen: int  # totals of the orders that used this campaign's coupons (each order once)
    cost_fen: int  # the discount those coupons gave
    use_rate_percent: int


def get_promotion(promotion_id: int) -> Promotion:
    promotion = Promotion.objects.filter(pk=promotion_id).first()
    if promotion is None:
        raise PromotionNotFound()
    return promotion


def list_promotions(*, kind: str | None = None, is_active: bool | None = None) -> QuerySet[Promotion]:
    promotions = Promotion.objects.order_by("-id")
    if kind:
        promotions = promotions.filter(kind=kind)
    if is_active is not None:
        promotions = promotions.filter(is_active=is_active)
    return promotions


def list_member_prices(*, sku_id: int | None = None, tier_code: str | None = None) -> QuerySet[MemberPrice]:
    prices = MemberPrice.objects.order_by("sku_id", "tier_code")
    if sku_id is not None:
        prices = prices.filter(sku_id=sku_id)
    if tier_code:
        prices = prices.filter(tier_code=tier_code)
    return prices


def get_coupon_template(template_id: int) -> CouponTemplate:
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise CouponTemplateNotFound()
    return template


def list_coupon_templates(*, is_active: bool | None = None) -> QuerySet[CouponTemplate]:
    templates = CouponTemplate.objects.order_by("-id")
    return templates if is_active is None else templates.filter(is_active=is_active)


def get_coupon_by_code(code: str) -> Coupon:
    coupon = Coupon.objects.select_related("template").filter(code=(code or "").strip().upper()).first()
    if coupon is None:
        raise CouponNotFound(detail={"code": code})
    return coupon


def list_coupons(
    *,
    customer_id: int | None = None,
    template_id: int | None = None,
    status: str | None = None,
    reference: str | None = None,
) -> QuerySet[Coupon]:
    coupons = Coupon.objects.select_related("template").order_by("-id")
    if customer_id is not None:
        coupons = coupons.filter(customer_id=customer_id)
    if template_id is not None:
        coupons = coupons.filter(template_id=template_id)
    if status:
        coupons = coupons.filter(status=status)
    if reference:
        coupons = coupons.filter(used_reference=reference)
    return coupons


def get_campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("template").filter(pk=campaign_id).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def list_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("template").order_by("-id")


def campaign_report(campaign_id: int) -> CampaignReport:
    """Coupons issued and used, the revenue of the orders that used them and the discount they cost."""
    get_campaign(campaign_id)
    coupons = Coupon.objects.filter(campaign_id=campaign_id)
    used = Q(status=CouponStatus.USED)
    totals = coupons.aggregate(
        issued=Count("pk"), used=Count("pk", filter=used), cost=Sum("discount_fen", filter=used)
    )
    orders = dict(coupons.filter(used).values_list("used_reference", "order_total_fen"))
    issued, used_count = totals["issued"], totals["used"]
    return CampaignReport(
        campaign_id=campaign_id,
        issued=issued,
        used=used_count,
        orders=len(orders),
        revenue_fen=sum(orders.values()),
        cost_fen=totals["cost"] or 0,
        use_rate_percent=used_count * 100 // issued if issued else 0,
    )
