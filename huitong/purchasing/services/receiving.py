"""Receiving goods against a purchase order (采购到货): stock in through the inventory ledger, the
SKU's moving-average cost through the catalog, a payable for the supplier — one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from huitong.catalog import selectors as catalog
from huitong.catalog import services as catalog_services
from huitong.catalog.models import Sku
from huitong.core.actors import Actor
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.purchasing.costing import moving_average_cost
from huitong.purchasing.errors import IdempotencyKeyReused, InvalidReceipt, NotReceivable, OverReceipt
from huitong.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
)
from huitong.purchasing.services.checks import MAX_QUANTITY, check_int
from huitong.purchasing.services.payables import open_payable
from huitong.purchasing.services.purchase_orders import lock_purchase_order, move_to
from huitong.purchasing.states import RECEIVABLE

S = PurchaseOrderStatus


@dataclass(frozen=True)
class ReceiptLineSpec:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class Received:
    receipt: Receipt
    created: bool  # False: a receipt with this key was already recorded (a retry), nothing changed


def _check(lines: Sequence[ReceiptLineSpec], key: str, note: str) -> None:
    errors: dict[str, str] = {}
    if not lines:
        errors["lines"] = "到货至少需要一行"
    seen: set[int] = set()
    for i, line in enumerate(lines):
        check_int(line.quantity, f"lines[{i}].quantity", errors, minimum=1, maximum=MAX_QUANTITY)
        if line.sku_id in seen:
            errors[f"lines[{i}].sku_id"] = "同一 SKU 只能出现一行"
        seen.add(line.sku_id)
    if len(key) > 64:
        errors["key"] = "不能超过 64 个字符"
    if len(note) > 500:
        errors["note"] = "不能超过 500 个字符"
    if errors:
        raise InvalidReceipt.for_fields(errors)


def receive_purchase_order(
    *, purchase_order_id: int, lines: Sequence[ReceiptLineSpec], actor: Actor, key: str = "",
    allow_over: bool = False, note: str = "", received_at: datetime | None = None,
) -> Received:
    """Receive goods: partial receipts leave the order partly received; more than ordered only with
    ``allow_over=True`` (else OverReceipt, 409, naming the lines). Each line writes a receive movement
    (reference = the PO number) and moves the SKU's cost to the moving average. A receipt with a
    ``key`` already used on this order is returned unchanged (``created=False``)."""
    key, note = (key or "").strip(), note or ""
    _check(lines, key, note)
    with transaction.atomic():
        po = lock_purchase_order(purchase_order_id)
        if key:
            existing = po.receipts.filter(key=key).first()
            if existing is not None:
                _same_or_refuse(existing, lines)
                return Received(existing, False)
        return Received(_receive(po, lines, actor, key=key, allow_over=allow_over, note=note,
                                 when=received_at or timezone.now()), True)


def _same_or_refuse(existing: Receipt, lines: Sequence[ReceiptLineSpec]) -> None:
    recorded = dict(existing.lines.values_list("sku_id", "quantity"))
    if recorded != {line.sku_id: line.quantity for line in lines}:
        raise IdempotencyKeyReused(detail={"receipt": existing.number, "key": existing.key})


def _order_lines(po: PurchaseOrder, lines: Sequence[ReceiptLineSpec], allow_over: bool) -> dict[int, PurchaseOrderLine]:
    if po.status not in RECEIVABLE:
        raise NotReceivable(detail={"number": po.number, "status": po.status})
    by_sku = {line.sku_id: line for line in po.lines.select_related("sku")}
    missing = {f"lines[{i}].sku_id": f"SKU {line.sku_id} 不在采购单 {po.number} 上"
               for i, line in enumerate(lines) if line.sku_id not in by_sku}
    if missing:
        raise InvalidReceipt.for_fields(missing)
    over, fields = [], {}
    for i, spec in enumerate(lines):
        line = by_sku[spec.sku_id]
        if spec.quantity > line.outstanding:
            over.append({"line_no": line.line_no, "sku_id": line.sku_id, "sku_code": line.sku.code,
                         "ordered": line.quantity, "received": line.received_quantity, "receiving": spec.quantity,
                         "over_by": spec.quantity - line.outstanding})
            fields[f"lines[{i}].quantity"] = f"第 {line.line_no} 行 {line.sku.code} 超收 {spec.quantity - line.outstanding}"
    if over and not allow_over:
        raise OverReceipt(detail={"lines": over, "fields": fields})
    return by_sku


def _receive(po: PurchaseOrder, lines: Sequence[ReceiptLineSpec], actor: Actor, *, key: str, allow_over: bool,
             note: str, when: datetime) -> Receipt:
    by_sku = _order_lines(po, lines, allow_over)
    ordered = sorted(lines, key=lambda spec: spec.sku_id)
    # One SKU's cost is one row: lock the SKUs (in key order) before reading the stock their average
    # is taken over, so concurrent receipts of a SKU average one after the other. Catalog has no
    # locking selector; this is a lock, not a write.
    list(Sku.objects.select_for_update().filter(pk__in=[spec.sku_id for spec in ordered]).order_by("pk")
         .values_list("pk", flat=True))
    total = sum(spec.quantity * by_sku[spec.sku_id].unit_cost_fen for spec in ordered)
    receipt = Receipt.objects.create(
        number=f"{po.number}-R{po.receipts.count() + 1:02d}", purchase_order=po, key=key, received_at=when,
        total_fen=total, allow_over=allow_over, note=note, actor_id=actor.user_id, actor_label=actor.label)
    for spec in ordered:
        _receive_line(po, receipt, by_sku[spec.sku_id], spec.quantity, actor)
    complete = all(line.received_quantity >= line.quantity for line in by_sku.values())
    po.received_fen += total
    move_to(po, S.RECEIVED if complete else S.PARTLY_RECEIVED, actor=actor, reason=receipt.number,
            fields=["received_fen"], data={"receipt": receipt.number,
                                           "lines": {str(s.sku_id): s.quantity for s in ordered}})
    open_payable(receipt=receipt, supplier=po.supplier, received_on=timezone.localdate(when), actor=actor)
    return receipt


def _receive_line(po: PurchaseOrder, receipt: Receipt, line: PurchaseOrderLine, quantity: int, actor: Actor) -> None:
    on_hand_before = sum(level.on_hand for level in inventory_selectors.stock_of_sku(line.sku_id))
    cost_before = catalog.get_sku(line.sku_id).cost_fen
    movement = inventory.receive_stock(sku_id=line.sku_id, location_id=po.location_id, quantity=quantity,
                                       reference=po.number, actor=actor, reason=receipt.number)
    cost_after = moving_average_cost(on_hand_before=on_hand_before, cost_before_fen=cost_before, quantity=quantity,
                                     unit_cost_fen=line.unit_cost_fen)
    if cost_after != cost_before:
        catalog_services.update_sku(sku_id=line.sku_id, cost_fen=cost_after, actor=actor)
    ReceiptLine.objects.create(
        receipt=receipt, po_line=line, sku_id=line.sku_id, quantity=quantity,
        over_quantity=max(quantity - line.outstanding, 0), unit_cost_fen=line.unit_cost_fen,
        amount_fen=quantity * line.unit_cost_fen, on_hand_before=on_hand_before, cost_before_fen=cost_before,
        cost_after_fen=cost_after, movement=movement)
    line.received_quantity += quantity
    line.save(update_fields=["received_quantity"])
