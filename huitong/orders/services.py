"""Order write services: create (idempotent per store + external id, reserving stock), pay, allocate,
ship, complete, cancel, and the unpaid-order timeout. Every state change goes through
``_move_to`` (lifecycle check, audit entry, outbox event) on a row locked for the transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.channels import selectors as channels
from huitong.core import audit, batch, bulkinsert, crypto, outbox, sql
from huitong.core.actors import Actor
from huitong.core.errors import InvalidTransition
from huitong.core.money import spread_discount
from huitong.core.states import transition
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.orders.errors import InvalidOrder, NoFulfillmentLocation, OrderNotFound, OrderOnHold
from huitong.orders.models import Order, OrderLine, OrderStatus, StoreLocation
from huitong.orders.states import HOLDS_STOCK, ORDER_LIFECYCLE
from huitong.payments import selectors as payment_selectors
from huitong.payments import services as payments


@dataclass(frozen=True)
class LineSpec:
    sku_id: int
    quantity: int
    unit_price_fen: int | None = None  # None: the SKU's list price
    discount_fen: int = 0  # this line's own discount (promotions priced by marketing), before any order-level one


@dataclass(frozen=True)
class Receiver:
    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""


@dataclass(frozen=True)
class OrderCreated:
    order: Order
    created: bool


@dataclass(frozen=True)
class NewOrder:
    store_id: int
    lines: Sequence[LineSpec]
    external_id: str = ""
    discount_fen: int = 0
    shipping_fen: int = 0
    receiver: Receiver = field(default_factory=Receiver)
    buyer_nick: str = ""
    buyer_remark: str = ""
    placed_at: datetime | None = None
    customer_id: int | None = None


# --- helpers --------------------------------------------------------------------------------------

PERSONAL_FIELDS = ("receiver_name", "receiver_phone", "address")


# Personal data is not needed to change state: leave it encrypted in the row.
_LOCKED = sql.Select(Order, "id = %s", defer=PERSONAL_FIELDS, for_update=True)


def _lock(order_id: int) -> Order:
    order = _LOCKED.first(order_id)
    if order is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    return order


def _move_to(order: Order, status: str, *, actor: Actor, reason: str = "", fields: Sequence[str] = ()) -> None:
    previous = transition(order, status, lifecycle=ORDER_LIFECYCLE, actor=actor, reason=reason,
                          update_fields=[*fields, "updated_at"])
    if status in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        from huitong.orders import member_benefits  # points, tier spend and coupons of the order's member

        if status == OrderStatus.COMPLETED:
            member_benefits.on_completed(order, actor=actor)
        else:
            member_benefits.on_cancelled(order, actor=actor)
    outbox.emit(
        topic="order.status_changed", key=order.number,
        payload={"order_id": order.pk, "number": order.number, "store_id": order.store_id,
                 "external_id": order.external_id, "from": previous, "to": status, "reason": reason},
    )


NUMBER_ATTEMPTS = 3


_RESERVATION_IDS = "SELECT reservation_id FROM orders_orderline WHERE order_id = %s AND reservation_id IS NOT NULL"


def _reservation_ids(order: Order) -> list[int]:
    """What the order's lines hold (one plain statement: it runs on every order shipped or cancelled)."""
    with connection.cursor() as cursor:
        cursor.execute(_RESERVATION_IDS, [order.pk])
        return [row[0] for row in cursor.fetchall()]


def _refuse_if_held(order: Order) -> None:
    if order.hold_reasons:
        raise OrderOnHold(detail={"hold_reasons": order.hold_reasons})


def _new_number(placed_at: datetime) -> str:
    """Order date + 12 random digits: 18 characters, not guessable, not revealing volumes. At 100,000
    orders a day a collision happens about once in 200 days; ``create_order`` then retries."""
    return f"{timezone.localtime(placed_at):%y%m%d}{secrets.randbelow(10**12):012d}"


