"""Purchasing reads: suppliers, purchase orders, receipts, in-transit quantities, payables, sales
velocity from the stock ledger and reorder suggestions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.core import audit
from huitong.inventory import selectors as inventory

# Read-only: inventory publishes no selector for "every stock row" or "shipped per SKU and location
# over a window" yet; reading its models in a selector is tolerated for reads.
from huitong.inventory.models import MovementKind, StockItem, StockMovement
from huitong.purchasing import reorder
from huitong.purchasing.errors import (
    PayableNotFound,
    PurchaseOrderNotFound,
    ReceiptNotFound,
    SupplierNotFound,
)
from huitong.purchasing.models import (
    Payable,
    PayableStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Supplier,
    SupplierPayment,
    SupplierPrice,
)
from huitong.purchasing.states import IN_TRANSIT

Key = tuple[int, int]  # (sku_id, location_id)


# --- suppliers ------------------------------------------------------------------------------------

def get_supplier(supplier_id: int) -> Supplier:
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        raise SupplierNotFound(supplier_id=f"供应商 {supplier_id} 不存在")
    return supplier


def list_suppliers(*, search: str | None = None, is_active: bool | None = None) -> QuerySet[Supplier]:
    qs = Supplier.objects.all()
    if search and search.strip():
        term = search.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(name__icontains=term))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.order_by("code")


def list_supplier_prices(*, supplier_id: int | None = None, sku_id: int | None = None) -> QuerySet[SupplierPrice]:
    qs = SupplierPrice.objects.select_related("supplier", "sku")
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    return qs.order_by("supplier_id", "sku_id")


def chosen_prices(sku_ids: Iterable[int]) -> dict[int, SupplierPrice]:
    """The price each SKU is bought at: its preferred active supplier's, else the cheapest active one."""
    chosen: dict[int, SupplierPrice] = {}
    prices = (SupplierPrice.objects.filter(sku_id__in=set(sku_ids), supplier__is_active=True)
              .select_related("supplier").order_by("sku_id", "-is_preferred", "cost_fen", "supplier_id"))
    for price in prices:
        chosen.setdefault(price.sku_id, price)
    return chosen


# --- purchase orders and receipts -----------------------------------------------------------------

def _orders() -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.select_related("supplier", "location").prefetch_related("lines__sku")


def get_purchase_order(purchase_order_id: int) -> PurchaseOrder:
    po = _orders().filter(pk=purchase_order_id).first()
    if po is None:
        raise PurchaseOrderNotFound(purchase_order_id=f"采购单 {purchase_order_id} 不存在")
    return po


def list_purchase_orders(
    *, status: str | None = None, supplier_id: int | None = None, location_id: int | None = None,
    search: str | None = None,
) -> QuerySet[PurchaseOrder]:
    qs = _orders()
    if status:
        qs = qs.filter(status=status)
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if search and search.strip():
        qs = qs.filter(number__icontains=search.strip())
    return qs.order_by("-created_at", "-id")


def purchase_order_history(po: PurchaseOrder):
    return audit.history(po)


def _receipts() -> QuerySet[Receipt]:
    return Receipt.objects.select_related("purchase_order__supplier", "purchase_order__location",
                                          "payable").prefetch_related("lines__sku", "lines__po_line")


def get_receipt(receipt_id: int) -> Receipt:
    receipt = _receipts().filter(pk=receipt_id).first()
    if receipt is None:
        raise ReceiptNotFound(receipt_id=f"到货单 {receipt_id} 不存在")
    return receipt


def list_receipts(
    *, purchase_order_id: int | None = None, supplier_id: int | None = None, location_id: int | None = None,
) -> QuerySet[Receipt]:
    qs = _receipts()
    if purchase_order_id is not None:
        qs = qs.filter(purchase_order_id=purchase_order_id)
    if supplier_id is not None:
        qs = qs.filter(purchase_order__supplier_id=supplier_id)
    if location_id is not None:
        qs = qs.filter(purchase_order__location_id=location_id)
    return qs.order_by("-received_at", "-id")


