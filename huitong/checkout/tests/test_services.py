"""Checkout end to end through the real services: priced by marketing, coupons redeemed, points and
stored value as tenders, points earned on completion and clawed back on refund, all or nothing."""


import pytest

from huitong.checkout import services as checkout
from huitong.checkout.errors import PointsNotAllowed, TendersDoNotCoverTotal
from huitong.checkout.tests.mall import _checkout, make_mall
from huitong.core.errors import DomainError, InvalidInput
from huitong.loyalty import selectors as loyalty_selectors
from huitong.loyalty import services as loyalty
from huitong.marketing.models import Coupon
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus
from huitong.payments.gateways import Tender
from huitong.payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall(db):
    return make_mall()


def test_order_carries_the_quote_coupon_and_points(mall):
    wanted = _checkout(mall, coupon_codes=[mall.coupon.code], points=1000, external_id="cart-1")
    preview = checkout.preview(checkout=wanted)
    # 2×29.90 + 59.80 = 119.60; 满100减15 → 104.60; coupon 10 → 94.60
    assert preview.priced.subtotal_fen == 11960 and preview.total_fen == 9460
    assert {a.kind for a in preview.priced.adjustments} == {"threshold_off", "coupon"}
    assert preview.points_balance == 5000 and preview.points_redeemable == 4700

    placed = checkout.place_order(checkout=wanted, actor=mall.actor)
    order = placed.order
    lines = list(order.lines.order_by("line_no"))
    assert order.total_fen == 9460 and order.discount_fen == 2500 and order.customer_id == mall.member.pk
    assert sum(line.amount_fen for line in lines) == order.total_fen
    assert [(line.sku_id, line.amount_fen) for line in lines] == [
        (p.sku_id, p.amount_fen) for p in preview.priced.lines]
    assert placed.points_fen == 1000 and placed.due_fen == 8460 and order.paid_fen == 1000
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert loyalty_selectors.points_balance(mall.member.pk) == 4000
    assert Coupon.objects.get(pk=mall.coupon.pk).status == "used"

    again = checkout.place_order(checkout=wanted, actor=mall.actor)  # the same checkout submitted twice
    assert (again.order.pk, again.created) == (order.pk, False)
    assert loyalty_selectors.points_balance(mall.member.pk) == 4000


def test_a_used_coupon_refuses_and_leaves_nothing(mall):
    checkout.place_order(checkout=_checkout(mall, coupon_codes=[mall.coupon.code]), actor=mall.actor)
    orders_before, points_before = Order.objects.count(), loyalty_selectors.points_balance(mall.member.pk)
    with pytest.raises(InvalidInput) as err:
        checkout.place_order(checkout=_checkout(mall, coupon_codes=[mall.coupon.code], points=500), actor=mall.actor)
    assert "coupon_codes[0]" in err.value.detail["fields"]
    assert Order.objects.count() == orders_before
    assert loyalty_selectors.points_balance(mall.member.pk) == points_before


def test_points_over_the_cap_or_without_member_are_refused(mall):
    one = [checkout.CheckoutLine(mall.sku_a.pk, 1)]  # ¥29.90: at most half, in steps of 100 points
    with pytest.raises(PointsNotAllowed) as err:
        checkout.place_order(checkout=_checkout(mall, lines=one, points=1500), actor=mall.actor)
    assert "1400" in err.value.detail["fields"]["points"]
    with pytest.raises(PointsNotAllowed):
        checkout.place_order(checkout=checkout.Checkout(store_id=mall.store.pk, points=100,
                                                        lines=[checkout.CheckoutLine(mall.sku_a.pk, 1)]),
                             actor=mall.actor)
    assert not Order.objects.exists()
    assert loyalty_selectors.points_balance(mall.member.pk) == 5000


def test_cancel_gives_back_coupon_and_points(mall):
    placed = checkout.place_order(checkout=_checkout(mall, coupon_codes=[mall.coupon.code], points=1000),
                                  actor=mall.actor)
    orders.cancel_order(order_id=placed.order.pk, actor=mall.actor, reason="不想要了")
    assert Coupon.objects.get(pk=mall.coupon.pk).status == "issued"
    assert loyalty_selectors.points_balance(mall.member.pk) == 5000


def test_counter_sale_with_split_tenders(mall):
    loyalty.top_up_stored_value(customer_id=mall.member.pk, amount_fen=5000, reference="TOPUP-1", actor=mall.actor)
    wanted = _checkout(mall, lines=[checkout.CheckoutLine(mall.sku_a.pk, 1)], points=1000)
    sold = checkout.sell_at_counter(checkout=wanted, actor=mall.actor, tenders=[
        Tender(method="stored_value", amount_fen=1000), Tender(method="cash", amount_fen=990, tendered_fen=1000)])
    order = sold.order
    assert order.status == OrderStatus.COMPLETED and order.total_fen == 2990 and order.paid_fen == 2990
    assert sorted(Payment.objects.filter(reference=order.number).values_list("method", flat=True)) == [
        "cash", "points", "stored_value"]
    assert loyalty_selectors.stored_value_balance(mall.member.pk) == 4000
    assert loyalty_selectors.points_balance(mall.member.pk) == 5000 - 1000 + 19  # 19.90 in money → 19 points


def test_counter_sale_tenders_must_cover_what_is_due(mall):
    wanted = _checkout(mall, lines=[checkout.CheckoutLine(mall.sku_a.pk, 1)], points=1000)
    with pytest.raises(TendersDoNotCoverTotal):
        checkout.sell_at_counter(checkout=wanted, actor=mall.actor, tenders=[Tender(method="cash", amount_fen=1000)])
    with pytest.raises(DomainError):
        checkout.sell_at_counter(checkout=wanted, actor=mall.actor,
                                 tenders=[Tender(method="stored_value", amount_fen=1990)])  # no stored value
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert loyalty_selectors.points_balance(mall.member.pk) == 5000
