"""Inventory write services. Each is atomic and keeps ``0 <= reserved <= on_hand`` and
``on_hand == sum(movements)`` by conditional updates (never read-then-write); rows that must be
read before writing (stocktake, transfer) are locked in primary-key order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.core.actors import Actor
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
    list(StockItem.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    moved = StockItem.objects.filter(pk=source.pk, on_hand__gte=F("reserved") + quantity).update(
        on_hand=F("on_hand") - quantity, updated_at=Now()
    )
    if not moved:
        raise _insufficient(source.pk, quantity)
    StockItem.objects.filter(pk=target.pk).update(on_hand=F("on_hand") + quantity, updated_at=Now())
    out = _movement(source.pk, MovementKind.TRANSFER_OUT, -quantity, reference=reference, actor=actor, reason=reason)
    into = _movement(target.pk, MovementKind.TRANSFER_IN, quantity, reference=reference, actor=actor, reason=reason)
    return out, into


def _insufficient(stock_item_id: int, quantity: int) -> InsufficientStock:
    item = StockItem.objects.filter(pk=stock_item_id).values("sku_id", "location_id", "on_hand", "reserved").first()
    detail = {"requested": quantity}
    if item:
        detail |= {"sku_id": item["sku_id"], "location_id": item["location_id"],
                   "available": item["on_hand"] - item["reserved"]}
    return InsufficientStock(detail=detail)


@transaction.atomic
def reserve_stock(*, stock_item_id: int, quantity: int, reference: str) -> Reservation:
    """Hold ``quantity`` for ``reference``. Idempotent per (stock item, reference)."""
    _check_positive(quantity)
    existing = Reservation.objects.filter(stock_item_id=stock_item_id, reference=reference).first()
    if existing is not None:
        return existing
    won = StockItem.objects.filter(pk=stock_item_id, on_hand__gte=F("reserved") + quantity).update(
        reserved=F("reserved") + quantity, updated_at=Now()
    )
    if not won:
        raise _insufficient(stock_item_id, quantity)
    return Reservation.objects.create(stock_item_id=stock_item_id, reference=reference, quantity=quantity)


@dataclass(frozen=True)
class Held:
    """Where a reservation was made."""

    reservation_id: int
    stock_item_id: int
    location_id: int
    quantity: int


def reserve_first_available(*, sku_id: int, quantity: int, location_ids: Sequence[int], reference: str) -> Held:
    """Reserve at the first location (in the given order) that has ``quantity`` available."""
    _check_positive(quantity)
    candidates = dict(
        StockItem.objects.filter(sku_id=sku_id, location_id__in=location_ids, on_hand__gte=F("reserved") + quantity)
        .values_list("location_id", "pk")
    )
    for location_id in location_ids:
        if location_id not in candidates:
            continue
        try:
            with transaction.atomic():
                reservation = reserve_stock(stock_item_id=candidates[location_id], quantity=quantity, reference=reference)
            return Held(reservation.pk, reservation.stock_item_id, location_id, reservation.quantity)
        except InsufficientStock:
            continue  # taken by someone else since we looked: try the next location
    raise InsufficientStock(detail={"sku_id": sku_id, "requested": quantity, "available": _available(sku_id, location_ids)})


def _available(sku_id: int, location_ids: Sequence[int]) -> int:
    rows = StockItem.objects.filter(sku_id=sku_id, location_id__in=location_ids).values_list("on_hand", "reserved")
    return max((on_hand - reserved for on_hand, reserved in rows), default=0)


def _close(reservation_id: int, status: str) -> Reservation | None:
    """Close an active reservation; None when it was already closed with the same status."""
    won = Reservation.objects.filter(pk=reservation_id, status=ReservationStatus.ACTIVE).update(
        status=status, closed_at=timezone.now()
    )
    reservation = Reservation.objects.filter(pk=reservation_id).first()
    if reservation is None:
        raise ReservationNotFound(reservation_id=str(reservation_id))
    if won:
        return reservation
    if reservation.status == status:
        return None
    raise ReservationClosed(detail={"reservation_id": reservation_id, "status": reservation.status})


@transaction.atomic
def release_reservation(*, reservation_id: int) -> Reservation | None:
    """Give held stock back. Idempotent: releasing a released reservation does nothing."""
    reservation = _close(reservation_id, ReservationStatus.RELEASED)
    if reservation is not None:
        StockItem.objects.filter(pk=reservation.stock_item_id).update(
            reserved=F("reserved") - reservation.quantity, updated_at=Now()
        )
    return reservation


@transaction.atomic
def ship_reservation(*, reservation_id: int, reference: str, actor: Actor) -> StockMovement | None:
    """Stock leaves the building: on hand and reserved both go down, the ledger records it."""
    reservation = _close(reservation_id, ReservationStatus.SHIPPED)
    if reservation is None:
        return None
    quantity = reservation.quantity
    StockItem.objects.filter(pk=reservation.stock_item_id).update(
        on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity, updated_at=Now()
    )
    return _movement(reservation.stock_item_id, MovementKind.SHIP, -quantity, reference=reference, actor=actor)


@transaction.atomic
def reverse_movement(*, movement_id: int, actor: Actor, reason: str) -> StockMovement:
    """Correct a ledger mistake with an opposite movement (movements are never edited)."""
    original = StockMovement.objects.get(pk=movement_id)
    delta = -original.quantity
    guard = {"on_hand__gte": F("reserved") - delta} if delta < 0 else {}
    won = StockItem.objects.filter(pk=original.stock_item_id, **guard).update(
        on_hand=F("on_hand") + delta, updated_at=Now()
    )
    if not won:
        raise _insufficient(original.stock_item_id, -delta)
    return _movement(original.stock_item_id, MovementKind.REVERSAL, delta, reference=f"reverse:{original.pk}",
                     actor=actor, reason=reason)


def set_safety_stock(*, sku_id: int, location_id: int, safety_stock: int) -> StockItem:
    if isinstance(safety_stock, bool) or not isinstance(safety_stock, int) or safety_stock < 0:
        raise InvalidQuantity(safety_stock="安全库存必须为非负整数")
    item = ensure_stock_item(sku_id=sku_id, location_id=location_id)
    StockItem.objects.filter(pk=item.pk).update(safety_stock=safety_stock, updated_at=Now())
    item.refresh_from_db()
    return item
