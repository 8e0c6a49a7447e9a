from datetime import timedelta

import pytest
from django.utils import timezone

from huitong.core.errors import InvalidTransition
from huitong.core.models import AuditEntry, OutboxMessage
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.errors import InsufficientStock
from huitong.inventory.models import Reservation, StockItem, StockMovement
from huitong.orders import services
from huitong.orders.errors import InvalidOrder, OrderNotFound
from huitong.orders.models import Order, OrderLine, OrderStatus
from huitong.orders.states import ORDER_LIFECYCLE
from huitong.payments.models import Payment, PaymentStatus

S = OrderStatus


def stock(sku, loc):
    item = StockItem.objects.get(sku=sku, location=loc)
    return item.on_hand, item.reserved


def world():
    return (Order.objects.count(), OrderLine.objects.count(), Reservation.objects.count(),
            StockMovement.objects.count(), list(StockItem.objects.order_by("pk").values_list("on_hand", "reserved")),
            Payment.objects.count())


def test_create_reserves_spreads_discount_and_audits(shop):
    result = shop.order((shop.sku_a.pk, 2), (shop.sku_b.pk, 1), discount_fen=1000, shipping_fen=800,
                        external_id="E1", buyer_nick="茶友")
    order = result.order
    assert result.created and order.status == S.PENDING_PAYMENT
    assert (order.subtotal_fen, order.discount_fen, order.total_fen) == (11960, 1000, 11760)
    lines = list(order.lines.order_by("line_no"))
    assert [ln.discount_fen for ln in lines] == [500, 500]
    assert sum(ln.amount_fen for ln in lines) == order.subtotal_fen - order.discount_fen
    assert [ln.location_id for ln in lines] == [shop.wh1.pk, shop.wh2.pk]
    assert stock(shop.sku_a, shop.wh1) == (10, 2) and stock(shop.sku_b, shop.wh2) == (5, 1)
    assert AuditEntry.objects.filter(object_id=str(order.pk), to_state=S.PENDING_PAYMENT).count() == 1
    assert OutboxMessage.objects.filter(topic="order.created", key=order.number).exists()


def test_create_is_idempotent_per_store_and_external_id(shop):
    first = shop.order((shop.sku_a.pk, 1), external_id="TB-1")
    before = world()
    again = shop.order((shop.sku_a.pk, 1), external_id="TB-1")
    assert not again.created and again.order.pk == first.order.pk
    assert world() == before


def test_too_little_stock_is_409_and_writes_nothing(shop):
    before = world()
    with pytest.raises(InsufficientStock) as exc:
        shop.order((shop.sku_a.pk, 2), (shop.sku_b.pk, 6))
    assert exc.value.status == 409 and exc.value.detail["sku_id"] == shop.sku_b.pk
    assert world() == before


