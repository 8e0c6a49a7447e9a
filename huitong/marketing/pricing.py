"""The price engine (pure: no Django, no database, frozen dataclasses in and out).

A cart of lines at list price goes through four stages, in this order:

1. member price — the tier's explicit per-SKU member price (never above list), else the tier percent;
2. item-level promotions — N件M折 (``MultiBuyRule``), 第二件X折 (``SecondItemRule``), or any rule put there;
3. order-level promotions — tiered 满减 / 每满减 (``ThresholdRule``), gift with purchase (``GiftRule``);
4. coupons (``CouponRule``: fixed amount or percentage with a cap, threshold, product scope).

Within a stage: rules sharing an ``exclusive_group`` compete and only the best one (most benefit when
evaluated alone, ties to the lower id) stays; a rule marked ``exclusive`` excludes every other rule of
its stage, so the stage applies either one exclusive rule alone or the remaining non-exclusive rules,
whichever gives more (ties to the option with the lower rule id). The rules that stay apply in
(priority descending, id) order. Conditions (thresholds, N件) are checked on the amounts the stage
started with, i.e. after the previous stages; the money each rule takes is computed on the amounts left
by the rules before it, and never exceeds them. Every order-level amount is spread over the lines in
scope with ``allocate_fen`` (largest remainder), so the lines always add up to the total exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from huitong.core.money import allocate_fen, round_fen

STAGE_MEMBER = 1
STAGE_ITEM = 2
STAGE_ORDER = 3
STAGE_COUPON = 4


# --- input ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricingLine:
    """A cart line at list price. ``category_ids`` holds the SKU's category and all its ancestors."""

    sku_id: int
    quantity: int
    list_price_fen: int
    product_id: int | None = None
    category_ids: frozenset[int] = frozenset()
    brand_id: int | None = None


@dataclass(frozen=True)
class Cart:
    lines: tuple[PricingLine, ...]
    store_id: int | None = None
    platform: str = ""
    member_discount_percent: int = 100  # 95 = 9.5折 for every line without an explicit member price
    member_prices: Mapping[int, int] = field(default_factory=dict)  # sku_id -> member unit price (fen)
    member_label: str = ""  # e.g. "金卡会员", used in the adjustment's reason


@dataclass(frozen=True)
class Scope:
    """Which lines a rule looks at. Empty sets mean "no restriction"; product-side sets are OR-ed
    (a line matches when its SKU, product, any of its categories or its brand is listed)."""

    sku_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    brand_ids: frozenset[int] = frozenset()
    store_ids: frozenset[int] = frozenset()
    platforms: frozenset[str] = frozenset()

    def allows_cart(self, cart: Cart) -> bool:
        return (not self.store_ids or cart.store_id in self.store_ids) and (
            not self.platforms or cart.platform in self.platforms
        )

    def matches(self, line: PricingLine) -> bool:
        if not (self.sku_ids or self.product_ids or self.category_ids or self.brand_ids):
            return True
        return (
            line.sku_id in self.sku_ids
            or line.product_id in self.product_ids
            or bool(line.category_ids & self.category_ids)
            or line.brand_id in self.brand_ids
        )


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: int
    name: str = ""
    stage: int = STAGE_ITEM
    exclusive_group: str = ""
    exclusive: bool = False
    priority: int = 0
    scope: Scope = Scope()

    kind = "rule"

    def effect(self, view: _View) -> _Effect | None:  # pragma: no cover - every kind overrides it
        raise NotImplementedError


@dataclass(frozen=True)
class GiftLine:
    sku_id: int
    quantity: int
    source_id: int
    reason: str
    unit_price_fen: int = 0  # a gift is free; ``value_fen`` is what it is worth at list price
    value_fen: int = 0


@dataclass(frozen=True)
class _Effect:
    shares: tuple[tuple[int, int], ...]  # (line index, discount fen), only non-zero shares
    reason: str
    gifts: tuple[GiftLine, ...] = ()

    @property
    def amount(self) -> int:
        return sum(share for _, share in self.shares)

    @property
    def benefit(self) -> int:
        return self.amount + sum(g.value_fen for g in self.gifts)

    @property
    def applies(self) -> bool:
        return self.amount > 0 or bool(self.gifts)


@dataclass(frozen=True)
class _View:
    """What a rule sees: the cart, the amounts its stage started with, and the amounts left now."""

    cart: Cart
    start: tuple[int, ...]
    current: tuple[int, ...]

    def in_scope(self, scope: Scope) -> list[int]:
        return [i for i, line in enumerate(self.cart.lines) if scope.matches(line)]


