"""Reorder suggestions into draft purchase orders, one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from huitong.core.actors import Actor
from huitong.purchasing import reorder, selectors
from huitong.purchasing.errors import InvalidSuggestionPick
from huitong.purchasing.models import PurchaseOrder, SupplierPrice
from huitong.purchasing.services.checks import MAX_QUANTITY, check_int
from huitong.purchasing.services.purchase_orders import PoLine, create_purchase_order


@dataclass(frozen=True)
class SuggestionPick:
    """A suggestion to order: the SKU and location, optionally another quantity or supplier."""

    sku_id: int
    location_id: int
    quantity: int | None = None  # None: the suggested quantity
    supplier_id: int | None = None  # None: the suggestion's supplier (preferred, else cheapest)


def _check(picks: Sequence[SuggestionPick]) -> None:
    errors: dict[str, str] = {}
    if not picks:
        errors["picks"] = "至少选择一条补货建议"
    seen = set()
    for i, pick in enumerate(picks):
        if pick.quantity is not None:
            check_int(pick.quantity, f"picks[{i}].quantity", errors, minimum=1, maximum=MAX_QUANTITY)
        if (pick.sku_id, pick.location_id) in seen:
            errors[f"picks[{i}]"] = "同一 SKU 和库位只能选择一次"
        seen.add((pick.sku_id, pick.location_id))
    if errors:
        raise InvalidSuggestionPick.for_fields(errors)


def _line_for(i: int, pick: SuggestionPick, suggestion, errors: dict[str, str]) -> tuple[int, PoLine] | None:
    """(supplier id, order line) for a pick, or None with the reason recorded in ``errors``."""
    if suggestion is None:
        errors[f"picks[{i}]"] = f"SKU {pick.sku_id} 或库位 {pick.location_id} 不存在或已停用"
        return None
    supplier_id, cost, moq = suggestion.supplier_id, suggestion.unit_cost_fen, suggestion.min_order_quantity
    if pick.supplier_id is not None and pick.supplier_id != supplier_id:
        price = SupplierPrice.objects.filter(supplier_id=pick.supplier_id, sku_id=pick.sku_id,
                                             supplier__is_active=True).first()
        if price is None:
            errors[f"picks[{i}].supplier_id"] = f"供应商 {pick.supplier_id} 没有 {suggestion.sku_code} 的有效报价"
            return None
        supplier_id, cost, moq = price.supplier_id, price.cost_fen, price.min_order_quantity
    if supplier_id is None:
        errors[f"picks[{i}].supplier_id"] = f"{suggestion.sku_code} 没有供应商报价,请指定供应商"
        return None
    quantity = pick.quantity if pick.quantity is not None else suggestion.suggested_quantity
    if not quantity:
        errors[f"picks[{i}].quantity"] = f"{suggestion.sku_code} 在 {suggestion.location_code} 无需补货,请填写数量"
    elif quantity < moq:
        errors[f"picks[{i}].quantity"] = f"低于起订量 {moq}"
    else:
        return supplier_id, PoLine(sku_id=pick.sku_id, quantity=quantity, unit_cost_fen=cost)
    return None


@transaction.atomic
def create_draft_pos_from_suggestions(
    *, picks: Sequence[SuggestionPick], actor: Actor, as_of: datetime | None = None,
    cover_days: int = reorder.DEFAULT_COVER_DAYS, recent_weight: Decimal = reorder.RECENT_WEIGHT,
) -> list[PurchaseOrder]:
    """Turn picked suggestions into draft purchase orders, one per (supplier, location), with the
    suggestions recomputed now (or ``as_of``). All or nothing: a bad pick refuses the whole call (422)."""
    _check(picks)
    suggestions = {(s.sku_id, s.location_id): s for s in selectors.reorder_suggestions(
        pairs=[(p.sku_id, p.location_id) for p in picks], as_of=as_of, cover_days=cover_days,
        recent_weight=recent_weight, only_needed=False)}
    errors: dict[str, str] = {}
    groups: dict[tuple[int, int], list[PoLine]] = {}
    for i, pick in enumerate(picks):
        found = _line_for(i, pick, suggestions.get((pick.sku_id, pick.location_id)), errors)
        if found is not None:
            groups.setdefault((found[0], pick.location_id), []).append(found[1])
    if errors:
        raise InvalidSuggestionPick.for_fields(errors)
    return [create_purchase_order(supplier_id=supplier_id, location_id=location_id, lines=lines, actor=actor,
                                  note="由补货建议生成")
            for (supplier_id, location_id), lines in sorted(groups.items())]
