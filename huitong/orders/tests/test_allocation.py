"""分仓: the strategies (pure ranking and planning), allocation through the inventory services, failures
that hold the order and reserve nothing new, and merge groups allocated as one."""

from types import SimpleNamespace

import pytest

from huitong.core.errors import InvalidTransition
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.inventory.tests.factories import LocationFactory
from huitong.orders import allocation, merging, review, services
from huitong.orders.allocation import Candidate, plan, rank
from huitong.orders.errors import AllocationFailed, OrderOnHold
from huitong.orders.models import AllocationStrategy as A
from huitong.orders.models import OrderStatus, RuleAction, RuleKind
from huitong.orders.tests.workflow_shop import RECEIVER, WorkflowShop, world

SHENZHEN = services.Receiver(name="李四", phone="13912345678", province="广东省", city="深圳市", district="南山区",
                             address="科技园 8 号")


@pytest.fixture
def shop(db):
    return WorkflowShop()


def stock(sku, loc):
    item = StockItem.objects.filter(sku=sku, location=loc).first()
    return (item.on_hand, item.reserved) if item else (0, 0)


def placements(order):
    return list(order.lines.order_by("line_no").values_list("location_id", flat=True))


def active_reservations(order):
    ids = order.lines.values_list("reservation_id", flat=True)
    return Reservation.objects.filter(pk__in=ids, status=ReservationStatus.ACTIVE).count()


# --- pure: ranking and planning --------------------------------------------------------------------

CANDIDATES = [
    Candidate(1, "HZ", "浙江省", "杭州市", store_rank=0, priority=100),
    Candidate(2, "NB", "浙江省", "宁波市", store_rank=1, priority=100),
    Candidate(3, "SZ", "广东省", "深圳市", store_rank=2, priority=10),
    Candidate(4, "GZ", "广东省", "广州市", store_rank=2, priority=5),
]


@pytest.mark.parametrize(("strategies", "province", "city", "preferred", "expected"), [
    ([A.PRIORITY], "广东省", "深圳市", None, [1, 2, 4, 3]),
    ([A.NEAREST, A.PRIORITY], "广东省", "深圳市", None, [3, 4, 1, 2]),
    ([A.NEAREST, A.PRIORITY], "广东省", "佛山市", None, [4, 3, 1, 2]),
    ([A.NEAREST, A.PRIORITY], "浙江省", "宁波市", None, [2, 1, 4, 3]),
    ([A.PRIORITY, A.NEAREST], "广东省", "深圳市", None, [1, 2, 4, 3]),
    ([A.NEAREST, A.PRIORITY], "", "", None, [1, 2, 4, 3]),
    ([A.NEAREST, A.PRIORITY], "广东省", "深圳市", 2, [2, 3, 4, 1]),
    ([A.SINGLE_LOCATION, A.SPLIT], "广东省", "深圳市", None, [1, 2, 3, 4]),
])
def test_rank(strategies, province, city, preferred, expected):
    assert rank(CANDIDATES, strategies=strategies, province=province, city=city, preferred=preferred) == expected


def line(pk, sku, quantity, location=None, reservation=None):
    return SimpleNamespace(pk=pk, sku_id=sku, quantity=quantity, line_no=pk, order_id=1, location_id=location,
                           reservation_id=reservation)


STOCK = {(10, 1): 5, (11, 1): 0, (10, 2): 1, (11, 2): 3, (10, 3): 5, (11, 3): 3}


@pytest.mark.parametrize(("strategies", "ranked", "expected"), [
    ([A.SINGLE_LOCATION, A.SPLIT], [1, 2, 3], ({1: 3, 2: 3}, A.SINGLE_LOCATION)),
    ([A.SINGLE_LOCATION, A.SPLIT], [1, 2], ({1: 1, 2: 2}, A.SPLIT)),
    ([A.SINGLE_LOCATION], [1, 2], None),
    ([A.SPLIT], [1, 2, 3], ({1: 1, 2: 2}, A.SPLIT)),
    ([A.SPLIT], [1], None),
])
def test_plan(strategies, ranked, expected):
    found = plan([line(1, 10, 2), line(2, 11, 3)], ranked=ranked, available=STOCK, strategies=strategies)
    assert (None if found is None else (found.placements, found.strategy)) == expected


def test_plan_adds_up_two_lines_of_one_sku():
    lines = [line(1, 10, 3), line(2, 10, 3)]  # 6 of SKU 10: no location has 6
    found = plan(lines, ranked=[1, 3], available=STOCK, strategies=[A.SINGLE_LOCATION, A.SPLIT])
    assert (found.placements, found.strategy) == ({1: 1, 2: 3}, A.SPLIT)
    assert plan(lines, ranked=[1, 3], available={**STOCK, (10, 3): 6}, strategies=[A.SINGLE_LOCATION]).placements \
        == {1: 3, 2: 3}
    assert plan(lines, ranked=[1, 2], available=STOCK, strategies=[A.SPLIT]) is None