def _yuan(fen: int) -> str:
    whole, part = divmod(fen, 100)
    return str(whole) if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def _zhe(pay_percent: int) -> str:
    """80 → "8折", 85 → "8.5折", 95 → "9.5折", 0 → "免费"."""
    if pay_percent == 0:
        return "免费"
    return f"{_yuan(pay_percent * 10)}折"


def _percent_off_shares(view: _View, indices: Sequence[int], pay_percent: int) -> tuple[tuple[int, int], ...]:
    off = Decimal(100 - pay_percent) / 100
    shares = []
    for i in indices:
        share = min(view.current[i], round_fen(view.current[i] * off))
        if share:
            shares.append((i, share))
    return tuple(shares)


def _spread(view: _View, indices: Sequence[int], amount: int) -> tuple[tuple[int, int], ...]:
    weights = [view.current[i] for i in indices]
    amount = min(amount, sum(weights))
    if amount <= 0:
        return ()
    parts = allocate_fen(amount, weights)
    return tuple((i, part) for i, part in zip(indices, parts, strict=True) if part)


@dataclass(frozen=True, kw_only=True)
class MultiBuyRule(Rule):
    """N件M折: with at least ``min_quantity`` units in scope, every unit in scope pays ``pay_percent``."""

    min_quantity: int
    pay_percent: int
    kind = "multi_buy"

    def effect(self, view: _View) -> _Effect | None:
        indices = view.in_scope(self.scope)
        if sum(view.cart.lines[i].quantity for i in indices) < self.min_quantity:
            return None
        return _Effect(
            _percent_off_shares(view, indices, self.pay_percent),
            f"任选{self.min_quantity}件{_zhe(self.pay_percent)}",
        )


@dataclass(frozen=True, kw_only=True)
class SecondItemRule(Rule):
    """第二件X折: units in scope sorted by price (high first) form pairs; the cheaper unit of each pair
    pays ``pay_percent``."""

    pay_percent: int
    kind = "second_item"

    def effect(self, view: _View) -> _Effect | None:
        lines = view.cart.lines
        indices = [i for i in view.in_scope(self.scope) if lines[i].quantity > 0]
        indices.sort(key=lambda i: (-Fraction(view.current[i], lines[i].quantity), i))
        off = Decimal(100 - self.pay_percent) / 100
        position, shares = 0, []
        for i in indices:
            q = lines[i].quantity
            cheaper_units = (position + q) // 2 - position // 2  # odd positions in [position, position + q)
            position += q
            share = min(view.current[i], round_fen(Decimal(view.current[i]) * cheaper_units / q * off))
            if share:
                shares.append((i, share))
        if not shares:
            return None
        return _Effect(tuple(shares), f"第二件{_zhe(self.pay_percent)}")


@dataclass(frozen=True, kw_only=True)
class ThresholdRule(Rule):
    """满减: ``tiers`` of (threshold, off) — the highest threshold reached applies. With ``each_time``
    (每满减) the single tier repeats for every full threshold, up to ``cap_fen`` when set."""

    tiers: tuple[tuple[int, int], ...]
    each_time: bool = False
    cap_fen: int | None = None
    stage: int = STAGE_ORDER
    kind = "threshold_off"

    def effect(self, view: _View) -> _Effect | None:
        indices = view.in_scope(self.scope)
        base = sum(view.start[i] for i in indices)
        reached = [(t, off) for t, off in sorted(self.tiers) if t <= base and t > 0]
        if not reached:
            return None
        threshold, off = reached[-1]
        if self.each_time:
            reason = f"每满{_yuan(threshold)}减{_yuan(off)}"
            off *= base // threshold
            if self.cap_fen is not None:
                off = min(off, self.cap_fen)
                reason += f"(最高减{_yuan(self.cap_fen)})"
        else:
            reason = f"满{_yuan(threshold)}减{_yuan(off)}"
        shares = _spread(view, indices, off)
        return _Effect(shares, reason) if shares else None


@dataclass(frozen=True, kw_only=True)
class GiftRule(Rule):
    """满赠: at ``threshold_fen`` in scope, ``gift_quantity`` of ``gift_sku_id`` free."""

    threshold_fen: int
    gift_sku_id: int
    gift_quantity: int = 1
    gift_value_fen: int = 0  # the gift's list price per unit: how the best rule of a group is chosen
    gift_name: str = ""
    stage: int = STAGE_ORDER
    kind = "gift"

    def effect(self, view: _View) -> _Effect | None:
        base = sum(view.start[i] for i in view.in_scope(self.scope))
        if base < self.threshold_fen or base <= 0:
            return None
        reason = f"满{_yuan(self.threshold_fen)}赠{self.gift_name or '赠品'}×{self.gift_quantity}"
        gift = GiftLine(
            sku_id=self.gift_sku_id,
            quantity=self.gift_quantity,
            source_id=self.id,
            reason=reason,
            value_fen=self.gift_value_fen * self.gift_quantity,
        )
        return _Effect((), reason, (gift,))


