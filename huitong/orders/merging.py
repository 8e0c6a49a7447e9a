"""合单 and 拆单.

Merge: paid, reviewed, unheld, unallocated orders of one store, one buyer and one receiver, paid within the
configured gap, become a ``MergeGroup`` shipped as one parcel. Each order keeps its own lines, amounts,
payments and reservations; allocation takes the group as one (``allocation._lock_members``), and the
fulfillment app ships the group. A merge can be undone until something of it ships.

Split: lines (or part of a line's quantity) of a paid, unallocated order move to a new order of the same
buyer (``split_from``), with their share of the amounts and the payment, and their stock still held.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from huitong.core import audit, outbox
from huitong.core.actors import Actor
from huitong.core.errors import InvalidTransition
from huitong.core.money import allocate_fen
from huitong.core.states import transition
from huitong.inventory import services as inventory
from huitong.orders import services
from huitong.orders.addresses import address_key, normalize
from huitong.orders.errors import (
    InvalidSplit,
    MergeGroupNotFound,
    OrderNotFound,
    OrderOnHold,
    OrdersNotMergeable,
)
from huitong.orders.models import MergeGroup, MergeStatus, Order, OrderLine, OrderStatus, ReviewStatus
from huitong.orders.review_rules import identities, same_buyers
from huitong.orders.review_setup import load_settings
from huitong.orders.states import MERGE_LIFECYCLE

UNSHIPPED = (OrderStatus.PAID, OrderStatus.ALLOCATED)


def receiver_key(order: Order) -> tuple[str, str, str]:
    """Who and where an order goes to (orders loaded with their personal fields)."""
    return (order.receiver_phone_hash, normalize(order.receiver_name),
            address_key(order.province, order.city, order.district, order.address))


def _problems(orders: Sequence[Order], gap_minutes: int, group_id: int | None) -> list[str]:
    """Why these orders cannot ship as one ([] when they can)."""
    problems = []
    master = orders[0]
    if len(orders) < 2:
        problems.append("至少需要两个订单")
    for order in orders:
        label = order.number
        if order.store_id != master.store_id:
            problems.append(f"{label}: 不是同一店铺")
        if order.status != OrderStatus.PAID:
            problems.append(f"{label}: 状态为{order.get_status_display()},只能合并已付款未分仓的订单")
        if order.review_status != ReviewStatus.APPROVED:
            problems.append(f"{label}: 尚未审核通过")
        if order.hold_reasons:
            codes = ", ".join(h["code"] for h in order.hold_reasons)
            problems.append(f"{label}: 挂起中 ({codes})")
        if not identities(order) & identities(master):
            problems.append(f"{label}: 不是同一买家")
        if receiver_key(order) != receiver_key(master) or not master.receiver_phone_hash:
            problems.append(f"{label}: 收货人或地址不同")
        if order.merge_group_id and order.merge_group_id != group_id:
            problems.append(f"{label}: 已在其他合单中")
    paid = [o.paid_at for o in orders if o.paid_at]
    if paid and max(paid) - min(paid) > timedelta(minutes=gap_minutes):
        problems.append(f"付款时间相差超过 {gap_minutes} 分钟")
    return problems


def _active_group_of(orders: Sequence[Order]) -> MergeGroup | None:
    groups = {o.merge_group_id for o in orders if o.merge_group_id}
    active = list(MergeGroup.objects.select_for_update().filter(pk__in=groups, status=MergeStatus.ACTIVE))
    if len(active) > 1:
        raise OrdersNotMergeable(detail={"problems": ["这些订单分属不同的合单,请先撤销"]})
    return active[0] if active else None


@transaction.atomic
def merge_orders(*, order_ids: Sequence[int], actor: Actor) -> MergeGroup:
    """Merge orders into one parcel, or add them to the active merge group one of them is in."""
    ids = sorted(set(order_ids))
    orders = list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(orders) != len(ids):
        raise OrderNotFound(order_id=", ".join(str(i) for i in sorted(set(ids) - {o.pk for o in orders})))
    group = _active_group_of(orders)
    if group is not None:
        others = Order.objects.select_for_update().filter(merge_group=group).exclude(pk__in=ids)
        orders = sorted([*orders, *others.exclude(status=OrderStatus.CANCELLED)], key=lambda o: o.pk)
    orders.sort(key=lambda o: (o.paid_at or o.placed_at, o.pk))
    if group is not None:
        orders.sort(key=lambda o: o.pk != group.master_id)
    problems = _problems(orders, load_settings().merge_gap_minutes, group.pk if group else None)
    if problems:
        raise OrdersNotMergeable(detail={"problems": problems})
    if group is None:
        group = MergeGroup.objects.create(store_id=orders[0].store_id, master=orders[0])
        audit.record(actor=actor, obj=group, to_state=MergeStatus.ACTIVE, reason="merged")
    group.order_numbers = [o.number for o in orders]
    group.save(update_fields=["order_numbers"])
    joining = [o for o in orders if o.merge_group_id != group.pk]
    Order.objects.filter(pk__in=[o.pk for o in joining]).update(merge_group=group, updated_at=timezone.now())
    for order in joining:
        order.merge_group = group
        audit.record(actor=actor, obj=order, reason=f"merged into #{group.pk} with {group.master.number}")
    return group


@transaction.atomic
def undo_merge(*, group_id: int, actor: Actor, reason: str = "") -> MergeGroup:
    group = MergeGroup.objects.select_for_update().filter(pk=group_id).first()
    if group is None:
        raise MergeGroupNotFound(group_id=f"合单 {group_id} 不存在")
    MERGE_LIFECYCLE.check(group.status, MergeStatus.UNDONE)
    members = list(Order.objects.select_for_update().filter(merge_group=group).order_by("pk"))
    shipped = [o.number for o in members if o.status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED)]
    if shipped:
        raise OrdersNotMergeable("已发货的合单不能撤销", detail={"shipped": shipped})
    Order.objects.filter(merge_group=group).update(merge_group=None, updated_at=timezone.now())
    for order in members:
        audit.record(actor=actor, obj=order, reason=f"merge #{group.pk} undone")
    group.undone_at = timezone.now()
    transition(group, MergeStatus.UNDONE, lifecycle=MERGE_LIFECYCLE, actor=actor, reason=reason or "undone",
               update_fields=["undone_at"])
    return group


def merge_candidates(order_id: int) -> list[Order]:
    """Orders that could be merged with this one now (same store, buyer and receiver, within the gap)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    gap = load_settings().merge_gap_minutes
    others = Order.objects.filter(same_buyers([order]), status=OrderStatus.PAID,
                                  review_status=ReviewStatus.APPROVED).exclude(pk=order.pk).order_by("paid_at", "pk")
    return [o for o in others if not _problems([order, o], gap, order.merge_group_id or o.merge_group_id)]


