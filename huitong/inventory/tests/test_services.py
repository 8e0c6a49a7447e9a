import pytest
from django.db import IntegrityError, connection, transaction

from huitong.catalog.errors import SkuNotFound
from huitong.catalog.tests.factories import SkuFactory
from huitong.core.actors import Actor
from huitong.inventory import selectors, services
from huitong.inventory.errors import (
    CountBelowReserved,
    InsufficientStock,
    InvalidQuantity,
    LocationNotFound,
    ReservationClosed,
)
from huitong.inventory.models import MovementKind, Reservation, ReservationStatus, StockItem, StockMovement
from huitong.inventory.tests.factories import LocationFactory

ACTOR = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.fixture
def sku():
    return SkuFactory()


@pytest.fixture
def wh():
    return LocationFactory()


def _item(sku, loc) -> StockItem:
    return StockItem.objects.get(sku=sku, location=loc)


def _snapshot():
    return (
        list(StockItem.objects.order_by("pk").values_list("on_hand", "reserved", "safety_stock")),
        StockMovement.objects.count(),
        list(Reservation.objects.order_by("pk").values_list("status", "quantity")),
    )


def test_receive_adds_on_hand_and_writes_the_ledger(sku, wh):
    m = services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=12, reference="PO1", actor=ACTOR)
    assert (m.kind, m.quantity, m.reference) == (MovementKind.RECEIVE, 12, "PO1")
    assert _item(sku, wh).on_hand == 12
    assert selectors.ledger_discrepancies() == []


@pytest.mark.parametrize("quantity", [0, -3, True, 1.5])
def test_bad_quantities_are_refused_and_change_nothing(sku, wh, quantity):
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=5, reference="r", actor=ACTOR)
    before = _snapshot()
    for call in (
        lambda: services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=quantity, reference="x", actor=ACTOR),
        lambda: services.transfer_stock(sku_id=sku.pk, from_location_id=wh.pk, to_location_id=LocationFactory().pk,
                                        quantity=quantity, reference="x", actor=ACTOR),
        lambda: services.reserve_stock(stock_item_id=_item(sku, wh).pk, quantity=quantity, reference="x"),
    ):
        with pytest.raises(InvalidQuantity) as exc:
            call()
        assert exc.value.status == 422 and exc.value.detail["fields"]
    assert _snapshot()[0][0] == before[0][0] and _snapshot()[1] == before[1]


def test_unknown_sku_or_location_is_404_and_writes_nothing(sku, wh):
    with pytest.raises(SkuNotFound):
        services.receive_stock(sku_id=999999, location_id=wh.pk, quantity=1, reference="r", actor=ACTOR)
    with pytest.raises(LocationNotFound):
        services.receive_stock(sku_id=sku.pk, location_id=999999, quantity=1, reference="r", actor=ACTOR)
    assert not StockItem.objects.exists() and not StockMovement.objects.exists()


def test_reserve_release_ship_keep_counts_and_ledger(sku, wh):
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=10, reference="r", actor=ACTOR)
    item = _item(sku, wh)
    a = services.reserve_stock(stock_item_id=item.pk, quantity=4, reference="o1")
    b = services.reserve_stock(stock_item_id=item.pk, quantity=6, reference="o2")
    assert (_item(sku, wh).on_hand, _item(sku, wh).reserved) == (10, 10)
    with pytest.raises(InsufficientStock) as exc:
        services.reserve_stock(stock_item_id=item.pk, quantity=1, reference="o3")
    assert exc.value.status == 409 and exc.value.detail["available"] == 0
    assert services.reserve_stock(stock_item_id=item.pk, quantity=4, reference="o1").pk == a.pk  # idempotent
    services.release_reservation(reservation_id=a.pk)
    assert services.release_reservation(reservation_id=a.pk) is None  # releasing twice is a no-op
    services.ship_reservation(reservation_id=b.pk, reference="o2", actor=ACTOR)
    assert services.ship_reservation(reservation_id=b.pk, reference="o2", actor=ACTOR) is None
    with pytest.raises(ReservationClosed):
        services.ship_reservation(reservation_id=a.pk, reference="o1", actor=ACTOR)
    item.refresh_from_db()
    assert (item.on_hand, item.reserved) == (4, 0)
    assert Reservation.objects.get(pk=b.pk).status == ReservationStatus.SHIPPED
    assert selectors.ledger_discrepancies() == []


