"""shrink_reservation / grow_reservation: a long-lived reservation whose quantity goes down and up."""

import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.core.actors import Actor
from huitong.inventory import selectors, services
from huitong.inventory.errors import (
    InsufficientStock,
    InvalidQuantity,
    ReservationClosed,
    ReservationNotFound,
)
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.inventory.tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    sku, location = SkuFactory(), LocationFactory()
    services.receive_stock(
        sku_id=sku.pk, location_id=location.pk, quantity=10, reference="in", actor=Actor.system()
    )
    item = StockItem.objects.get(sku=sku, location=location)
    return services.reserve_stock(stock_item_id=item.pk, quantity=6, reference="set-aside")


def levels(reservation):
    reservation.refresh_from_db()
    item = StockItem.objects.get(pk=reservation.stock_item_id)
    return item.on_hand, item.reserved, reservation.quantity, reservation.status


def test_shrink_gives_units_back_and_closes_at_zero(held):
    assert services.shrink_reservation(reservation_id=held.pk, quantity=2) == 4
    assert levels(held) == (10, 4, 4, ReservationStatus.ACTIVE)
    assert services.shrink_reservation(reservation_id=held.pk, quantity=4) == 0
    assert levels(held) == (10, 0, 4, ReservationStatus.RELEASED)  # the closed row keeps its last quantity
    assert selectors.ledger_discrepancies() == []


def test_shrinking_more_than_held_or_a_closed_one_changes_nothing(held):
    with pytest.raises(ReservationClosed):
        services.shrink_reservation(reservation_id=held.pk, quantity=7)
    assert levels(held) == (10, 6, 6, ReservationStatus.ACTIVE)
    services.release_reservation(reservation_id=held.pk)
    with pytest.raises(ReservationClosed):
        services.shrink_reservation(reservation_id=held.pk, quantity=1)
    assert levels(held) == (10, 0, 6, ReservationStatus.RELEASED)


def test_grow_holds_more_while_available(held):
    assert services.grow_reservation(reservation_id=held.pk, quantity=3) == 9
    assert levels(held) == (10, 9, 9, ReservationStatus.ACTIVE)
    with pytest.raises(InsufficientStock):
        services.grow_reservation(reservation_id=held.pk, quantity=2)
    assert levels(held) == (10, 9, 9, ReservationStatus.ACTIVE)


def test_grow_refuses_a_closed_reservation_and_bad_input(held):
    services.release_reservation(reservation_id=held.pk)
    with pytest.raises(ReservationClosed):
        services.grow_reservation(reservation_id=held.pk, quantity=1)
    assert levels(held) == (10, 0, 6, ReservationStatus.RELEASED)
    with pytest.raises(InvalidQuantity):
        services.grow_reservation(reservation_id=held.pk, quantity=0)
    with pytest.raises(ReservationNotFound):
        services.shrink_reservation(reservation_id=999999, quantity=1)
    assert Reservation.objects.count() == 1
