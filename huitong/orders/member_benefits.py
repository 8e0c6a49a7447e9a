"""What an order means for its member, whatever the channel: when it completes, the money paid counts
toward the member's tier (and RFM) and earns points; a refund takes back the share of both; a cancelled
order gives its coupons back. Called by the order lifecycle (``services._move_to``) and after-sales, in
the same transaction as the change, so a crash between the two loses nothing."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from huitong.core.actors import Actor
from huitong.core.money import round_fen
from huitong.loyalty import services as loyalty
from huitong.marketing import services as marketing
from huitong.members import services as members
from huitong.orders.models import Order
from huitong.payments import selectors as payment_selectors

# Tenders that are not money the member spent: paying with points earns no points and no tier spend.
NOT_SPEND = frozenset({"points"})


def spend_of(order: Order) -> int:
    """Money the member paid for the order and kept paid: the settled money tenders net of refunds (points
    are not money); a platform order, paid on its platform, counts what the platform says was paid."""
    settled = payment_selectors.settled_payments(reference=order.number)
    if not settled:
        return order.paid_fen
    return sum(p.net_fen for p in settled if p.method not in NOT_SPEND)


def on_completed(order: Order, *, actor: Actor) -> None:
    if not order.customer_id:
        return
    spend = spend_of(order)
    at = order.completed_at or timezone.now()
    members.record_purchase(customer_id=order.customer_id, reference=order.number, store_id=order.store_id,
                            amount_fen=spend, at=at)
    if spend > 0:
        loyalty.earn_points(customer_id=order.customer_id, reference=order.number, store_id=order.store_id,
                            paid_fen=spend, at=at, actor=actor)


def on_refunded(order: Order, *, refund_reference: str, amount_fen: int, actor: Actor) -> None:
    """A refund of ``amount_fen`` of what was paid: the member's tier spend and the points the order
    earned drop by the same share (a refund of half the order takes back half; the part paid in points
    never earned any). Idempotent per refund reference."""
    if not order.customer_id or amount_fen <= 0 or order.paid_fen <= 0:
        return
    settled = payment_selectors.settled_payments(reference=order.number)
    in_points = sum(p.amount_fen for p in settled if p.method in NOT_SPEND)
    money_share = round_fen(Decimal(amount_fen) * (order.paid_fen - in_points) / order.paid_fen)
    if money_share <= 0:
        return
    members.record_refund(reference=order.number, amount_fen=money_share)
    loyalty.claw_back_points(reference=order.number, refund_reference=refund_reference, refunded_fen=money_share,
                             actor=actor)


def on_cancelled(order: Order, *, actor: Actor) -> None:
    marketing.release_coupons(reference=order.number, actor=actor)
