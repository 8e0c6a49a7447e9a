"""After-sales write services: open a request, approve, reject, cancel, receive and inspect the goods,
refund, exchange, close. Every state change goes through ``_move_to`` (the kind's lifecycle, an audit
entry, an outbox event). Each service locks the order first, then the request: all after-sales work
on one order is serialised, so two requests can never claim the same units or money."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from huitong.aftersales import selectors
from huitong.aftersales.errors import (
    InsufficientPayments,
    InvalidInspection,
    InvalidRequest,
    LineNotMapped,
    OrderNotEligible,
    QuantityExceedsReturnable,
    RefundExceedsPaid,
    RequestNotFound,
)
from huitong.aftersales.models import (
    AfterSalesLine,
    AfterSalesRequest,
    RequestKind,
    RequestReason,
    RequestStatus,
)
from huitong.aftersales.states import lifecycle_of
from huitong.catalog import selectors as catalog
from huitong.channels import selectors as channels
from huitong.channels.models import OWN_CHANNELS
from huitong.core import audit, outbox
from huitong.core.actors import Actor
from huitong.core.money import allocate_fen
from huitong.core.states import transition
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.errors import DuplicateLocation
from huitong.inventory.models import LocationKind
from huitong.orders import member_benefits, review
from huitong.orders import selectors as order_selectors
from huitong.orders import services as orders
from huitong.orders.errors import NoFulfillmentLocation, OrderNotFound
from huitong.orders.models import Order, OrderStatus
from huitong.orders.states import ORDER_LIFECYCLE
from huitong.payments import selectors as payment_selectors
from huitong.payments import services as payments

S = RequestStatus
# Which orders each kind applies to: money back before shipping, goods back only once they were sent.
ELIGIBLE_ORDERS = {
    RequestKind.REFUND_ONLY: {OrderStatus.PAID, OrderStatus.ALLOCATED, OrderStatus.SHIPPED, OrderStatus.COMPLETED},
    RequestKind.RETURN_REFUND: {OrderStatus.SHIPPED, OrderStatus.COMPLETED},
    RequestKind.EXCHANGE: {OrderStatus.SHIPPED, OrderStatus.COMPLETED},
}
STATUS_CHANGED = "aftersales.status_changed"


@dataclass(frozen=True)
class LineRequest:
    order_line_id: int
    quantity: int
    exchange_sku_id: int | None = None  # exchange only; None: the same SKU again


@dataclass(frozen=True)
class NewRequest:
    order_id: int
    kind: str
    reason: str
    lines: Sequence[LineRequest]
    refund_fen: int | None = None  # None: everything paid for those units
    evidence_note: str = ""


@dataclass(frozen=True)
class Inspection:
    line_id: int  # an AfterSalesLine of the request
    resellable: int = 0
    damaged: int = 0


# --- helpers --------------------------------------------------------------------------------------

def _lock_order(order_id: int) -> Order:
    order = Order.objects.select_for_update().only("pk", "number", "status", "store_id", "paid_fen").filter(
        pk=order_id).first()
    if order is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    return order


def _lock(request_id: int) -> tuple[AfterSalesRequest, Order]:
    """The request and its order, both locked — the order first, like every other after-sales writer."""
    order_id = AfterSalesRequest.objects.filter(pk=request_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise RequestNotFound(request_id=f"售后单 {request_id} 不存在")
    order = _lock_order(order_id)
    return AfterSalesRequest.objects.select_for_update().get(pk=request_id), order


IN_PROGRESS = (RequestStatus.REQUESTED, RequestStatus.APPROVED, RequestStatus.GOODS_RECEIVED)


def _sync_refund_hold(order_id: int, actor: Actor) -> None:
    """An unshipped order with after-sales in progress is held (审单: refund in progress); the hold goes
    when no request of the order is in progress any more."""
    active = AfterSalesRequest.objects.filter(order_id=order_id, status__in=IN_PROGRESS).exists()
    review.set_refund_hold(order_id=order_id, active=active, actor=actor, note="售后处理中" if active else "")


def _move_to(request: AfterSalesRequest, status: str, *, actor: Actor, reason: str = "",
             fields: Sequence[str] = (), data: dict[str, Any] | None = None) -> None:
    previous = transition(request, status, lifecycle=lifecycle_of(request.kind), actor=actor, reason=reason,
                          update_fields=[*fields, "updated_at"], data=data)
    _sync_refund_hold(request.order_id, actor)
    if status == S.REFUNDED and request.refunded_fen:
        # The member's tier spend and earned points follow the money back (idempotent per request number).
        order = Order.objects.only("pk", "number", "customer_id", "paid_fen").get(pk=request.order_id)
        member_benefits.on_refunded(order, refund_reference=request.number, amount_fen=request.refunded_fen,
                                    actor=actor)
    outbox.emit(topic=STATUS_CHANGED, key=request.number,
                payload={"request_id": request.pk, "number": request.number, "order_id": request.order_id,
                         "kind": request.kind, "from": previous, "to": status, "refund_fen": request.refund_fen,
                         "platform_refund_id": request.platform_refund_id})


def _check(request: AfterSalesRequest, status: str) -> None:
    lifecycle_of(request.kind).check(request.status, status)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate(spec: NewRequest) -> None:
    errors: dict[str, str] = {}
    if spec.kind not in RequestKind.values:
        errors["kind"] = f"不支持的售后类型 {spec.kind}"
    if spec.reason not in RequestReason.values:
        errors["reason"] = f"不支持的售后原因 {spec.reason}"
    if not spec.lines:
        errors["lines"] = "至少需要一行商品"
    seen = set()
    for i, line in enumerate(spec.lines):
        if not _is_count(line.quantity) or line.quantity <= 0:
            errors[f"lines[{i}].quantity"] = "必须为正整数"
        if line.order_line_id in seen:
            errors[f"lines[{i}].order_line_id"] = "同一订单行只能出现一次"
        seen.add(line.order_line_id)
        if line.exchange_sku_id is not None and spec.kind != RequestKind.EXCHANGE:
            errors[f"lines[{i}].exchange_sku_id"] = "只有换货可以指定新 SKU"
    if spec.refund_fen is not None:
        if spec.kind == RequestKind.EXCHANGE:
            errors["refund_fen"] = "换货不退款"
        elif not _is_count(spec.refund_fen) or spec.refund_fen <= 0:
            errors["refund_fen"] = "必须为正整数(分)"
    if errors:
        raise InvalidRequest.for_fields(errors)


def _new_number() -> str:
    return f"AS{timezone.localtime():%y%m%d}{secrets.randbelow(10**12):012d}"


NUMBER_ATTEMPTS = 3


def _insert(request: AfterSalesRequest) -> None:
    """Insert with a fresh random number, trying again on the (very rare) collision."""
    for attempt in range(NUMBER_ATTEMPTS):
        request.number = _new_number()
        try:
            with transaction.atomic():
                request.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise


# --- opening a request ----------------------------------------------------------------------------

def _claim(order: Order, spec: NewRequest) -> list[tuple[LineRequest, int]]:
    """Check the lines against what the order can still take back; returns each line with its value."""
    allowances = selectors.line_allowances(order.pk)
    claimed = []
    for i, line in enumerate(spec.lines):
        allowance = allowances.get(line.order_line_id)
        if allowance is None:
            raise InvalidRequest.for_fields({f"lines[{i}].order_line_id": f"订单 {order.number} 没有这一行"})
        if line.quantity > allowance.returnable_quantity:
            raise QuantityExceedsReturnable(detail={"line_no": allowance.line_no, "requested": line.quantity,
                                                    "returnable": allowance.returnable_quantity})
        if spec.kind == RequestKind.EXCHANGE and (line.exchange_sku_id or allowance.sku_id) is None:
            raise LineNotMapped(detail={"line_no": allowance.line_no})
        claimed.append((line, allowance.value_of(line.quantity)))
    new_skus = {line.exchange_sku_id for line in spec.lines if line.exchange_sku_id is not None}
    found = catalog.skus_by_ids(new_skus)
    wrong = {f"lines[{i}].exchange_sku_id": "SKU 不存在或已下架" for i, line in enumerate(spec.lines)
             if line.exchange_sku_id is not None and not getattr(found.get(line.exchange_sku_id), "is_active", False)}
    if wrong:
        raise InvalidRequest.for_fields(wrong)
    return claimed


def _refund_amount(order: Order, kind: str, requested: int | None, values: list[int],
                   exclude_request_id: int | None = None) -> int:
    """The refund: at most what was paid for those units, and never past what the order has left."""
    if kind == RequestKind.EXCHANGE:
        return 0
    most = sum(values)
    amount = most if requested is None else requested
    if amount > most or amount <= 0:
        raise RefundExceedsPaid(detail={"max_fen": most, "requested_fen": amount})
    already = selectors.open_refund_fen(order.pk, exclude_request_id=exclude_request_id)
    if already + amount > order.paid_fen:
        raise RefundExceedsPaid(detail={"paid_fen": order.paid_fen, "already_fen": already, "requested_fen": amount})
    return amount


def _open(order: Order, spec: NewRequest, actor: Actor, *, platform_refund_id: str = "") -> AfterSalesRequest:
    if order.status not in ELIGIBLE_ORDERS[spec.kind]:
        raise OrderNotEligible(detail={"order_status": order.status, "kind": spec.kind})
    claimed = _claim(order, spec)
    values = [value for _line, value in claimed]
    amount = _refund_amount(order, spec.kind, spec.refund_fen, values)
    request = AfterSalesRequest(order_id=order.pk, kind=spec.kind, reason=spec.reason, refund_fen=amount,
                                evidence_note=spec.evidence_note, platform_refund_id=platform_refund_id)
    _insert(request)
    AfterSalesLine.objects.bulk_create(
        AfterSalesLine(request=request, order_line_id=line.order_line_id, quantity=line.quantity, value_fen=value,
                       refund_fen=share, exchange_sku_id=line.exchange_sku_id)
        for (line, value), share in zip(claimed, allocate_fen(amount, values), strict=True)
    )
    audit.record(actor=actor, obj=request, to_state=request.status, reason=f"opened: {spec.reason}",
                 data={"order": order.number, "refund_fen": amount})
    _sync_refund_hold(order.pk, actor)
    outbox.emit(topic=STATUS_CHANGED, key=request.number,
                payload={"request_id": request.pk, "number": request.number, "order_id": order.pk,
                         "kind": request.kind, "from": "", "to": request.status, "refund_fen": amount,
                         "platform_refund_id": platform_refund_id})
    return request


@transaction.atomic
def open_request(*, spec: NewRequest, actor: Actor) -> AfterSalesRequest:
    """A buyer's request (entered by customer service, or from the storefront). Refuses with nothing
    written: units already in an open request, a refund above what was paid for them, a wrong order state."""
    _validate(spec)
    return _open(_lock_order(spec.order_id), spec, actor)


# --- decisions ------------------------------------------------------------------------------------

def _set_refund(request: AfterSalesRequest, order: Order, amount: int) -> None:
    lines = list(request.lines.order_by("pk"))
    values = [line.value_fen for line in lines]
    request.refund_fen = _refund_amount(order, request.kind, amount, values, exclude_request_id=request.pk)
    for line, share in zip(lines, allocate_fen(request.refund_fen, values), strict=True):
        line.refund_fen = share
    AfterSalesLine.objects.bulk_update(lines, ["refund_fen"])


@transaction.atomic
def approve_request(*, request_id: int, actor: Actor, refund_fen: int | None = None, note: str = ""
                    ) -> AfterSalesRequest:
    """Agree to the request, optionally with a different refund (never above what was paid for the units)."""
    request, order = _lock(request_id)
    _check(request, S.APPROVED)
    if refund_fen is not None:
        if request.kind == RequestKind.EXCHANGE:
            raise InvalidRequest.for_fields({"refund_fen": "换货不退款"})
        if not _is_count(refund_fen) or refund_fen <= 0:
            raise InvalidRequest.for_fields({"refund_fen": "必须为正整数(分)"})
        _set_refund(request, order, refund_fen)
    request.approved_at = timezone.now()
    request.decision_note = note[:500]
    _move_to(request, S.APPROVED, actor=actor, reason=note or "approved",
             fields=("approved_at", "decision_note", "refund_fen"))
    return request


def _end(request_id: int, status: str, *, actor: Actor, reason: str, note: str = "") -> AfterSalesRequest:
    request, _order = _lock(request_id)
    _check(request, status)
    if note:
        request.decision_note = note[:500]
    request.closed_at = timezone.now()
    _move_to(request, status, actor=actor, reason=reason, fields=("decision_note", "closed_at"))
    return request


@transaction.atomic
def reject_request(*, request_id: int, actor: Actor, reason: str) -> AfterSalesRequest:
    if not reason.strip():
        raise InvalidRequest.for_fields({"reason": "请填写驳回原因"})
    return _end(request_id, S.REJECTED, actor=actor, reason=reason, note=reason)


@transaction.atomic
def cancel_request(*, request_id: int, actor: Actor, reason: str = "") -> AfterSalesRequest:
    """The buyer withdraws the request (until the goods have come back); its units are free again."""
    return _end(request_id, S.CANCELLED, actor=actor, reason=reason or "cancelled by buyer", note=reason)


@transaction.atomic
def close_request(*, request_id: int, actor: Actor, note: str = "") -> AfterSalesRequest:
    """File a refunded or exchanged request away."""
    return _end(request_id, S.CLOSED, actor=actor, reason=note or "closed", note=note)


# --- goods back -----------------------------------------------------------------------------------

def defective_location_id() -> int:
    """The location damaged returns go to (code from HUITONG_DEFECTIVE_LOCATION_CODE), created on first use."""
    code = getattr(settings, "HUITONG_DEFECTIVE_LOCATION_CODE", "DEFECTIVE")
    found = inventory_selectors.list_locations(active_only=False).filter(code=code).values_list("pk", flat=True)
    if found:
        return found[0]
    try:
        with transaction.atomic():
            return inventory.create_location(code=code, name="次品仓", kind=LocationKind.WAREHOUSE, priority=10_000).pk
    except (DuplicateLocation, IntegrityError):  # created meanwhile by a concurrent receipt
        return inventory_selectors.list_locations(active_only=False).get(code=code).pk


def _validate_inspections(lines: dict[int, AfterSalesLine],
                          inspections: Sequence[Inspection]) -> None:
    errors: dict[str, str] = {}
    seen = set()
    for i, item in enumerate(inspections):
        line = lines.get(item.line_id)
        if line is None or item.line_id in seen:
            errors[f"lines[{i}].line_id"] = "不是本售后单的行,或重复"
            continue
        seen.add(item.line_id)
        if not (_is_count(item.resellable) and _is_count(item.damaged)) or item.resellable < 0 or item.damaged < 0:
            errors[f"lines[{i}]"] = "数量必须为非负整数"
        elif item.resellable + item.damaged > line.quantity:
            errors[f"lines[{i}]"] = f"验货数量超过售后数量 {line.quantity}"
    if not errors and set(lines) - seen:
        errors["lines"] = "每一行都要验货(未收到填 0)"
    if not errors and not any(item.resellable + item.damaged for item in inspections):
        errors["lines"] = "没有收到任何商品"
    if errors:
        raise InvalidInspection.for_fields(errors)


def _first_location(store_id: int) -> int:
    location_ids = orders.fulfillment_locations(store_id)
    if not location_ids:
        raise NoFulfillmentLocation(store_id=f"店铺 {store_id} 未配置发货库位,无法退货入库")
    return location_ids[0]


def _restock(request: AfterSalesRequest, order: Order, lines: dict[int, AfterSalesLine],
             inspections: Sequence[Inspection], actor: Actor) -> None:
    fallback = None
    for item in inspections:
        line = lines[item.line_id]
        order_line = line.order_line
        if item.resellable:
            location_id = order_line.location_id
            if location_id is None:  # never allocated here (shipped on the platform): the store's first location
                fallback = fallback or _first_location(order.store_id)
                location_id = fallback
            inventory.receive_stock(sku_id=order_line.sku_id, location_id=location_id, quantity=item.resellable,
                                    reference=request.number, actor=actor,
                                    reason=f"退货入库(可售) 订单 {order.number}#{order_line.line_no}")
        if item.damaged:
            inventory.receive_stock(sku_id=order_line.sku_id, location_id=defective_location_id(),
                                    quantity=item.damaged, reference=request.number, actor=actor,
                                    reason=f"退货入库(残次) 订单 {order.number}#{order_line.line_no}")
        line.resellable_quantity, line.damaged_quantity = item.resellable, item.damaged


@transaction.atomic
def receive_return(*, request_id: int, inspections: Sequence[Inspection], actor: Actor, carrier_code: str = "",
                   waybill_no: str = "") -> AfterSalesRequest:
    """The returned parcel arrived and was inspected line by line: resellable units go back to stock
    where they shipped from, damaged ones to the defective location — both through the ledger, with the
    request number as reference. Units not received are recorded as 0 (the refund is decided at approval)."""
    request, order = _lock(request_id)
    _check(request, S.GOODS_RECEIVED)
    lines = {line.pk: line for line in request.lines.select_related("order_line")}
    _validate_inspections(lines, inspections)
    unmapped = [lines[i.line_id].order_line.line_no for i in inspections
                if i.resellable + i.damaged and lines[i.line_id].order_line.sku_id is None]
    if unmapped:
        raise LineNotMapped(detail={"line_no": unmapped[0]})
    _restock(request, order, lines, inspections, actor)
    AfterSalesLine.objects.bulk_update(list(lines.values()), ["resellable_quantity", "damaged_quantity"])
    request.return_carrier_code, request.return_waybill_no = carrier_code.strip()[:20], waybill_no.strip()[:40]
    request.received_at = timezone.now()
    _move_to(request, S.GOODS_RECEIVED, actor=actor, reason="goods received and inspected",
             fields=("return_carrier_code", "return_waybill_no", "received_at"),
             data={"inspection": [{"line_id": i.line_id, "resellable": i.resellable, "damaged": i.damaged}
                                  for i in inspections]})
    if request.settled_on_platform and request.kind == RequestKind.RETURN_REFUND:
        _move_to(request, S.REFUNDED, actor=actor, reason="refunded on platform before the goods arrived")
    return request


# --- money back -----------------------------------------------------------------------------------

def _payment_plan(order: Order, amount: int) -> list[tuple[int, int]] | None:
    """(payment id, amount) spreading the refund over the order's payments in proportion to what each still
    holds (a partial refund of an order paid half in points gives back half points, half money); None when
    the order was paid on its platform (no payment in Huitong)."""
    found = [p for p in payment_selectors.list_payments(reference=order.number) if p.net_fen > 0]
    if not found and channels.get_store(order.store_id).platform not in OWN_CHANNELS:
        return None
    refundable = sum(p.net_fen for p in found)
    if amount > refundable:
        raise InsufficientPayments(detail={"refund_fen": amount, "refundable_fen": refundable})
    parts = allocate_fen(amount, [p.net_fen for p in found])
    return [(p.pk, part) for p, part in zip(found, parts, strict=True) if part > 0]


def _settle(request: AfterSalesRequest, order: Order, actor: Actor) -> list[tuple[int, int]]:
    plan = _payment_plan(order, request.refund_fen)
    for payment_id, part in plan or ():
        payments.refund_payment(payment_id=payment_id, amount_fen=part, actor=actor,
                                reason=f"售后退款 {request.number}")
    request.settled_on_platform = plan is None
    request.refunded_fen = request.refund_fen
    request.refunded_at = timezone.now()
    return plan or []


def _cancel_if_all_refunded(order: Order, request: AfterSalesRequest, actor: Actor) -> None:
    """Every unit of an unshipped order refunded: the order is cancelled, so its stock is released and
    nothing ships (cancelling also refunds what is left of its payments, such as the shipping fee)."""
    if not ORDER_LIFECYCLE.allows(order.status, OrderStatus.CANCELLED):
        return
    refunded = (AfterSalesLine.objects.filter(order_line__order_id=order.pk,
                                              request__status__in=(S.REFUNDED, S.CLOSED),
                                              request__kind=RequestKind.REFUND_ONLY)
                .values_list("order_line_id", "quantity"))
    units: dict[int, int] = {}
    for line_id, quantity in refunded:
        units[line_id] = units.get(line_id, 0) + quantity
    lines = selectors.line_allowances(order.pk)
    if all(units.get(line_id, 0) >= line.quantity for line_id, line in lines.items()):
        orders.cancel_order(order_id=order.pk, actor=actor, reason=f"全部商品已退款 ({request.number})")


@transaction.atomic
def refund_request(*, request_id: int, actor: Actor) -> AfterSalesRequest:
    """Pay the approved refund back: through the order's payments (spread over several if needed), or,
    for an order paid on its platform, recorded as settled there."""
    request, order = _lock(request_id)
    _check(request, S.REFUNDED)  # an exchange has no refunded state: it is refused here
    plan = _settle(request, order, actor)
    _move_to(request, S.REFUNDED, actor=actor, reason="refunded",
             fields=("settled_on_platform", "refunded_fen", "refunded_at"),
             data={"payments": [{"payment_id": pk, "amount_fen": part} for pk, part in plan],
                   "settled_on_platform": request.settled_on_platform})
    _cancel_if_all_refunded(order, request, actor)
    return request


# --- exchange -------------------------------------------------------------------------------------

@transaction.atomic
def exchange_request(*, request_id: int, actor: Actor) -> AfterSalesRequest:
    """Send replacements for the units that came back: a new order in the same store, at zero price,
    paid at once (nothing is due, so no payment is taken) and linked to the request. It is reviewed,
    allocated and shipped like any other order; too little stock refuses with nothing written."""
    request, order = _lock(request_id)
    _check(request, S.EXCHANGED)
    full = order_selectors.get_order(order.pk)  # with the receiver, which the lock leaves out
    specs = [orders.LineSpec(sku_id=line.exchange_sku_id or line.order_line.sku_id,
                             quantity=line.resellable_quantity + line.damaged_quantity, unit_price_fen=0)
             for line in request.lines.select_related("order_line").order_by("pk")
             if line.resellable_quantity + line.damaged_quantity]
    receiver = orders.Receiver(name=full.receiver_name, phone=full.receiver_phone, province=full.province,
                               city=full.city, district=full.district, address=full.address)
    spec = orders.NewOrder(store_id=order.store_id, lines=specs, receiver=receiver, buyer_nick=full.buyer_nick)
    replacement = orders.create_order(spec=spec, actor=actor).order
    orders.pay_order(order_id=replacement.pk, actor=actor)
    request.replacement_order = replacement
    _move_to(request, S.EXCHANGED, actor=actor, reason=f"replacement order {replacement.number}",
             fields=("replacement_order",), data={"replacement_order": replacement.number})
    return request