def test_reserve_first_available_follows_location_order(sku, wh):
    store = LocationFactory(code="S1")
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=2, reference="r", actor=ACTOR)
    services.receive_stock(sku_id=sku.pk, location_id=store.pk, quantity=5, reference="r", actor=ACTOR)
    order = [wh.pk, store.pk]
    [held] = services.reserve_first_available(holds=[services.Hold(sku.pk, 3, "o")], location_ids=order)
    assert held.location_id == store.pk  # the first has only 2
    [held] = services.reserve_first_available(holds=[services.Hold(sku.pk, 2, "p")], location_ids=order)
    assert held.location_id == wh.pk
    with pytest.raises(InsufficientStock) as exc:
        services.reserve_first_available(holds=[services.Hold(sku.pk, 3, "q")], location_ids=order)
    assert exc.value.detail == {"sku_id": sku.pk, "requested": 3, "available": 2}


def test_reserve_first_available_is_all_or_nothing(sku, wh):
    other = SkuFactory()
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=5, reference="r", actor=ACTOR)
    services.receive_stock(sku_id=other.pk, location_id=wh.pk, quantity=1, reference="r", actor=ACTOR)
    before = _snapshot()
    with transaction.atomic():  # a caller that catches the refusal and carries on in its transaction
        with pytest.raises(InsufficientStock) as exc:
            services.reserve_first_available(holds=[services.Hold(sku.pk, 4, "a"), services.Hold(other.pk, 2, "b")],
                                             location_ids=[wh.pk])
        assert _snapshot() == before
    assert exc.value.detail["sku_id"] == other.pk
    assert _snapshot() == before and selectors.ledger_discrepancies() == []
    held = services.reserve_first_available(
        holds=[services.Hold(other.pk, 1, "c"), services.Hold(sku.pk, 4, "d")], location_ids=[wh.pk])
    assert [h.reference for h in held] == ["c", "d"]  # results follow the request order
    assert (_item(sku, wh).reserved, _item(other, wh).reserved) == (4, 1)


def test_reserving_a_closed_reference_again_is_refused(sku, wh):
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=5, reference="r", actor=ACTOR)
    r = services.reserve_stock(stock_item_id=_item(sku, wh).pk, quantity=2, reference="o1")
    services.release_reservation(reservation_id=r.pk)
    with pytest.raises(ReservationClosed):
        services.reserve_stock(stock_item_id=_item(sku, wh).pk, quantity=2, reference="o1")
    assert _item(sku, wh).reserved == 0


def test_stocktake_sets_on_hand_and_records_the_difference(sku, wh):
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=10, reference="r", actor=ACTOR)
    m = services.adjust_stock(sku_id=sku.pk, location_id=wh.pk, counted=7, reference="ST1", actor=ACTOR, reason="损耗")
    assert m.quantity == -3 and _item(sku, wh).on_hand == 7
    assert services.adjust_stock(sku_id=sku.pk, location_id=wh.pk, counted=7, reference="ST2", actor=ACTOR) is None
    services.reserve_stock(stock_item_id=_item(sku, wh).pk, quantity=5, reference="o")
    before = _snapshot()
    with pytest.raises(CountBelowReserved):
        services.adjust_stock(sku_id=sku.pk, location_id=wh.pk, counted=4, reference="ST3", actor=ACTOR)
    assert _snapshot() == before
    assert selectors.ledger_discrepancies() == []


