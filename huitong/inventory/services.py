"""Inventory write services. Each is atomic and keeps ``0 <= reserved <= on_hand`` and
``on_hand == sum(movements)`` by conditional updates (never read-then-write); rows that must be
read before writing (stocktake, transfer) are locked in primary-key order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.core import bulkinsert, outbox, sql
from huitong.core.actors import Actor
from huitong.core.transactions import joins_caller_transaction
from huitong.inventory import stock_sql
from huitong.inventory.errors import (
    CountBelowReserved,
    DuplicateLocation,
    InsufficientStock,
    InvalidQuantity,
    LocationNotFound,
    ReservationClosed,
    ReservationNotFound,
)
from huitong.inventory.models import (
    Location,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockItem,
    StockMovement,
)


def _check_positive(quantity: int, field: str = "quantity") -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity(**{field: "必须为正整数"})


STOCK_CHANGED = "inventory.stock_changed"


def _stock_changed(sku_ids) -> None:
    """Tell whoever publishes stock (channel stock sync, caches) that these SKUs changed, in the same
    transaction as the change: one outbox message per service call, however many rows it touched."""
    outbox.emit(topic=STOCK_CHANGED, payload={"sku_ids": sorted(set(sku_ids))})


def _movement(item_id: int, kind: str, quantity: int, *, reference: str, actor: Actor, reason: str = "") -> StockMovement:
    return StockMovement.objects.create(
        stock_item_id=item_id, kind=kind, quantity=quantity, reference=reference[:100], reason=reason[:200],
        actor_id=actor.user_id, actor_label=actor.label,
    )


def create_location(
    *, code: str, name: str, kind: str, province: str = "", city: str = "", district: str = "",
    address: str = "", priority: int = 100,
) -> Location:
    if Location.objects.filter(code=code).exists():
        raise DuplicateLocation(code=f"库位编码 {code} 已存在")
    location = Location(code=code, name=name, kind=kind, province=province, city=city, district=district,
                        address=address, priority=priority)
    location.full_clean()
    location.save()
    return location


def ensure_stock_item(*, sku_id: int, location_id: int) -> StockItem:
    """The stock row of a SKU at a location, created empty on first use (race-safe)."""
    item = StockItem.objects.filter(sku_id=sku_id, location_id=location_id).first()
    if item is not None:
        return item
    if not Location.objects.filter(pk=location_id).exists():
        raise LocationNotFound(location_id=f"库位 {location_id} 不存在")
    catalog.get_sku(sku_id)  # raises SkuNotFound (404) for an unknown SKU
    try:
        with transaction.atomic():
            return StockItem.objects.create(sku_id=sku_id, location_id=location_id)
    except IntegrityError:
        return StockItem.objects.get(sku_id=sku_id, location_id=location_id)


@transaction.atomic
def receive_stock(
    *, sku_id: int, location_id: int, quantity: int, reference: str, actor: Actor, reason: str = ""
) -> StockMovement:
    _check_positive(quantity)
    item = ensure_stock_item(sku_id=sku_id, location_id=location_id)
    StockItem.objects.filter(pk=item.pk).update(on_hand=F("on_hand") + quantity, updated_at=Now())
    _stock_changed([sku_id])
    return _movement(item.pk, MovementKind.RECEIVE, quantity, reference=reference, actor=actor, reason=reason)


@transaction.atomic
def adjust_stock(
    *, sku_id: int, location_id: int, counted: int, reference: str, actor: Actor, reason: str = ""
) -> StockMovement | None:
    """Stocktake: set on hand to what was counted; the difference is written to the ledger."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InvalidQuantity(counted="盘点数量必须为非负整数")
    item_id = ensure_stock_item(sku_id=sku_id, location_id=location_id).pk
    item = StockItem.objects.select_for_update().get(pk=item_id)
    if counted < item.reserved:
        raise CountBelowReserved(detail={"counted": counted, "reserved": item.reserved})
    delta = counted - item.on_hand
    if delta == 0:
        return None
    StockItem.objects.filter(pk=item.pk).update(on_hand=counted, updated_at=Now())
    _stock_changed([sku_id])
    return _movement(item.pk, MovementKind.ADJUST, delta, reference=reference, actor=actor, reason=reason)


