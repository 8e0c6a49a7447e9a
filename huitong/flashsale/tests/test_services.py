from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core import audit
from huitong.flashsale import gate as redis_gate
from huitong.flashsale import selectors, services
from huitong.flashsale.errors import (
    InvalidFlashSale,
    InvalidPurchase,
    LimitReached,
    NotEnoughStock,
    NotRunning,
    SaleNotEditable,
    SoldOut,
)
from huitong.flashsale.models import Claim, ClaimStatus, FlashSaleBuyer, FlashSaleStatus
from huitong.flashsale.tests.conftest import PATHS, RECEIVER
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.models import Reservation, ReservationStatus, StockItem
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def stock(flash):
    item = StockItem.objects.get(sku=flash.sku, location=flash.wh)
    return item.on_hand, item.reserved


def set_aside(sale):
    sale.refresh_from_db()
    return sale.reservation.quantity if sale.reservation_id else 0


def redis_remaining(sale):
    snap = redis_gate.gate().snapshot(sale_id=sale.pk)
    return snap and snap["remaining"]


def assert_balanced(flash, sale):
    """Stock reserved = set-aside + the claim orders (none shipped here); the set-aside = the DB counter."""
    sale.refresh_from_db()
    held = sum(
        Claim.objects.filter(sale=sale)
        .exclude(status=ClaimStatus.RETURNED)
        .values_list("quantity", flat=True)
    )
    open_sale = sale.status in ("scheduled", "running")
    assert set_aside(sale) == (sale.remaining if open_sale else 0)
    assert stock(flash)[1] == set_aside(sale) + held
    assert inventory_selectors.ledger_discrepancies() == []


# --- lifecycle ------------------------------------------------------------------------------------


def test_start_sets_the_quantity_aside_and_end_releases_the_rest(flash):
    sale = flash.sale(quantity=8)
    assert sale.status == FlashSaleStatus.RUNNING and sale.remaining == 8
    assert stock(flash) == (20, 8) and set_aside(sale) == 8
    [buyer] = flash.customers(1)
    flash.buy(sale, buyer, "db")
    assert stock(flash) == (20, 8) and set_aside(sale) == 7  # one unit moved to the order
    ended = services.end_sale(sale_id=sale.pk, actor=flash.actor)
    assert ended.status == FlashSaleStatus.ENDED and ended.released_quantity == 7 and ended.remaining == 0
    assert stock(flash) == (20, 1)  # the order keeps its unit
    assert Reservation.objects.get(reference=f"flash-sale:{sale.pk}").status == ReservationStatus.RELEASED
    assert [e.to_state for e in audit.history(ended)] == ["draft", "running", "ended"]
    with pytest.raises(NotRunning):
        flash.buy(sale, flash.customers(1)[0], "db")


def test_start_refuses_more_than_available_and_changes_nothing(flash):
    sale = flash.sale(start=False, quantity=21)
    with pytest.raises(NotEnoughStock):
        services.start_sale(sale_id=sale.pk, actor=flash.actor)
    sale.refresh_from_db()
    assert sale.status == FlashSaleStatus.DRAFT and stock(flash) == (20, 0)


def test_start_needs_the_stores_first_location(flash):
    sale = flash.sale(start=False, location_id=flash.wh2.pk)
    with pytest.raises(InvalidFlashSale) as err:
        services.start_sale(sale_id=sale.pk, actor=flash.actor)
    assert "location_id" in err.value.detail["fields"]


def test_a_sale_before_its_window_is_scheduled_and_the_clock_runs_and_ends_it(flash):
    now = timezone.now()
    sale = flash.sale(starts_at=now + timedelta(minutes=5), ends_at=now + timedelta(minutes=30), now=now)
    assert sale.status == FlashSaleStatus.SCHEDULED
    assert services.advance_sales(now=now + timedelta(minutes=6)) == {"started": 1, "ended": 0}
    assert services.advance_sales(now=now + timedelta(minutes=31)) == {"started": 0, "ended": 1}
    sale.refresh_from_db()
    assert sale.status == FlashSaleStatus.ENDED and stock(flash) == (20, 0)


def test_terms_are_validated_and_fixed_once_started(flash):
    now = timezone.now()
    with pytest.raises(InvalidFlashSale) as err:
        services.create_sale(
            name=" ",
            store_id=flash.store.pk,
            sku_id=999999,
            location_id=flash.wh.pk,
            price_fen=-1,
            starts_at=now,
            ends_at=now,
            quantity=2,
            per_buyer_limit=3,
            actor=flash.actor,
        )
    assert set(err.value.detail["fields"]) == {"name", "sku_id", "price_fen", "ends_at", "per_buyer_limit"}
    draft = flash.sale(start=False)
    assert services.update_sale(sale_id=draft.pk, price_fen=990, actor=flash.actor).price_fen == 990
    services.start_sale(sale_id=draft.pk, actor=flash.actor)
    with pytest.raises(SaleNotEditable):
        services.update_sale(sale_id=draft.pk, price_fen=1, actor=flash.actor)


