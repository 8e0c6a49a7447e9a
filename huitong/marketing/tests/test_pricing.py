"""The pure price engine: one test per kind and stacking rule, with exact amounts (no database)."""

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

TEA, CUP, POT = 1, 2, 3


def cart(*lines, **kwargs):
    """``(sku, quantity, list price[, category ids])`` lines."""
    return Cart(
        lines=tuple(
            PricingLine(
                sku_id=line[0],
                quantity=line[1],
                list_price_fen=line[2],
                category_ids=frozenset(line[3] if len(line) > 3 else ()),
            )
            for line in lines
        ),
        **kwargs,
    )


def amounts(priced):
    return [line.amount_fen for line in priced.lines]


def reasons(priced):
    return [(a.kind, a.reason, a.amount_fen) for a in priced.adjustments]


def test_no_rules_is_the_subtotal():
    priced = price_cart(cart((TEA, 2, 1000), (CUP, 1, 550)), [], [])
    assert (priced.subtotal_fen, priced.discount_fen, priced.total_fen) == (2550, 0, 2550)
    assert amounts(priced) == [2000, 550] and priced.adjustments == () and priced.gifts == ()


def test_member_percent_and_explicit_member_price():
    priced = price_cart(cart((TEA, 1, 10000), (CUP, 2, 999), member_discount_percent=95), [], [])
    assert amounts(priced) == [9500, 1898]  # 999 × 0.95 = 949.05 → 949 per unit
    assert reasons(priced) == [("member_price", "会员9.5折", 600)]
    priced = price_cart(
        cart(
            (TEA, 1, 10000),
            (CUP, 2, 999),
            member_discount_percent=95,
            member_prices={TEA: 8800},
            member_label="金卡会员",
        ),
        [],
        [],
    )
    assert amounts(priced) == [8800, 1898]
    assert reasons(priced) == [("member_price", "金卡会员价", 1300)]
    assert priced.adjustments[0].lines == ((0, 1200), (1, 100)) and priced.adjustments[0].source_id is None


def test_member_price_above_list_price_changes_nothing():
    priced = price_cart(cart((TEA, 1, 1000), member_prices={TEA: 1200}), [], [])
    assert amounts(priced) == [1000] and priced.adjustments == ()


def test_multi_buy_needs_n_units_in_scope():
    rule = MultiBuyRule(id=1, min_quantity=3, pay_percent=80, scope=Scope(sku_ids=frozenset({TEA, CUP})))
    priced = price_cart(cart((TEA, 2, 3000), (CUP, 1, 5000), (POT, 1, 7000)), [rule], [])
    assert amounts(priced) == [4800, 4000, 7000]
    assert reasons(priced) == [("multi_buy", "任选3件8折", 2200)]
    assert price_cart(cart((TEA, 1, 3000), (CUP, 1, 5000), (POT, 5, 7000)), [rule], []).discount_fen == 0


def test_second_item_discounts_the_cheaper_unit_of_each_pair():
    rule = SecondItemRule(id=1, pay_percent=50)
    priced = price_cart(cart((TEA, 1, 10000), (CUP, 2, 6000), (POT, 1, 3000)), [rule], [])
    # units by price: 10000, 6000 | 6000, 3000 → one 6000 and the 3000 at half price
    assert amounts(priced) == [10000, 9000, 1500]
    assert reasons(priced) == [("second_item", "第二件5折", 4500)]
    assert amounts(price_cart(cart((TEA, 3, 1001)), [rule], [])) == [2502]  # one of three: 500.5 → 501
    assert price_cart(cart((TEA, 1, 1000)), [rule], []).discount_fen == 0


def test_tiered_threshold_takes_the_highest_tier_reached_and_spreads_it():
    rule = ThresholdRule(id=7, name="店庆满减", tiers=((19900, 2000), (29900, 4000)))
    assert price_cart(cart((TEA, 1, 19800)), [rule], []).discount_fen == 0
    priced = price_cart(cart((TEA, 1, 10000), (CUP, 1, 15000)), [rule], [])
    assert amounts(priced) == [9200, 13800]
    assert reasons(priced) == [("threshold_off", "满199减20", 2000)]
    assert priced.adjustments[0].lines == ((0, 800), (1, 1200)) and priced.adjustments[0].name == "店庆满减"
    priced = price_cart(cart((TEA, 1, 10000), (CUP, 1, 20000)), [rule], [])
    assert reasons(priced) == [("threshold_off", "满299减40", 4000)] and priced.total_fen == 26000