# --- allocating ---------------------------------------------------------------------------------------

def test_an_order_already_where_the_strategies_want_it_keeps_its_reservations(shop):
    order = shop.paid((shop.sku_a.pk, 2))
    before = list(order.lines.values_list("reservation_id", flat=True))
    allocated = services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert allocated.status == OrderStatus.ALLOCATED and allocated.allocated_at is not None
    assert list(order.lines.values_list("reservation_id", flat=True)) == before
    assert stock(shop.sku_a, shop.wh1) == (10, 2)


def _shenzhen(shop, quantity=5):
    sz = LocationFactory(code="SZ", province="广东省", city="深圳市")
    services.set_fulfillment_locations(store_id=shop.store.pk, location_ids=[shop.wh1.pk, shop.wh2.pk, sz.pk])
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=sz.pk, quantity=quantity, reference="r",
                            actor=shop.actor)
    return sz


def test_nearest_moves_the_reservation_to_the_receivers_city(shop):
    sz = _shenzhen(shop)
    order = shop.paid((shop.sku_a.pk, 2), receiver=SHENZHEN)
    assert placements(order) == [shop.wh1.pk]  # checkout reserved at the store's first location
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert placements(order) == [sz.pk] and active_reservations(order) == 1
    assert stock(shop.sku_a, shop.wh1) == (10, 0) and stock(shop.sku_a, sz) == (5, 2)
    assert inventory_selectors.ledger_discrepancies() == []


def test_priority_alone_keeps_the_store_order(shop):
    _shenzhen(shop)
    shop.settings(strategies=[A.SINGLE_LOCATION, A.PRIORITY, A.SPLIT])
    order = shop.paid((shop.sku_a.pk, 2), receiver=SHENZHEN)
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert placements(order) == [shop.wh1.pk]


def test_a_remark_rule_location_comes_first(shop):
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh2.pk, quantity=3, reference="r",
                            actor=shop.actor)
    shop.rule(RuleKind.REMARK_KEYWORD, keywords=["广州"], action=RuleAction.SET_LOCATION, location_id=shop.wh2.pk)
    order = shop.paid((shop.sku_a.pk, 2), buyer_remark="从广州发")
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert placements(order) == [shop.wh2.pk]


def test_whole_order_from_one_location_before_splitting(shop):
    inventory.receive_stock(sku_id=shop.sku_b.pk, location_id=shop.wh1.pk, quantity=1, reference="r",
                            actor=shop.actor)
    order = shop.paid((shop.sku_a.pk, 1), (shop.sku_b.pk, 1))
    assert placements(order) == [shop.wh1.pk, shop.wh1.pk]
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert placements(order) == [shop.wh1.pk, shop.wh1.pk]
    two = shop.paid((shop.sku_a.pk, 1), (shop.sku_b.pk, 2))  # SKU b: 0 left at HZ, 5 at GZ
    services.allocate_order(order_id=two.pk, actor=shop.actor)
    assert placements(two) == [shop.wh1.pk, shop.wh2.pk]


def test_without_split_an_order_no_single_location_can_ship_is_held_and_keeps_its_stock(shop):
    shop.settings(strategies=[A.SINGLE_LOCATION, A.PRIORITY])
    order = shop.paid((shop.sku_a.pk, 1), (shop.sku_b.pk, 1))  # a only at HZ, b only at GZ
    before = (placements(order), list(order.lines.values_list("reservation_id", flat=True)),
              stock(shop.sku_a, shop.wh1), stock(shop.sku_b, shop.wh2))
    with pytest.raises(AllocationFailed) as exc:
        services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert exc.value.status == 409 and "拆分" in exc.value.message
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and [h["code"] for h in order.hold_reasons] == ["allocation_failed"]
    assert before == (placements(order), list(order.lines.values_list("reservation_id", flat=True)),
                      stock(shop.sku_a, shop.wh1), stock(shop.sku_b, shop.wh2))
    shop.settings(strategies=[A.SINGLE_LOCATION, A.PRIORITY, A.SPLIT])
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED and order.hold_reasons == []