# --- buying (both paths) --------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_purchase_creates_an_order_at_the_flash_price(flash, path):
    sale = flash.sale()
    [buyer] = flash.customers(1)
    done = flash.buy(sale, buyer, path)
    assert done.created and done.path == path
    order = done.order
    assert order.total_fen == 1990 and order.status == OrderStatus.PENDING_PAYMENT
    assert order.customer_id == buyer and order.external_id == f"FS{sale.pk}-{buyer}-1"
    assert list(order.lines.values_list("unit_price_fen", "quantity", "location_id")) == [
        (1990, 1, flash.wh.pk)
    ]
    assert done.claim.status == ClaimStatus.HELD and done.claim.claim_no == 1
    sale.refresh_from_db()
    assert sale.remaining == 9
    if path == "redis":
        assert redis_remaining(sale) == 9
    assert_balanced(flash, sale)


@pytest.mark.parametrize("path", PATHS)
def test_window_is_enforced(flash, path):
    now = timezone.now()
    sale = flash.sale(starts_at=now + timedelta(minutes=5), ends_at=now + timedelta(minutes=30), now=now)
    [buyer] = flash.customers(1)
    with pytest.raises(NotRunning) as early:
        flash.buy(sale, buyer, path, now=now)
    assert early.value.message == "秒杀尚未开始"
    with pytest.raises(NotRunning) as late:
        flash.buy(sale, buyer, path, now=now + timedelta(minutes=30))
    assert late.value.message == "秒杀已结束"
    assert flash.buy(sale, buyer, path, now=now + timedelta(minutes=6)).created
    draft = flash.sale(start=False)
    with pytest.raises(NotRunning):
        flash.buy(draft, buyer, path)


@pytest.mark.parametrize("path", PATHS)
def test_per_buyer_limit(flash, path):
    sale = flash.sale(limit=2)
    a, b = flash.customers(2)
    flash.buy(sale, a, path, quantity=2)
    with pytest.raises(LimitReached) as err:
        flash.buy(sale, a, path)
    assert err.value.detail["limit"] == 2 and len(err.value.detail["orders"]) == 1
    with pytest.raises(LimitReached):
        flash.buy(sale, b, path, quantity=3)
    flash.buy(sale, b, path)
    flash.buy(sale, b, path)
    assert FlashSaleBuyer.objects.get(sale=sale, customer_id=b).held == 2
    sale.refresh_from_db()
    assert sale.remaining == 6
    if path == "redis":
        assert redis_remaining(sale) == 6
    assert_balanced(flash, sale)


@pytest.mark.parametrize("path", PATHS)
def test_sold_out(flash, path):
    sale = flash.sale(quantity=3)
    buyers = flash.customers(5)
    for buyer in buyers[:3]:
        flash.buy(sale, buyer, path)
    with pytest.raises(SoldOut) as err:
        flash.buy(sale, buyers[3], path)
    assert err.value.message == "手慢了,商品已抢光"
    sale.refresh_from_db()
    assert sale.remaining == 0 and sale.reservation_id is None  # the emptied set-aside is closed
    assert Order.objects.count() == 3
    assert_balanced(flash, sale)


@pytest.mark.parametrize("path", PATHS)
def test_a_retried_request_returns_the_first_order(flash, path):
    sale = flash.sale(limit=3)
    [buyer] = flash.customers(1)
    first = flash.buy(sale, buyer, path, request_id="req-1")
    again = flash.buy(sale, buyer, path, request_id="req-1")
    assert not again.created and again.order.pk == first.order.pk
    assert Order.objects.count() == 1 and FlashSaleBuyer.objects.get(customer_id=buyer).held == 1
    other = flash.buy(sale, buyer, path, request_id="req-2")
    assert other.order.pk != first.order.pk and other.claim.claim_no == 2


@pytest.mark.parametrize("path", PATHS)
def test_a_failure_after_taking_the_unit_gives_it_back(flash, path, monkeypatch):
    sale = flash.sale(quantity=2)
    [buyer] = flash.customers(1)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(orders, "create_order", broken)
    with pytest.raises(RuntimeError):
        flash.buy(sale, buyer, path)
    sale.refresh_from_db()
    assert sale.remaining == 2 and set_aside(sale) == 2 and stock(flash) == (20, 2)
    assert not FlashSaleBuyer.objects.filter(customer_id=buyer).exists() and not Claim.objects.exists()
    if path == "redis":
        assert redis_remaining(sale) == 2
        assert redis_gate.gate().snapshot(sale_id=sale.pk)["held"] == 0
    monkeypatch.undo()
    assert flash.buy(sale, buyer, path).claim.claim_no == 1  # the buyer's limit was given back too


