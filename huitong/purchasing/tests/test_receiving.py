"""Receiving against purchase orders: partial, over (only when allowed) and short receipts, the stock
ledger, the moving-average cost, idempotency, and in-transit quantities."""

from datetime import datetime

import pytest
from django.utils import timezone

from huitong.catalog.models import Sku
from huitong.core.audit import history
from huitong.core.models import AuditEntry
from huitong.inventory.models import StockItem, StockMovement
from huitong.purchasing import selectors, services
from huitong.purchasing.errors import IdempotencyKeyReused, InvalidReceipt, NotReceivable, OverReceipt
from huitong.purchasing.models import Payable, PurchaseOrderStatus, Receipt, ReceiptLine

pytestmark = pytest.mark.django_db


def _on_hand(sku, location):
    return StockItem.objects.filter(sku=sku, location=location).values_list("on_hand", flat=True).first() or 0


def _cost(sku):
    return Sku.objects.get(pk=sku.pk).cost_fen


def test_partial_then_final_receipt(buying):
    po = buying.po((buying.sku_a.pk, 10), (buying.sku_b.pk, 4))
    first = buying.receive(po, (buying.sku_a.pk, 6))
    assert first.created and first.receipt.number == f"{po.number}-R01"
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTLY_RECEIVED and po.received_fen == 6000
    assert _on_hand(buying.sku_a, buying.wh1) == 6
    movement = StockMovement.objects.get(stock_item__sku=buying.sku_a)
    assert (movement.kind, movement.quantity, movement.reference, movement.reason) == (
        "receive", 6, po.number, first.receipt.number)
    second = buying.receive(po, (buying.sku_a.pk, 4), (buying.sku_b.pk, 4))
    po.refresh_from_db()
    assert second.receipt.number == f"{po.number}-R02" and second.receipt.total_fen == 4000 + 4 * 2500
    assert po.status == PurchaseOrderStatus.RECEIVED and po.received_fen == 20_000
    assert [(e.from_state, e.to_state, e.reason) for e in history(po)][-2:] == [
        ("confirmed", "partly_received", first.receipt.number), ("partly_received", "received", second.receipt.number)]
    assert StockMovement.objects.filter(reference=po.number).count() == 3


def test_over_receipt_is_refused_naming_the_line_and_changes_nothing(buying):
    po = buying.po((buying.sku_a.pk, 10), (buying.sku_b.pk, 4))
    buying.receive(po, (buying.sku_a.pk, 8))
    before = (StockMovement.objects.count(), Receipt.objects.count(), Payable.objects.count(),
              AuditEntry.objects.count(), _cost(buying.sku_a), _cost(buying.sku_b))
    with pytest.raises(OverReceipt) as exc:
        buying.receive(po, (buying.sku_b.pk, 4), (buying.sku_a.pk, 5))
    assert exc.value.status == 409 and exc.value.code == "over_receipt"
    assert exc.value.detail["lines"] == [{"line_no": 1, "sku_id": buying.sku_a.pk, "sku_code": buying.sku_a.code,
                                          "ordered": 10, "received": 8, "receiving": 5, "over_by": 3}]
    assert "lines[1].quantity" in exc.value.detail["fields"]
    assert (StockMovement.objects.count(), Receipt.objects.count(), Payable.objects.count(),
            AuditEntry.objects.count(), _cost(buying.sku_a), _cost(buying.sku_b)) == before
    assert list(po.lines.order_by("line_no").values_list("received_quantity", flat=True)) == [8, 0]
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTLY_RECEIVED


def test_over_receipt_when_allowed_is_recorded_as_such(buying):
    po = buying.po((buying.sku_a.pk, 10))
    received = buying.receive(po, (buying.sku_a.pk, 12), allow_over=True)
    line = ReceiptLine.objects.get(receipt=received.receipt)
    assert (line.quantity, line.over_quantity, line.amount_fen) == (12, 2, 12_000)
    assert received.receipt.allow_over and received.receipt.payable.amount_fen == 12_000
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.RECEIVED and po.lines.get().received_quantity == 12
    assert _on_hand(buying.sku_a, buying.wh1) == 12
    assert selectors.in_transit_quantities() == {}  # over-received: nothing in transit, never negative


def test_short_receipt_then_short_close_ends_in_transit(buying):
    po = buying.po((buying.sku_a.pk, 10))
    buying.receive(po, (buying.sku_a.pk, 7))
    assert selectors.in_transit_quantities() == {(buying.sku_a.pk, buying.wh1.pk): 3}
    services.close_purchase_order(purchase_order_id=po.pk, reason="短收 3 件,不补发", actor=buying.actor)
    assert selectors.in_transit_quantities() == {}
    with pytest.raises(NotReceivable):
        buying.receive(po, (buying.sku_a.pk, 3))


@pytest.mark.parametrize(
    ("lines", "field"),
    [([], "lines"), ([("a", 0)], "lines[0].quantity"), ([("a", 1), ("a", 2)], "lines[1].sku_id"),
     ([("other", 1)], "lines[0].sku_id")],
)
def test_bad_receipt_lines_are_422_and_change_nothing(buying, lines, field):
    po = buying.po((buying.sku_a.pk, 10))
    ids = {"a": buying.sku_a.pk, "other": 999999}
    with pytest.raises(InvalidReceipt) as exc:
        buying.receive(po, *[(ids[sku], q) for sku, q in lines])
    assert exc.value.status == 422 and field in exc.value.detail["fields"]
    assert not Receipt.objects.exists() and not StockMovement.objects.exists()


