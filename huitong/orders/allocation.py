"""分仓: where a paid, reviewed order ships from, by the strategies configured in ``WorkflowSettings``.

Strategies, in the configured order:

* ``nearest`` and ``priority`` rank the candidate locations (the store's fulfilment locations, and a
  location a remark rule asked for, which always comes first): same city, then same province; the
  store's priority, then the location's own. Earlier strategies weigh more.
* ``single_location``: the whole order from the best-ranked location that has all of it;
* ``split``: when no single location can (or ``single_location`` is off), each line from the best-ranked
  location that has it.

Allocation re-reserves atomically through the inventory services (``release_reservations`` +
``reserve_first_available``, all or nothing, inside a savepoint when old reservations are given up): a
failed allocation leaves the order held with ``allocation_failed`` and its previous reservations exactly as
they were, never half-reserved.
A merge group is allocated as one: all its orders, one plan, one location first.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from huitong.core import batch, sql
from huitong.core.actors import Actor
from huitong.core.transactions import retry_deadlocks
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.errors import InsufficientStock
from huitong.orders import services
from huitong.orders.errors import AllocationFailed, OrderNotFound, OrderOnHold
from huitong.orders.models import (
    AllocationStrategy,
    MergeStatus,
    Order,
    OrderLine,
    OrderStatus,
    ReviewStatus,
)
from huitong.orders.review import ALLOCATION_FAILED, BatchResult, run_batch
from huitong.orders.review_rules import review_config
from huitong.orders.states import ORDER_LIFECYCLE

A = AllocationStrategy
RETRYABLE_HOLDS = frozenset({"out_of_stock", ALLOCATION_FAILED})  # allocation itself resolves these
NOT_READY = {ReviewStatus.WAITING, ReviewStatus.HELD, ReviewStatus.FINANCE}
PLAN_ATTEMPTS = 3  # plan, reserve; when the stock was taken meanwhile, plan again


@dataclass(frozen=True)
class Candidate:
    location_id: int
    code: str
    province: str
    city: str
    store_rank: int
    priority: int


@dataclass(frozen=True)
class Plan:
    """Where each line ships from (line id → location id), and which strategy decided it."""

    placements: dict[int, int]
    strategy: str
    ranked: tuple[int, ...]


# --- pure planning --------------------------------------------------------------------------------

def rank(candidates: Sequence[Candidate], *, strategies: Sequence[str], province: str, city: str,
         preferred: int | None = None) -> list[int]:
    """Location ids best first: a preferred location, then by each ranking strategy in the configured order."""
    def key(c: Candidate) -> tuple:
        parts: list = [c.location_id != preferred]
        for strategy in strategies:
            if strategy == A.NEAREST:
                same_province = bool(province) and c.province == province
                parts.append(0 if same_province and city and c.city == city else 1 if same_province else 2)
            elif strategy == A.PRIORITY:
                parts += [c.store_rank, c.priority]
        return (*parts, c.store_rank, c.location_id)

    return [c.location_id for c in sorted(candidates, key=key)]


def plan(lines: Sequence[OrderLine], *, ranked: Sequence[int], available: dict[tuple[int, int], int],
         strategies: Sequence[str]) -> Plan | None:
    """A placement for every line, or None when the strategies allow none. ``available`` counts what
    these lines already hold as available where they hold it."""
    if A.SINGLE_LOCATION in strategies:
        need: dict[int, int] = defaultdict(int)
        for line in lines:
            need[line.sku_id] += line.quantity
        for location_id in ranked:
            if all(available.get((sku, location_id), 0) >= q for sku, q in need.items()):
                return Plan({line.pk: location_id for line in lines}, A.SINGLE_LOCATION, tuple(ranked))
        if A.SPLIT not in strategies:
            return None
    # Line by line in (SKU, line) order, best-ranked location first: what reserve_first_available does.
    trial = dict(available)
    placements = {}
    for line in sorted(lines, key=lambda ln: (ln.sku_id, ln.line_no, ln.order_id)):
        location_id = next((loc for loc in ranked if trial.get((line.sku_id, loc), 0) >= line.quantity), None)
        if location_id is None:
            return None
        trial[(line.sku_id, location_id)] -= line.quantity
        placements[line.pk] = location_id
    return Plan(placements, A.SPLIT, tuple(ranked))


# --- reading what planning needs ------------------------------------------------------------------

_ACTIVE_FULFILMENT_LOCATIONS = (  # read on every allocation: one plain statement
    "SELECT l.id, l.code, l.province, l.city, l.priority FROM orders_storelocation sl "
    "JOIN inventory_location l ON l.id = sl.location_id "
    "WHERE sl.store_id = %s AND l.is_active ORDER BY sl.priority, sl.location_id")


def _candidates(store_id: int, preferred: int | None) -> list[Candidate]:
    """The store's fulfilment locations that are active (one query), and a preferred location."""
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_FULFILMENT_LOCATIONS, [store_id])
        links = cursor.fetchall()
    store_rank = {row[0]: i for i, row in enumerate(links)}
    locations = list(links)
    if preferred and preferred not in store_rank:
        locations += list(inventory_selectors.list_locations().filter(pk=preferred)
                          .values_list("pk", "code", "province", "city", "priority"))
    rank_of_others = len(store_rank) + (1 if preferred and preferred not in store_rank else 0)
    return [Candidate(pk, code, province, city, store_rank.get(pk, rank_of_others), priority)
            for pk, code, province, city, priority in locations]


