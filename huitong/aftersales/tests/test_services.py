import pytest
from django.db.models import Sum

from huitong.aftersales import selectors, services
from huitong.aftersales.errors import (
    InvalidInspection,
    InvalidRequest,
    OrderNotEligible,
    QuantityExceedsReturnable,
    RefundExceedsPaid,
    RequestNotFound,
)
from huitong.aftersales.models import (
    AfterSalesLine,
    AfterSalesRequest,
    RequestKind,
    RequestReason,
    RequestStatus,
)
from huitong.core.models import AuditEntry, OutboxMessage
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory.errors import InsufficientStock
from huitong.inventory.models import Location, Reservation, StockItem, StockMovement
from huitong.orders import services as orders
from huitong.orders.errors import OrderNotFound
from huitong.orders.models import Order, OrderStatus
from huitong.payments import services as payments
from huitong.payments.models import Payment, PaymentStatus

S, K = RequestStatus, RequestKind


def world():
    """Everything an after-sales service may write."""
    return (list(AfterSalesRequest.objects.order_by("pk").values_list("status", "refund_fen", "refunded_fen")),
            list(AfterSalesLine.objects.order_by("pk").values_list("quantity", "refund_fen", "resellable_quantity",
                                                                  "damaged_quantity")),
            list(Payment.objects.order_by("pk").values_list("status", "refunded_fen")),
            list(StockItem.objects.order_by("pk").values_list("on_hand", "reserved")),
            StockMovement.objects.count(), Order.objects.count(), Location.objects.count(),
            AuditEntry.objects.count(), OutboxMessage.objects.count())


def stock(sku, loc):
    item = StockItem.objects.filter(sku=sku, location=loc).first()
    return (item.on_hand, item.reserved) if item else (0, 0)


def refund_everything(shop, request):
    services.approve_request(request_id=request.pk, actor=shop.actor)
    if request.kind == K.RETURN_REFUND:
        services.receive_return(request_id=request.pk, inspections=shop.inspect_all(request), actor=shop.actor)
    return services.refund_request(request_id=request.pk, actor=shop.actor)


# --- opening --------------------------------------------------------------------------------------

def test_open_claims_lines_values_them_and_audits(shop):
    order = shop.shipped((shop.sku_a.pk, 2), (shop.sku_b.pk, 1), discount_fen=1000)
    request = shop.request(order, (1, 1), (2, 1), evidence_note="外包装破损,见照片")
    assert request.status == S.REQUESTED and request.number.startswith("AS")
    line_a, line_b = shop.line(order, 1), shop.line(order, 2)
    lines = list(request.lines.order_by("pk"))
    assert [ln.value_fen for ln in lines] == [round(line_a.amount_fen / 2), line_b.amount_fen]
    assert request.refund_fen == sum(ln.value_fen for ln in lines) == sum(ln.refund_fen for ln in lines)
    assert AuditEntry.objects.filter(object_type="aftersales.aftersalesrequest", object_id=str(request.pk),
                                     to_state=S.REQUESTED).count() == 1
    assert OutboxMessage.objects.filter(topic="aftersales.status_changed", key=request.number).exists()
    allowance = selectors.line_allowances(order.pk)[line_a.pk]
    assert (allowance.returnable_quantity, allowance.remaining_fen) == (1, line_a.amount_fen - lines[0].value_fen)


def test_a_lower_refund_is_spread_over_the_lines_by_value(shop):
    order = shop.shipped((shop.sku_a.pk, 1), (shop.sku_b.pk, 1))
    request = shop.request(order, refund_fen=1001)
    shares = list(request.lines.order_by("pk").values_list("refund_fen", flat=True))
    assert sum(shares) == 1001 and shares == [334, 667]  # 2990 : 5980, largest remainder


def test_line_values_add_up_to_the_line_amount_however_the_units_are_split(shop):
    order = shop.shipped((shop.sku_a.pk, 3), discount_fen=8970 - 1000)  # the line pays 1000 fen for 3 units
    first = shop.request(order, (1, 1), kind=K.REFUND_ONLY)
    second = shop.request(order, (1, 1), kind=K.REFUND_ONLY)
    third = shop.request(order, (1, 1), kind=K.REFUND_ONLY)
    assert [first.refund_fen, second.refund_fen, third.refund_fen] == [333, 333, 334]
    for request in (first, second, third):
        refund_everything(shop, request)
    payment = Payment.objects.get()
    assert (payment.amount_fen, payment.refunded_fen, payment.status) == (1000, 1000, PaymentStatus.REFUNDED)