def unmerged_siblings(order_id: int) -> list[Order]:
    """Unshipped orders of the same buyer in the same store that are not in this order's merge group: the
    warning at shipping time that a parcel could have carried them too."""
    order = Order.objects.filter(pk=order_id).defer(*services.PERSONAL_FIELDS).first()
    if order is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    siblings = Order.objects.filter(same_buyers([order]), status__in=UNSHIPPED).exclude(pk=order.pk)
    if order.merge_group_id:
        siblings = siblings.exclude(merge_group_id=order.merge_group_id, merge_group__status=MergeStatus.ACTIVE)
    mine = identities(order)
    return [o for o in siblings.defer(*services.PERSONAL_FIELDS).order_by("paid_at", "pk") if identities(o) & mine]


# --- split ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SplitLine:
    line_no: int
    quantity: int


def _validate_split(order: Order, lines: dict[int, OrderLine], moves: Sequence[SplitLine]) -> None:
    if order.status != OrderStatus.PAID:
        raise InvalidTransition(f"{order.get_status_display()}的订单不能拆分,只能拆分已付款未分仓的订单",
                                detail={"status": order.status})
    if order.merge_group_id and order.merge_group.status == MergeStatus.ACTIVE:
        raise OrdersNotMergeable("合单中的订单请先撤销合单再拆分", detail={"merge_group_id": order.merge_group_id})
    if any(h["code"] == "refund_in_progress" for h in order.hold_reasons):
        raise OrderOnHold(detail={"hold_reasons": order.hold_reasons})
    errors = {}
    if not moves:
        errors["lines"] = "请选择要拆出的商品行"
    seen = set()
    for i, move in enumerate(moves):
        line = lines.get(move.line_no)
        if line is None:
            errors[f"lines[{i}].line_no"] = f"订单没有第 {move.line_no} 行"
        elif move.line_no in seen:
            errors[f"lines[{i}].line_no"] = "同一行只能出现一次"
        elif isinstance(move.quantity, bool) or not isinstance(move.quantity, int) or not 0 < move.quantity <= \
                line.quantity:
            errors[f"lines[{i}].quantity"] = f"数量须在 1 到 {line.quantity} 之间"
        seen.add(move.line_no)
    if not errors and sum(m.quantity for m in moves) >= sum(ln.quantity for ln in lines.values()):
        errors["lines"] = "不能拆出全部商品,原订单至少保留一件"
    if errors:
        raise InvalidSplit.for_fields(errors)


def _child_of(order: Order) -> Order:
    copied = ("store_id", "status", "currency", "buyer_nick", "buyer_id", "customer_id", "receiver_name",
              "receiver_phone", "receiver_phone_hash", "province", "city", "district", "address", "buyer_remark",
              "seller_remark", "platform_status", "placed_at", "paid_at", "review_status", "reviewed_at",
              "preferred_location_id", "carrier_code")
    child = Order(number=services._new_number(timezone.now()), split_from_id=order.pk, shipping_fen=0,
                  **{name: getattr(order, name) for name in copied})
    child.hold_reasons = list(order.hold_reasons)
    return child


