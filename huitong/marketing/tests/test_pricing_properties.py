"""Property-based tests of the price engine: any cart, any rule set."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from huitong.marketing.pricing import (
    STAGE_ITEM,
    STAGE_ORDER,
    Cart,
    CouponRule,
    GiftRule,
    MultiBuyRule,
    PricingLine,
    Scope,
    SecondItemRule,
    ThresholdRule,
    price_cart,
)

SKUS = st.integers(1, 6)
FEN = st.integers(0, 200_000)
PERCENT = st.integers(0, 100)

lines = st.lists(
    st.builds(
        PricingLine,
        sku_id=SKUS,
        quantity=st.integers(1, 30),
        list_price_fen=FEN,
        category_ids=st.frozensets(st.integers(1, 3), max_size=2),
        brand_id=st.none() | st.integers(1, 2),
    ),
    min_size=0,
    max_size=8,
)
carts = st.builds(
    Cart,
    lines=lines.map(tuple),
    store_id=st.sampled_from([1, 2]),
    platform=st.sampled_from(["web_mall", "pos"]),
    member_discount_percent=PERCENT,
    member_prices=st.dictionaries(SKUS, FEN, max_size=3),
)
scopes = st.builds(
    Scope,
    sku_ids=st.frozensets(SKUS, max_size=3),
    category_ids=st.frozensets(st.integers(1, 3), max_size=1),
    brand_ids=st.frozensets(st.integers(1, 2), max_size=1),
    store_ids=st.frozensets(st.integers(1, 2), max_size=1),
)
common = {
    "exclusive_group": st.sampled_from(["", "", "a", "b"]),
    "exclusive": st.booleans(),
    "priority": st.integers(0, 2),
    "scope": scopes,
}
tiers = st.lists(st.tuples(st.integers(1, 300_000), FEN), min_size=1, max_size=3).map(tuple)
promotion = st.one_of(
    st.builds(MultiBuyRule, min_quantity=st.integers(1, 5), pay_percent=PERCENT, **common),
    st.builds(SecondItemRule, pay_percent=PERCENT, **common),
    st.builds(
        ThresholdRule,
        tiers=tiers,
        each_time=st.booleans(),
        cap_fen=st.none() | FEN,
        stage=st.sampled_from([STAGE_ITEM, STAGE_ORDER]),
        **common,
    ),
    st.builds(
        GiftRule,
        threshold_fen=FEN,
        gift_sku_id=SKUS,
        gift_quantity=st.integers(1, 2),
        gift_value_fen=st.integers(0, 5000),
        **common,
    ),
)
coupon = st.one_of(
    st.builds(CouponRule, value_fen=FEN, threshold_fen=FEN, **common),
    st.builds(
        CouponRule,
        value_fen=st.just(0),
        pay_percent=PERCENT,
        cap_fen=st.none() | FEN,
        threshold_fen=FEN,
        **common,
    ),
)


def with_ids(rules, start):
    return [type(r)(**{**r.__dict__, "id": start + i}) for i, r in enumerate(rules)]


rule_sets = st.tuples(st.lists(promotion, max_size=6), st.lists(coupon, max_size=3)).map(
    lambda pc: (with_ids(pc[0], 1), with_ids(pc[1], 100))
)


@settings(max_examples=400, deadline=None)
@given(cart=carts, rules=rule_sets)
def test_lines_are_non_negative_and_add_up_to_the_total(cart, rules):
    promotions, coupons = rules
    priced = price_cart(cart, promotions, coupons)
    assert all(line.amount_fen >= 0 and line.discount_fen >= 0 for line in priced.lines)
    assert sum(line.amount_fen for line in priced.lines) == priced.total_fen
    assert (
        priced.total_fen <= priced.subtotal_fen == sum(lp.list_price_fen * lp.quantity for lp in cart.lines)
    )
    assert priced.subtotal_fen - priced.total_fen == priced.discount_fen
    assert sum(a.amount_fen for a in priced.adjustments) == priced.discount_fen
    per_line = [0] * len(cart.lines)
    for adjustment in priced.adjustments:
        assert adjustment.amount_fen == sum(share for _, share in adjustment.lines)
        assert adjustment.amount_fen > 0 or adjustment.kind == "gift"
        for index, share in adjustment.lines:
            assert share > 0
            per_line[index] += share
    assert per_line == [line.discount_fen for line in priced.lines]
    assert all(g.unit_price_fen == 0 for g in priced.gifts)
    applied = set(priced.applied_coupon_ids) | {u.source_id for u in priced.unapplied_coupons}
    assert applied == {c.id for c in coupons}


@settings(max_examples=200, deadline=None)
@given(cart=carts, rules=rule_sets, seed=st.integers(0, 1000))
def test_same_inputs_give_the_same_result_whatever_the_rule_order(cart, rules, seed):
    promotions, coupons = rules
    first = price_cart(cart, promotions, coupons)
    assert price_cart(cart, promotions, coupons) == first
    shuffled_p, shuffled_c = list(promotions), list(coupons)
    random.Random(seed).shuffle(shuffled_p)
    random.Random(seed).shuffle(shuffled_c)
    assert price_cart(cart, shuffled_p, shuffled_c) == first


@settings(max_examples=200, deadline=None)
@given(cart=carts, rules=rule_sets)
def test_each_exclusive_group_applies_at_most_once_per_stage(cart, rules):
    promotions, coupons = rules
    priced = price_cart(cart, promotions, coupons)
    by_id = {r.id: r for r in [*promotions, *coupons]}
    seen = set()
    for adjustment in priced.adjustments:
        if adjustment.source_id is None:
            continue
        rule = by_id[adjustment.source_id]
        if rule.exclusive_group:
            assert (rule.stage, rule.exclusive_group) not in seen
            seen.add((rule.stage, rule.exclusive_group))
        if rule.exclusive:
            assert [a for a in priced.adjustments if a.stage == rule.stage] == [adjustment]
