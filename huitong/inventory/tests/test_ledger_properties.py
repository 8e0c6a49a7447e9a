"""Any sequence of stock operations keeps the invariants: 0 <= reserved <= on_hand, on_hand equals
the ledger sum, reserved equals the active reservations — whether each operation succeeds or is refused."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huitong.catalog.tests.factories import SkuFactory
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.inventory import selectors, services
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.inventory.tests.factories import LocationFactory

ACTOR = Actor.system("prop")
_counter = itertools.count()

qty = st.integers(min_value=-2, max_value=15)
op = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 1), qty),
    st.tuples(st.just("adjust"), st.integers(0, 1), st.integers(min_value=-1, max_value=20)),
    st.tuples(st.just("transfer"), st.integers(0, 1), qty),
    st.tuples(st.just("reserve"), st.integers(0, 1), qty),
    st.tuples(st.just("release"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("ship"), st.integers(0, 30), st.just(0)),
)


def _apply(kind, a, b, sku, locs, tag):
    loc = locs[a % 2]
    if kind == "receive":
        services.receive_stock(sku_id=sku.pk, location_id=loc.pk, quantity=b, reference=tag, actor=ACTOR)
    elif kind == "adjust":
        services.adjust_stock(sku_id=sku.pk, location_id=loc.pk, counted=b, reference=tag, actor=ACTOR)
    elif kind == "transfer":
        services.transfer_stock(sku_id=sku.pk, from_location_id=loc.pk, to_location_id=locs[(a + 1) % 2].pk,
                                quantity=b, reference=tag, actor=ACTOR)
    elif kind == "reserve":
        item = services.ensure_stock_item(sku_id=sku.pk, location_id=loc.pk)
        services.reserve_stock(stock_item_id=item.pk, quantity=b, reference=tag)
    else:
        held = list(Reservation.objects.filter(stock_item__sku=sku).order_by("pk").values_list("pk", flat=True))
        if not held:
            return
        rid = held[a % len(held)]
        if kind == "release":
            services.release_reservation(reservation_id=rid)
        else:
            services.ship_reservation(reservation_id=rid, reference=tag, actor=ACTOR)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(op, min_size=1, max_size=25))
def test_any_sequence_keeps_the_invariants(ops):
    n = next(_counter)
    sku = SkuFactory()
    locs = [LocationFactory(code=f"P{n}A"), LocationFactory(code=f"P{n}B")]
    for i, (kind, a, b) in enumerate(ops):
        try:
            _apply(kind, a, b, sku, locs, f"{n}-{i}")
        except DomainError:
            pass  # refused operations must leave everything as it was; the checks below prove it
    for item in StockItem.objects.filter(sku=sku):
        assert 0 <= item.reserved <= item.on_hand
        active = sum(Reservation.objects.filter(stock_item=item, status=ReservationStatus.ACTIVE)
                     .values_list("quantity", flat=True))
        assert item.reserved == active
    assert selectors.ledger_discrepancies() == []