def _int_field(value, path: str, errors: dict, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors[path] = "必须为正整数" if minimum > 0 else "必须为非负整数"


def _validate(spec: NewOrder) -> None:
    errors: dict[str, str] = {}
    if not spec.lines:
        errors["lines"] = "订单至少需要一行商品"
    for i, line in enumerate(spec.lines):
        _int_field(line.quantity, f"lines[{i}].quantity", errors, minimum=1)
        if line.unit_price_fen is not None:
            _int_field(line.unit_price_fen, f"lines[{i}].unit_price_fen", errors, minimum=0)
        _int_field(line.discount_fen, f"lines[{i}].discount_fen", errors, minimum=0)
    _int_field(spec.discount_fen, "discount_fen", errors, minimum=0)
    _int_field(spec.shipping_fen, "shipping_fen", errors, minimum=0)
    if errors:
        raise InvalidOrder.for_fields(errors)


def fulfillment_locations(store_id: int) -> list[int]:
    return list(StoreLocation.objects.filter(store_id=store_id).order_by("priority", "location_id")
                .values_list("location_id", flat=True))


_STORE_AND_LOCATIONS = (  # one statement on every order created: the store's state and where it ships from
    "SELECT s.code, s.is_active, sl.location_id FROM channels_channelstore s "
    "LEFT JOIN orders_storelocation sl ON sl.store_id = s.id WHERE s.id = %s ORDER BY sl.priority, sl.location_id")


def _selling_store(store_id: int) -> list[int]:
    """The fulfilment locations of an active store, best first; raises like ``channels.get_active_store``
    for an unknown or inactive store and NoFulfillmentLocation for a store that ships from nowhere."""
    with connection.cursor() as cursor:
        cursor.execute(_STORE_AND_LOCATIONS, [store_id])
        rows = cursor.fetchall()
    if not rows or not rows[0][1]:
        channels.get_active_store(store_id)  # the store's own error: unknown or inactive
    location_ids = [location_id for _code, _active, location_id in rows if location_id is not None]
    if not location_ids:
        raise NoFulfillmentLocation(store_id=f"店铺 {rows[0][0]} 未配置发货库位")
    return location_ids


# --- create ---------------------------------------------------------------------------------------

def create_order(*, spec: NewOrder, actor: Actor) -> OrderCreated:
    """Create an order and reserve its stock, or return the existing one for the same
    (store, external id). Too little stock raises InsufficientStock (409) and writes nothing."""
    _validate(spec)
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return OrderCreated(_create(spec, actor), True)
        except IntegrityError:
            # Either the (store, external id) exists — a replay, or a concurrent request won the race —
            # or, very rarely, the random order number was taken: then try again with a new one.
            existing = spec.external_id and Order.objects.filter(
                store_id=spec.store_id, external_id=spec.external_id).first()
            if existing:
                return OrderCreated(existing, False)
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
@batch.batched()
def _create(spec: NewOrder, actor: Actor) -> Order:
    location_ids = _selling_store(spec.store_id)
    skus = catalog.skus_by_ids([line.sku_id for line in spec.lines])
    errors = {}
    for i, line in enumerate(spec.lines):
        sku = skus.get(line.sku_id)
        if sku is None:
            errors[f"lines[{i}].sku_id"] = f"SKU {line.sku_id} 不存在"
        elif not sku.is_active:
            errors[f"lines[{i}].sku_id"] = f"SKU {sku.code} 已下架"
    if errors:
        raise InvalidOrder.for_fields(errors)
    prices = [line.unit_price_fen if line.unit_price_fen is not None else skus[line.sku_id].price_fen
              for line in spec.lines]
    gross = [price * line.quantity for price, line in zip(prices, spec.lines, strict=True)]
    subtotal = sum(gross)
    for i, (line, amount) in enumerate(zip(spec.lines, gross, strict=True)):
        if line.discount_fen > amount:
            errors[f"lines[{i}].discount_fen"] = "行优惠不能超过该行商品金额"
    if errors:
        raise InvalidOrder.for_fields(errors)
    net = [amount - line.discount_fen for amount, line in zip(gross, spec.lines, strict=True)]
    if spec.discount_fen > sum(net):
        raise InvalidOrder.for_fields({"discount_fen": "优惠不能超过商品金额"})
    shares = [line.discount_fen + share
              for line, share in zip(spec.lines, spread_discount(spec.discount_fen, net), strict=True)]
    discount = sum(shares)
    r = spec.receiver
    placed_at = spec.placed_at or timezone.now()
    [order] = bulkinsert.insert([Order(
        number=_new_number(placed_at), store_id=spec.store_id, external_id=spec.external_id,
        subtotal_fen=subtotal, discount_fen=discount, shipping_fen=spec.shipping_fen,
        total_fen=subtotal - discount + spec.shipping_fen, customer_id=spec.customer_id,
        buyer_nick=spec.buyer_nick, buyer_remark=spec.buyer_remark,
        receiver_name=r.name, receiver_phone=r.phone, receiver_phone_hash=crypto.lookup_hash(r.phone),
        province=r.province, city=r.city, district=r.district, address=r.address,
        placed_at=placed_at,
    )])
    holds = [inventory.Hold(sku_id=line.sku_id, quantity=line.quantity, reference=f"{order.number}/{no}")
             for no, line in enumerate(spec.lines, start=1)]
    held = inventory.reserve_first_available(holds=holds, location_ids=location_ids)
    bulkinsert.insert([
        OrderLine(
            order=order, line_no=no, sku_id=line.sku_id, sku_code=skus[line.sku_id].code,
            title=skus[line.sku_id].display_name[:200], quantity=line.quantity, unit_price_fen=price,
            discount_fen=share, amount_fen=price * line.quantity - share, location_id=h.location_id,
            reservation_id=h.reservation_id,
        )
        for no, (line, price, share, h) in enumerate(zip(spec.lines, prices, shares, held, strict=True), start=1)
    ])
    audit.record(actor=actor, obj=order, to_state=order.status, reason="created")
    outbox.emit(topic="order.created", key=order.number,
                payload={"order_id": order.pk, "number": order.number, "store_id": spec.store_id})
    return order


# --- lifecycle ------------------------------------------------------------------------------------

@transaction.atomic
@batch.batched()
def pay_order(*, order_id: int, actor: Actor, method: str = "sandbox", at: datetime | None = None,
              review: bool = True) -> Order:
    """Take payment for what is still due through a synchronously settling gateway (sandbox, cash), then
    run the auto-review (审单) unless told not to (a counter sale needs none). The review is decided before
    the order row is written, so that the payment and the review columns are one write."""
    order = _lock(order_id)
    ORDER_LIFECYCLE.check(order.status, OrderStatus.PAID)
    due = order.total_fen - order.paid_fen
    if due > 0:
        payment = payments.take_payment(reference=order.number, amount_fen=due, method=method, actor=actor, at=at,
                                        savepoint=False)  # this transaction rolls back as a whole
        if payment is None:
            raise InvalidOrder.for_fields({"method": f"{method} 需异步确认,不能当场收款"})
        order.paid_fen += payment.amount_fen
    order.paid_at = at or timezone.now()
    fields = ["paid_fen", "paid_at"]
    decided = []
    if review:
        from huitong.orders import review as order_review  # review builds on these services

        if order_review.needs_receiver():
            order.refresh_from_db(fields=PERSONAL_FIELDS)  # _lock left them encrypted
        decided = order_review.decide_paid_orders(orders=[order])
        fields += order_review.REVIEW_FIELDS if decided else []
    _move_to(order, OrderStatus.PAID, actor=actor, reason=f"paid by {method}", fields=fields)
    audit.record_many(actor=actor, entries=[d.audit_entry() for d in decided if d.audited])
    return order


@transaction.atomic
def settle_order_payments(*, order_id: int, actor: Actor, at: datetime | None = None, review: bool = True) -> Order:
    """Bring the order in line with its settled payments (tenders taken at checkout, an asynchronous gateway
    callback, split tenders at the till). Idempotent: the paid amount is recomputed from the payments, never
    incremented. Covering what is due moves a pending order to paid (then reviewed); money arriving for a
    cancelled order, or more than is due, is refunded at once (a customer who paid twice gets one back)."""
    order = _lock(order_id)
    settled = payment_selectors.settled_payments(reference=order.number)
    if order.status == OrderStatus.CANCELLED:
        _refund_all(settled, actor=actor, reason="订单已取消,退回迟到的付款")
        return order
    paid, keep = 0, []
    for payment in settled:
        if paid + payment.amount_fen > order.total_fen:
            _refund_all([payment], actor=actor, reason="重复或超额付款,原路退回")
            continue
        paid += payment.amount_fen
        keep.append(payment)
    if paid == order.paid_fen and not (order.status == OrderStatus.PENDING_PAYMENT and paid >= order.total_fen):
        return order
    order.paid_fen = paid
    if order.status != OrderStatus.PENDING_PAYMENT or paid < order.total_fen:
        order.save(update_fields=["paid_fen", "updated_at"])
        return order
    order.paid_at = at or max((p.paid_at for p in keep if p.paid_at), default=None) or timezone.now()
    methods = "+".join(sorted({p.method for p in keep})) or "none"
    _move_to(order, OrderStatus.PAID, actor=actor, reason=f"paid by {methods}", fields=("paid_fen", "paid_at"))
    if review:
        from huitong.orders import review as order_review  # review builds on these services

        order_review.review_paid_orders(orders=[order], actor=actor)
    return order


def _refund_all(settled, *, actor: Actor, reason: str) -> None:
    for payment in settled:
        if payment.net_fen > 0:
            payments.refund_payment(payment_id=payment.pk, amount_fen=payment.net_fen, actor=actor, reason=reason)


def allocate_order(*, order_id: int, actor: Actor, location_id: int | None = None,
                   at: datetime | None = None) -> Order:
    """Confirm where the order ships from. With ``location_id``, move every line's reservation there
    (all or nothing: too little stock there raises 409 and keeps the old reservations); without, choose
    by the configured allocation strategies (``huitong.orders.allocation``: a failure holds the order
    with the reason and raises AllocationFailed, 409)."""
    if location_id is None:
        from huitong.orders import allocation  # the strategies build on these services

        return allocation.allocate(order_id=order_id, actor=actor, at=at)
    return _allocate_to(order_id=order_id, actor=actor, location_id=location_id, at=at)


@transaction.atomic
@batch.batched()
def _allocate_to(*, order_id: int, actor: Actor, location_id: int, at: datetime | None) -> Order:
    order = _lock(order_id)
    ORDER_LIFECYCLE.check(order.status, OrderStatus.ALLOCATED)
    _refuse_if_held(order)
    inventory_selectors.get_location(location_id)
    moving = list(order.lines.exclude(location_id=location_id).order_by("line_no"))
    if moving:
        inventory.release_reservations(reservation_ids=[line.reservation_id for line in moving])
        held = inventory.reserve_first_available(
            holds=[inventory.Hold(sku_id=line.sku_id, quantity=line.quantity,
                                  reference=f"{order.number}/{line.line_no}/r{line.reservation_id}")
                   for line in moving],
            location_ids=[location_id],
        )
        for line, h in zip(moving, held, strict=True):
            line.location_id, line.reservation_id = h.location_id, h.reservation_id
        OrderLine.objects.bulk_update(moving, ["location_id", "reservation_id"])
    order.allocated_at = at or timezone.now()
    _move_to(order, OrderStatus.ALLOCATED, actor=actor, fields=("allocated_at",),
             reason=f"allocated to location {location_id}")
    return order


@transaction.atomic
@batch.batched()
def ship_order(*, order_id: int, carrier_code: str, waybill_no: str, actor: Actor,
               at: datetime | None = None) -> Order:
    errors = {}
    if not carrier_code.strip():
        errors["carrier_code"] = "请填写快递公司"
    if not waybill_no.strip():
        errors["waybill_no"] = "请填写运单号"
    if errors:
        raise InvalidOrder.for_fields(errors)
    order = _lock(order_id)
    ORDER_LIFECYCLE.check(order.status, OrderStatus.SHIPPED)
    _refuse_if_held(order)
    inventory.ship_reservations(reservation_ids=_reservation_ids(order), reference=order.number, actor=actor)
    order.carrier_code, order.waybill_no = carrier_code.strip(), waybill_no.strip()
    order.shipped_at = at or timezone.now()
    _move_to(order, OrderStatus.SHIPPED, actor=actor, fields=("carrier_code", "waybill_no", "shipped_at"),
             reason=f"{order.carrier_code} {order.waybill_no}")
    return order


@transaction.atomic
@batch.batched()
def complete_order(*, order_id: int, actor: Actor, at: datetime | None = None) -> Order:
    order = _lock(order_id)
    order.completed_at = at or timezone.now()
    _move_to(order, OrderStatus.COMPLETED, actor=actor, fields=("completed_at",), reason="completed")
    return order


@transaction.atomic
@batch.batched()
def cancel_order(*, order_id: int, actor: Actor, reason: str, at: datetime | None = None) -> Order:
    """Cancel before shipping: release the held stock and refund what was paid."""
    if not reason.strip():
        raise InvalidOrder.for_fields({"reason": "请填写取消原因"})
    order = _lock(order_id)
    was = order.status
    ORDER_LIFECYCLE.check(was, OrderStatus.CANCELLED)
    if was in HOLDS_STOCK:
        inventory.release_reservations(reservation_ids=_reservation_ids(order))
    _refund_all(payment_selectors.list_payments(reference=order.number), actor=actor,
                reason=f"order cancelled: {reason}")
    order.cancel_reason = reason[:200]
    order.cancelled_at = at or timezone.now()
    _move_to(order, OrderStatus.CANCELLED, actor=actor, reason=reason, fields=("cancel_reason", "cancelled_at"))
    return order


def expire_unpaid_orders(*, now: datetime | None = None, timeout_minutes: int | None = None,
                         limit: int = 500) -> int:
    """Cancel orders left unpaid past the timeout, releasing their stock. Each order in its own
    transaction; an order paid meanwhile is skipped (the row lock decides who wins)."""
    minutes = settings.HUITONG_UNPAID_ORDER_TIMEOUT_MINUTES if timeout_minutes is None else timeout_minutes
    cutoff = (now or timezone.now()) - timedelta(minutes=minutes)
    ids = list(Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, placed_at__lt=cutoff)
               .order_by("placed_at").values_list("pk", flat=True)[:limit])
    cancelled = 0
    actor = Actor.system("unpaid-timeout")
    for order_id in ids:
        try:
            cancel_order(order_id=order_id, actor=actor, reason=f"超过 {minutes} 分钟未付款,自动取消")
        except InvalidTransition:
            continue
        cancelled += 1
    return cancelled


