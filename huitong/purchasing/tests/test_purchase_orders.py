"""Purchase order services: drafts, edits, and every action from every state (allowed or refused,
and when refused nothing changes)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core.audit import history
from huitong.core.errors import DomainError
from huitong.core.models import AuditEntry
from huitong.inventory.errors import LocationNotFound
from huitong.purchasing import services
from huitong.purchasing.errors import (
    BelowSupplierMinimum,
    InvalidPurchaseOrder,
    PurchaseOrderNotEditable,
    PurchaseOrderNotFound,
    SupplierInactive,
)
from huitong.purchasing.models import PurchaseOrder, PurchaseOrderLine
from huitong.purchasing.models import PurchaseOrderStatus as S
from huitong.purchasing.tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def test_draft_takes_supplier_prices_and_lead_time(buying):
    po = buying.po((buying.sku_a.pk, 10), (buying.sku_b.pk, 4, 2400), confirm=False)
    assert po.status == S.DRAFT and po.number.startswith("PO") and len(po.number) == 16
    lines = list(po.lines.order_by("line_no").values_list("line_no", "sku_id", "quantity", "unit_cost_fen"))
    assert lines == [(1, buying.sku_a.pk, 10, 1000), (2, buying.sku_b.pk, 4, 2400)]
    assert po.total_fen == 10 * 1000 + 4 * 2400
    assert po.expected_date == timezone.localdate() + timedelta(days=5)
    assert [(e.to_state, e.reason) for e in history(po)] == [(S.DRAFT, "created")]


@pytest.mark.parametrize(
    ("lines", "field"),
    [([], "lines"), ([(1, 0)], "lines[0].quantity"), ([(1, -2)], "lines[0].quantity"),
     ([(1, 1, -5)], "lines[0].unit_cost_fen"), ([(1, 1), (1, 2)], "lines[1].sku_id"),
     ([(999999, 1, 10)], "lines[0].sku_id")],
)
def test_bad_lines_are_refused_with_the_field_and_nothing_written(buying, lines, field):
    specs = [services.PoLine(buying.sku_a.pk if line[0] == 1 else line[0], *line[1:]) for line in lines]
    with pytest.raises(InvalidPurchaseOrder) as exc:
        services.create_purchase_order(supplier_id=buying.supplier.pk, location_id=buying.wh1.pk, lines=specs,
                                       actor=buying.actor)
    assert exc.value.code == "invalid_purchase_order" and field in exc.value.detail["fields"]
    assert not PurchaseOrder.objects.exists() and not PurchaseOrderLine.objects.exists()


def test_a_sku_without_a_supplier_price_needs_a_unit_cost(buying):
    from huitong.catalog.tests.factories import SkuFactory

    other = SkuFactory()
    with pytest.raises(InvalidPurchaseOrder) as exc:
        buying.po((other.pk, 1), confirm=False)
    assert "lines[0].unit_cost_fen" in exc.value.detail["fields"]
    po = buying.po((other.pk, 1, 700), confirm=False)
    assert po.total_fen == 700


def test_unknown_or_inactive_supplier_and_location(buying):
    with pytest.raises(DomainError) as exc:
        services.create_purchase_order(supplier_id=999999, location_id=buying.wh1.pk,
                                       lines=[services.PoLine(buying.sku_a.pk, 1)], actor=buying.actor)
    assert exc.value.code == "supplier_not_found" and exc.value.status == 404
    with pytest.raises(LocationNotFound):
        services.create_purchase_order(supplier_id=buying.supplier.pk, location_id=999999,
                                       lines=[services.PoLine(buying.sku_a.pk, 1)], actor=buying.actor)
    services.update_supplier(supplier_id=buying.supplier.pk, is_active=False, actor=buying.actor)
    with pytest.raises(SupplierInactive):
        buying.po((buying.sku_a.pk, 1), confirm=False)
    assert not PurchaseOrder.objects.exists()


def test_edit_a_draft_replaces_lines_and_only_drafts_are_editable(buying):
    po = buying.po((buying.sku_a.pk, 10), confirm=False)
    po = services.update_purchase_order(purchase_order_id=po.pk, lines=[services.PoLine(buying.sku_b.pk, 2)],
                                        location_id=buying.wh2.pk, note="改到广州", actor=buying.actor)
    assert (po.location_id, po.note, po.total_fen) == (buying.wh2.pk, "改到广州", 5000)
    assert list(po.lines.values_list("sku_id", "quantity")) == [(buying.sku_b.pk, 2)]
    services.confirm_purchase_order(purchase_order_id=po.pk, actor=buying.actor)
    with pytest.raises(PurchaseOrderNotEditable) as exc:
        services.update_purchase_order(purchase_order_id=po.pk, note="晚了", actor=buying.actor)
    assert exc.value.status == 409
    po.refresh_from_db()
    assert po.note == "改到广州"


def test_confirm_below_the_supplier_minimum_only_when_told(buying):
    supplier = SupplierFactory(min_order_fen=100_000)
    services.set_supplier_price(supplier_id=supplier.pk, sku_id=buying.sku_a.pk, cost_fen=1000, actor=buying.actor)
    po = buying.po((buying.sku_a.pk, 10), supplier=supplier, confirm=False)
    with pytest.raises(BelowSupplierMinimum) as exc:
        services.confirm_purchase_order(purchase_order_id=po.pk, actor=buying.actor)
    assert exc.value.detail == {"total_fen": 10_000, "min_order_fen": 100_000}
    po.refresh_from_db()
    assert po.status == S.DRAFT and po.confirmed_at is None
    po = services.confirm_purchase_order(purchase_order_id=po.pk, allow_below_minimum=True, actor=buying.actor)
    assert po.status == S.CONFIRMED and po.confirmed_at is not None


def test_unknown_purchase_order_is_404(buying):
    with pytest.raises(PurchaseOrderNotFound):
        services.confirm_purchase_order(purchase_order_id=999999, actor=buying.actor)


# --- every action from every state ----------------------------------------------------------------

def _in_state(buying, state):
    po = buying.po((buying.sku_a.pk, 10), confirm=state != S.DRAFT)
    if state == S.CANCELLED:
        services.cancel_purchase_order(purchase_order_id=po.pk, reason="不要了", actor=buying.actor)
    if state in (S.PARTLY_RECEIVED, S.RECEIVED, S.CLOSED):
        buying.receive(po, (buying.sku_a.pk, 4 if state == S.PARTLY_RECEIVED else 10))
    if state == S.CLOSED:
        services.close_purchase_order(purchase_order_id=po.pk, actor=buying.actor)
    po.refresh_from_db()
    assert po.status == state
    return po


ACTIONS = {
    "confirm": lambda b, po: services.confirm_purchase_order(purchase_order_id=po.pk, actor=b.actor),
    "cancel": lambda b, po: services.cancel_purchase_order(purchase_order_id=po.pk, reason="取消", actor=b.actor),
    "close": lambda b, po: services.close_purchase_order(purchase_order_id=po.pk, reason="短收结案", actor=b.actor),
    "receive_part": lambda b, po: b.receive(po, (b.sku_a.pk, 2)),
    "receive_rest": lambda b, po: b.receive(po, (b.sku_a.pk, max(po.lines.get().outstanding, 1))),
}
# (state, action) → resulting state; every pair not listed is refused.
OUTCOMES = {
    (S.DRAFT, "confirm"): S.CONFIRMED,
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.CONFIRMED, "cancel"): S.CANCELLED,
    (S.CONFIRMED, "receive_part"): S.PARTLY_RECEIVED,
    (S.CONFIRMED, "receive_rest"): S.RECEIVED,
    (S.PARTLY_RECEIVED, "receive_part"): S.PARTLY_RECEIVED,
    (S.PARTLY_RECEIVED, "receive_rest"): S.RECEIVED,
    (S.PARTLY_RECEIVED, "close"): S.CLOSED,
    (S.RECEIVED, "close"): S.CLOSED,
}
STATES = [S.DRAFT, S.CONFIRMED, S.PARTLY_RECEIVED, S.RECEIVED, S.CLOSED, S.CANCELLED]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_state(buying, state, action):
    po = _in_state(buying, state)
    before = (po.status, po.lines.get().received_quantity, AuditEntry.objects.count(), po.receipts.count())
    expected = OUTCOMES.get((state, action))
    if expected is None:
        with pytest.raises(DomainError) as exc:
            ACTIONS[action](buying, po)
        assert exc.value.status == 409
        assert exc.value.code in ("invalid_transition", "purchase_order_not_receivable")
        po.refresh_from_db()
        assert (po.status, po.lines.get().received_quantity, AuditEntry.objects.count(),
                po.receipts.count()) == before
    else:
        ACTIONS[action](buying, po)
        po.refresh_from_db()
        assert po.status == expected
        last = history(po).last()
        assert (last.from_state, last.to_state) == (state, expected)


def test_cancel_and_short_close_need_a_reason(buying):
    po = buying.po((buying.sku_a.pk, 10))
    with pytest.raises(InvalidPurchaseOrder) as exc:
        services.cancel_purchase_order(purchase_order_id=po.pk, reason="  ", actor=buying.actor)
    assert "reason" in exc.value.detail["fields"]
    buying.receive(po, (buying.sku_a.pk, 6))
    with pytest.raises(InvalidPurchaseOrder):
        services.close_purchase_order(purchase_order_id=po.pk, actor=buying.actor)
    po.refresh_from_db()
    assert po.status == S.PARTLY_RECEIVED
    po = services.close_purchase_order(purchase_order_id=po.pk, reason="供应商缺货,余量不再发", actor=buying.actor)
    assert po.status == S.CLOSED and po.close_reason == "供应商缺货,余量不再发"
    entry = history(po).last()
    assert entry.data == {"short_close": True, "shortfall": [
        {"line_no": 1, "sku_id": buying.sku_a.pk, "ordered": 10, "received": 6, "short": 4}]}