# --- in transit -----------------------------------------------------------------------------------

def in_transit_quantities(
    *, sku_ids: Iterable[int] | None = None, location_ids: Iterable[int] | None = None,
) -> dict[Key, int]:
    """Ordered − received on confirmed and partly received orders, per (SKU, location), in one query.
    An over-received line counts zero, never negative."""
    qs = PurchaseOrderLine.objects.filter(purchase_order__status__in=IN_TRANSIT,
                                          quantity__gt=F("received_quantity"))
    if sku_ids is not None:
        qs = qs.filter(sku_id__in=list(sku_ids))
    if location_ids is not None:
        qs = qs.filter(purchase_order__location_id__in=list(location_ids))
    rows = qs.values("sku_id", "purchase_order__location_id").annotate(
        q=Sum(F("quantity") - F("received_quantity"))).order_by()
    return {(row["sku_id"], row["purchase_order__location_id"]): row["q"] for row in rows}


@dataclass(frozen=True)
class InTransitAt:
    location_id: int
    location_code: str
    quantity: int


@dataclass(frozen=True)
class InTransit:
    sku_id: int
    sku_code: str
    quantity: int
    locations: list[InTransitAt]


def in_transit(*, sku_id: int | None = None, location_id: int | None = None) -> list[InTransit]:
    """In-transit quantity per SKU, with the locations it is coming to (SKU code order)."""
    quantities = in_transit_quantities(sku_ids=None if sku_id is None else [sku_id],
                                       location_ids=None if location_id is None else [location_id])
    skus = catalog.skus_by_ids(sku for sku, _ in quantities)
    codes = dict(inventory.list_locations(active_only=False).values_list("pk", "code"))
    by_sku: dict[int, list[InTransitAt]] = {}
    for (sku, loc), quantity in sorted(quantities.items(), key=lambda kv: (kv[0][0], codes.get(kv[0][1], ""))):
        by_sku.setdefault(sku, []).append(InTransitAt(loc, codes.get(loc, ""), quantity))
    rows = [InTransit(sku, skus[sku].code, sum(x.quantity for x in locs), locs) for sku, locs in by_sku.items()]
    return sorted(rows, key=lambda row: row.sku_code)


# --- payables -------------------------------------------------------------------------------------

def get_payable(payable_id: int) -> Payable:
    payable = (Payable.objects.select_related("supplier", "receipt__purchase_order").prefetch_related("payments")
               .filter(pk=payable_id).first())
    if payable is None:
        raise PayableNotFound(payable_id=f"应付账款 {payable_id} 不存在")
    return payable


def list_payables(
    *, supplier_id: int | None = None, status: str | None = None, overdue: bool | None = None,
    as_of: date | None = None,
) -> QuerySet[Payable]:
    """Payables by due date; ``overdue`` keeps those unpaid past their due date (as of today)."""
    qs = Payable.objects.select_related("supplier", "receipt__purchase_order")
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        late = Q(due_date__lt=as_of or timezone.localdate()) & ~Q(status=PayableStatus.PAID)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    return qs.order_by("due_date", "id")


def list_supplier_payments(*, payable_id: int) -> QuerySet[SupplierPayment]:
    return SupplierPayment.objects.filter(payable_id=get_payable(payable_id).pk).order_by("paid_on", "id")


@dataclass(frozen=True)
class SupplierPayables:
    supplier_id: int
    supplier_code: str
    supplier_name: str
    payables: int
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    overdue_fen: int
    next_due_date: date | None