def test_a_platform_order_waiting_for_stock_is_reserved_by_allocation(shop):
    store = shop.platform_store()
    order = shop.platform_order(store, quantity=12)
    assert [h["code"] for h in order.hold_reasons] == ["out_of_stock"] and active_reservations(order) == 0
    before = world()
    with pytest.raises(AllocationFailed):
        services.allocate_order(order_id=order.pk, actor=shop.actor)
    order.refresh_from_db()
    assert {h["code"] for h in order.hold_reasons} == {"out_of_stock", "allocation_failed"}
    assert world()[2:5] == before[2:5]  # no reservation, movement or stock change
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh2.pk, quantity=12, reference="r",
                            actor=shop.actor)
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED and order.hold_reasons == []
    assert placements(order) == [shop.wh2.pk] and stock(shop.sku_a, shop.wh2) == (12, 12)
    assert inventory_selectors.ledger_discrepancies() == []


def test_stock_taken_between_planning_and_reserving_fails_cleanly(shop, monkeypatch):
    sz = _shenzhen(shop, quantity=1)
    order = shop.paid((shop.sku_a.pk, 2), receiver=SHENZHEN)
    real = allocation._available
    monkeypatch.setattr(allocation, "_available", lambda lines, ids: {**real(lines, ids), (shop.sku_a.pk, sz.pk): 9})
    before = (placements(order), stock(shop.sku_a, shop.wh1), stock(shop.sku_a, sz), Reservation.objects.count())
    with pytest.raises(AllocationFailed) as exc:
        services.allocate_order(order_id=order.pk, actor=shop.actor)
    assert "库存被占用" in exc.value.message
    assert before == (placements(order), stock(shop.sku_a, shop.wh1), stock(shop.sku_a, sz),
                      Reservation.objects.count())
    assert active_reservations(order) == 1 and inventory_selectors.ledger_discrepancies() == []


def test_held_or_unpaid_orders_are_refused_and_nothing_changes(shop):
    shop.rule(RuleKind.BUYER_REMARK)
    held = shop.paid(buyer_remark="hi")
    unpaid = shop.order((shop.sku_a.pk, 1)).order
    before = world()
    with pytest.raises(OrderOnHold):
        allocation.allocate(order_id=held.pk, actor=shop.actor)
    with pytest.raises(InvalidTransition):
        allocation.allocate(order_id=unpaid.pk, actor=shop.actor)
    assert world() == before


def test_batch_allocation_reports_each_order(shop):
    ok = shop.paid((shop.sku_a.pk, 1))
    two_places = shop.paid((shop.sku_a.pk, 1), (shop.sku_b.pk, 1))
    shop.settings(strategies=[A.SINGLE_LOCATION])
    results = allocation.allocate_orders(order_ids=[ok.pk, two_places.pk, 424242], actor=shop.actor)
    assert [(r.ok, r.code) for r in results] == [(True, ""), (False, "allocation_failed"), (False, "order_not_found")]
    two_places.refresh_from_db()
    assert two_places.status == OrderStatus.PAID and two_places.hold_reasons[0]["code"] == "allocation_failed"


def test_a_merge_group_is_allocated_as_one(shop):
    inventory.receive_stock(sku_id=shop.sku_b.pk, location_id=shop.wh1.pk, quantity=2, reference="r",
                            actor=shop.actor)
    first = shop.paid((shop.sku_a.pk, 1), buyer_nick="茶友")
    second = shop.paid((shop.sku_b.pk, 1), buyer_nick="茶友")
    assert placements(second) == [shop.wh1.pk]
    merging.merge_orders(order_ids=[first.pk, second.pk], actor=shop.actor)
    services.allocate_order(order_id=second.pk, actor=shop.actor)
    for order in (first, second):
        order.refresh_from_db()
        assert order.status == OrderStatus.ALLOCATED and placements(order) == [shop.wh1.pk]


def test_a_merge_group_with_a_held_member_is_refused(shop):
    first = shop.paid((shop.sku_a.pk, 1), buyer_nick="茶友")
    second = shop.paid((shop.sku_a.pk, 1), buyer_nick="茶友")
    merging.merge_orders(order_ids=[first.pk, second.pk], actor=shop.actor)
    review.set_refund_hold(order_id=second.pk, active=True, actor=shop.actor)
    before = world()
    with pytest.raises(OrderOnHold) as exc:
        services.allocate_order(order_id=first.pk, actor=shop.actor)
    assert exc.value.detail["order_id"] == second.pk and world() == before


def test_preview_reserves_nothing(shop):
    _shenzhen(shop)
    order = shop.paid((shop.sku_a.pk, 2), receiver=SHENZHEN)
    before = world()
    found = allocation.preview(order.pk)
    assert found.strategy == A.SINGLE_LOCATION and set(found.placements.values()) != {shop.wh1.pk}
    assert found.problem == "" and world() == before
    plain = shop.paid((shop.sku_a.pk, 1), receiver=RECEIVER)
    assert allocation.preview(plain.pk).ranked[0] == shop.wh1.pk
