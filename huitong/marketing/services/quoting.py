"""``quote``: load what applies to a cart (store, time, member tier and segments, coupons given) and
price it with the pure engine. Reads only; nothing is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.catalog import selectors as catalog
from huitong.catalog.models import CATEGORY_PATH_SEPARATOR
from huitong.channels import selectors as channels
from huitong.marketing import pricing, rules
from huitong.marketing.errors import InvalidQuote
from huitong.marketing.models import Coupon, CouponStatus, MemberPrice, Promotion, PromotionKind
from huitong.marketing.services import common

MAX_LINES = 200
MAX_QUANTITY = 9999


@dataclass(frozen=True)
class CartLine:
    sku_id: int
    quantity: int


def _check_lines(lines: Sequence[CartLine], coupon_codes: Sequence[str]) -> None:
    errors: dict[str, str] = {}
    if not lines:
        errors["lines"] = _("购物车是空的")
    elif len(lines) > MAX_LINES:
        errors["lines"] = _("一次最多 {n} 行").format(n=MAX_LINES)
    for i, line in enumerate(lines[:MAX_LINES]):
        if (
            isinstance(line.quantity, bool)
            or not isinstance(line.quantity, int)
            or not 1 <= line.quantity <= MAX_QUANTITY
        ):
            errors[f"lines[{i}].quantity"] = _("数量必须在 1 到 {n} 之间").format(n=MAX_QUANTITY)
    if len(coupon_codes) > 10:
        errors["coupon_codes"] = _("一次最多使用 10 张优惠券")
    if errors:
        raise InvalidQuote.for_fields(errors)


def live_promotions(at: datetime) -> list[Promotion]:
    """Active promotions whose window contains ``at`` (one query)."""
    return list(
        Promotion.objects.filter(is_active=True, starts_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .order_by("pk")
    )


class _Audience:
    """Who the buyer is, fetched only when a rule needs it."""

    def __init__(self, customer_id: int | None):
        self.customer_id = customer_id
        self.tier = common.member_tier(customer_id) if customer_id is not None else None
        self._segments: dict[str, bool] = {}

    def admits(self, promotion: Promotion) -> bool:
        if not (promotion.audience_tiers or promotion.audience_segments):
            return True
        if self.customer_id is None:
            return False
        if promotion.audience_tiers and self.tier.code not in promotion.audience_tiers:
            return False
        return not promotion.audience_segments or any(self.in_segment(s) for s in promotion.audience_segments)

    def in_segment(self, segment: str) -> bool:
        if segment not in self._segments:
            self._segments[segment] = self.customer_id in set(common.segment_customer_ids(segment))
        return self._segments[segment]


def _category_chains(category_ids: set[int]) -> dict[int, frozenset[int]]:
    """Each category with all its ancestors (one query over the category tree)."""
    rows = list(catalog.list_categories().values_list("pk", "path"))
    by_path = {path: pk for pk, path in rows}
    chains = {}
    for pk, path in rows:
        if pk in category_ids:
            parts = path.split(CATEGORY_PATH_SEPARATOR)
            chains[pk] = frozenset(
                by_path[CATEGORY_PATH_SEPARATOR.join(parts[:n])]
                for n in range(1, len(parts) + 1)
                if CATEGORY_PATH_SEPARATOR.join(parts[:n]) in by_path
            )
    return chains


def _coupons(codes: Sequence[str], customer_id: int | None, at: datetime):
    """Usable coupons as engine rules, and the codes that cannot be used with the reason."""
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    if not wanted:
        return [], []
    found = {c.code: c for c in Coupon.objects.select_related("template").filter(code__in=wanted)}
    usable, unusable = [], []
    for code in wanted:
        coupon = found.get(code)
        reason = ""
        if coupon is None:
            reason = _("优惠券不存在")
        elif coupon.status == CouponStatus.USED:
            reason = _("优惠券已被使用")
        elif coupon.status != CouponStatus.ISSUED:
            reason = _("优惠券当前状态为{status}").format(status=coupon.get_status_display())
        elif coupon.customer_id is not None and coupon.customer_id != customer_id:
            reason = _("该优惠券不属于当前会员")
        elif not coupon.valid_from <= at < coupon.valid_until:
            reason = _("不在优惠券有效期内")
        if reason:
            unusable.append(pricing.UnappliedCoupon(coupon.pk if coupon else None, code, reason))
        else:
            usable.append(rules.coupon_rule(coupon))
    return usable, unusable


def quote(
    *,
    store_id: int,
    lines: Sequence[CartLine],
    customer_id: int | None,
    coupon_codes: Sequence[str] = (),
    at: datetime | None = None,
) -> pricing.PricedCart:
    """The priced cart for a buyer in a store at ``at`` (now by default): member price, the live
    promotions whose store and audience match, and the coupons given (unusable ones are listed in
    ``unapplied_coupons`` with the reason, not raised). Unknown or inactive SKUs are field errors."""
    lines = list(lines)
    _check_lines(lines, coupon_codes)
    at = at or timezone.now()
    store = channels.get_active_store(store_id)
    audience = _Audience(customer_id)
    promotions = [p for p in live_promotions(at) if audience.admits(p)]
    gift_ids = {p.params["gift_sku_id"] for p in promotions if p.kind == PromotionKind.GIFT}
    skus = catalog.skus_by_ids({line.sku_id for line in lines} | gift_ids)
    errors = {
        f"lines[{i}].sku_id": _("SKU 不存在或已停售")
        for i, line in enumerate(lines)
        if line.sku_id not in skus
        or not skus[line.sku_id].is_active
        or not skus[line.sku_id].product.is_active
    }
    if errors:
        raise InvalidQuote.for_fields(errors)
    coupon_rules, unusable = _coupons(coupon_codes, customer_id, at)
    by_category = any(p.scope.get("category_ids") for p in promotions) or any(
        c.scope.category_ids for c in coupon_rules
    )
    chains = (
        _category_chains({skus[line.sku_id].product.category_id for line in lines} - {None})
        if by_category
        else {}
    )
    member_prices = {}
    if audience.tier is not None:
        member_prices = dict(
            MemberPrice.objects.filter(tier_code=audience.tier.code, sku_id__in=skus).values_list(
                "sku_id", "price_fen"
            )
        )
    cart = pricing.Cart(
        lines=tuple(
            pricing.PricingLine(
                sku_id=line.sku_id,
                quantity=line.quantity,
                list_price_fen=skus[line.sku_id].price_fen,
                product_id=skus[line.sku_id].product_id,
                brand_id=skus[line.sku_id].product.brand_id,
                category_ids=chains.get(skus[line.sku_id].product.category_id, frozenset()),
            )
            for line in lines
        ),
        store_id=store.pk,
        platform=store.platform,
        member_discount_percent=audience.tier.member_discount_percent if audience.tier else 100,
        member_prices=member_prices,
        member_label=audience.tier.name if audience.tier else "",
    )
    promotion_rules = [
        rules.promotion_rule(
            p,
            gift_value_fen=skus[p.params["gift_sku_id"]].price_fen,
            gift_name=skus[p.params["gift_sku_id"]].display_name,
        )
        if p.kind == PromotionKind.GIFT and p.params["gift_sku_id"] in skus
        else rules.promotion_rule(p)
        for p in promotions
        if p.kind != PromotionKind.GIFT or p.params["gift_sku_id"] in skus
    ]
    priced = pricing.price_cart(cart, promotion_rules, coupon_rules)
    if unusable:
        priced = dataclasses.replace(priced, unapplied_coupons=(*unusable, *priced.unapplied_coupons))
    return priced
