"""Orders that come from platform stores (Taobao, JD, ...): import once per (store, platform order id),
then follow the platform's later changes through the order lifecycle.

Unlike checkout, a platform order already exists when it reaches us, so nothing refuses it: lines
whose listing maps to no SKU, or stock that cannot be reserved, put the order on hold with the
reason, and ``retry_holds`` picks it up again once the mapping or the stock is there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.channels import mappings
from huitong.channels import selectors as channels
from huitong.core import audit, bulkinsert, crypto, outbox
from huitong.core.actors import Actor
from huitong.core.money import allocate_fen
from huitong.inventory import services as inventory
from huitong.inventory.errors import InsufficientStock
from huitong.members import services as members
from huitong.orders import member_benefits, review, services
from huitong.orders.errors import InvalidOrder
from huitong.orders.models import Order, OrderLine, OrderStatus
from huitong.orders.services import Receiver, _lock, _move_to, _new_number, fulfillment_locations
from huitong.orders.states import HOLDS_STOCK

S = OrderStatus
SHIPPED_ON_PLATFORM = "shipped on platform"  # the reason integrations recognise: do not confirm back
UNMAPPED, OUT_OF_STOCK, CHANGED_AFTER_REVIEW, SHIPPED_OUTSIDE, CLOSED_AFTER_SHIPPING, REFUND_IN_PROGRESS = (
    "unmapped_sku", "out_of_stock", "changed_after_review", "shipped_outside", "closed_after_shipping",
    "refund_in_progress")


@dataclass(frozen=True)
class ImportedLine:
    platform_line_id: str
    item_id: str
    platform_sku_id: str
    merchant_code: str
    title: str
    quantity: int
    unit_price_fen: int
    amount_fen: int  # what the buyer pays for the line after line discounts
    refund_state: str = "none"  # the platform's refund state of the line (requested, approved, refunded, …)


REFUND_ACTIVE = {"requested", "approved", "refunded"}
@dataclass(frozen=True)
class ImportedOrder:
    store_id: int
    external_id: str
    status: str  # an OrderStatus value: Huitong's reading of the platform status
    platform_status: str
    placed_at: datetime
    updated_at: datetime
    lines: Sequence[ImportedLine]
    total_fen: int
    shipping_fen: int = 0
    currency: str = "CNY"
    paid_at: datetime | None = None
    buyer_id: str = ""
    buyer_nick: str = ""
    receiver: Receiver = field(default_factory=Receiver)
    buyer_remark: str = ""
    seller_remark: str = ""
    carrier_code: str = ""
    waybill_no: str = ""


@dataclass(frozen=True)
class ImportResult:
    order: Order
    outcome: str  # "new", "updated" or "unchanged"


def import_order(*, spec: ImportedOrder, actor: Actor) -> ImportResult:
    """Create the order on first sight, otherwise apply what changed. Replays change nothing."""
    _validate(spec)
    [result] = import_orders(specs=[spec], actor=actor)
    return result


def import_orders(*, specs: Sequence[ImportedOrder], actor: Actor) -> list[ImportResult]:
    """A page of already validated platform orders of one store, in order. Orders seen for the first time
    are created together (a few bulk statements for the page); known ones are updated one by one. If the
    page's creation collides with a concurrent writer, every order of it falls back to the one-by-one path."""
    if not specs:
        return []
    store_ids = {spec.store_id for spec in specs}
    if len(store_ids) != 1:
        raise ValueError("import_orders takes the orders of one store")
    store_id = store_ids.pop()
    known = dict(Order.objects.filter(store_id=store_id, external_id__in=[s.external_id for s in specs])
                 .values_list("external_id", "pk"))
    first_sight: dict[str, ImportedOrder] = {}
    for spec in specs:  # the earliest snapshot of a new order creates it; later ones update it
        if spec.external_id not in known and spec.external_id not in first_sight:
            first_sight[spec.external_id] = spec
    created: dict[str, Order] = {}
    if first_sight:
        try:
            created = {o.external_id: o for o in _create_many(list(first_sight.values()), actor)}
        except IntegrityError:
            return [_one_by_one(spec, actor) for spec in specs]
    results = []
    for spec in specs:
        if first_sight.get(spec.external_id) is spec:
            results.append(ImportResult(created[spec.external_id], "new"))
            continue
        order_id = known.get(spec.external_id) or created[spec.external_id].pk
        outcome = _update(order_id, spec, actor)
        results.append(ImportResult(Order.objects.get(pk=order_id), outcome))
    return results


