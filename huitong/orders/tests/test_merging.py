"""合单 (merge, undo, candidates, unmerged siblings) and 拆单 (split whole and partial lines)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core.errors import InvalidTransition
from huitong.core.models import AuditEntry
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.orders import merging, review, services
from huitong.orders.errors import (
    InvalidSplit,
    MergeGroupNotFound,
    OrderNotFound,
    OrderOnHold,
    OrdersNotMergeable,
)
from huitong.orders.merging import SplitLine
from huitong.orders.models import MergeGroup, MergeStatus, Order, OrderStatus, RuleKind
from huitong.orders.tests.workflow_shop import RECEIVER, WorkflowShop, world


@pytest.fixture
def shop(db):
    return WorkflowShop()


def buyer(shop, *lines, nick="茶友", **kwargs):
    return shop.paid(*(lines or [(shop.sku_a.pk, 1)]), buyer_nick=nick, **kwargs)


# --- merge ---------------------------------------------------------------------------------------------

def test_merge_two_orders_of_one_buyer_and_undo(shop):
    first, second = buyer(shop), buyer(shop, (shop.sku_b.pk, 1))
    group = merging.merge_orders(order_ids=[second.pk, first.pk], actor=shop.actor)
    assert group.status == MergeStatus.ACTIVE and group.master_id == first.pk and group.store_id == shop.store.pk
    assert group.order_numbers == [first.number, second.number]
    assert set(Order.objects.filter(merge_group=group).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert merging.unmerged_siblings(first.pk) == []
    # each keeps its own lines, amounts and reservations
    assert first.lines.count() == 1 and Order.objects.get(pk=second.pk).total_fen == second.total_fen
    merging.undo_merge(group_id=group.pk, actor=shop.actor, reason="买家要分开寄")
    group.refresh_from_db()
    assert group.status == MergeStatus.UNDONE and group.undone_at is not None
    assert not Order.objects.filter(merge_group__isnull=False).exists()
    assert list(AuditEntry.objects.filter(object_type="orders.mergegroup", object_id=str(group.pk)).order_by("id")
                .values_list("from_state", "to_state")) == [("", "active"), ("active", "undone")]
    before = world()
    with pytest.raises(InvalidTransition):
        merging.undo_merge(group_id=group.pk, actor=shop.actor)
    with pytest.raises(MergeGroupNotFound):
        merging.undo_merge(group_id=group.pk + 1, actor=shop.actor)
    assert world() == before


def test_a_third_order_joins_the_existing_group(shop):
    first, second, third = buyer(shop), buyer(shop), buyer(shop)
    group = merging.merge_orders(order_ids=[first.pk, second.pk], actor=shop.actor)
    again = merging.merge_orders(order_ids=[third.pk, second.pk], actor=shop.actor)
    assert again.pk == group.pk and len(again.order_numbers) == 3 and MergeGroup.objects.count() == 1


def _problem_cases(shop):
    store = shop.platform_store()
    return {
        "different receiver": lambda: buyer(shop, receiver=services.Receiver(**{**RECEIVER.__dict__,
                                                                                "address": "文二路 1 号"})),
        "different buyer": lambda: buyer(shop, nick="别人"),
        "held by review": lambda: (shop.rule(RuleKind.BUYER_REMARK), buyer(shop, buyer_remark="hi"))[1],
        "refund in progress": lambda: review.set_refund_hold(order_id=buyer(shop).pk, active=True, actor=shop.actor),
        "allocated": lambda: services.allocate_order(order_id=buyer(shop).pk, actor=shop.actor),
        "another store": lambda: shop.platform_order(store, buyer_nick="茶友"),
        "paid too late": lambda: _paid_later(shop),
    }


def _paid_later(shop):
    order = buyer(shop)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() + timedelta(days=2))
    return order


@pytest.mark.parametrize("case", ["different receiver", "different buyer", "held by review", "refund in progress",
                                  "allocated", "another store", "paid too late"])
def test_orders_that_cannot_ship_as_one_are_refused_and_nothing_changes(shop, case):
    first = buyer(shop)
    other = _problem_cases(shop)[case]()
    before = world()
    with pytest.raises(OrdersNotMergeable) as exc:
        merging.merge_orders(order_ids=[first.pk, other.pk], actor=shop.actor)
    assert exc.value.status == 409 and exc.value.detail["problems"]
    assert world() == before
    assert other.pk not in [o.pk for o in merging.merge_candidates(first.pk)]


def test_merge_needs_two_known_orders(shop):
    first = buyer(shop)
    before = world()
    with pytest.raises(OrdersNotMergeable):
        merging.merge_orders(order_ids=[first.pk, first.pk], actor=shop.actor)
    with pytest.raises(OrderNotFound):
        merging.merge_orders(order_ids=[first.pk, 999999], actor=shop.actor)
    assert world() == before


def test_candidates_and_unmerged_siblings(shop):
    first, second = buyer(shop), buyer(shop)
    stranger = buyer(shop, nick="别人")
    elsewhere = buyer(shop, receiver=services.Receiver(**{**RECEIVER.__dict__, "address": "文二路 1 号"}))
    assert [o.pk for o in merging.merge_candidates(first.pk)] == [second.pk]
    assert [o.pk for o in merging.unmerged_siblings(first.pk)] == [second.pk, elsewhere.pk]
    assert merging.unmerged_siblings(stranger.pk) == []
    merging.merge_orders(order_ids=[first.pk, second.pk], actor=shop.actor)
    assert [o.pk for o in merging.unmerged_siblings(first.pk)] == [elsewhere.pk]
    services.allocate_order(order_id=elsewhere.pk, actor=shop.actor)
    services.ship_order(order_id=elsewhere.pk, carrier_code="SF", waybill_no="SF9", actor=shop.actor)
    assert merging.unmerged_siblings(first.pk) == []  # shipped: too late to warn about
    with pytest.raises(OrderNotFound):
        merging.unmerged_siblings(999999)


def test_a_shipped_merge_cannot_be_undone(shop):
    first, second = buyer(shop), buyer(shop)
    group = merging.merge_orders(order_ids=[first.pk, second.pk], actor=shop.actor)
    services.allocate_order(order_id=first.pk, actor=shop.actor)
    services.ship_order(order_id=first.pk, carrier_code="SF", waybill_no="SF1", actor=shop.actor)
    before = world()
    with pytest.raises(OrdersNotMergeable) as exc:
        merging.undo_merge(group_id=group.pk, actor=shop.actor)
    assert exc.value.detail["shipped"] == [first.number] and world() == before


# --- split -------------------------------------------------------------------------------------------

def test_split_whole_lines_keeps_their_reservations_and_the_payment_adds_up(shop):
    order = shop.paid((shop.sku_a.pk, 2), (shop.sku_b.pk, 1), discount_fen=600, shipping_fen=800)
    reservation_b = order.lines.get(line_no=2).reservation_id
    new = merging.split_order(order_id=order.pk, lines=[SplitLine(2, 1)], actor=shop.actor)
    order.refresh_from_db()
    assert new.split_from_id == order.pk and new.status == OrderStatus.PAID and new.external_id == ""
    assert list(new.lines.values_list("line_no", "quantity", "reservation_id")) == [(1, 1, reservation_b)]
    assert order.lines.count() == 1
    assert order.total_fen + new.total_fen == 2 * 2990 + 5980 - 600 + 800 == order.paid_fen + new.paid_fen
    assert (new.shipping_fen, order.shipping_fen) == (0, 800)
    assert new.total_fen == sum(new.lines.values_list("amount_fen", flat=True))
    assert new.review_status == order.review_status and new.receiver_phone == RECEIVER.phone
    assert inventory_selectors.ledger_discrepancies() == []


def test_split_part_of_a_line_splits_its_amount_and_its_reservation(shop):
    order = shop.paid((shop.sku_a.pk, 3), discount_fen=100)
    new = merging.split_order(order_id=order.pk, lines=[SplitLine(1, 1)], actor=shop.actor)
    order.refresh_from_db()
    kept, moved = order.lines.get(), new.lines.get()
    assert (kept.quantity, moved.quantity) == (2, 1)
    assert kept.amount_fen + moved.amount_fen == 3 * 2990 - 100
    assert (kept.discount_fen, moved.discount_fen) == (67, 33)
    assert order.total_fen == kept.amount_fen and new.total_fen == moved.amount_fen
    held = Reservation.objects.filter(status=ReservationStatus.ACTIVE).values_list("pk", "quantity")
    assert sorted(q for _, q in held) == [1, 2] and {kept.reservation_id, moved.reservation_id} == {p for p, _ in held}
    assert StockItem.objects.get(sku=shop.sku_a, location=shop.wh1).reserved == 3
    assert inventory_selectors.ledger_discrepancies() == []
    services.allocate_order(order_id=new.pk, actor=shop.actor)
    services.ship_order(order_id=new.pk, carrier_code="SF", waybill_no="SF2", actor=shop.actor)
    assert StockItem.objects.get(sku=shop.sku_a, location=shop.wh1).reserved == 2
    again = merging.split_order(order_id=order.pk, lines=[SplitLine(1, 1)], actor=shop.actor)  # same line again
    assert again.lines.get().quantity == 1 and inventory_selectors.ledger_discrepancies() == []


def test_split_off_the_lines_without_stock_so_the_rest_can_ship(shop):
    store = shop.platform_store()
    order = shop.platform_order(store, quantity=12)  # 10 in stock: held out of stock, nothing reserved
    new = merging.split_order(order_id=order.pk, lines=[SplitLine(1, 2)], actor=shop.actor)
    for o in (order, new):
        o.refresh_from_db()
        assert [h["code"] for h in o.hold_reasons] == ["out_of_stock"]  # still unreserved: allocation decides
    services.allocate_order(order_id=order.pk, actor=shop.actor)  # the 10 that exist
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED and order.hold_reasons == []


@pytest.mark.parametrize(("lines", "field"), [
    ([], "lines"),
    ([SplitLine(9, 1)], "lines[0].line_no"),
    ([SplitLine(1, 0)], "lines[0].quantity"),
    ([SplitLine(1, 3)], "lines[0].quantity"),
    ([SplitLine(1, 1), SplitLine(1, 1)], "lines[1].line_no"),
    ([SplitLine(1, 2), SplitLine(2, 1)], "lines"),
])
def test_bad_splits_are_refused_and_nothing_changes(shop, lines, field):
    order = shop.paid((shop.sku_a.pk, 2), (shop.sku_b.pk, 1))
    before = world()
    with pytest.raises(InvalidSplit) as exc:
        merging.split_order(order_id=order.pk, lines=lines, actor=shop.actor)
    assert field in exc.value.detail["fields"] and world() == before


def test_split_refuses_allocated_merged_and_refunding_orders(shop):
    allocated = shop.paid((shop.sku_a.pk, 2))
    services.allocate_order(order_id=allocated.pk, actor=shop.actor)
    first, second = buyer(shop, (shop.sku_a.pk, 2)), buyer(shop)
    merging.merge_orders(order_ids=[first.pk, second.pk], actor=shop.actor)
    refunding = shop.paid((shop.sku_a.pk, 2))
    review.set_refund_hold(order_id=refunding.pk, active=True, actor=shop.actor)
    before = world()
    for order_id, error in [(allocated.pk, InvalidTransition), (first.pk, OrdersNotMergeable),
                            (refunding.pk, OrderOnHold)]:
        with pytest.raises(error):
            merging.split_order(order_id=order_id, lines=[SplitLine(1, 1)], actor=shop.actor)
    assert world() == before
