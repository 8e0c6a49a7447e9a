"""Checkout: one path from a cart to an order for the web mall, the storefront API and the POS.

The cart is priced by marketing (member price, promotions, coupons: one price-calculation service),
the order is created with those line amounts, coupons are redeemed against the order number, and
tenders (points, stored value, gift card, cash, card, QR, sandbox) are taken by payments; the order is
then settled from its payments. Everything up to the asynchronous part runs in one transaction: a
coupon already used, too few points or too little stock leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from huitong.checkout.errors import NothingDue, PointsNotAllowed, TendersDoNotCoverTotal
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.loyalty import selectors as loyalty
from huitong.marketing import services as marketing
from huitong.marketing.pricing import PricedCart
from huitong.marketing.services import CartLine
from huitong.members import selectors as members
from huitong.orders import services as orders
from huitong.orders.errors import OrderNotFound
from huitong.orders.models import Order
from huitong.payments import services as payments
from huitong.payments.gateways import Tender


@dataclass(frozen=True)
class CheckoutLine:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class Checkout:
    store_id: int
    lines: Sequence[CheckoutLine]
    customer_id: int | None = None
    coupon_codes: Sequence[str] = ()
    points: int = 0
    receiver: orders.Receiver = field(default_factory=orders.Receiver)
    buyer_remark: str = ""
    shipping_fen: int = 0
    # The client's checkout token: submitting the same checkout twice returns the first order.
    external_id: str = ""


@dataclass(frozen=True)
class Preview:
    priced: PricedCart
    shipping_fen: int
    total_fen: int
    points_balance: int
    points_redeemable: int


@dataclass(frozen=True)
class Placed:
    order: Order
    created: bool
    priced: PricedCart | None  # None when the checkout was submitted before (the order is what counts)
    points_fen: int
    due_fen: int


def preview(*, checkout: Checkout, at: datetime | None = None) -> Preview:
    """What the buyer would pay: the priced cart with every adjustment and its reason, plus points."""
    priced = _price(checkout, at)
    total = priced.total_fen + checkout.shipping_fen
    if checkout.customer_id is None:
        return Preview(priced, checkout.shipping_fen, total, 0, 0)
    return Preview(priced, checkout.shipping_fen, total, loyalty.points_balance(checkout.customer_id),
                   loyalty.redeemable_points(customer_id=checkout.customer_id, order_total_fen=total))


def place_order(*, checkout: Checkout, actor: Actor, at: datetime | None = None) -> Placed:
    """Price, create the order, redeem its coupons and take its points, all or nothing. Returns what is
    still due (paid next through a gateway)."""
    _check_points(checkout)
    with transaction.atomic():
        earlier = _submitted_before(checkout)
        if earlier is not None:
            return earlier
        priced = _price(checkout, at)
        created = orders.create_order(spec=_order_spec(checkout, priced, at), actor=actor)
        order = created.order
        if not created.created:  # the same checkout submitted concurrently: the other request won
            return Placed(order, False, priced, 0, order.total_fen - order.paid_fen)
        if checkout.coupon_codes:
            marketing.redeem_coupons(
                codes=checkout.coupon_codes, customer_id=checkout.customer_id, reference=order.number,
                order_total_fen=order.total_fen, actor=actor,
                discount_fen_by_code={a.code: a.amount_fen for a in priced.adjustments if a.kind == "coupon"})
        points_fen = _take_points(checkout, order, actor)
        order = orders.settle_order_payments(order_id=order.pk, actor=actor, at=at)
    return Placed(order, True, priced, points_fen, order.total_fen - order.paid_fen)


def sell_at_counter(*, checkout: Checkout, tenders: Sequence[Tender], actor: Actor,
                    at: datetime | None = None) -> Placed:
    """A POS sale with a member, coupons and split tenders (points + stored value + cash, ...): priced like
    any other checkout, paid in full at once, handed over and completed in one transaction. Points
    earned on the sale are credited when the order completes."""
    with transaction.atomic():
        placed = place_order(checkout=checkout, actor=actor, at=at)
        order = placed.order
        if sum(t.amount_fen for t in tenders) != placed.due_fen:
            raise TendersDoNotCoverTotal(detail={"due_fen": placed.due_fen,
                                                 "tendered_fen": sum(t.amount_fen for t in tenders)})
        if tenders:
            payments.take_tenders(reference=order.number, tenders=[_for_customer(t, checkout) for t in tenders],
                                  actor=actor)
        orders.settle_order_payments(order_id=order.pk, actor=actor, at=at, review=False)
        orders.allocate_order(order_id=order.pk, actor=actor, at=at)
        orders.ship_order(order_id=order.pk, carrier_code=orders.COUNTER_CARRIER, waybill_no=order.number,
                          actor=actor, at=at)
        order = orders.complete_order(order_id=order.pk, actor=actor, at=at)
    return Placed(order, True, placed.priced, placed.points_fen, 0)


# --- steps ------------------------------------------------------------------------------------------

def _price(checkout: Checkout, at: datetime | None) -> PricedCart:
    if not checkout.lines:
        raise InvalidInput.for_fields({"lines": "购物车是空的"})
    return marketing.quote(store_id=checkout.store_id,
                           lines=[CartLine(sku_id=line.sku_id, quantity=line.quantity) for line in checkout.lines],
                           customer_id=checkout.customer_id, coupon_codes=checkout.coupon_codes, at=at)


def _submitted_before(checkout: Checkout) -> Placed | None:
    """The order this checkout token already made (a double click, a retried request), priced as it was."""
    if not checkout.external_id:
        return None
    order = Order.objects.filter(store_id=checkout.store_id, external_id=checkout.external_id).first()
    if order is None:
        return None
    return Placed(order, False, None, 0, order.total_fen - order.paid_fen)


def _order_spec(checkout: Checkout, priced: PricedCart, at: datetime | None) -> orders.NewOrder:
    if priced.unapplied_coupons:  # asked for and not applicable: say why rather than drop it silently
        index = {code.strip().upper(): i for i, code in enumerate(checkout.coupon_codes)}
        raise InvalidInput.for_fields({
            f"coupon_codes[{index[c.code.upper()]}]" if c.code.upper() in index else "coupon_codes": c.reason
            for c in priced.unapplied_coupons}, "优惠券不可用")
    lines = [orders.LineSpec(sku_id=line.sku_id, quantity=line.quantity, unit_price_fen=line.unit_price_fen,
                             discount_fen=line.discount_fen)
             for line in priced.lines]
    lines += [orders.LineSpec(sku_id=gift.sku_id, quantity=gift.quantity, unit_price_fen=0) for gift in priced.gifts]
    return orders.NewOrder(store_id=checkout.store_id, lines=lines, external_id=checkout.external_id,
                           shipping_fen=checkout.shipping_fen, receiver=checkout.receiver,
                           buyer_remark=checkout.buyer_remark, placed_at=at, customer_id=checkout.customer_id)


def _check_points(checkout: Checkout) -> None:
    points = checkout.points
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise InvalidInput.for_fields({"points": "积分必须为非负整数"})
    if points and checkout.customer_id is None:
        raise PointsNotAllowed(points="使用积分需要先登录会员")


def _take_points(checkout: Checkout, order: Order, actor: Actor) -> int:
    if not checkout.points:
        return 0
    allowed = loyalty.redeemable_points(customer_id=checkout.customer_id, order_total_fen=order.total_fen)
    if checkout.points > allowed:
        raise PointsNotAllowed(points=f"本单最多可用 {allowed} 积分")
    fen = loyalty.points_to_fen(checkout.points)
    payments.take_tenders(reference=order.number, actor=actor, tenders=[
        Tender(method="points", amount_fen=fen, customer_id=checkout.customer_id)])
    return fen


def _for_customer(tender: Tender, checkout: Checkout) -> Tender:
    if tender.customer_id is None and checkout.customer_id is not None:
        return dataclasses.replace(tender, customer_id=checkout.customer_id)
    return tender


# --- the buyer's own orders --------------------------------------------------------------------------

def access_order(*, customer_id: int, number: str) -> Order:
    """The member's own order by number; anyone else's is simply not found."""
    order = Order.objects.filter(number=number, customer_id=customer_id).first()
    if order is None:
        raise OrderNotFound(number=f"订单 {number} 不存在")
    return order


def pay_now(*, customer_id: int, number: str, method: str, actor: Actor) -> Order:
    """Pay what is still due on the member's order through a gateway that settles at once (the sandbox)."""
    order = access_order(customer_id=customer_id, number=number)
    return orders.pay_order(order_id=order.pk, method=method, actor=actor)