def test_each_time_threshold_repeats_up_to_its_cap():
    rule = ThresholdRule(id=1, tiers=((10000, 1000),), each_time=True, cap_fen=3000)
    assert price_cart(cart((TEA, 1, 25000)), [rule], []).discount_fen == 2000
    priced = price_cart(cart((TEA, 1, 55000)), [rule], [])
    assert reasons(priced) == [("threshold_off", "每满100减10(最高减30)", 3000)]


def test_threshold_is_checked_after_the_member_price():
    rule = ThresholdRule(id=1, tiers=((19900, 2000),))
    assert price_cart(cart((TEA, 1, 20000)), [rule], []).total_fen == 18000
    assert price_cart(cart((TEA, 1, 20000), member_discount_percent=95), [rule], []).total_fen == 19000


def test_threshold_is_checked_after_item_promotions():
    multi = MultiBuyRule(id=1, min_quantity=2, pay_percent=90)
    threshold = ThresholdRule(id=2, tiers=((19900, 2000),))
    priced = price_cart(cart((TEA, 2, 10500)), [multi, threshold], [])  # 21000 → 18900 < 19900
    assert priced.total_fen == 18900 and [a.kind for a in priced.adjustments] == ["multi_buy"]


def test_threshold_scope_counts_only_lines_in_scope_and_discounts_only_them():
    rule = ThresholdRule(id=1, tiers=((10000, 1000),), scope=Scope(category_ids=frozenset({50})))
    priced = price_cart(cart((TEA, 1, 12000, {50, 5}), (CUP, 1, 90000, {60})), [rule], [])
    assert amounts(priced) == [11000, 90000]
    assert price_cart(cart((TEA, 1, 9000, {50}), (CUP, 1, 90000, {60})), [rule], []).discount_fen == 0


def test_gift_with_purchase_adds_a_free_line():
    rule = GiftRule(
        id=3, threshold_fen=15000, gift_sku_id=POT, gift_quantity=1, gift_value_fen=2500, gift_name="紫砂杯"
    )
    priced = price_cart(cart((TEA, 1, 16000)), [rule], [])
    assert priced.total_fen == 16000 and len(priced.gifts) == 1
    gift = priced.gifts[0]
    assert (gift.sku_id, gift.quantity, gift.unit_price_fen, gift.value_fen, gift.source_id) == (
        POT,
        1,
        0,
        2500,
        3,
    )
    assert reasons(priced) == [("gift", "满150赠紫砂杯×1", 0)]
    assert price_cart(cart((TEA, 1, 14999)), [rule], []).gifts == ()


def test_coupons_apply_last_on_what_is_left():
    threshold = ThresholdRule(id=1, tiers=((19900, 2000),))
    fixed = CouponRule(id=10, code="C10", value_fen=1000, threshold_fen=18000)
    priced = price_cart(cart((TEA, 1, 20000)), [threshold], [fixed])
    assert priced.total_fen == 17000
    assert reasons(priced) == [("threshold_off", "满199减20", 2000), ("coupon", "优惠券满180减10", 1000)]
    assert priced.applied_coupon_ids == (10,) and priced.adjustments[1].code == "C10"
    strict = CouponRule(id=11, code="C11", value_fen=1000, threshold_fen=19000)
    priced = price_cart(cart((TEA, 1, 20000)), [threshold], [strict])  # 18000 left < 190
    assert priced.total_fen == 18000 and priced.applied_coupon_ids == ()
    assert [(u.code, u.reason) for u in priced.unapplied_coupons] == [("C11", "适用商品未满190元")]


def test_percentage_coupon_is_capped():
    coupon = CouponRule(id=1, code="P", pay_percent=90, cap_fen=500)
    assert price_cart(cart((TEA, 1, 3000)), [], [coupon]).total_fen == 2700
    priced = price_cart(cart((TEA, 1, 30000)), [], [coupon])
    assert reasons(priced) == [("coupon", "优惠券9折(最高减5)", 500)]