def test_receiving_on_a_draft_is_refused(buying):
    po = buying.po((buying.sku_a.pk, 10), confirm=False)
    with pytest.raises(NotReceivable) as exc:
        buying.receive(po, (buying.sku_a.pk, 1))
    assert exc.value.detail == {"number": po.number, "status": "draft"}
    assert not StockMovement.objects.exists()


def test_a_receipt_key_makes_a_retry_a_no_op(buying):
    po = buying.po((buying.sku_a.pk, 10))
    first = buying.receive(po, (buying.sku_a.pk, 4), key="scan-001")
    again = buying.receive(po, (buying.sku_a.pk, 4), key="scan-001")
    assert first.created and not again.created and again.receipt.pk == first.receipt.pk
    assert _on_hand(buying.sku_a, buying.wh1) == 4 and Payable.objects.count() == 1
    assert po.lines.get().received_quantity == 4
    with pytest.raises(IdempotencyKeyReused):
        buying.receive(po, (buying.sku_a.pk, 5), key="scan-001")
    assert _on_hand(buying.sku_a, buying.wh1) == 4


# --- moving-average cost --------------------------------------------------------------------------

def test_moving_average_cost_over_all_locations(buying):
    # 10 on hand in HZ and 10 in GZ at cost 10.00; receive 20 at 13.00 into HZ:
    # (20 × 1000 + 20 × 1300) / 40 = 1150.
    from huitong.catalog import services as catalog

    catalog.update_sku(sku_id=buying.sku_a.pk, cost_fen=1000, actor=buying.actor)
    buying.stock(buying.sku_a, buying.wh1, 10)
    buying.stock(buying.sku_a, buying.wh2, 10)
    po = buying.po((buying.sku_a.pk, 20, 1300))
    received = buying.receive(po, (buying.sku_a.pk, 20))
    assert _cost(buying.sku_a) == 1150
    line = received.receipt.lines.get()
    assert (line.on_hand_before, line.cost_before_fen, line.cost_after_fen) == (20, 1000, 1150)
    entry = AuditEntry.objects.filter(object_type="catalog.sku", object_id=str(buying.sku_a.pk)).order_by("id").last()
    assert entry.data["cost_fen"] == {"old": 1000, "new": 1150}


def test_moving_average_rounds_half_up_receipt_by_receipt(buying):
    po = buying.po((buying.sku_a.pk, 4, 101), (buying.sku_b.pk, 1, 101))
    from huitong.catalog import services as catalog

    catalog.update_sku(sku_id=buying.sku_a.pk, cost_fen=100, actor=buying.actor)
    buying.stock(buying.sku_a, buying.wh1, 1)
    buying.receive(po, (buying.sku_a.pk, 1))          # (1×100 + 1×101) / 2 = 100.5 → 101
    assert _cost(buying.sku_a) == 101
    buying.receive(po, (buying.sku_a.pk, 1))          # (2×101 + 1×101) / 3 = 101
    assert _cost(buying.sku_a) == 101
    buying.receive(po, (buying.sku_b.pk, 1))          # nothing on hand: the unit cost
    assert _cost(buying.sku_b) == 101


def test_receipt_when_stock_left_in_between(buying):
    from huitong.catalog import services as catalog

    catalog.update_sku(sku_id=buying.sku_a.pk, cost_fen=1000, actor=buying.actor)
    buying.stock(buying.sku_a, buying.wh1, 5)
    buying.sell(buying.sku_a, buying.wh1, 3, at=timezone.now(), ref="sale-1")
    po = buying.po((buying.sku_a.pk, 3, 2000))
    buying.receive(po, (buying.sku_a.pk, 3))           # (2 × 1000 + 3 × 2000) / 5 = 1600
    assert _cost(buying.sku_a) == 1600


def test_received_at_sets_the_payable_due_date(buying):
    po = buying.po((buying.sku_a.pk, 10))
    when = timezone.make_aware(datetime(2025, 3, 1, 10, 0))
    received = buying.receive(po, (buying.sku_a.pk, 10), received_at=when)
    payable = received.receipt.payable
    assert (payable.amount_fen, payable.paid_fen, payable.status) == (10_000, 0, "open")
    assert payable.due_date.isoformat() == "2025-03-31" and payable.supplier_id == buying.supplier.pk


# --- in transit -----------------------------------------------------------------------------------

def test_in_transit_per_sku_and_location(buying, django_assert_num_queries):
    buying.po((buying.sku_a.pk, 10), (buying.sku_b.pk, 3))
    po2 = buying.po((buying.sku_a.pk, 5), location=buying.wh2)
    buying.po((buying.sku_a.pk, 100), confirm=False)  # a draft is not on its way
    cancelled = buying.po((buying.sku_a.pk, 100))
    services.cancel_purchase_order(purchase_order_id=cancelled.pk, reason="x", actor=buying.actor)
    buying.receive(po2, (buying.sku_a.pk, 2))
    with django_assert_num_queries(3):
        rows = selectors.in_transit()
    assert [(r.sku_id, r.quantity, [(x.location_code, x.quantity) for x in r.locations]) for r in rows] == [
        (buying.sku_a.pk, 13, [("GZ", 3), ("HZ", 10)]), (buying.sku_b.pk, 3, [("HZ", 3)])]
    only = selectors.in_transit(sku_id=buying.sku_a.pk, location_id=buying.wh2.pk)
    assert [(r.sku_id, r.quantity) for r in only] == [(buying.sku_a.pk, 3)]