def test_refund_above_what_was_paid_for_the_lines_is_422_and_nothing_changes(shop):
    order = shop.shipped((shop.sku_a.pk, 2), (shop.sku_b.pk, 1))
    before = world()
    with pytest.raises(RefundExceedsPaid) as exc:
        shop.request(order, (1, 1), refund_fen=2991)
    assert exc.value.status == 422 and exc.value.code == "refund_exceeds_paid"
    assert exc.value.detail == {"max_fen": 2990, "requested_fen": 2991}
    assert world() == before


def test_partial_refunds_over_two_requests_never_exceed_the_paid_total(shop):
    order = shop.shipped((shop.sku_a.pk, 2), (shop.sku_b.pk, 1))
    first = shop.request(order, (1, 1), (2, 1))
    refund_everything(shop, first)
    second = shop.request(order, (1, 1))
    before = world()
    with pytest.raises(QuantityExceedsReturnable) as exc:
        shop.request(order, (1, 1), kind=K.REFUND_ONLY)
    assert exc.value.status == 409 and exc.value.detail == {"line_no": 1, "requested": 1, "returnable": 0}
    assert world() == before
    refund_everything(shop, second)
    refunded = AfterSalesRequest.objects.filter(order=order).aggregate(s=Sum("refunded_fen"))["s"]
    assert refunded == order.paid_fen == Payment.objects.get().refunded_fen
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


def test_a_rejected_or_cancelled_request_frees_its_units(shop):
    order = shop.shipped((shop.sku_a.pk, 1))
    rejected = shop.request(order)
    services.reject_request(request_id=rejected.pk, reason="超过七天", actor=shop.actor)
    cancelled = shop.request(order)
    services.cancel_request(request_id=cancelled.pk, actor=shop.actor)
    again = shop.request(order, kind=K.REFUND_ONLY)
    assert again.refund_fen == 2990
    assert AfterSalesRequest.objects.get(pk=rejected.pk).decision_note == "超过七天"


@pytest.mark.parametrize(
    ("kind", "status"),
    [(K.RETURN_REFUND, "paid"), (K.EXCHANGE, "allocated"), (K.REFUND_ONLY, "pending_payment"),
     (K.REFUND_ONLY, "cancelled")],
)
def test_wrong_order_state_is_409_and_nothing_changes(shop, kind, status):
    order = shop.order((shop.sku_a.pk, 1)).order
    if status != "pending_payment":
        orders.pay_order(order_id=order.pk, actor=shop.actor)
    if status == "allocated":
        orders.allocate_order(order_id=order.pk, actor=shop.actor)
    if status == "cancelled":
        orders.cancel_order(order_id=order.pk, reason="买家取消", actor=shop.actor)
    before = world()
    with pytest.raises(OrderNotEligible) as exc:
        shop.request(Order.objects.get(pk=order.pk), kind=kind)
    assert exc.value.code == "order_not_eligible" and exc.value.detail["order_status"] == status
    assert world() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "swap"}, "kind"),
        ({"reason": "bored"}, "reason"),
        ({"lines": []}, "lines"),
        ({"lines": [(0, 0)]}, "lines[0].quantity"),
        ({"lines": [(0, 1), (0, 1)]}, "lines[1].order_line_id"),
        ({"lines": [(0, 1, "sku")]}, "lines[0].exchange_sku_id"),
        ({"refund_fen": 0}, "refund_fen"),
        ({"refund_fen": 10, "kind": K.EXCHANGE}, "refund_fen"),
        ({"lines": [(999999, 1)]}, "lines[0].order_line_id"),
        ({"lines": [(0, 1, 999999)], "kind": K.EXCHANGE}, "lines[0].exchange_sku_id"),
    ],
)
def test_bad_input_is_422_with_the_field_and_nothing_changes(shop, change, field):
    order = shop.shipped((shop.sku_a.pk, 2))
    line_id = shop.line(order).pk
    args = {"kind": K.RETURN_REFUND, "reason": RequestReason.QUALITY, "refund_fen": None,
            "lines": [(0, 1)], **change}
    lines = [services.LineRequest(line_id if ref == 0 else ref, qty,
                                  shop.sku_b.pk if rest == ["sku"] else (rest[0] if rest else None))
             for ref, qty, *rest in args.pop("lines")]
    before = world()
    with pytest.raises(InvalidRequest) as exc:
        services.open_request(spec=services.NewRequest(order_id=order.pk, lines=lines, **args), actor=shop.actor)
    assert exc.value.status == 422 and field in exc.value.detail["fields"]
    assert world() == before