@transaction.atomic
def transfer_stock(
    *, sku_id: int, from_location_id: int, to_location_id: int, quantity: int, reference: str, actor: Actor,
    reason: str = "",
) -> tuple[StockMovement, StockMovement]:
    _check_positive(quantity)
    if from_location_id == to_location_id:
        raise InvalidQuantity(to_location_id="调入库位不能与调出库位相同")
    source = ensure_stock_item(sku_id=sku_id, location_id=from_location_id)
    target = ensure_stock_item(sku_id=sku_id, location_id=to_location_id)
    # Lock both rows in the global order (SKU, location) shared with reservations and shipping.
    list(StockItem.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("location_id"))
    moved = StockItem.objects.filter(pk=source.pk, on_hand__gte=F("reserved") + quantity).update(
        on_hand=F("on_hand") - quantity, updated_at=Now()
    )
    if not moved:
        raise _insufficient(source.pk, quantity)
    StockItem.objects.filter(pk=target.pk).update(on_hand=F("on_hand") + quantity, updated_at=Now())
    out = _movement(source.pk, MovementKind.TRANSFER_OUT, -quantity, reference=reference, actor=actor, reason=reason)
    into = _movement(target.pk, MovementKind.TRANSFER_IN, quantity, reference=reference, actor=actor, reason=reason)
    _stock_changed([sku_id])
    return out, into


def _insufficient(stock_item_id: int, quantity: int) -> InsufficientStock:
    item = StockItem.objects.filter(pk=stock_item_id).values("sku_id", "location_id", "on_hand", "reserved").first()
    detail = {"requested": quantity}
    if item:
        detail |= {"sku_id": item["sku_id"], "location_id": item["location_id"],
                   "available": item["on_hand"] - item["reserved"]}
    return InsufficientStock(detail=detail)


@joins_caller_transaction
def reserve_stock(*, stock_item_id: int, quantity: int, reference: str) -> Reservation:
    """Hold ``quantity`` for ``reference``. Idempotent per (stock item, reference) while active."""
    _check_positive(quantity)
    existing = Reservation.objects.filter(stock_item_id=stock_item_id, reference=reference).first()
    if existing is not None:
        if existing.status != ReservationStatus.ACTIVE:
            raise ReservationClosed(detail={"reservation_id": existing.pk, "status": existing.status})
        return existing
    if not stock_sql.hold(stock_item_id, quantity):
        raise _insufficient(stock_item_id, quantity)
    _stock_changed(StockItem.objects.filter(pk=stock_item_id).values_list("sku_id", flat=True))
    return Reservation.objects.create(stock_item_id=stock_item_id, reference=reference, quantity=quantity)


@dataclass(frozen=True)
class Hold:
    """A request to hold stock of a SKU for a new, unique reference."""

    sku_id: int
    quantity: int
    reference: str


@dataclass(frozen=True)
class Held:
    """Where a reservation was made."""

    reservation_id: int
    stock_item_id: int
    location_id: int
    quantity: int
    reference: str


@joins_caller_transaction
def reserve_first_available(*, holds: Sequence[Hold], location_ids: Sequence[int]) -> list[Held]:
    """Reserve each hold at the first location (in the given order) with enough available.

    All or nothing: if any hold cannot be met, the holds already taken are given back and
    InsufficientStock is raised, leaving every row as it was. Rows are taken in (SKU, location order) so that
    concurrent orders lock stock rows in one global order and cannot deadlock. References must be new.
    """
    [outcome] = reserve_each(requests=[holds], location_ids=location_ids)
    if isinstance(outcome, InsufficientStock):
        raise outcome
    return outcome


@joins_caller_transaction
def reserve_each(*, requests: Sequence[Sequence[Hold]], location_ids: Sequence[int]
                 ) -> list[list[Held] | InsufficientStock]:
    """``reserve_first_available`` for many documents at once (a page of platform orders): each request
    is all or nothing on its own, met in the given order; a request that cannot be met gets its
    InsufficientStock back instead of a list. One stock-row read, one insert, one event for the batch.
    A batch locks its candidate rows up front in the global (SKU, location) order."""
    for holds in requests:
        for hold in holds:
            _check_positive(hold.quantity)
    sku_ids = sorted({h.sku_id for holds in requests for h in holds})
    rows = StockItem.objects.filter(sku_id__in=sku_ids, location_id__in=location_ids)
    rank = {loc: i for i, loc in enumerate(location_ids)}
    if len(requests) == 1 and connection.features.can_return_columns_from_insert:
        outcomes = [_take_returning(requests[0], location_ids)]  # no read first: UPDATE … RETURNING
    elif len(requests) == 1:
        item_of = {(sku, loc): pk for sku, loc, pk in rows.values_list("sku_id", "location_id", "pk")}
        outcomes = [_take(requests[0], item_of, _locations_of(item_of, rank), location_ids)]
    else:
        outcomes = _take_batch(requests, rows, rank, location_ids)
    taken = [t for outcome in outcomes if isinstance(outcome, list) for t in outcome]
    if not taken:
        return outcomes  # type: ignore[return-value]
    _stock_changed({hold.sku_id for hold, _, _ in taken})
    ids = bulkinsert.insert_rows(Reservation, ["stock_item_id", "reference", "quantity"],
                                 [(item_id, hold.reference, hold.quantity) for hold, item_id, _ in taken])
    held = [Held(pk, item_id, loc, hold.quantity, hold.reference)
            for (hold, item_id, loc), pk in zip(taken, ids, strict=True)]
    results: list[list[Held] | InsufficientStock] = []
    for outcome in outcomes:
        if isinstance(outcome, InsufficientStock):
            results.append(outcome)
        else:
            results.append(held[:len(outcome)])
            held = held[len(outcome):]
    return results