def _one_by_one(spec: ImportedOrder, actor: Actor) -> ImportResult:
    existing = Order.objects.filter(store_id=spec.store_id, external_id=spec.external_id).values_list(
        "pk", flat=True).first()
    if existing is None:
        try:
            return ImportResult(_create_many([spec], actor)[0], "new")
        except IntegrityError:  # created concurrently by another worker: treat ours as an update
            existing = Order.objects.filter(store_id=spec.store_id, external_id=spec.external_id).values_list(
                "pk", flat=True).first()
            if existing is None:
                raise
    outcome = _update(existing, spec, actor)
    return ImportResult(Order.objects.get(pk=existing), outcome)


def validate(spec: ImportedOrder) -> None:
    """Raise InvalidOrder (field messages) for a platform order that cannot be imported as it is."""
    _validate(spec)


def _validate(spec: ImportedOrder) -> None:
    errors = {}
    if not spec.external_id:
        errors["external_id"] = "缺少平台订单号"
    if not spec.lines:
        errors["lines"] = "订单没有商品行"
    for i, line in enumerate(spec.lines):
        if line.quantity <= 0:
            errors[f"lines[{i}].quantity"] = "必须为正整数"
        if line.amount_fen < 0 or line.unit_price_fen < 0:
            errors[f"lines[{i}].amount_fen"] = "金额不能为负"
    order_discount = sum(line.amount_fen for line in spec.lines) + spec.shipping_fen - spec.total_fen
    if order_discount < 0:
        errors["total_fen"] = "订单实付高于商品与运费之和"
    if errors:
        raise InvalidOrder.for_fields(errors)


def _resolve(store_id: int, specs: Sequence[ImportedOrder]):
    """Mappings and SKUs for every line of a page: a constant number of queries."""
    resolved = mappings.resolve_listings(store_id=store_id,
                                         listings=[_listing(ln) for spec in specs for ln in spec.lines])
    skus = catalog.sku_briefs({c.sku_id for comps in resolved.values() if comps for c in comps})
    return resolved, skus


def _line_rows(spec: ImportedOrder, order: Order, resolved=None, skus=None) -> list[OrderLine]:
    """Order lines with amounts that add up to the platform total: the order-level discount is spread
    over the platform lines, and a bundle's share over its components by list price."""
    if resolved is None:
        resolved, skus = _resolve(spec.store_id, [spec])
    order_discount = sum(line.amount_fen for line in spec.lines) + spec.shipping_fen - spec.total_fen
    nets = [a - d for a, d in zip([ln.amount_fen for ln in spec.lines],
                                  allocate_fen(order_discount, [ln.amount_fen for ln in spec.lines]), strict=True)]
    rows: list[OrderLine] = []
    for line, net in zip(spec.lines, nets, strict=True):
        base = {"order": order, "platform_line_id": line.platform_line_id, "platform_item_id": line.item_id,
                "platform_sku_id": line.platform_sku_id, "merchant_code": line.merchant_code}
        components = resolved[_listing(line)]
        if not components:
            rows.append(OrderLine(**base, title=line.title[:200], **_amounts(line.quantity, net, line.unit_price_fen)))
            continue
        quantities = [line.quantity * c.quantity for c in components]
        weights = [max(skus[c.sku_id].price_fen, 1) * q for c, q in zip(components, quantities, strict=True)]
        for c, qty, share in zip(components, quantities, allocate_fen(net, weights), strict=True):
            sku = skus[c.sku_id]
            list_price = line.unit_price_fen if len(components) == 1 else sku.price_fen
            rows.append(OrderLine(**base, sku_id=sku.pk, sku_code=sku.code, title=sku.display_name[:200],
                                  **_amounts(qty, share, list_price)))
    for no, row in enumerate(rows, start=1):
        row.line_no = no
    return rows