def test_transfer_moves_only_available_stock(sku, wh):
    store = LocationFactory(code="S2")
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=10, reference="r", actor=ACTOR)
    services.reserve_stock(stock_item_id=_item(sku, wh).pk, quantity=6, reference="o")
    before = _snapshot()
    with pytest.raises(InsufficientStock):
        services.transfer_stock(sku_id=sku.pk, from_location_id=wh.pk, to_location_id=store.pk, quantity=5,
                                reference="T1", actor=ACTOR)
    assert _snapshot()[1] == before[1] and _item(sku, wh).on_hand == 10
    out, into = services.transfer_stock(sku_id=sku.pk, from_location_id=wh.pk, to_location_id=store.pk,
                                        quantity=4, reference="T2", actor=ACTOR)
    assert (out.quantity, into.quantity) == (-4, 4)
    assert (_item(sku, wh).on_hand, _item(sku, store).on_hand) == (6, 4)
    with pytest.raises(InvalidQuantity):
        services.transfer_stock(sku_id=sku.pk, from_location_id=wh.pk, to_location_id=wh.pk, quantity=1,
                                reference="T3", actor=ACTOR)
    assert selectors.ledger_discrepancies() == []


def test_reverse_movement_corrects_without_editing(sku, wh):
    m = services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=10, reference="r", actor=ACTOR)
    rev = services.reverse_movement(movement_id=m.pk, actor=ACTOR, reason="录错")
    assert rev.quantity == -10 and _item(sku, wh).on_hand == 0
    assert StockMovement.objects.get(pk=m.pk).quantity == 10
    assert selectors.ledger_discrepancies() == []


def test_ledger_rows_cannot_be_updated_or_deleted(sku, wh):
    m = services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1, reference="r", actor=ACTOR)
    for sql in ("UPDATE inventory_stockmovement SET quantity = 99 WHERE id = %s",
                "DELETE FROM inventory_stockmovement WHERE id = %s"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [m.pk])
    assert StockMovement.objects.get(pk=m.pk).quantity == 1


def test_database_refuses_reserved_above_on_hand(sku, wh):
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1, reference="r", actor=ACTOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(sku=sku, location=wh).update(reserved=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(sku=sku, location=wh).update(on_hand=-1, reserved=0)


def test_safety_stock(sku, wh):
    item = services.set_safety_stock(sku_id=sku.pk, location_id=wh.pk, safety_stock=3)
    assert item.safety_stock == 3
    with pytest.raises(InvalidQuantity):
        services.set_safety_stock(sku_id=sku.pk, location_id=wh.pk, safety_stock=-1)


def test_stock_of_sku_is_one_query(sku, wh, django_assert_num_queries):
    for i in range(3):
        loc = LocationFactory(code=f"L{i}")
        services.receive_stock(sku_id=sku.pk, location_id=loc.pk, quantity=i + 1, reference="r", actor=ACTOR)
    with django_assert_num_queries(1):
        levels = selectors.stock_of_sku(sku.pk)
    assert [lv.on_hand for lv in levels] == [1, 2, 3]
    with django_assert_num_queries(1):
        assert selectors.available_by_sku([sku.pk]) == {sku.pk: 6}


def test_reserve_each_meets_requests_in_order_each_all_or_nothing(sku, wh):
    other = SkuFactory()
    services.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=5, reference="r", actor=ACTOR)
    services.receive_stock(sku_id=other.pk, location_id=wh.pk, quantity=2, reference="r", actor=ACTOR)
    H = services.Hold
    outcomes = services.reserve_each(requests=[
        [H(sku.pk, 3, "o1/1"), H(other.pk, 1, "o1/2")],
        [H(sku.pk, 1, "o2/1"), H(other.pk, 2, "o2/2")],  # other has 1 left: refused whole
        [H(sku.pk, 2, "o3/1")],                            # gets the 2 that o2 did not take
        [H(sku.pk, 1, "o4/1")],                            # nothing left
    ], location_ids=[wh.pk])
    assert [h.reference for h in outcomes[0]] == ["o1/1", "o1/2"]
    assert isinstance(outcomes[1], InsufficientStock) and outcomes[1].detail["sku_id"] == other.pk
    assert [h.reference for h in outcomes[2]] == ["o3/1"]
    assert isinstance(outcomes[3], InsufficientStock)
    assert (_item(sku, wh).reserved, _item(other, wh).reserved) == (5, 1)
    assert selectors.ledger_discrepancies() == []