@pytest.mark.parametrize(
    ("lines", "kwargs", "field"),
    [
        ([], {}, "lines"),
        ([(1, 0)], {}, "lines[0].quantity"),
        ([(1, -2)], {}, "lines[0].quantity"),
        ([(1, 1, -5)], {}, "lines[0].unit_price_fen"),
        ([(1, 1)], {"discount_fen": -1}, "discount_fen"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(shop, lines, kwargs, field):
    before = world()
    with pytest.raises(InvalidOrder) as exc:
        shop.order(*lines, **kwargs)
    assert field in exc.value.detail["fields"]
    assert world() == before


def test_unknown_or_inactive_sku_and_oversized_discount(shop):
    before = world()
    with pytest.raises(InvalidOrder) as exc:
        shop.order((999999, 1))
    assert "lines[0].sku_id" in exc.value.detail["fields"]
    shop.sku_b.is_active = False
    shop.sku_b.save()
    with pytest.raises(InvalidOrder) as exc:
        shop.order((shop.sku_a.pk, 1), (shop.sku_b.pk, 1))
    assert "lines[1].sku_id" in exc.value.detail["fields"]
    with pytest.raises(InvalidOrder) as exc:
        shop.order((shop.sku_a.pk, 1), discount_fen=2991)
    assert "discount_fen" in exc.value.detail["fields"]
    assert world() == before


def test_full_lifecycle_pay_allocate_ship_complete(shop):
    order = shop.order((shop.sku_a.pk, 3)).order
    services.pay_order(order_id=order.pk, actor=shop.actor)
    order.refresh_from_db()
    assert order.status == S.PAID and order.paid_fen == order.total_fen
    assert Payment.objects.get(reference=order.number).status == PaymentStatus.PAID
    services.allocate_order(order_id=order.pk, actor=shop.actor)
    services.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF1234567890", actor=shop.actor)
    assert stock(shop.sku_a, shop.wh1) == (7, 0)
    services.complete_order(order_id=order.pk, actor=shop.actor)
    order.refresh_from_db()
    assert order.status == S.COMPLETED and order.waybill_no == "SF1234567890"
    trail = list(AuditEntry.objects.filter(object_type="orders.order", object_id=str(order.pk))
                 .order_by("id").values_list("from_state", "to_state"))
    assert trail == [("", S.PENDING_PAYMENT), (S.PENDING_PAYMENT, S.PAID), (S.PAID, S.ALLOCATED),
                     (S.ALLOCATED, S.SHIPPED), (S.SHIPPED, S.COMPLETED)]
    assert inventory_selectors.ledger_discrepancies() == []


def test_allocate_to_another_location_moves_reservations_all_or_nothing(shop):
    from huitong.inventory import services as inventory

    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=shop.wh2.pk, quantity=2, reference="r", actor=shop.actor)
    order = shop.order((shop.sku_a.pk, 2), (shop.sku_b.pk, 1)).order
    services.pay_order(order_id=order.pk, actor=shop.actor)
    services.allocate_order(order_id=order.pk, location_id=shop.wh2.pk, actor=shop.actor)
    assert set(order.lines.values_list("location_id", flat=True)) == {shop.wh2.pk}
    assert stock(shop.sku_a, shop.wh1) == (10, 0) and stock(shop.sku_a, shop.wh2) == (2, 2)

    other = shop.order((shop.sku_a.pk, 3)).order  # reserved at wh1
    services.pay_order(order_id=other.pk, actor=shop.actor)
    before = world()
    with pytest.raises(InsufficientStock):
        services.allocate_order(order_id=other.pk, location_id=shop.wh2.pk, actor=shop.actor)
    assert world() == before
    assert Order.objects.get(pk=other.pk).status == S.PAID


def test_cancel_releases_stock_and_refunds(shop):
    order = shop.order((shop.sku_a.pk, 4)).order
    services.pay_order(order_id=order.pk, actor=shop.actor)
    services.cancel_order(order_id=order.pk, actor=shop.actor, reason="买家不想要了")
    order.refresh_from_db()
    assert order.status == S.CANCELLED and order.cancel_reason == "买家不想要了"
    assert stock(shop.sku_a, shop.wh1) == (10, 0)
    payment = Payment.objects.get(reference=order.number)
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_fen == payment.amount_fen
    assert inventory_selectors.ledger_discrepancies() == []


@pytest.mark.parametrize("status", list(S))
def test_every_forbidden_transition_is_409_and_changes_nothing(shop, status):
    order = shop.order((shop.sku_a.pk, 1)).order
    Order.objects.filter(pk=order.pk).update(status=status)
    calls = {
        S.PAID: lambda: services.pay_order(order_id=order.pk, actor=shop.actor),
        S.ALLOCATED: lambda: services.allocate_order(order_id=order.pk, actor=shop.actor),
        S.SHIPPED: lambda: services.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF1", actor=shop.actor),
        S.COMPLETED: lambda: services.complete_order(order_id=order.pk, actor=shop.actor),
        S.CANCELLED: lambda: services.cancel_order(order_id=order.pk, actor=shop.actor, reason="x"),
    }
    for target, call in calls.items():
        if ORDER_LIFECYCLE.allows(status, target):
            continue
        before = world()
        with pytest.raises(InvalidTransition):
            call()
        assert world() == before and Order.objects.get(pk=order.pk).status == status


def test_ship_needs_carrier_and_waybill(shop):
    order = shop.order((shop.sku_a.pk, 1)).order
    with pytest.raises(InvalidOrder) as exc:
        services.ship_order(order_id=order.pk, carrier_code=" ", waybill_no="", actor=shop.actor)
    assert set(exc.value.detail["fields"]) == {"carrier_code", "waybill_no"}


def test_unknown_order_is_404(shop):
    with pytest.raises(OrderNotFound):
        services.pay_order(order_id=999999, actor=shop.actor)


def test_unpaid_orders_expire_and_release_stock(shop):
    old = shop.order((shop.sku_a.pk, 3), placed_at=timezone.now() - timedelta(minutes=31)).order
    fresh = shop.order((shop.sku_a.pk, 2)).order
    paid_old = shop.order((shop.sku_a.pk, 1), placed_at=timezone.now() - timedelta(hours=2)).order
    services.pay_order(order_id=paid_old.pk, actor=shop.actor)
    assert services.expire_unpaid_orders(timeout_minutes=30) == 1
    assert Order.objects.get(pk=old.pk).status == S.CANCELLED
    assert Order.objects.get(pk=fresh.pk).status == S.PENDING_PAYMENT
    assert Order.objects.get(pk=paid_old.pk).status == S.PAID
    assert stock(shop.sku_a, shop.wh1) == (10, 3)
    assert services.expire_unpaid_orders(timeout_minutes=30) == 0  # running again changes nothing


def test_expiry_task_uses_the_configured_timeout(shop, settings):
    from huitong.orders.tasks import expire_unpaid_orders_task

    settings.HUITONG_UNPAID_ORDER_TIMEOUT_MINUTES = 5
    order = shop.order((shop.sku_a.pk, 1), placed_at=timezone.now() - timedelta(minutes=6)).order
    assert expire_unpaid_orders_task.delay().get() == 1
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED


def test_receiver_personal_data_is_encrypted_at_rest(shop):
    from django.db import connection

    order = shop.order((shop.sku_a.pk, 1), receiver=services.Receiver(name="张三", phone="13800138000",
                                                                      province="浙江省", address="西湖区文三路 1 号")).order
    with connection.cursor() as cur:
        cur.execute("SELECT receiver_name, receiver_phone, address FROM orders_order WHERE id = %s", [order.pk])
        raw = cur.fetchone()
    assert "张三" not in raw[0] and "13800138000" not in raw[1] and "文三路" not in raw[2]
    assert Order.objects.get(pk=order.pk).receiver_phone == "13800138000"


def test_counter_sale_runs_the_whole_lifecycle_or_nothing(shop):
    from huitong.inventory.tests.factories import LocationFactory

    counter = LocationFactory(code="SHOP1")
    from huitong.channels.services import create_store
    from huitong.inventory import services as inventory

    store = create_store(code="POS1", name="西湖店", platform="pos")
    services.set_fulfillment_locations(store_id=store.pk, location_ids=[counter.pk])
    inventory.receive_stock(sku_id=shop.sku_a.pk, location_id=counter.pk, quantity=3, reference="r", actor=shop.actor)
    order = services.sell_at_counter(store_id=store.pk, lines=[services.LineSpec(shop.sku_a.pk, 2)], actor=shop.actor)
    assert order.status == S.COMPLETED and order.paid_fen == order.total_fen == 5980
    assert stock(shop.sku_a, counter) == (1, 0)
    assert Payment.objects.get(reference=order.number).method == "cash"
    before = world()
    with pytest.raises(InsufficientStock):
        services.sell_at_counter(store_id=store.pk, lines=[services.LineSpec(shop.sku_a.pk, 2)], actor=shop.actor)
    assert world() == before