def test_unknown_order_and_request_are_404(shop):
    spec = services.NewRequest(order_id=999999, kind=K.REFUND_ONLY, reason=RequestReason.OTHER,
                               lines=[services.LineRequest(1, 1)])
    with pytest.raises(OrderNotFound):
        services.open_request(spec=spec, actor=shop.actor)
    with pytest.raises(RequestNotFound):
        services.approve_request(request_id=999999, actor=shop.actor)
    with pytest.raises(RequestNotFound):
        selectors.get_request(999999)


# --- approval -------------------------------------------------------------------------------------

def test_approve_may_lower_the_refund_but_never_above_the_value(shop):
    order = shop.shipped((shop.sku_a.pk, 2))
    request = shop.request(order, (1, 2))
    before = world()
    with pytest.raises(RefundExceedsPaid):
        services.approve_request(request_id=request.pk, refund_fen=5981, actor=shop.actor)
    with pytest.raises(InvalidRequest):
        services.approve_request(request_id=request.pk, refund_fen=-1, actor=shop.actor)
    assert world() == before
    approved = services.approve_request(request_id=request.pk, refund_fen=5000, note="扣除包装费", actor=shop.actor)
    assert (approved.status, approved.refund_fen, approved.decision_note) == (S.APPROVED, 5000, "扣除包装费")
    assert AfterSalesLine.objects.get(request=request).refund_fen == 5000


def test_an_exchange_takes_no_refund_at_approval(shop):
    request = shop.request(shop.shipped((shop.sku_a.pk, 1)), kind=K.EXCHANGE)
    before = world()
    with pytest.raises(InvalidRequest):
        services.approve_request(request_id=request.pk, refund_fen=100, actor=shop.actor)
    assert world() == before


# --- receiving and inspection ---------------------------------------------------------------------

def test_inspection_restocks_resellable_goods_and_sends_damaged_ones_to_the_defective_location(shop):
    order = shop.shipped((shop.sku_a.pk, 3), (shop.sku_b.pk, 1))
    assert stock(shop.sku_a, shop.wh1) == (7, 0) and stock(shop.sku_b, shop.wh2) == (4, 0)
    request = shop.request(order)
    services.approve_request(request_id=request.pk, actor=shop.actor)
    line_a, line_b = request.lines.order_by("pk")
    inspections = [services.Inspection(line_a.pk, resellable=2, damaged=1), services.Inspection(line_b.pk)]
    services.receive_return(request_id=request.pk, inspections=inspections, carrier_code="ZTO",
                            waybill_no="7312345678901", actor=shop.actor)
    request.refresh_from_db()
    assert request.status == S.GOODS_RECEIVED and request.return_waybill_no == "7312345678901"
    defective = Location.objects.get(code="DEFECTIVE")
    assert defective.kind == "warehouse"
    assert stock(shop.sku_a, shop.wh1) == (9, 0) and stock(shop.sku_a, defective) == (1, 0)
    assert stock(shop.sku_b, shop.wh2) == (4, 0)  # line b never arrived
    moves = StockMovement.objects.filter(reference=request.number)
    assert sorted((m.stock_item.location_id, m.kind, m.quantity) for m in moves) == sorted(
        [(shop.wh1.pk, "receive", 2), (defective.pk, "receive", 1)])
    assert inventory_selectors.ledger_discrepancies() == []
    assert list(request.lines.order_by("pk").values_list("resellable_quantity", "damaged_quantity")) == [(2, 1), (0, 0)]
    # a second receipt elsewhere reuses the defective location
    other = shop.request(shop.shipped((shop.sku_a.pk, 1)))
    services.approve_request(request_id=other.pk, actor=shop.actor)
    services.receive_return(request_id=other.pk, inspections=shop.inspect_all(other, damaged=1), actor=shop.actor)
    assert Location.objects.filter(code="DEFECTIVE").count() == 1 and stock(shop.sku_a, defective) == (2, 0)
    assert inventory_selectors.ledger_discrepancies() == []