@dataclass(frozen=True, kw_only=True)
class CouponRule(Rule):
    """A coupon: ``value_fen`` off (fixed) or pay ``pay_percent`` up to ``cap_fen`` off (percentage),
    once the lines in scope reach ``threshold_fen``."""

    code: str = ""
    value_fen: int = 0
    pay_percent: int | None = None
    cap_fen: int | None = None
    threshold_fen: int = 0
    stage: int = STAGE_COUPON
    kind = "coupon"

    def effect(self, view: _View) -> _Effect | None:
        indices = view.in_scope(self.scope)
        base = sum(view.start[i] for i in indices)
        if base <= 0 or base < self.threshold_fen:
            return None
        prefix = f"满{_yuan(self.threshold_fen)}" if self.threshold_fen else ""
        if self.pay_percent is None:
            return _Effect(_spread(view, indices, self.value_fen), f"优惠券{prefix}减{_yuan(self.value_fen)}")
        off = round_fen(Decimal(sum(view.current[i] for i in indices)) * (100 - self.pay_percent) / 100)
        cap = "" if self.cap_fen is None else f"(最高减{_yuan(self.cap_fen)})"
        if self.cap_fen is not None:
            off = min(off, self.cap_fen)
        return _Effect(_spread(view, indices, off), f"优惠券{prefix}{_zhe(self.pay_percent)}{cap}")

    def unmet_reason(self, view: _View) -> str:
        if not self.scope.allows_cart(view.cart):
            return "该优惠券不适用于当前店铺"
        indices = view.in_scope(self.scope)
        if not indices:
            return "购物车中没有该优惠券适用的商品"
        if sum(view.start[i] for i in indices) < self.threshold_fen:
            return f"适用商品未满{_yuan(self.threshold_fen)}元"
        return "优惠金额为 0"


PromotionRule = MultiBuyRule | SecondItemRule | ThresholdRule | GiftRule


# --- output -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    sku_id: int
    quantity: int
    unit_price_fen: int  # list price
    discount_fen: int
    amount_fen: int  # quantity × unit price − discount; never below 0


@dataclass(frozen=True)
class Adjustment:
    kind: str  # member_price, multi_buy, second_item, threshold_off, gift, coupon
    reason: str  # Chinese, e.g. "满199减20"
    amount_fen: int
    source_id: int | None  # promotion id, coupon id; None for the member price
    stage: int
    name: str = ""
    code: str = ""  # the coupon code for coupons
    lines: tuple[tuple[int, int], ...] = ()  # (line index, fen) — sums to amount_fen


@dataclass(frozen=True)
class UnappliedCoupon:
    source_id: int | None  # None when the code matched no usable coupon
    code: str
    reason: str


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    gifts: tuple[GiftLine, ...]
    adjustments: tuple[Adjustment, ...]
    unapplied_coupons: tuple[UnappliedCoupon, ...]
    subtotal_fen: int
    discount_fen: int
    total_fen: int

    @property
    def applied_coupon_ids(self) -> tuple[int, ...]:
        return tuple(a.source_id for a in self.adjustments if a.kind == "coupon" and a.source_id is not None)


# --- the engine -------------------------------------------------------------------------------------


def _member_stage(cart: Cart, amounts: list[int]) -> list[Adjustment]:
    shares, explicit = [], False
    for i, line in enumerate(cart.lines):
        unit = line.list_price_fen
        if line.sku_id in cart.member_prices:
            unit, explicit = min(unit, max(0, cart.member_prices[line.sku_id])), True
        elif cart.member_discount_percent < 100:
            unit = round_fen(Decimal(unit) * max(0, cart.member_discount_percent) / 100)
        share = min(amounts[i], (line.list_price_fen - unit) * line.quantity)
        if share > 0:
            shares.append((i, share))
            amounts[i] -= share
    if not shares:
        return []
    label = cart.member_label or "会员"
    reason = (
        f"{label}价"
        if explicit or cart.member_discount_percent >= 100
        else (f"{label}{_zhe(cart.member_discount_percent)}")
    )
    return [
        Adjustment(
            kind="member_price",
            reason=reason,
            amount_fen=sum(s for _, s in shares),
            source_id=None,
            stage=STAGE_MEMBER,
            lines=tuple(shares),
        )
    ]


