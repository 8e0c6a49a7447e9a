"""Platform refunds become after-sales requests, once per (order, platform refund id)."""

import pytest

from huitong.aftersales import services
from huitong.aftersales.errors import InvalidRequest, QuantityExceedsReturnable, RefundExceedsPaid
from huitong.aftersales.models import AfterSalesRequest, RequestKind, RequestReason, RequestStatus
from huitong.aftersales.platform import PlatformLineRef, open_platform_request
from huitong.core.models import AuditEntry
from huitong.inventory.models import StockItem
from huitong.orders import services as orders
from huitong.orders.models import Order, OrderStatus
from huitong.payments.models import Payment

S, K = RequestStatus, RequestKind


@pytest.fixture
def tmall(shop):
    return shop.platform_store()


def call(order, state, *, refund_id="RF-1", refs=("SUB-1",), amount=2990, reason="质量问题", **kwargs):
    return open_platform_request(order_id=order.pk, platform_refund_id=refund_id, line_refs=list(refs),
                                 amount_fen=amount, reason=reason, state=state, **kwargs)


def snapshot():
    return (list(AfterSalesRequest.objects.order_by("pk").values_list("status", "refund_fen", "refunded_fen")),
            AuditEntry.objects.count())


def test_platform_request_is_idempotent_and_follows_the_platform(shop, tmall):
    order = shop.platform_order(tmall)
    first = call(order, "requested", refs=[PlatformLineRef("SUB-1", 1)])
    assert (first.status, first.refund_fen, first.reason, first.platform_refund_id) == (
        S.REQUESTED, 2990, RequestReason.QUALITY, "RF-1")
    before = snapshot()
    again = call(order, "requested", refs=[PlatformLineRef("SUB-1", 1)])
    assert again.pk == first.pk and snapshot() == before
    approved = call(order, "approved", refs=[PlatformLineRef("SUB-1", 1)])
    assert approved.status == S.APPROVED
    refunded = call(order, "refunded", refs=[PlatformLineRef("SUB-1", 1)])
    assert (refunded.status, refunded.refunded_fen, refunded.settled_on_platform) == (S.REFUNDED, 2990, True)
    before = snapshot()
    assert call(order, "approved").status == S.REFUNDED  # a late, older snapshot changes nothing
    assert call(order, "refunded").status == S.REFUNDED
    assert snapshot() == before
    assert AfterSalesRequest.objects.count() == 1 and not Payment.objects.exists()


def test_refunded_on_first_sight_walks_the_whole_way(shop, tmall):
    order = shop.platform_order(tmall)
    request = call(order, "refunded", refs=["SUB-2"], amount=5980, reason="不想要了")
    assert (request.status, request.reason, request.settled_on_platform) == (S.REFUNDED, RequestReason.CHANGED_MIND,
                                                                             True)
    assert [e.to_state for e in AuditEntry.objects.filter(object_id=str(request.pk),
                                                          object_type="aftersales.aftersalesrequest")
            .order_by("pk")] == [S.REQUESTED, S.APPROVED, S.REFUNDED]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID  # SUB-1 still to ship


def test_a_whole_order_platform_refund_cancels_the_unshipped_order(shop, tmall):
    order = shop.platform_order(tmall)
    assert StockItem.objects.get(sku=shop.sku_a, location=shop.wh1).reserved == 2
    request = call(order, "refunded", refs=[], amount=2 * 2990 + 5980, reason="拍错了")
    assert request.reason == RequestReason.OTHER and request.evidence_note == "拍错了"
    assert request.lines.count() == 2
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert StockItem.objects.get(sku=shop.sku_a, location=shop.wh1).reserved == 0


def test_rejected_and_cancelled_release_the_claim(shop, tmall):
    order = shop.platform_order(tmall)
    assert call(order, "rejected", refund_id="RF-1").status == S.REJECTED
    approved = call(order, "approved", refund_id="RF-2")
    assert call(order, "rejected", refund_id="RF-2").status == S.CANCELLED  # refused after approval
    assert AfterSalesRequest.objects.get(pk=approved.pk).status == S.CANCELLED
    assert call(order, "requested", refund_id="RF-3").status == S.REQUESTED  # the units are free again


def test_an_amount_change_is_applied_while_the_request_is_open(shop, tmall):
    order = shop.platform_order(tmall)
    call(order, "requested", amount=2990)
    assert call(order, "approved", amount=1500).refund_fen == 1500
    before = snapshot()
    with pytest.raises(RefundExceedsPaid):
        call(order, "approved", amount=99999)
    assert snapshot() == before


def test_a_return_refunded_on_the_platform_before_the_goods_arrive(shop, tmall):
    order = shop.platform_order(tmall)
    orders.allocate_order(order_id=order.pk, actor=shop.actor)
    orders.ship_order(order_id=order.pk, carrier_code="YTO", waybill_no="YT1234567890123", actor=shop.actor)
    request = call(order, "refunded", refs=["SUB-2"], amount=5980, kind=K.RETURN_REFUND)
    assert (request.status, request.settled_on_platform, request.refunded_fen) == (S.APPROVED, True, 5980)
    services.receive_return(request_id=request.pk, inspections=shop.inspect_all(request), actor=shop.actor)
    request.refresh_from_db()
    assert request.status == S.REFUNDED
    assert StockItem.objects.get(sku=shop.sku_b, location=shop.wh2).on_hand == 5  # back in stock


def test_limits_and_bad_input_refuse_with_nothing_written(shop, tmall):
    order = shop.platform_order(tmall)
    before = snapshot()
    with pytest.raises(InvalidRequest) as exc:
        call(order, "opened")
    assert "state" in exc.value.detail["fields"]
    with pytest.raises(InvalidRequest) as exc:
        call(order, "requested", refund_id=" ")
    assert "platform_refund_id" in exc.value.detail["fields"]
    with pytest.raises(InvalidRequest) as exc:
        call(order, "requested", refs=["SUB-9"])
    assert "line_refs[0]" in exc.value.detail["fields"]
    with pytest.raises(RefundExceedsPaid):
        call(order, "requested", refs=["SUB-1"], amount=2 * 2990 + 1)
    assert snapshot() == before
    call(order, "requested", refs=["SUB-1"], amount=2 * 2990)
    with pytest.raises(QuantityExceedsReturnable):
        call(order, "requested", refund_id="RF-2", refs=[PlatformLineRef("SUB-1", 1)], amount=100)


def test_merchant_code_matches_when_there_is_no_platform_line_id(shop, tmall):
    order = shop.platform_order(tmall)
    order.lines.filter(line_no=1).update(platform_line_id="")
    request = call(order, "requested", refs=[shop.sku_a.code], amount=100)
    assert request.lines.get().order_line.line_no == 1 and request.lines.get().quantity == 2