def test_the_defective_location_code_comes_from_settings(shop, settings):
    settings.HUITONG_DEFECTIVE_LOCATION_CODE = "BAD-GOODS"
    request = shop.request(shop.shipped((shop.sku_a.pk, 1)))
    services.approve_request(request_id=request.pk, actor=shop.actor)
    services.receive_return(request_id=request.pk, inspections=shop.inspect_all(request, damaged=1), actor=shop.actor)
    assert stock(shop.sku_a, Location.objects.get(code="BAD-GOODS")) == (1, 0)


@pytest.mark.parametrize(
    ("inspect", "field"),
    [
        (lambda ids: [services.Inspection(ids[0], resellable=2, damaged=1)], "lines[0]"),
        (lambda ids: [services.Inspection(ids[0], resellable=-1)], "lines[0]"),
        (lambda ids: [services.Inspection(999999, resellable=1)], "lines[0].line_id"),
        (lambda ids: [services.Inspection(ids[0], 1), services.Inspection(ids[0], 1)], "lines[1].line_id"),
        (lambda ids: [services.Inspection(ids[0])], "lines"),
        (lambda ids: [], "lines"),
    ],
)
def test_bad_inspection_is_422_and_nothing_changes(shop, inspect, field):
    request = shop.request(shop.shipped((shop.sku_a.pk, 2)))
    services.approve_request(request_id=request.pk, actor=shop.actor)
    ids = list(request.lines.values_list("pk", flat=True))
    before = world()
    with pytest.raises(InvalidInspection) as exc:
        services.receive_return(request_id=request.pk, inspections=inspect(ids), actor=shop.actor)
    assert exc.value.code == "invalid_inspection" and field in exc.value.detail["fields"]
    assert world() == before


# --- refunding ------------------------------------------------------------------------------------

def test_refund_goes_through_the_payment_and_is_audited(shop):
    order = shop.shipped((shop.sku_a.pk, 2))
    request = refund_everything(shop, shop.request(order, (1, 1), reason=RequestReason.NO_REASON_7_DAYS))
    assert (request.status, request.refunded_fen, request.settled_on_platform) == (S.REFUNDED, 2990, False)
    payment = Payment.objects.get(reference=order.number)
    assert (payment.refunded_fen, payment.status) == (2990, PaymentStatus.PARTIALLY_REFUNDED)
    entry = AuditEntry.objects.get(object_id=str(request.pk), to_state=S.REFUNDED)
    assert entry.data["payments"] == [{"payment_id": payment.pk, "amount_fen": 2990}]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_refund_spreads_over_several_payments_in_proportion_never_above_each_net(shop):
    order = shop.order((shop.sku_a.pk, 2)).order  # 5980 paid in two tenders: 1000 cash, then the rest
    payments.take_payment(reference=order.number, amount_fen=1000, method="cash", actor=shop.actor)
    Order.objects.filter(pk=order.pk).update(paid_fen=1000)
    orders.pay_order(order_id=order.pk, actor=shop.actor)
    orders.allocate_order(order_id=order.pk, actor=shop.actor)
    orders.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF1", actor=shop.actor)
    first, second = Payment.objects.filter(reference=order.number).order_by("pk")
    payments.refund_payment(payment_id=first.pk, amount_fen=400, actor=shop.actor, reason="差价")
    refund_everything(shop, shop.request(Order.objects.get(pk=order.pk), refund_fen=5500))
    first.refresh_from_db()
    second.refresh_from_db()
    # 5500 over what each still holds (600 and 4980), largest remainder: 591 and 4909
    assert (first.refunded_fen, second.refunded_fen) == (400 + 591, 4909)
    assert first.status == PaymentStatus.PARTIALLY_REFUNDED