def _amounts(quantity: int, net: int, list_price: int) -> dict[str, int]:
    unit = list_price if list_price * quantity >= net else -(-net // quantity)  # ceil when sold above list
    return {"quantity": quantity, "unit_price_fen": unit, "discount_fen": unit * quantity - net, "amount_fen": net}


def _listing(line: ImportedLine) -> mappings.Listing:
    return mappings.Listing(item_id=line.item_id, sku_id=line.platform_sku_id, merchant_code=line.merchant_code)


@transaction.atomic
def _create_many(specs: Sequence[ImportedOrder], actor: Actor) -> list[Order]:
    """Create first-seen orders of one store: build everything in memory, reserve stock for the page in
    one batch (each order all or nothing), then insert orders, lines, audit rows and events in bulk."""
    store = channels.get_store(specs[0].store_id)
    resolved, skus = _resolve(store.pk, specs)
    customers = members.identify_buyers(platform=store.platform, buyers=[(s.buyer_id, s.buyer_nick) for s in specs])
    orders: list[Order] = []
    lines: list[list[OrderLine]] = []
    for spec in specs:
        order = _new_order(spec, customers.get((spec.buyer_id or "", spec.buyer_nick or "")))
        rows = _line_rows(spec, order, resolved, skus)
        order.subtotal_fen = sum(row.unit_price_fen * row.quantity for row in rows)
        order.discount_fen = sum(row.discount_fen for row in rows)
        orders.append(order)
        lines.append(rows)
    _hold_many(store.pk, orders, lines)
    for order, spec in zip(orders, specs, strict=True):
        _note_refunds(order, spec)
    # Auto-review (审单) decided before the insert: the review columns go in with the order rows.
    paid = [(o, rows) for o, rows in zip(orders, lines, strict=True) if o.status == S.PAID]
    decided = review.decide_paid_orders(orders=[o for o, _ in paid], lines=[rows for _, rows in paid],
                                        unpaid=[o for o in orders if o.status == S.PENDING_PAYMENT])
    bulkinsert.insert(orders)
    for order, rows in zip(orders, lines, strict=True):
        for row in rows:
            row.order = order
    bulkinsert.insert([row for rows in lines for row in rows])
    audit.record_many(actor=actor, entries=[
        *[(o, "", o.status, f"imported from platform ({o.platform_status})") for o in orders],
        *[d.audit_entry() for d in decided if d.audited]])
    for order in orders:
        if order.status == S.COMPLETED and order.customer_id:  # first seen already completed
            member_benefits.on_completed(order, actor=actor)
    outbox.emit_many(topic="order.created", messages=[
        (o.number, {"order_id": o.pk, "number": o.number, "store_id": o.store_id}) for o in orders])
    return orders


def _new_order(spec: ImportedOrder, customer_id: int | None) -> Order:
    r = spec.receiver
    return Order(
        number=_new_number(spec.placed_at), store_id=spec.store_id, external_id=spec.external_id, status=spec.status,
        customer_id=customer_id, buyer_id=spec.buyer_id, buyer_nick=spec.buyer_nick,
        buyer_remark=spec.buyer_remark[:500], seller_remark=spec.seller_remark[:500],
        platform_status=spec.platform_status, platform_updated_at=spec.updated_at, placed_at=spec.placed_at,
        paid_at=spec.paid_at, receiver_name=r.name, receiver_phone=r.phone,
        receiver_phone_hash=crypto.lookup_hash(r.phone), province=r.province, city=r.city, district=r.district,
        address=r.address, carrier_code=spec.carrier_code, waybill_no=spec.waybill_no,
        shipping_fen=spec.shipping_fen, total_fen=spec.total_fen, currency=spec.currency or "CNY",
        paid_fen=spec.total_fen if spec.status != S.PENDING_PAYMENT and spec.paid_at else 0,
    )


def _hold_many(store_id: int, orders: list[Order], lines: list[list[OrderLine]]) -> None:
    """Reserve the stock of every order that holds stock, or record why it must wait."""
    waiting = []
    for order, rows in zip(orders, lines, strict=True):
        if order.status not in HOLDS_STOCK:
            continue
        unmapped = [r.merchant_code or r.platform_sku_id or r.platform_item_id for r in rows if r.sku_id is None]
        if unmapped:
            order.hold_reasons = [{"code": UNMAPPED, "message": f"平台商品未对应 SKU: {', '.join(unmapped)}"}]
        else:
            waiting.append((order, rows))
    if not waiting:
        return
    outcomes = inventory.reserve_each(
        requests=[[inventory.Hold(sku_id=r.sku_id, quantity=r.quantity, reference=f"{o.number}/{r.line_no}")
                   for r in rows] for o, rows in waiting],
        location_ids=fulfillment_locations(store_id),
    )
    for (order, rows), outcome in zip(waiting, outcomes, strict=True):
        if isinstance(outcome, InsufficientStock):
            order.hold_reasons = [{"code": OUT_OF_STOCK, "message": f"库存不足: SKU {outcome.detail.get('sku_id')}"}]
            continue
        for row, h in zip(rows, outcome, strict=True):
            row.location_id, row.reservation_id = h.location_id, h.reservation_id


@transaction.atomic
def _update(order_id: int, spec: ImportedOrder, actor: Actor) -> str:
    order = _lock(order_id)
    if order.platform_updated_at and spec.updated_at <= order.platform_updated_at:
        return "unchanged"  # a replay, or an older snapshot arriving late
    changed = _apply_edits(order, spec, actor)
    changed |= _follow_status(order, spec, actor)
    changed |= _note_refunds(order, spec)
    order.platform_status = spec.platform_status
    order.platform_updated_at = spec.updated_at
    order.save(update_fields=["platform_status", "platform_updated_at", "hold_reasons", "updated_at"])
    return "updated" if changed else "unchanged"


def _apply_edits(order: Order, spec: ImportedOrder, actor: Actor) -> bool:
    """Address and remark edits: applied while the order is not yet reviewed (allocated), else the
    order is held for re-review with the new values — never edited silently."""
    current = Order.objects.get(pk=order.pk)  # with the personal fields _lock deferred
    r = spec.receiver
    new = {"receiver_name": r.name, "receiver_phone": r.phone, "province": r.province, "city": r.city,
           "district": r.district, "address": r.address, "buyer_remark": spec.buyer_remark[:500],
           "seller_remark": spec.seller_remark[:500]}
    diff = {k: v for k, v in new.items() if getattr(current, k) != v}
    if not diff:
        return False
    if order.status in (S.PENDING_PAYMENT, S.PAID):
        for key, value in diff.items():
            setattr(current, key, value)
        current.receiver_phone_hash = crypto.lookup_hash(current.receiver_phone)
        current.save(update_fields=[*diff, "receiver_phone_hash", "updated_at"])
        audit.record(actor=actor, obj=order, reason="edited on platform", data={"fields": sorted(diff)})
    elif order.status not in (S.CANCELLED, S.COMPLETED):
        _add_hold(order, CHANGED_AFTER_REVIEW, f"审单后平台修改了: {', '.join(sorted(diff))}")
    return True


def _refunding_lines(spec: ImportedOrder) -> list[str]:
    return [line.platform_line_id or line.merchant_code for line in spec.lines if line.refund_state in REFUND_ACTIVE]


def _note_refunds(order: Order, spec: ImportedOrder) -> bool:
    """A line being refunded on the platform holds an unshipped order (审单: refund in progress)."""
    lines = _refunding_lines(spec)
    if not lines or order.status not in HOLDS_STOCK or any(h["code"] == REFUND_IN_PROGRESS for h in order.hold_reasons):
        return False
    _add_hold(order, REFUND_IN_PROGRESS, f"平台售后处理中: {', '.join(lines)}")
    return True


def _add_hold(order: Order, code: str, message: str) -> None:
    if not any(h["code"] == code for h in order.hold_reasons):
        order.hold_reasons = [*order.hold_reasons, {"code": code, "message": message}]


def _follow_status(order: Order, spec: ImportedOrder, actor: Actor) -> bool:
    target, was = spec.status, order.status
    if target == was:
        return False
    if target == S.PAID and was == S.PENDING_PAYMENT:
        order.paid_fen, order.paid_at = order.total_fen, spec.paid_at or timezone.now()
        _move_to(order, S.PAID, actor=actor, reason="paid on platform", fields=("paid_fen", "paid_at"))
        order.save(update_fields=["hold_reasons"])  # edits made so far, before review reads the row
        review.review_paid_orders(orders=[order], actor=actor)
    elif target == S.CANCELLED and was in HOLDS_STOCK:
        order.save(update_fields=["hold_reasons"])
        services.cancel_order(order_id=order.pk, actor=actor, reason=f"closed on platform ({spec.platform_status})")
        order.refresh_from_db()
    elif target == S.CANCELLED:
        _add_hold(order, CLOSED_AFTER_SHIPPING, "发货后平台关闭了订单,请处理售后")
    elif target in (S.SHIPPED, S.COMPLETED) and was in (S.PENDING_PAYMENT, S.PAID, S.ALLOCATED):
        _ship_outside(order, spec, actor)
        if target == S.COMPLETED:
            _move_to(order, S.COMPLETED, actor=actor, reason="completed on platform")
    elif target == S.COMPLETED and was == S.SHIPPED:
        order.completed_at = timezone.now()
        _move_to(order, S.COMPLETED, actor=actor, reason="completed on platform", fields=("completed_at",))
    else:
        return False
    return True


def _ship_outside(order: Order, spec: ImportedOrder, actor: Actor) -> None:
    """The seller shipped on the platform, not through Huitong: reserved stock leaves as shipped;
    without reservations the stock effect is unknown, so the order is held for a stock check."""
    if order.status == S.PENDING_PAYMENT:
        order.paid_fen, order.paid_at = order.total_fen, spec.paid_at or timezone.now()
        _move_to(order, S.PAID, actor=actor, reason="paid on platform", fields=("paid_fen", "paid_at"))
    if order.status == S.PAID:
        _move_to(order, S.ALLOCATED, actor=actor, reason="shipped on platform")
    reservation_ids = services._reservation_ids(order)
    if reservation_ids and not any(h["code"] == OUT_OF_STOCK for h in order.hold_reasons):
        inventory.ship_reservations(reservation_ids=reservation_ids, reference=order.number, actor=actor)
    else:
        _add_hold(order, SHIPPED_OUTSIDE, "平台已发货但未从汇通出库,请核对库存")
    order.carrier_code, order.waybill_no = spec.carrier_code, spec.waybill_no
    order.shipped_at = timezone.now()
    _move_to(order, S.SHIPPED, actor=actor, reason=SHIPPED_ON_PLATFORM,
             fields=("carrier_code", "waybill_no", "shipped_at"))


@transaction.atomic
def retry_holds(*, order_id: int, actor: Actor) -> Order:
    """Try again to map and reserve a held order (after a mapping was made or stock arrived)."""
    order = _lock(order_id)
    if order.status not in HOLDS_STOCK or not any(h["code"] in (UNMAPPED, OUT_OF_STOCK) for h in order.hold_reasons):
        return order
    lines = list(order.lines.order_by("line_no"))
    if any(line.sku_id is None for line in lines):
        spec_lines = [ImportedLine(ln.platform_line_id, ln.platform_item_id, ln.platform_sku_id, ln.merchant_code,
                                   ln.title, ln.quantity, ln.unit_price_fen, ln.amount_fen) for ln in lines]
        fake = ImportedOrder(store_id=order.store_id, external_id=order.external_id, status=order.status,
                             platform_status=order.platform_status, placed_at=order.placed_at,
                             updated_at=order.platform_updated_at or order.placed_at, lines=spec_lines,
                             total_fen=sum(ln.amount_fen for ln in lines) + order.shipping_fen,
                             shipping_fen=order.shipping_fen)
        rows = _line_rows(fake, order)
        if any(row.sku_id is None for row in rows):
            return order
        order.lines.all().delete()
        OrderLine.objects.bulk_create(rows)
        lines = rows
    others = [h for h in order.hold_reasons if h["code"] not in (UNMAPPED, OUT_OF_STOCK)]
    order.hold_reasons = []
    _hold_many(order.store_id, [order], [lines])
    order.hold_reasons = others + order.hold_reasons
    if not any(h["code"] in (UNMAPPED, OUT_OF_STOCK) for h in order.hold_reasons):
        OrderLine.objects.bulk_update(lines, ["location_id", "reservation_id"])
        audit.record(actor=actor, obj=order, reason="hold released", data={"remaining": order.hold_reasons})
    order.save(update_fields=["hold_reasons", "updated_at"])
    return order