def _locations_of(item_of, rank) -> dict[int, list[int]]:
    """SKU → its locations in preference order."""
    locations: dict[int, list[int]] = {}
    for sku, loc in sorted(item_of, key=lambda key: rank[key[1]]):
        locations.setdefault(sku, []).append(loc)
    return locations


def _take_batch(requests, rows, rank, location_ids) -> list[list[tuple[Hold, int, int]] | InsufficientStock]:
    """Many documents: lock the candidate rows in the global (SKU, location) order, place every request
    against what they hold (all or nothing per request, in order), then apply all holds in one
    conditional statement — which must change every row, since they are locked."""
    locked = rows.select_for_update().order_by("sku_id", "location_id").values_list(
        "sku_id", "location_id", "pk", "on_hand", "reserved")
    item_of, free = {}, {}
    for sku, loc, pk, on_hand, reserved in locked:
        item_of[(sku, loc)], free[pk] = pk, on_hand - reserved
    locations_of = _locations_of(item_of, rank)
    outcomes: list[list[tuple[Hold, int, int]] | InsufficientStock] = []
    for holds in requests:
        trial = dict(free)
        placed = []
        for hold in sorted(holds, key=lambda h: h.sku_id):
            loc = next((loc for loc in locations_of.get(hold.sku_id, ())
                        if trial[item_of[(hold.sku_id, loc)]] >= hold.quantity), None)
            if loc is None:
                available = max((trial[item_of[(hold.sku_id, x)]] for x in locations_of.get(hold.sku_id, ())),
                                default=0)
                placed = InsufficientStock(detail={"sku_id": hold.sku_id, "requested": hold.quantity,
                                                   "available": available})
                break
            trial[item_of[(hold.sku_id, loc)]] -= hold.quantity
            placed.append((hold, item_of[(hold.sku_id, loc)], loc))
        if isinstance(placed, list):
            free = trial
            placed.sort(key=lambda t: holds.index(t[0]))
        outcomes.append(placed)
    totals: dict[int, int] = {}
    for outcome in outcomes:
        for hold, item_id, _loc in outcome if isinstance(outcome, list) else ():
            totals[item_id] = totals.get(item_id, 0) + hold.quantity
    if stock_sql.hold_many(totals) != len(totals):
        raise AssertionError("locked stock rows changed under a batch reservation")
    return outcomes


def _take(holds, item_of, locations_of, location_ids) -> list[tuple[Hold, int, int]] | InsufficientStock:
    placed: dict[int, tuple[int, int]] = {}
    for index in sorted(range(len(holds)), key=lambda i: (holds[i].sku_id, i)):
        hold = holds[index]
        location_id = next((loc for loc in locations_of.get(hold.sku_id, ())
                            if stock_sql.hold(item_of[(hold.sku_id, loc)], hold.quantity)), None)
        if location_id is None:
            # Give back what this request already took, so refusing leaves no trace even inside a
            # caller's transaction that catches the error and carries on.
            for done, (item_id, _loc) in placed.items():
                stock_sql.unhold(item_id, holds[done].quantity)
            return InsufficientStock(detail={"sku_id": hold.sku_id, "requested": hold.quantity,
                                             "available": _available(hold.sku_id, location_ids)})
        placed[index] = (item_of[(hold.sku_id, location_id)], location_id)
    return [(hold, *placed[i]) for i, hold in enumerate(holds)]