def _available(lines: Sequence[OrderLine], location_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """What each SKU has available where, counting what the lines hold as theirs to move. When every line
    already holds its stock at the best-ranked location, the plan keeps them there whatever the other
    locations have (single location: the first ranked has all; split: each line's first choice has it), so
    the stock rows are not read."""
    wanted = set(location_ids)
    available: dict[tuple[int, int], int] = {}
    if not (location_ids and all(ln.reservation_id and ln.location_id == location_ids[0] for ln in lines)):
        available = inventory_selectors.available_at({line.sku_id for line in lines}, wanted)
    for line in lines:  # what the lines hold now is theirs to move
        if line.reservation_id and line.location_id in wanted:
            key = (line.sku_id, line.location_id)
            available[key] = available.get(key, 0) + line.quantity
    return available


def _plan_for(orders: Sequence[Order], lines: Sequence[OrderLine]) -> tuple[Plan | None, str]:
    head = orders[0]
    settings = review_config()[0]  # cached, dropped on every change
    candidates = _candidates(head.store_id, head.preferred_location_id)
    if not candidates:
        return None, "店铺未配置可用的发货库位"
    if any(line.sku_id is None for line in lines):
        return None, "有商品未对应 SKU"
    ranked = rank(candidates, strategies=settings.strategies, province=head.province, city=head.city,
                  preferred=head.preferred_location_id)
    available = _available(lines, ranked)
    found = plan(lines, ranked=ranked, available=available, strategies=settings.strategies)
    if found is not None:
        return found, ""
    if A.SPLIT not in settings.strategies and plan(lines, ranked=ranked, available=available,
                                                   strategies=[A.SPLIT]) is not None:
        return None, "没有单一库位能发全部商品,且未启用拆分发货"
    return None, "各库位库存不足"


# --- allocating -----------------------------------------------------------------------------------

_UNMERGED_LOCKED = sql.Select(Order, "id = %s AND merge_group_id IS NULL", defer=services.PERSONAL_FIELDS,
                              for_update=True)
_LINES = sql.Select(OrderLine, "order_id = %s", order_by="line_no")


def _lock_members(order_id: int) -> list[Order]:
    """The order, or every order of its active merge group, locked in primary-key order."""
    order = _UNMERGED_LOCKED.first(order_id)  # the common case: not merged, locked in one statement
    if order is not None:
        return [order]
    group = Order.objects.filter(pk=order_id).values_list("merge_group_id", "merge_group__status").first()
    if group is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    ids = [order_id]
    if group[0] and group[1] == MergeStatus.ACTIVE:
        ids = sorted(Order.objects.filter(merge_group_id=group[0]).exclude(status=OrderStatus.CANCELLED)
                     .values_list("pk", flat=True))
    return [services._lock(pk) for pk in sorted(ids)]


def _check_ready(orders: Sequence[Order]) -> None:
    for order in orders:
        ORDER_LIFECYCLE.check(order.status, OrderStatus.ALLOCATED)
        blocking = [h for h in order.hold_reasons if h["code"] not in RETRYABLE_HOLDS]
        if blocking or order.review_status in NOT_READY:
            raise OrderOnHold(detail={"order_id": order.pk, "hold_reasons": order.hold_reasons,
                                      "review_status": order.review_status})


def _placed_as_planned(lines: Sequence[OrderLine], found: Plan) -> bool:
    return all(line.reservation_id and line.location_id == found.placements[line.pk] for line in lines)


def _reference(line: OrderLine, numbers: dict[int, str]) -> str:
    return f"{numbers[line.order_id]}/{line.line_no}/{secrets.token_hex(4)}"


def _moving(lines: list[OrderLine], found: Plan) -> tuple[list[OrderLine], Sequence[int]]:
    """The lines whose stock must be (re)reserved, and the locations to take it from, best first."""
    if found.strategy == A.SINGLE_LOCATION:
        target = next(iter(found.placements.values()))
        return [ln for ln in lines if not (ln.reservation_id and ln.location_id == target)], [target]
    return list(lines), found.ranked


def _reserve(lines: list[OrderLine], found: Plan, numbers: dict[int, str]) -> None:
    """Move the lines' reservations to the plan, all or nothing. A refusal of ``reserve_first_available``
    leaves no trace by itself; when old reservations were released first, a savepoint puts them back."""
    moving, ranked = _moving(lines, found)
    held_before = [ln.reservation_id for ln in moving if ln.reservation_id]
    with transaction.atomic() if held_before else nullcontext():
        if held_before:
            inventory.release_reservations(reservation_ids=held_before)
        holds = [inventory.Hold(sku_id=ln.sku_id, quantity=ln.quantity, reference=_reference(ln, numbers))
                 for ln in moving]
        placed = inventory.reserve_first_available(holds=holds, location_ids=ranked)
    for line, held in zip(moving, placed, strict=True):
        line.location_id, line.reservation_id = held.location_id, held.reservation_id
    OrderLine.objects.bulk_update(moving, ["location_id", "reservation_id"])


def _fail(orders: Sequence[Order], message: str) -> None:
    for order in orders:
        reasons = [h for h in order.hold_reasons if h["code"] != ALLOCATION_FAILED]
        order.hold_reasons = [*reasons, {"code": ALLOCATION_FAILED, "message": f"分仓失败: {message}"}]
        order.save(update_fields=["hold_reasons", "updated_at"])


@dataclass(frozen=True)
class Outcome:
    orders: list[Order]
    ok: bool
    message: str = ""
    strategy: str = ""


@transaction.atomic
@batch.batched()
def _allocate_once(order_id: int, actor: Actor, at: datetime | None) -> Outcome:
    orders = _lock_members(order_id)
    _check_ready(orders)
    lines = _LINES.all(orders[0].pk) if len(orders) == 1 else list(
        OrderLine.objects.filter(order_id__in=[o.pk for o in orders]).order_by("order_id", "line_no"))
    for _attempt in range(PLAN_ATTEMPTS):
        found, why = _plan_for(orders, lines)
        if found is None or _placed_as_planned(lines, found):
            break
        try:
            _reserve(lines, found, {o.pk: o.number for o in orders})
            break
        except InsufficientStock as exc:  # taken by someone else since we looked: look again
            found, why = None, f"库存被占用 (SKU {exc.detail.get('sku_id')})"
            lines = list(OrderLine.objects.filter(pk__in=[ln.pk for ln in lines]).order_by("order_id", "line_no"))
    if found is None:
        _fail(orders, why)
        return Outcome(orders, False, why)
    when = at or timezone.now()
    locations = sorted(set(found.placements.values()))
    for order in orders:
        order.hold_reasons = [h for h in order.hold_reasons if h["code"] not in RETRYABLE_HOLDS]
        order.allocated_at = when
        services._move_to(order, OrderStatus.ALLOCATED, actor=actor, fields=("allocated_at", "hold_reasons"),
                          reason=f"allocated ({found.strategy}) to {', '.join(map(str, locations))}")
    return Outcome(orders, True, strategy=found.strategy)


def allocate(*, order_id: int, actor: Actor, at: datetime | None = None) -> Order:
    """Allocate a paid, reviewed order (or its whole merge group) by the configured strategies. A failure
    is recorded on the order(s) as ``allocation_failed`` and then raised as AllocationFailed (409). Retries
    a transaction PostgreSQL aborted for a deadlock when it is the outermost one."""
    outcome = retry_deadlocks(lambda: _allocate_once(order_id, actor, at))
    if not outcome.ok:
        raise AllocationFailed(outcome.message, detail={"order_ids": [o.pk for o in outcome.orders],
                                                        "reason": outcome.message})
    return next(o for o in outcome.orders if o.pk == order_id)


def allocate_orders(*, order_ids: Sequence[int], actor: Actor) -> list[BatchResult]:
    """Allocate each order by the strategies, each in its own transaction; one result per order."""
    return run_batch(order_ids, lambda oid: allocate(order_id=oid, actor=actor))


@dataclass(frozen=True)
class PlanPreview:
    order_ids: list[int]
    ranked: list[int]
    placements: dict[int, int]  # line id → location id
    strategy: str
    problem: str


def preview(order_id: int) -> PlanPreview:
    """Where allocation would ship the order now (nothing reserved)."""
    group = Order.objects.filter(pk=order_id).values_list("merge_group_id", "merge_group__status").first()
    if group is None:
        raise OrderNotFound(order_id=f"订单 {order_id} 不存在")
    members = Order.objects.filter(merge_group_id=group[0]) if group[0] and group[1] == MergeStatus.ACTIVE else \
        Order.objects.filter(pk=order_id)
    orders = list(members.defer(*services.PERSONAL_FIELDS).order_by("pk"))
    lines = list(OrderLine.objects.filter(order_id__in=[o.pk for o in orders]).order_by("order_id", "line_no"))
    found, why = _plan_for(orders, lines)
    return PlanPreview([o.pk for o in orders], list(found.ranked) if found else [],
                       dict(found.placements) if found else {}, found.strategy if found else "", why)