@transaction.atomic
def set_fulfillment_locations(*, store_id: int, location_ids: Sequence[int]) -> list[int]:
    """Which locations ship this store's orders, first = preferred."""
    channels.get_store(store_id)
    for location_id in location_ids:
        inventory_selectors.get_location(location_id)
    StoreLocation.objects.filter(store_id=store_id).delete()
    StoreLocation.objects.bulk_create(
        StoreLocation(store_id=store_id, location_id=loc, priority=i) for i, loc in enumerate(location_ids)
    )
    return list(location_ids)


@transaction.atomic
def sell_at_counter(*, store_id: int, lines: Sequence[LineSpec], actor: Actor, tender: str = "cash",
                    discount_fen: int = 0, buyer_nick: str = "", at: datetime | None = None) -> Order:
    """A POS sale: the customer pays and takes the goods at once, so the order runs its whole
    lifecycle (paid, allocated at the store, handed over, completed) in one transaction."""
    if tender not in payment_selectors.payment_methods():
        raise InvalidOrder.for_fields({"tender": f"不支持的支付方式 {tender}"})
    spec = NewOrder(store_id=store_id, lines=lines, discount_fen=discount_fen, buyer_nick=buyer_nick, placed_at=at)
    order = create_order(spec=spec, actor=actor).order
    pay_order(order_id=order.pk, method=tender, actor=actor, at=at, review=False)
    allocate_order(order_id=order.pk, actor=actor, at=at)
    ship_order(order_id=order.pk, carrier_code=COUNTER_CARRIER, waybill_no=order.number, actor=actor, at=at)
    return complete_order(order_id=order.pk, actor=actor, at=at)


COUNTER_CARRIER = "COUNTER"  # handed over at the store counter, no parcel
