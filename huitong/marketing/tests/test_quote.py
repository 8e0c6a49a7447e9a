"""``quote``: what applies is loaded from the database (store, time, tier, segment, coupons) and priced."""

from datetime import timedelta

import pytest

from huitong.channels.errors import StoreNotFound
from huitong.marketing import services
from huitong.marketing.errors import InvalidQuote
from huitong.marketing.services import CartLine

pytestmark = pytest.mark.django_db


def lines(*pairs):
    return [CartLine(sku_id=sku.pk, quantity=q) for sku, q in pairs]


def test_guest_pays_list_price_without_rules(shop):
    priced = services.quote(
        store_id=shop.web.pk, lines=lines((shop.longjing, 2), (shop.cup, 1)), customer_id=None
    )
    assert (priced.subtotal_fen, priced.total_fen, priced.adjustments) == (22500, 22500, ())
    assert [(line.sku_id, line.unit_price_fen, line.amount_fen) for line in priced.lines] == [
        (shop.longjing.pk, 10000, 20000),
        (shop.cup.pk, 2500, 2500),
    ]


def test_member_tier_percent_and_member_price_table(shop):
    services.set_member_price(sku_id=shop.longjing.pk, tier_code="gold", price_fen=8800, actor=shop.actor)
    priced = services.quote(
        store_id=shop.web.pk, lines=lines((shop.longjing, 1), (shop.cup, 2)), customer_id=shop.alice.pk
    )
    assert [line.amount_fen for line in priced.lines] == [8800, 4750]
    assert [(a.kind, a.reason, a.amount_fen) for a in priced.adjustments] == [
        ("member_price", "金卡价", 1450)
    ]
    bob = services.quote(store_id=shop.web.pk, lines=lines((shop.longjing, 1)), customer_id=shop.bob.pk)
    assert bob.total_fen == 10000


def test_the_issue_example_all_stages_together(shop):
    """Gold member, 任选3件8折 on green tea, 满199减20/满299减40, and a 满100减10 coupon."""
    shop.promotion("multi_buy", {"min_quantity": 3, "pay_percent": 80}, scope={"category_ids": [shop.tea.pk]})
    shop.promotion("threshold_off", {"tiers": [[19900, 2000], [29900, 4000]]})
    coupon = services.claim_coupon(
        template_id=shop.template(threshold_fen=10000).pk, customer_id=shop.alice.pk
    )
    priced = services.quote(
        store_id=shop.web.pk,
        lines=lines((shop.longjing, 2), (shop.biluochun, 1), (shop.cup, 2)),
        customer_id=shop.alice.pk,
        coupon_codes=[coupon.code.lower()],
    )
    # list 26000 + 5000 = 31000; gold 95%: 19000, 5700, 4750; 8折 on tea: 15200, 4560; = 24510 ≥ 199 → −20
    assert [(a.kind, a.reason, a.amount_fen) for a in priced.adjustments] == [
        ("member_price", "金卡9.5折", 1550),
        ("multi_buy", "任选3件8折", 4940),
        ("threshold_off", "满199减20", 2000),
        ("coupon", "优惠券满100减10", 1000),
    ]
    assert (
        priced.total_fen == 31000 - 1550 - 4940 - 2000 - 1000 == sum(line.amount_fen for line in priced.lines)
    )
    assert priced.applied_coupon_ids == (coupon.pk,)


def test_scope_by_store_and_platform(shop):
    shop.promotion("threshold_off", {"tiers": [[100, 50]]}, scope={"store_ids": [shop.pos.pk]})
    shop.promotion("threshold_off", {"tiers": [[100, 20]]}, scope={"platforms": ["web_mall"]})
    assert (
        services.quote(store_id=shop.pos.pk, lines=lines((shop.cup, 1)), customer_id=None).total_fen == 2450
    )
    assert (
        services.quote(store_id=shop.web.pk, lines=lines((shop.cup, 1)), customer_id=None).total_fen == 2480
    )


def test_time_window_and_inactive_promotions_do_not_apply(shop):
    now = shop.now
    shop.promotion("threshold_off", {"tiers": [[100, 10]]}, starts_at=now + timedelta(hours=1))
    shop.promotion(
        "threshold_off",
        {"tiers": [[100, 20]]},
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
    )
    off = shop.promotion("threshold_off", {"tiers": [[100, 40]]})
    services.set_promotion_active(promotion_id=off.pk, is_active=False, actor=shop.actor)
    assert (
        services.quote(store_id=shop.web.pk, lines=lines((shop.cup, 1)), customer_id=None).total_fen == 2500
    )
    later = services.quote(
        store_id=shop.web.pk, lines=lines((shop.cup, 1)), customer_id=None, at=now + timedelta(hours=2)
    )
    assert later.total_fen == 2490