@dataclass(frozen=True)
class PayStarted:
    order: Order
    pay_url: str = ""
    qr_code: str = ""


def start_payment(*, customer_id: int, number: str, method: str, actor: Actor) -> PayStarted:
    """Pay what is due on the member's order: the sandbox settles at once; Alipay and WeChat Pay answer
    with a pay URL / QR code and settle later through their signed callback."""
    if method == "sandbox":
        return PayStarted(pay_now(customer_id=customer_id, number=number, method=method, actor=actor))
    order = access_order(customer_id=customer_id, number=number)
    due = order.total_fen - order.paid_fen
    if due <= 0 or order.status != "pending_payment":
        raise NothingDue(number=f"订单 {number} 无需支付")
    payment = payments.create_payment(reference=order.number, amount_fen=due, method=method, actor=actor,
                                      customer_id=customer_id, subject=f"汇通商城订单 {order.number}")
    return PayStarted(order, payment.pay_url, payment.qr_code)


def find_member(*, customer_id: int | None = None, phone: str = "", card_no: str = "") -> int | None:
    """The member a till identifies by id, phone or member card number (None: a walk-in customer)."""
    if customer_id:
        return members.get_customer(customer_id).pk
    if phone or card_no:
        found = members.list_customers(phone=phone or None, card_no=card_no or None).filter(status="active").first()
        if found is None:
            raise InvalidInput.for_fields({"member": "未找到该会员"})
        return found.pk
    return None