def payables_by_supplier(*, as_of: date | None = None, supplier_id: int | None = None,
                         outstanding_only: bool = False) -> list[SupplierPayables]:
    """Per supplier: amounts owed, paid, outstanding and overdue (past due, unpaid), in one query."""
    as_of = as_of or timezone.localdate()
    unpaid = ~Q(status=PayableStatus.PAID)
    qs = Payable.objects.all()
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    rows = qs.values("supplier_id", "supplier__code", "supplier__name").annotate(
        n=Count("id"), amount=Sum("amount_fen"), paid=Sum("paid_fen"),
        overdue=Sum(F("amount_fen") - F("paid_fen"), filter=unpaid & Q(due_date__lt=as_of)),
        next_due=Min("due_date", filter=unpaid),
    ).order_by("supplier__code")
    result = [
        SupplierPayables(row["supplier_id"], row["supplier__code"], row["supplier__name"], row["n"], row["amount"],
                         row["paid"], row["amount"] - row["paid"], row["overdue"] or 0, row["next_due"])
        for row in rows
    ]
    return [r for r in result if r.outstanding_fen] if outstanding_only else result


# --- sales velocity and reorder suggestions -------------------------------------------------------

def shipped_quantities(
    *, as_of: datetime | None = None, sku_ids: Iterable[int] | None = None,
    location_ids: Iterable[int] | None = None,
) -> dict[Key, tuple[int, int]]:
    """Units shipped per (SKU, location) in the 7 and 30 days up to ``as_of``, from the stock ledger's
    ship movements, in one query: ``{(sku, location): (sold_7d, sold_30d)}``."""
    as_of = as_of or timezone.now()
    qs = StockMovement.objects.filter(kind=MovementKind.SHIP, created_at__gt=as_of - timedelta(days=30),
                                      created_at__lte=as_of)
    if sku_ids is not None:
        qs = qs.filter(stock_item__sku_id__in=list(sku_ids))
    if location_ids is not None:
        qs = qs.filter(stock_item__location_id__in=list(location_ids))
    rows = qs.values("stock_item__sku_id", "stock_item__location_id").annotate(
        s30=Sum("quantity"), s7=Sum("quantity", filter=Q(created_at__gt=as_of - timedelta(days=7)))).order_by()
    return {(r["stock_item__sku_id"], r["stock_item__location_id"]): (-(r["s7"] or 0), -(r["s30"] or 0))
            for r in rows}


@dataclass(frozen=True)
class Suggestion:
    """A reorder suggestion for one SKU at one location, with every number behind it."""

    sku_id: int
    sku_code: str
    sku_name: str
    location_id: int
    location_code: str
    supplier_id: int | None
    supplier_code: str
    unit_cost_fen: int
    min_order_quantity: int
    supplier_min_order_fen: int
    lead_time_days: int
    cover_days: int
    recent_weight: Decimal
    sold_7d: int
    sold_30d: int
    on_hand: int
    reserved: int
    safety_stock: int
    in_transit: int
    velocity_7d: Decimal
    velocity_30d: Decimal
    daily_velocity: Decimal
    lead_time_demand: Decimal
    reorder_point: int
    target_stock: int
    projected_stock: int
    needs_reorder: bool
    shortfall: int
    suggested_quantity: int
    days_of_cover: Decimal | None
    amount_fen: int
    supplier_order_fen: int = 0  # Σ amounts suggested to the same supplier for the same location
    meets_supplier_minimum: bool = True


def _positions(location_id, sku_ids) -> tuple[dict[Key, tuple[int, int, int]], dict[Key, int]]:
    """Stock (on hand, reserved, safety) and in-transit per (SKU, location) at active locations."""
    stock_rows = StockItem.objects.filter(location__is_active=True, sku__is_active=True)
    if location_id is not None:
        stock_rows = stock_rows.filter(location_id=location_id)
    if sku_ids is not None:
        stock_rows = stock_rows.filter(sku_id__in=list(sku_ids))
    stock = {(r[0], r[1]): r[2:] for r in stock_rows.values_list("sku_id", "location_id", "on_hand", "reserved",
                                                                  "safety_stock")}
    transit = in_transit_quantities(sku_ids=sku_ids, location_ids=None if location_id is None else [location_id])
    return stock, transit


