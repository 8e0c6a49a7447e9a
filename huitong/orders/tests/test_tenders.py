"""Line-level discounts from pricing, the member on the order, and settling an order from several
payments (tenders at checkout, asynchronous gateway confirmations, duplicates, late money)."""

import pytest

from huitong.members.models import Customer
from huitong.orders import services
from huitong.orders.errors import InvalidOrder
from huitong.orders.models import Order, OrderStatus
from huitong.payments import services as payments
from huitong.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


def test_line_discounts_and_order_discount_add_up(shop):
    customer = Customer.objects.create(display_name="张三")
    order = shop.order((shop.sku_a.pk, 2, None, 980), (shop.sku_b.pk, 1, None, 0), discount_fen=1001,
                       customer_id=customer.pk).order
    lines = list(order.lines.order_by("line_no"))
    assert order.customer_id == customer.pk
    assert order.subtotal_fen == 2 * 2990 + 5980
    assert sum(line.discount_fen for line in lines) == order.discount_fen == 980 + 1001
    assert sum(line.amount_fen for line in lines) == order.total_fen == 11960 - 1981
    assert lines[0].discount_fen >= 980


def test_line_discount_above_line_amount_is_refused(shop):
    with pytest.raises(InvalidOrder) as err:
        shop.order((shop.sku_a.pk, 1, None, 2991))
    assert "lines[0].discount_fen" in err.value.detail["fields"]
    assert not Order.objects.exists()


def _pay(order, amount, actor):
    payment = payments.create_payment(reference=order.number, amount_fen=amount, method="sandbox", actor=actor)
    payments.capture_payment(payment_id=payment.pk, actor=actor)
    return payment


def test_two_tenders_pay_the_order_once_covered(shop):
    order = shop.order((shop.sku_a.pk, 1)).order
    _pay(order, 1000, shop.actor)
    order = services.settle_order_payments(order_id=order.pk, actor=shop.actor, review=False)
    assert (order.status, order.paid_fen) == (OrderStatus.PENDING_PAYMENT, 1000)
    _pay(order, 1990, shop.actor)
    order = services.settle_order_payments(order_id=order.pk, actor=shop.actor, review=False)
    assert (order.status, order.paid_fen) == (OrderStatus.PAID, 2990)
    again = services.settle_order_payments(order_id=order.pk, actor=shop.actor, review=False)
    assert (again.status, again.paid_fen) == (OrderStatus.PAID, 2990)


def test_a_second_full_payment_is_refunded(shop):
    order = shop.order((shop.sku_a.pk, 1)).order
    first, second = _pay(order, 2990, shop.actor), _pay(order, 2990, shop.actor)
    order = services.settle_order_payments(order_id=order.pk, actor=shop.actor, review=False)
    assert (order.status, order.paid_fen) == (OrderStatus.PAID, 2990)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == PaymentStatus.PAID
    assert second.status == PaymentStatus.REFUNDED


def test_money_for_a_cancelled_order_goes_back(shop):
    order = shop.order((shop.sku_a.pk, 1)).order
    services.cancel_order(order_id=order.pk, actor=shop.actor, reason="超时")
    late = _pay(order, 2990, shop.actor)
    order = services.settle_order_payments(order_id=order.pk, actor=shop.actor)
    assert order.status == OrderStatus.CANCELLED and order.paid_fen == 0
    assert Payment.objects.get(pk=late.pk).status == PaymentStatus.REFUNDED


def test_an_asynchronous_settlement_reaches_the_order_through_the_outbox(shop):
    from huitong.core import outbox

    order = shop.order((shop.sku_a.pk, 1)).order
    payment = payments.create_payment(reference=order.number, amount_fen=2990, method="sandbox", actor=shop.actor)
    payments.confirm_payment(payment_id=payment.pk, gateway_trade_no="T1", amount_fen=2990, actor=shop.actor)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    outbox.deliver_due()
    outbox.deliver_due()  # delivered again (at least once): nothing more happens
    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.paid_fen) == (OrderStatus.PAID, 2990)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
