from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum

from huitong.inventory.errors import LocationNotFound
from huitong.inventory.models import Location, Reservation, ReservationStatus, StockItem, StockMovement


def get_location(location_id: int) -> Location:
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise LocationNotFound(location_id=f"库位 {location_id} 不存在")
    return location


def list_locations(*, kind: str | None = None, active_only: bool = True) -> QuerySet[Location]:
    qs = Location.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("priority", "code")


@dataclass(frozen=True)
class StockLevel:
    location_id: int
    location_code: str
    location_name: str
    location_kind: str
    on_hand: int
    reserved: int
    available: int
    safety_stock: int


def stock_of_sku(sku_id: int) -> list[StockLevel]:
    """One query: the SKU's stock at every location that has a row for it."""
    rows = (
        StockItem.objects.filter(sku_id=sku_id)
        .select_related("location")
        .order_by("location__priority", "location__code")
    )
    return [
        StockLevel(
            location_id=row.location_id, location_code=row.location.code, location_name=row.location.name,
            location_kind=row.location.kind, on_hand=row.on_hand, reserved=row.reserved,
            available=row.on_hand - row.reserved, safety_stock=row.safety_stock,
        )
        for row in rows
    ]


def available_by_sku(sku_ids: Iterable[int], *, location_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Total available (on hand − reserved) per SKU over active locations, in one query."""
    qs = StockItem.objects.filter(sku_id__in=list(sku_ids), location__is_active=True)
    if location_ids is not None:
        qs = qs.filter(location_id__in=list(location_ids))
    rows = qs.values("sku_id").annotate(available=Sum(F("on_hand") - F("reserved")))
    return {row["sku_id"]: row["available"] or 0 for row in rows}


def available_at(sku_ids: Iterable[int], location_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Available (on hand − reserved) per (SKU, location) that has a stock row, in one query."""
    rows = StockItem.objects.filter(sku_id__in=list(sku_ids), location_id__in=list(location_ids)).values_list(
        "sku_id", "location_id", "on_hand", "reserved")
    return {(sku, loc): on_hand - reserved for sku, loc, on_hand, reserved in rows}


def list_movements(*, sku_id: int | None = None, location_id: int | None = None, reference: str | None = None
                   ) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("stock_item__location")
    if sku_id is not None:
        qs = qs.filter(stock_item__sku_id=sku_id)
    if location_id is not None:
        qs = qs.filter(stock_item__location_id=location_id)
    if reference:
        qs = qs.filter(reference=reference)
    return qs.order_by("-created_at", "-id")


def ledger_discrepancies() -> list[dict]:
    """Stock rows whose on hand differs from their ledger sum, or reserved from their active
    reservations (should always be empty: invariants 1 and 2)."""
    ledger = dict(StockMovement.objects.values("stock_item_id").annotate(s=Sum("quantity")).values_list("stock_item_id", "s"))
    held = dict(
        Reservation.objects.filter(status=ReservationStatus.ACTIVE)
        .values("stock_item_id").annotate(s=Sum("quantity")).values_list("stock_item_id", "s")
    )
    bad = []
    for item in StockItem.objects.values("pk", "on_hand", "reserved"):
        expected_on_hand = ledger.get(item["pk"], 0)
        expected_reserved = held.get(item["pk"], 0)
        if item["on_hand"] != expected_on_hand or item["reserved"] != expected_reserved:
            bad.append({**item, "ledger": expected_on_hand, "reservations": expected_reserved})
    return bad


def list_stock(*, location_id: int) -> QuerySet[StockItem]:
    """The stock rows of one location (with their SKU), most on hand first."""
    return StockItem.objects.filter(location_id=location_id).select_related("sku").order_by("-on_hand", "sku_id")