def reorder_suggestions(
    *, location_id: int | None = None, sku_ids: Iterable[int] | None = None, pairs: Iterable[Key] | None = None,
    as_of: datetime | None = None, cover_days: int = reorder.DEFAULT_COVER_DAYS,
    recent_weight: Decimal = reorder.RECENT_WEIGHT, only_needed: bool = True,
) -> list[Suggestion]:
    """Suggestions for every active SKU at every active location with stock or stock on the way (or for
    exactly ``pairs``), in a fixed number of queries. SKUs without an active supplier price are
    included with ``supplier_id=None`` and a default lead time."""
    if pairs is not None:
        pairs = set(pairs)
        sku_ids = {sku for sku, _ in pairs}
    else:
        sku_ids = None if sku_ids is None else set(sku_ids)
    stock, transit = _positions(location_id, sku_ids)
    locations = {loc.pk: loc for loc in inventory.list_locations()}
    keys = pairs if pairs is not None else {k for k in {*stock, *transit} if k[1] in locations}
    skus = {pk: sku for pk, sku in catalog.skus_by_ids(sku for sku, _ in keys).items() if sku.is_active}
    keys = {k for k in keys if k[0] in skus and k[1] in locations}
    sold = shipped_quantities(as_of=as_of, sku_ids={sku for sku, _ in keys},
                              location_ids=None if location_id is None else [location_id])
    prices = chosen_prices(skus)
    result = []
    for sku_id, loc_id in sorted(keys, key=lambda k: (skus[k[0]].code, locations[k[1]].code)):
        price = prices.get(sku_id)
        supplier = price.supplier if price else None
        on_hand, reserved, safety = stock.get((sku_id, loc_id), (0, 0, 0))
        sold_7d, sold_30d = sold.get((sku_id, loc_id), (0, 0))
        position = reorder.StockPosition(
            sold_7d=sold_7d, sold_30d=sold_30d, on_hand=on_hand, reserved=reserved,
            in_transit=transit.get((sku_id, loc_id), 0), safety_stock=safety,
            lead_time_days=supplier.lead_time_days if supplier else reorder.DEFAULT_LEAD_TIME_DAYS,
            cover_days=cover_days, min_order_quantity=price.min_order_quantity if price else 1,
            recent_weight=recent_weight)
        numbers = reorder.reorder_numbers(position)
        if only_needed and not numbers.suggested_quantity:
            continue
        unit_cost = price.cost_fen if price else skus[sku_id].cost_fen
        result.append(Suggestion(
            sku_id=sku_id, sku_code=skus[sku_id].code, sku_name=skus[sku_id].display_name, location_id=loc_id,
            location_code=locations[loc_id].code, supplier_id=supplier.pk if supplier else None,
            supplier_code=supplier.code if supplier else "", unit_cost_fen=unit_cost,
            min_order_quantity=position.min_order_quantity,
            supplier_min_order_fen=supplier.min_order_fen if supplier else 0,
            lead_time_days=position.lead_time_days, cover_days=cover_days, recent_weight=recent_weight,
            sold_7d=sold_7d, sold_30d=sold_30d, on_hand=on_hand, reserved=reserved, safety_stock=safety,
            in_transit=position.in_transit, **asdict(numbers), amount_fen=numbers.suggested_quantity * unit_cost,
        ))
    return _with_supplier_totals(result)


def _with_supplier_totals(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Each suggestion learns what its supplier's order for that location would come to, and whether
    that reaches the supplier's minimum order amount (起订金额)."""
    totals: dict[Key, int] = {}
    for s in suggestions:
        if s.supplier_id is not None:
            totals[(s.supplier_id, s.location_id)] = totals.get((s.supplier_id, s.location_id), 0) + s.amount_fen
    out = []
    for s in suggestions:
        total = totals.get((s.supplier_id, s.location_id), 0) if s.supplier_id is not None else 0
        meets = s.supplier_id is None or total >= s.supplier_min_order_fen
        out.append(Suggestion(**{**asdict(s), "supplier_order_fen": total, "meets_supplier_minimum": meets}))
    return out
