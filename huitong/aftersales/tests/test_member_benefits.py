"""A member's points and tier spend follow the order: earned on the money paid when it completes,
taken back in proportion when after-sales refunds part of it."""

import pytest

from huitong.aftersales import services as aftersales
from huitong.checkout import services as checkout
from huitong.checkout.tests.mall import _checkout, make_mall
from huitong.loyalty import selectors as loyalty_selectors
from huitong.members.models import Customer
from huitong.orders import services as orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall(db):
    return make_mall()


def test_completion_earns_on_money_paid_and_refund_claws_back(mall):
    placed = checkout.place_order(checkout=_checkout(mall, points=1000), actor=mall.actor)
    order = orders.pay_order(order_id=placed.order.pk, actor=mall.actor, review=False)
    assert order.paid_fen == order.total_fen == 10460
    orders.allocate_order(order_id=order.pk, actor=mall.actor)
    orders.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF100", actor=mall.actor)
    orders.complete_order(order_id=order.pk, actor=mall.actor)
    # 4000 left after redeeming; money paid 104.60 − 10.00 in points = 94.60 → 94 points
    assert loyalty_selectors.points_balance(mall.member.pk) == 4094
    assert Customer.objects.get(pk=mall.member.pk).spend_12m_fen == 9460

    line = order.lines.order_by("line_no").last()  # the ¥59.80 line, after its share of the discounts
    request = aftersales.open_request(spec=aftersales.NewRequest(
        order_id=order.pk, kind="refund_only", reason="missing_item",
        lines=[aftersales.LineRequest(order_line_id=line.pk, quantity=1)]), actor=mall.actor)
    aftersales.approve_request(request_id=request.pk, actor=mall.actor)
    aftersales.refund_request(request_id=request.pk, actor=mall.actor)
    money_back = round(line.amount_fen * 9460 / 10460)  # the part of the refund that was money, not points
    points_back = line.amount_fen - money_back  # redeemed points come back in the same proportion
    assert loyalty_selectors.points_balance(mall.member.pk) == 4094 - round(94 * money_back / 9460) + points_back
    assert Customer.objects.get(pk=mall.member.pk).spend_12m_fen == 9460 - money_back