def test_an_unshipped_order_fully_refunded_is_cancelled_and_its_stock_released(shop):
    order = shop.paid((shop.sku_a.pk, 2), shipping_fen=800)
    assert stock(shop.sku_a, shop.wh1) == (10, 2)
    refund_everything(shop, shop.request(order, (1, 1), kind=K.REFUND_ONLY))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID  # half refunded: still to ship
    refund_everything(shop, shop.request(order, (1, 1), kind=K.REFUND_ONLY))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock(shop.sku_a, shop.wh1) == (10, 0)
    assert not Reservation.objects.filter(status="active").exists()
    payment = Payment.objects.get(reference=order.number)
    assert payment.refunded_fen == payment.amount_fen == 5980 + 800  # the shipping fee goes back with the order


# --- exchange -------------------------------------------------------------------------------------

def test_exchange_ships_a_zero_price_replacement_order(shop):
    order = shop.shipped((shop.sku_a.pk, 2), receiver=orders.Receiver(name="王五", phone="13800000000",
                                                                        province="浙江省", city="杭州市",
                                                                        address="文一路 1 号"))
    request = shop.request(order, (1, 2, shop.sku_b.pk), kind=K.EXCHANGE, reason=RequestReason.WRONG_ITEM)
    assert request.refund_fen == 0
    services.approve_request(request_id=request.pk, actor=shop.actor)
    line = request.lines.get()
    services.receive_return(request_id=request.pk, actor=shop.actor,
                            inspections=[services.Inspection(line.pk, resellable=1)])  # one parcel item lost
    done = services.exchange_request(request_id=request.pk, actor=shop.actor)
    assert done.status == S.EXCHANGED
    new = Order.objects.get(pk=done.replacement_order_id)
    assert (new.status, new.total_fen, new.paid_fen, new.store_id) == (OrderStatus.PAID, 0, 0, order.store_id)
    assert (new.receiver_name, new.address) == ("王五", "文一路 1 号")
    assert [(ln.sku_id, ln.quantity, ln.amount_fen) for ln in new.lines.all()] == [(shop.sku_b.pk, 1, 0)]
    assert stock(shop.sku_b, shop.wh2) == (5, 1)
    assert not Payment.objects.filter(reference=new.number).exists()
    assert selectors.get_request(request.pk).replacement_order.number == new.number
    assert inventory_selectors.ledger_discrepancies() == []


def test_exchange_without_stock_is_409_and_nothing_changes(shop):
    order = shop.shipped((shop.sku_a.pk, 1))
    request = shop.request(order, (1, 1, shop.sku_b.pk), kind=K.EXCHANGE)
    services.approve_request(request_id=request.pk, actor=shop.actor)
    services.receive_return(request_id=request.pk, inspections=shop.inspect_all(request), actor=shop.actor)
    orders.sell_at_counter(store_id=shop.store.pk, lines=[orders.LineSpec(shop.sku_b.pk, 5)], actor=shop.actor)
    before = world()
    with pytest.raises(InsufficientStock):
        services.exchange_request(request_id=request.pk, actor=shop.actor)
    assert world() == before


def test_after_sales_in_progress_holds_the_unshipped_order_until_it_ends(db):
    from huitong.aftersales import services as aftersales
    from huitong.orders.models import Order
    from huitong.orders.services import pay_order
    from huitong.orders.tests.conftest import Shop

    shop = Shop()
    order = shop.order((shop.sku_a.pk, 2), (shop.sku_b.pk, 1)).order
    pay_order(order_id=order.pk, actor=shop.actor)
    line = order.lines.get(line_no=1)
    request = aftersales.open_request(spec=aftersales.NewRequest(
        order_id=order.pk, kind="refund_only", reason="no_reason_7_days",
        lines=[aftersales.LineRequest(order_line_id=line.pk, quantity=1)]), actor=shop.actor)
    assert [h["code"] for h in Order.objects.get(pk=order.pk).hold_reasons] == ["refund_in_progress"]
    aftersales.cancel_request(request_id=request.pk, actor=shop.actor, reason="买家撤销")
    assert Order.objects.get(pk=order.pk).hold_reasons == []