def _stock_holds(order: Order, lines: Sequence[OrderLine]) -> list[dict]:
    """Out-of-stock holds follow the lines: kept only while some line holds no stock."""
    reasons = [h for h in order.hold_reasons if h["code"] not in ("out_of_stock", "allocation_failed")]
    if any(ln.reservation_id is None for ln in lines):
        reasons += [h for h in order.hold_reasons if h["code"] == "out_of_stock"] or [
            {"code": "out_of_stock", "message": "部分商品未预占库存"}]
    return reasons


def _part(line: OrderLine, quantity: int, order: Order, line_no: int) -> OrderLine:
    """``quantity`` of ``line`` as a new line of ``order`` (its share of the line discount); the rest stays."""
    moved_discount, kept_discount = allocate_fen(line.discount_fen, [quantity, line.quantity - quantity])
    part = OrderLine(order=order, line_no=line_no, sku_id=line.sku_id, sku_code=line.sku_code,
                     platform_line_id=line.platform_line_id, platform_item_id=line.platform_item_id,
                     platform_sku_id=line.platform_sku_id, merchant_code=line.merchant_code, title=line.title,
                     quantity=quantity, unit_price_fen=line.unit_price_fen, discount_fen=moved_discount,
                     amount_fen=line.unit_price_fen * quantity - moved_discount, location_id=line.location_id)
    line.quantity -= quantity
    line.discount_fen = kept_discount
    line.amount_fen = line.unit_price_fen * line.quantity - kept_discount
    return part


def _rehold(pairs: list[tuple[OrderLine, OrderLine]], numbers: tuple[str, str]) -> None:
    """A partly moved line's reservation becomes two, at the same location (the stock never leaves us)."""
    for kept, part in pairs:
        if not kept.reservation_id:
            continue
        inventory.release_reservations(reservation_ids=[kept.reservation_id])
        token = secrets.token_hex(4)
        held = inventory.reserve_first_available(holds=[
            inventory.Hold(kept.sku_id, kept.quantity, reference=f"{numbers[0]}/{kept.line_no}/s{token}"),
            inventory.Hold(part.sku_id, part.quantity, reference=f"{numbers[1]}/{part.line_no}/s{token}"),
        ], location_ids=[kept.location_id])
        kept.reservation_id, part.reservation_id = held[0].reservation_id, held[1].reservation_id


@transaction.atomic
def split_order(*, order_id: int, lines: Sequence[SplitLine], actor: Actor) -> Order:
    """Move lines, or part of a line's quantity, to a new order; returns the new order."""
    services._lock(order_id)
    order = Order.objects.select_related("merge_group").get(pk=order_id)  # with its personal fields
    current = {ln.line_no: ln for ln in order.lines.order_by("line_no")}
    _validate_split(order, current, lines)
    child = _child_of(order)
    moves = sorted(lines, key=lambda m: m.line_no)
    whole = [current[m.line_no] for m in moves if m.quantity == current[m.line_no].quantity]
    partial = [(current[m.line_no], m.quantity) for m in moves if m.quantity < current[m.line_no].quantity]
    child.subtotal_fen = sum(ln.unit_price_fen * ln.quantity for ln in whole) + \
        sum(ln.unit_price_fen * q for ln, q in partial)
    parts = [_part(ln, q, child, 0) for ln, q in partial]
    child.discount_fen = sum(ln.discount_fen for ln in whole) + sum(p.discount_fen for p in parts)
    child.total_fen = child.subtotal_fen - child.discount_fen
    order.subtotal_fen -= child.subtotal_fen
    order.discount_fen -= child.discount_fen
    order.total_fen -= child.total_fen
    order.paid_fen, child.paid_fen = allocate_fen(order.paid_fen, [order.total_fen, child.total_fen])
    child.save()
    for no, line in enumerate([*whole, *parts], start=1):
        line.order, line.line_no = child, no
    OrderLine.objects.bulk_update(whole, ["order", "line_no"])
    OrderLine.objects.bulk_create(parts)
    kept_partial = [ln for ln, _ in partial]
    _rehold(list(zip(kept_partial, parts, strict=True)), (order.number, child.number))
    OrderLine.objects.bulk_update(kept_partial, ["quantity", "discount_fen", "amount_fen", "reservation_id"])
    OrderLine.objects.bulk_update(parts, ["reservation_id"])
    remaining = [ln for ln in current.values() if ln not in whole]
    order.hold_reasons = _stock_holds(order, remaining)
    child.hold_reasons = _stock_holds(child, [*whole, *parts])
    order.save(update_fields=["subtotal_fen", "discount_fen", "total_fen", "paid_fen", "hold_reasons", "updated_at"])
    child.save(update_fields=["hold_reasons"])
    audit.record(actor=actor, obj=order, reason=f"split: lines moved to {child.number}",
                 data={"lines": [{"line_no": m.line_no, "quantity": m.quantity} for m in moves]})
    audit.record(actor=actor, obj=child, to_state=child.status, reason=f"split from {order.number}")
    outbox.emit(topic="order.created", key=child.number,
                payload={"order_id": child.pk, "number": child.number, "store_id": child.store_id,
                         "split_from": order.number})
    return child