def _take_returning(holds, location_ids) -> list[tuple[Hold, int, int]] | InsufficientStock:
    """``_take`` without reading the stock rows first: each hold tries the locations in order with one
    conditional UPDATE that returns the row it changed (a location without a row simply matches nothing)."""
    placed: dict[int, tuple[int, int]] = {}
    for index in sorted(range(len(holds)), key=lambda i: (holds[i].sku_id, i)):
        hold = holds[index]
        for location_id in location_ids:
            item_id = stock_sql.hold_at(hold.sku_id, location_id, hold.quantity)
            if item_id is not None:
                placed[index] = (item_id, location_id)
                break
        else:
            for done, (item_id, _loc) in placed.items():  # give back what this request already took
                stock_sql.unhold(item_id, holds[done].quantity)
            return InsufficientStock(detail={"sku_id": hold.sku_id, "requested": hold.quantity,
                                             "available": _available(hold.sku_id, location_ids)})
    return [(hold, *placed[i]) for i, hold in enumerate(holds)]


def _available(sku_id: int, location_ids: Sequence[int]) -> int:
    rows = StockItem.objects.filter(sku_id=sku_id, location_id__in=location_ids).values_list("on_hand", "reserved")
    return max((on_hand - reserved for on_hand, reserved in rows), default=0)


def _close_all(reservation_ids: Sequence[int] | QuerySet, status: str) -> list[Reservation]:
    """Close active reservations; those already closed with ``status`` are skipped (idempotent).
    Raises before writing if any is missing or closed otherwise. Sorted by (SKU, location): the one
    global order in which every service takes stock rows, so concurrent writers cannot deadlock."""
    if isinstance(reservation_ids, QuerySet):
        found = list(Reservation.objects.filter(pk__in=reservation_ids).select_related("stock_item")
                     .order_by("stock_item__sku_id", "stock_item__location_id", "pk"))
    else:
        found = _RESERVATIONS_WITH_ROWS.all(sorted({i for i in reservation_ids if i is not None}))
        if len(found) != len(set(reservation_ids)):
            missing = sorted(str(i) for i in set(reservation_ids) - {r.pk for r in found})
            raise ReservationNotFound(reservation_id=", ".join(missing))
    wrong = [r for r in found if r.status not in (ReservationStatus.ACTIVE, status)]
    if wrong:
        raise ReservationClosed(detail={"reservation_id": wrong[0].pk, "status": wrong[0].status})
    todo = [r for r in found if r.status == ReservationStatus.ACTIVE]
    if not todo:
        return []
    if _close_active([r.pk for r in todo], status) != len(todo):  # someone closed one between read and update
        raise ReservationClosed(detail={"reservation_ids": [r.pk for r in todo]})
    return todo


# Closing reservations runs for every order shipped or cancelled: prepared statements, no query building.
_RESERVATIONS_WITH_ROWS = sql.Select(  # with their stock rows, in the global (SKU, location) lock order
    Reservation, "inventory_reservation.id IN (%s)", related="stock_item",
    order_by="inventory_stockitem.sku_id, inventory_stockitem.location_id, inventory_reservation.id")
_CLOSE_ACTIVE = "UPDATE inventory_reservation SET status = %s, closed_at = %s WHERE id IN ({ids}) AND status = %s"


def _close_active(ids: list[int], status: str) -> int:
    closed_at = Reservation._meta.get_field("closed_at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_CLOSE_ACTIVE.format(ids=", ".join(["%s"] * len(ids))),
                       [status, closed_at, *ids, ReservationStatus.ACTIVE])
        return cursor.rowcount


@joins_caller_transaction
def release_reservations(*, reservation_ids: Sequence[int]) -> list[Reservation]:
    """Give held stock back. Idempotent: already released reservations are skipped."""
    released = _close_all(reservation_ids, ReservationStatus.RELEASED)
    for r in released:
        if not stock_sql.unhold(r.stock_item_id, r.quantity):
            raise AssertionError(f"stock item {r.stock_item_id} holds less than reservation {r.pk}")
    if released:
        _stock_changed(r.stock_item.sku_id for r in released)
    return released


def release_reservation(*, reservation_id: int) -> Reservation | None:
    released = release_reservations(reservation_ids=[reservation_id])
    return released[0] if released else None


@joins_caller_transaction
def ship_reservations(*, reservation_ids: Sequence[int] | QuerySet, reference: str, actor: Actor
                      ) -> list[StockMovement]:
    """Stock leaves the building: on hand and reserved both go down, the ledger records it.
    Idempotent: reservations already shipped are skipped. ``reservation_ids`` may be a query of ids (the
    reservations a document's rows point at, by foreign key): read in the same statement as the reservations."""
    shipped = _close_all(reservation_ids, ReservationStatus.SHIPPED)
    for r in shipped:
        if not stock_sql.take_out(r.stock_item_id, r.quantity):
            raise AssertionError(f"stock item {r.stock_item_id} holds less than reservation {r.pk}")
    if shipped:
        _stock_changed(r.stock_item.sku_id for r in shipped)
    movements = [StockMovement(stock_item_id=r.stock_item_id, kind=MovementKind.SHIP, quantity=-r.quantity,
                               reference=reference[:100], actor_id=actor.user_id, actor_label=actor.label)
                 for r in shipped]
    bulkinsert.insert(movements)
    return movements