def test_audience_by_tier_and_segment(shop):
    shop.promotion("threshold_off", {"tiers": [[100, 100]]}, audience_tiers=["gold"])
    shop.promotion("threshold_off", {"tiers": [[100, 10]]}, audience_segments=["champions"])

    def quote(customer):
        return services.quote(
            store_id=shop.web.pk, lines=lines((shop.cup, 1)), customer_id=customer
        ).total_fen

    assert quote(None) == 2500 and quote(shop.bob.pk) == 2500
    assert quote(shop.alice.pk) == 2500 - 125 - 100 - 10  # gold 95% first


def test_gift_line_from_the_catalog(shop):
    shop.promotion("gift", {"threshold_fen": 15000, "gift_sku_id": shop.cup.pk})
    priced = services.quote(store_id=shop.web.pk, lines=lines((shop.longjing, 2)), customer_id=None)
    assert [(g.sku_id, g.quantity, g.unit_price_fen, g.value_fen) for g in priced.gifts] == [
        (shop.cup.pk, 1, 0, 2500)
    ]
    assert priced.total_fen == 20000 and priced.adjustments[0].reason.startswith("满150赠")


def test_unusable_coupons_are_listed_with_the_reason(shop):
    template = shop.template(threshold_fen=50000)
    bobs = services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    alices = services.claim_coupon(template_id=template.pk, customer_id=shop.alice.pk)
    used = services.claim_coupon(template_id=shop.template(name="券2").pk, customer_id=shop.alice.pk)
    services.redeem_coupons(codes=[used.code], customer_id=shop.alice.pk, reference="SO-1", actor=shop.actor)
    priced = services.quote(
        store_id=shop.web.pk,
        lines=lines((shop.cup, 1)),
        customer_id=shop.alice.pk,
        coupon_codes=["NOPE", bobs.code, used.code, alices.code],
    )
    assert priced.total_fen == 2375  # gold only
    assert [(u.code, u.reason) for u in priced.unapplied_coupons] == [
        ("NOPE", "优惠券不存在"),
        (bobs.code, "该优惠券不属于当前会员"),
        (used.code, "优惠券已被使用"),
        (alices.code, "适用商品未满500元"),
    ]


def test_category_scope_includes_sub_categories(shop):
    template = shop.template(value_fen=500, scope={"category_ids": [shop.tea.pk]})
    coupon = services.claim_coupon(template_id=template.pk, customer_id=shop.bob.pk)
    priced = services.quote(
        store_id=shop.web.pk,
        lines=lines((shop.biluochun, 1), (shop.cup, 1)),
        customer_id=shop.bob.pk,
        coupon_codes=[coupon.code],
    )
    assert [line.amount_fen for line in priced.lines] == [5500, 2500]


def test_bad_carts_are_field_errors(shop):
    with pytest.raises(InvalidQuote) as exc:
        services.quote(
            store_id=shop.web.pk,
            lines=[CartLine(sku_id=999999, quantity=1), CartLine(sku_id=shop.cup.pk, quantity=0)],
            customer_id=None,
        )
    assert exc.value.detail["fields"] == {"lines[1].quantity": "数量必须在 1 到 9999 之间"}
    with pytest.raises(InvalidQuote) as exc:
        services.quote(store_id=shop.web.pk, lines=[CartLine(sku_id=999999, quantity=1)], customer_id=None)
    assert exc.value.detail["fields"] == {"lines[0].sku_id": "SKU 不存在或已停售"}
    with pytest.raises(InvalidQuote):
        services.quote(store_id=shop.web.pk, lines=[], customer_id=None)
    with pytest.raises(StoreNotFound):
        services.quote(store_id=999999, lines=lines((shop.cup, 1)), customer_id=None)


def test_quote_reads_a_bounded_number_of_queries(shop, django_assert_max_num_queries):
    for i in range(5):
        shop.promotion(
            "threshold_off", {"tiers": [[100 * (i + 1), 10]]}, scope={"category_ids": [shop.tea.pk]}
        )
    coupon = services.claim_coupon(template_id=shop.template().pk, customer_id=shop.alice.pk)
    with django_assert_max_num_queries(7):
        services.quote(
            store_id=shop.web.pk,
            lines=lines((shop.longjing, 1), (shop.biluochun, 1), (shop.cup, 1)),
            customer_id=shop.alice.pk,
            coupon_codes=[coupon.code],
        )


def test_with_the_real_member_tier(shop, monkeypatch):
    """Without the fake tier source: members' own tier (seeded tiers, gold = 95%) is what quote applies."""
    from huitong.members.models import Customer, Tier

    monkeypatch.undo()
    Customer.objects.filter(pk=shop.bob.pk).update(tier=Tier.objects.get(code="gold"))
    priced = services.quote(store_id=shop.web.pk, lines=lines((shop.cup, 2)), customer_id=shop.bob.pk)
    assert priced.total_fen == 4750 and priced.adjustments[0].reason == "金卡9.5折"
    assert (
        services.quote(store_id=shop.web.pk, lines=lines((shop.cup, 2)), customer_id=shop.alice.pk).total_fen
        == 5000
    )