def test_missing_redis_keys_fall_back_to_the_database_path(flash):
    if redis_gate.gate() is None:
        pytest.skip("needs REDIS_URL")
    sale = flash.sale(quantity=2)
    redis_gate.gate().drop(sale_id=sale.pk)
    a, b, c = flash.customers(3)
    assert flash.buy(sale, a, None).path == "db"
    assert services.load_into_redis(sale_id=sale.pk)
    assert redis_remaining(sale) == 1
    with pytest.raises(LimitReached):
        flash.buy(sale, a, None)  # the reload carried the buyer's count
    assert flash.buy(sale, b, None).path == "redis"
    with pytest.raises(SoldOut):
        flash.buy(sale, c, None)


def test_purchase_input_is_validated(flash):
    sale = flash.sale()
    [buyer] = flash.customers(1)
    with pytest.raises(InvalidPurchase) as err:
        services.purchase(sale_id=sale.pk, customer_id=buyer, receiver=orders.Receiver(), quantity=0)
    assert set(err.value.detail["fields"]) == {
        "quantity",
        "receiver.name",
        "receiver.phone",
        "receiver.address",
    }
    assert not Order.objects.exists()


# --- unpaid timeout -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_timeout_sweep_returns_units_exactly_once(flash, path):
    now = timezone.now()
    sale = flash.sale(quantity=3, now=now)
    a, b, c, d = flash.customers(4)
    unpaid = flash.buy(sale, a, path, now=now)
    paid = flash.buy(sale, b, path, now=now)
    cancelled = flash.buy(sale, c, path, now=now)
    orders.pay_order(order_id=paid.order.pk, actor=flash.actor, review=False)
    orders.cancel_order(order_id=cancelled.order.pk, actor=flash.actor, reason="顾客不要了")
    with pytest.raises(SoldOut):
        flash.buy(sale, d, path, now=now)

    early = services.return_expired_claims(now=now + timedelta(minutes=5))
    assert early == {"returned": 1, "paid": 1}  # the cancelled order's unit comes back at once
    later = now + timedelta(minutes=11)
    assert services.return_expired_claims(now=later) == {"returned": 1, "paid": 0}
    assert services.return_expired_claims(now=later) == {"returned": 0, "paid": 0}
    assert services.settle_claim(claim_id=unpaid.claim.pk, now=later) == ""

    assert Order.objects.get(pk=unpaid.order.pk).status == OrderStatus.CANCELLED
    statuses = dict(Claim.objects.values_list("customer_id", "status"))
    assert statuses == {a: ClaimStatus.RETURNED, b: ClaimStatus.PAID, c: ClaimStatus.RETURNED}
    sale.refresh_from_db()
    assert sale.remaining == 2 and set_aside(sale) == 2
    assert FlashSaleBuyer.objects.get(customer_id=a).held == 0
    if path == "redis":
        assert redis_remaining(sale) == 2
    assert_balanced(flash, sale)
    # The returned units sell again, also to a buyer whose unit came back (a new claim number).
    assert flash.buy(sale, a, path, now=later).claim.claim_no == 2
    flash.buy(sale, d, path, now=later)
    assert_balanced(flash, sale)


def test_units_returned_after_the_end_go_to_general_stock(flash):
    now = timezone.now()
    sale = flash.sale(quantity=3, now=now)
    [buyer] = flash.customers(1)
    done = flash.buy(sale, buyer, "db", now=now)
    services.end_sale(sale_id=sale.pk, actor=flash.actor, now=now)
    assert stock(flash) == (20, 1)
    assert services.return_expired_claims(now=now + timedelta(minutes=11)) == {"returned": 1, "paid": 0}
    assert stock(flash) == (20, 0)
    assert Order.objects.get(pk=done.order.pk).status == OrderStatus.CANCELLED
    sale.refresh_from_db()
    assert sale.remaining == 0


def test_a_cancelled_order_whose_unit_was_sold_elsewhere_does_not_inflate_the_sale(flash):
    sale = flash.sale(quantity=20)
    [buyer] = flash.customers(1)
    done = flash.buy(sale, buyer, "db")
    orders.cancel_order(order_id=done.order.pk, actor=flash.actor, reason="客服取消")
    # General stock takes the freed unit before the sweep runs.
    orders.create_order(
        spec=orders.NewOrder(
            store_id=flash.store.pk, lines=[orders.LineSpec(flash.sku.pk, 1)], receiver=RECEIVER
        ),
        actor=flash.actor,
    )
    assert services.return_expired_claims() == {"returned": 1, "paid": 0}
    sale.refresh_from_db()
    assert sale.remaining == 19 and set_aside(sale) == 19 and stock(flash) == (20, 20)


def test_stats(flash):
    sale = flash.sale(quantity=5)
    a, b = flash.customers(2)
    flash.buy(sale, a, "db")
    paid = flash.buy(sale, b, "db")
    orders.pay_order(order_id=paid.order.pk, actor=flash.actor, review=False)
    services.return_expired_claims()
    stats = selectors.sale_stats(sale.pk)
    assert (stats.sold, stats.held, stats.paid, stats.returned, stats.buyers) == (2, 1, 1, 0, 2)
    assert (stats.remaining_db, stats.set_aside) == (3, 3)
    if redis_gate.gate() is not None:
        assert stats.remaining_redis == 5  # loaded at start; these buyers took the database path