def ship_reservation(*, reservation_id: int, reference: str, actor: Actor) -> StockMovement | None:
    movements = ship_reservations(reservation_ids=[reservation_id], reference=reference, actor=actor)
    return movements[0] if movements else None


@transaction.atomic
def reverse_movement(*, movement_id: int, actor: Actor, reason: str) -> StockMovement:
    """Correct a ledger mistake with an opposite movement (movements are never edited)."""
    original = StockMovement.objects.select_related("stock_item").get(pk=movement_id)
    delta = -original.quantity
    guard = {"on_hand__gte": F("reserved") - delta} if delta < 0 else {}
    won = StockItem.objects.filter(pk=original.stock_item_id, **guard).update(
        on_hand=F("on_hand") + delta, updated_at=Now()
    )
    if not won:
        raise _insufficient(original.stock_item_id, -delta)
    _stock_changed([original.stock_item.sku_id])
    return _movement(original.stock_item_id, MovementKind.REVERSAL, delta, reference=f"reverse:{original.pk}",
                     actor=actor, reason=reason)


@transaction.atomic
def set_safety_stock(*, sku_id: int, location_id: int, safety_stock: int) -> StockItem:
    if isinstance(safety_stock, bool) or not isinstance(safety_stock, int) or safety_stock < 0:
        raise InvalidQuantity(safety_stock="安全库存必须为非负整数")
    item = ensure_stock_item(sku_id=sku_id, location_id=location_id)
    StockItem.objects.filter(pk=item.pk).update(safety_stock=safety_stock, updated_at=Now())
    _stock_changed([sku_id])
    item.refresh_from_db()
    return item


# --- set-aside reservations (a flash sale's quantity held apart from general stock) -------------------

def _reservation_item(reservation_id: int) -> int:
    item_id = Reservation.objects.filter(pk=reservation_id).values_list("stock_item_id", flat=True).first()
    if item_id is None:
        raise ReservationNotFound(reservation_id=f"预占 {reservation_id} 不存在")
    return item_id


@transaction.atomic
def shrink_reservation(*, reservation_id: int, quantity: int) -> int:
    """Give ``quantity`` of an active reservation back to available stock; returns what it still holds.
    Taking all of it closes the reservation (released). Conditional updates: a reservation that holds less
    than ``quantity``, or is closed, raises ReservationClosed (409) and changes nothing. The stock row is
    taken before the reservation row, as ``grow_reservation`` does, so the two cannot deadlock."""
    _check_positive(quantity)
    item_id = _reservation_item(reservation_id)
    if not stock_sql.unhold(item_id, quantity):  # the row holds less: so does the reservation
        raise ReservationClosed(detail={"reservation_id": reservation_id, "requested": quantity})
    active = Reservation.objects.filter(pk=reservation_id, status=ReservationStatus.ACTIVE)
    if active.filter(quantity__gt=quantity).update(quantity=F("quantity") - quantity):
        left = Reservation.objects.filter(pk=reservation_id).values_list("quantity", flat=True).get()
    elif active.filter(quantity=quantity).update(status=ReservationStatus.RELEASED, closed_at=timezone.now()):
        left = 0
    else:
        raise ReservationClosed(detail={"reservation_id": reservation_id, "requested": quantity})
    _stock_changed(StockItem.objects.filter(pk=item_id).values_list("sku_id", flat=True))
    return left


@transaction.atomic
def grow_reservation(*, reservation_id: int, quantity: int) -> int:
    """Hold ``quantity`` more of the stock row under an active reservation; returns what it now holds.
    Too little available raises InsufficientStock, a closed reservation ReservationClosed (both 409,
    nothing changed)."""
    _check_positive(quantity)
    item_id = _reservation_item(reservation_id)
    if not stock_sql.hold(item_id, quantity):
        raise _insufficient(item_id, quantity)
    if not Reservation.objects.filter(pk=reservation_id, status=ReservationStatus.ACTIVE).update(
            quantity=F("quantity") + quantity):
        raise ReservationClosed(detail={"reservation_id": reservation_id})
    _stock_changed(StockItem.objects.filter(pk=item_id).values_list("sku_id", flat=True))
    return Reservation.objects.filter(pk=reservation_id).values_list("quantity", flat=True).get()
