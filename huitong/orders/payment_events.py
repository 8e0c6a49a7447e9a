"""Payments settled asynchronously (an Alipay notify, a WeChat Pay callback) reach their order here,
through the outbox: at least once, so settling is idempotent (``settle_order_payments`` recomputes the
paid amount from the payments)."""

from __future__ import annotations

from huitong.core.actors import Actor
from huitong.core.models import OutboxMessage
from huitong.orders import services
from huitong.orders.models import Order


def on_payment_settled(message: OutboxMessage) -> None:
    order_id = Order.objects.filter(number=message.payload.get("reference", "")).values_list("pk", flat=True).first()
    if order_id is None:
        return  # a payment for another kind of document
    services.settle_order_payments(order_id=order_id, actor=Actor.system("payment-callback"))