def test_coupon_never_exceeds_the_lines_in_scope():
    coupon = CouponRule(id=1, code="BIG", value_fen=5000, scope=Scope(sku_ids=frozenset({CUP})))
    priced = price_cart(cart((TEA, 1, 10000), (CUP, 1, 3000)), [], [coupon])
    assert amounts(priced) == [10000, 0] and priced.discount_fen == 3000


def test_coupon_store_and_platform_scope():
    coupon = CouponRule(id=1, code="POS", value_fen=100, scope=Scope(platforms=frozenset({"pos"})))
    assert price_cart(cart((TEA, 1, 1000), platform="web_mall"), [], [coupon]).total_fen == 1000
    assert price_cart(cart((TEA, 1, 1000), platform="pos"), [], [coupon]).total_fen == 900
    unapplied = price_cart(cart((TEA, 1, 1000), platform="web_mall"), [], [coupon]).unapplied_coupons
    assert unapplied[0].reason == "该优惠券不适用于当前店铺"


def test_exclusive_group_keeps_only_the_best_rule():
    a = ThresholdRule(id=1, tiers=((10000, 1000),), exclusive_group="满减")
    b = ThresholdRule(id=2, tiers=((20000, 3000),), exclusive_group="满减")
    c = ThresholdRule(id=3, tiers=((10000, 500),))
    priced = price_cart(cart((TEA, 1, 25000)), [a, b, c], [])
    assert [a.source_id for a in priced.adjustments] == [2, 3] and priced.total_fen == 21500
    priced = price_cart(cart((TEA, 1, 15000)), [a, b, c], [])  # b not reached: a is the best
    assert [a.source_id for a in priced.adjustments] == [1, 3]


def test_ties_in_a_group_go_to_the_lower_id():
    a = ThresholdRule(id=9, tiers=((10000, 1000),), exclusive_group="g")
    b = ThresholdRule(id=4, tiers=((10000, 1000),), exclusive_group="g")
    assert [x.source_id for x in price_cart(cart((TEA, 1, 15000)), [a, b], []).adjustments] == [4]


def test_exclusive_rule_wins_or_loses_against_the_rest_of_its_stage():
    others = [ThresholdRule(id=1, tiers=((19900, 2000),)), ThresholdRule(id=2, tiers=((10000, 1000),))]
    big = ThresholdRule(id=5, tiers=((19900, 5000),), exclusive=True)
    small = ThresholdRule(id=6, tiers=((19900, 2500),), exclusive=True)
    assert [a.source_id for a in price_cart(cart((TEA, 1, 20000)), [*others, big], []).adjustments] == [5]
    assert [a.source_id for a in price_cart(cart((TEA, 1, 20000)), [*others, small], []).adjustments] == [
        1,
        2,
    ]
    # an exclusive rule only excludes its own stage: the item-level rule still applies
    item = MultiBuyRule(id=8, min_quantity=1, pay_percent=90, stage=STAGE_ITEM)
    priced = price_cart(cart((TEA, 1, 22200)), [item, *others, big], [])
    assert [a.source_id for a in priced.adjustments] == [8, 5] and priced.total_fen == 22200 - 2220 - 5000


def test_item_rules_stack_multiplicatively_in_priority_order():
    first = MultiBuyRule(id=2, min_quantity=1, pay_percent=90, priority=5)
    second = MultiBuyRule(id=1, min_quantity=1, pay_percent=50)
    priced = price_cart(cart((TEA, 1, 10000)), [second, first], [])
    assert reasons(priced) == [("multi_buy", "任选1件9折", 1000), ("multi_buy", "任选1件5折", 4500)]


def test_order_stage_rule_can_be_moved_to_the_item_stage():
    early = ThresholdRule(id=1, tiers=((10000, 1000),), stage=STAGE_ITEM)
    later = ThresholdRule(id=2, tiers=((10000, 2000),), stage=STAGE_ORDER)
    priced = price_cart(cart((TEA, 1, 10500)), [later, early], [])  # 9500 after the first: no second
    assert [a.source_id for a in priced.adjustments] == [1] and priced.total_fen == 9500


def test_lines_add_up_with_awkward_remainders():
    rule = ThresholdRule(id=1, tiers=((100, 100),))
    priced = price_cart(cart((TEA, 1, 1), (CUP, 1, 1), (POT, 1, 99)), [rule], [])
    assert sum(amounts(priced)) == priced.total_fen == 1 and all(a >= 0 for a in amounts(priced))