def _order(rules: Sequence[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda r: (-r.priority, r.id))


def _apply_sequence(cart: Cart, start: tuple[int, ...], rules: Sequence[Rule]):
    """Apply ``rules`` in order from ``start``; returns (amounts left, [(rule, effect)], benefit)."""
    current, applied = list(start), []
    for rule in _order(rules):
        effect = rule.effect(_View(cart, start, tuple(current)))
        if effect is None or not effect.applies:
            continue
        shares = tuple((i, min(share, current[i])) for i, share in effect.shares)
        for i, share in shares:
            current[i] -= share
        effect = _Effect(tuple((i, s) for i, s in shares if s), effect.reason, effect.gifts)
        applied.append((rule, effect))
    return current, applied, sum(e.benefit for _, e in applied)


def _choose(cart: Cart, start: tuple[int, ...], rules: Sequence[Rule]) -> list[Rule]:
    """The rules a stage applies: the best of each exclusive group, then either the best exclusive rule
    alone or all the others, whichever gives more."""
    view = _View(cart, start, start)
    alone: dict[int, int] = {}
    for rule in rules:
        effect = rule.effect(view)
        if effect is not None and effect.applies:
            alone[rule.id] = effect.benefit
    applicable = [r for r in rules if r.id in alone]
    best_in_group: dict[str, Rule] = {}
    for rule in sorted(applicable, key=lambda r: (-alone[r.id], r.id)):
        if rule.exclusive_group:
            best_in_group.setdefault(rule.exclusive_group, rule)
    kept = [r for r in applicable if not r.exclusive_group or best_in_group[r.exclusive_group] is r]
    options = [[r] for r in kept if r.exclusive]
    shared = [r for r in kept if not r.exclusive]
    if shared:
        options.append(shared)
    if not options:
        return []
    scored = [
        (-_apply_sequence(cart, start, option)[2], min(r.id for r in option), option) for option in options
    ]
    return min(scored, key=lambda s: (s[0], s[1]))[2]


def _adjustment(rule: Rule, effect: _Effect) -> Adjustment:
    return Adjustment(
        kind=rule.kind,
        reason=effect.reason,
        amount_fen=effect.amount,
        source_id=rule.id,
        stage=rule.stage,
        name=rule.name,
        code=getattr(rule, "code", ""),
        lines=effect.shares,
    )


def _unapplied(
    cart: Cart, start: tuple[int, ...], coupons: Sequence[CouponRule], applied: set[int]
) -> tuple[UnappliedCoupon, ...]:
    view = _View(cart, start, start)
    result = []
    for coupon in sorted(coupons, key=lambda c: c.id):
        if coupon.id in applied:
            continue
        effect = coupon.effect(view) if coupon.scope.allows_cart(cart) else None
        reason = (
            "与其他优惠券不能同时使用" if effect is not None and effect.applies else coupon.unmet_reason(view)
        )
        result.append(UnappliedCoupon(coupon.id, coupon.code, reason))
    return tuple(result)


def price_cart(cart: Cart, promotions: Sequence[PromotionRule], coupons: Sequence[CouponRule]) -> PricedCart:
    """Price ``cart`` with the promotions and coupons given (already filtered by time and audience)."""
    amounts = [line.list_price_fen * line.quantity for line in cart.lines]
    subtotal = sum(amounts)
    adjustments = _member_stage(cart, amounts)
    gifts: list[GiftLine] = []
    staged: dict[int, list[Rule]] = {}
    for rule in [*promotions, *coupons]:
        if rule.scope.allows_cart(cart):
            staged.setdefault(rule.stage, []).append(rule)
    applied_coupons: set[int] = set()
    coupon_start = None
    for stage in sorted(staged):
        start = tuple(amounts)
        if stage == STAGE_COUPON:
            coupon_start = start
        chosen = _choose(cart, start, staged[stage])
        current, applied, _ = _apply_sequence(cart, start, chosen)
        amounts = current
        for rule, effect in applied:
            adjustments.append(_adjustment(rule, effect))
            gifts.extend(effect.gifts)
            if isinstance(rule, CouponRule):
                applied_coupons.add(rule.id)
    unapplied = _unapplied(cart, coupon_start or tuple(amounts), coupons, applied_coupons)
    lines = tuple(
        PricedLine(
            sku_id=line.sku_id,
            quantity=line.quantity,
            unit_price_fen=line.list_price_fen,
            discount_fen=line.list_price_fen * line.quantity - amount,
            amount_fen=amount,
        )
        for line, amount in zip(cart.lines, amounts, strict=True)
    )
    total = sum(amounts)
    return PricedCart(
        lines=lines,
        gifts=tuple(gifts),
        adjustments=tuple(adjustments),
        unapplied_coupons=unapplied,
        subtotal_fen=subtotal,
        discount_fen=subtotal - total,
        total_fen=total,
    )
