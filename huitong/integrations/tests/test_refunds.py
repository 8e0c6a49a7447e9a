from datetime import timedelta

import pytest

from huitong.aftersales.models import AfterSalesRequest
from huitong.core.actors import Actor
from huitong.integrations import ingest
from huitong.integrations.connectors.base import PlatformRefund, RefundState
from huitong.integrations.refunds import pull_refunds
from huitong.integrations.tests.memory_adapter import T0, PushRecorder, order

ACTOR = Actor.system("refund-test")
pytestmark = pytest.mark.django_db


def refund(state, minutes, amount=900):
    return PlatformRefund(refund_id="RF1", order_id="P1", line_id="P1-0", amount_fen=amount, state=state,
                          platform_status=str(state), reason="不想要了", created_at=T0,
                          updated_at=T0 + timedelta(minutes=minutes))


def test_platform_refunds_become_one_request_that_follows_the_platform(tmall):
    store, wh, sku = tmall
    ingest.ingest_order(store_id=store.pk, order=order("P1"), source="pull", actor=ACTOR)
    PushRecorder.refunds = [refund(RefundState.REQUESTED, 5), refund(RefundState.REQUESTED, 6, amount=10**9)]
    window = {"start": T0, "end": T0 + timedelta(hours=1)}
    counts = pull_refunds(store_id=store.pk, actor=ACTOR, **window)
    assert counts == {"applied": 1, "failed": 1}  # the second asks more than was paid: refused, logged
    request = AfterSalesRequest.objects.get()
    assert request.platform_refund_id == "RF1" and request.refund_fen == 900
    PushRecorder.refunds = [refund(RefundState.REQUESTED, 5), refund(RefundState.APPROVED, 8)]
    pull_refunds(store_id=store.pk, actor=ACTOR, **window)
    pull_refunds(store_id=store.pk, actor=ACTOR, **window)  # a replay changes nothing
    assert AfterSalesRequest.objects.count() == 1
    assert AfterSalesRequest.objects.get().status == "approved"


def test_refund_of_an_order_not_yet_pulled_waits(tmall):
    store, wh, sku = tmall
    PushRecorder.refunds = [refund(RefundState.REQUESTED, 5)]
    assert pull_refunds(store_id=store.pk, actor=ACTOR, start=T0, end=T0 + timedelta(hours=1)) == {"unknown_order": 1}
    assert not AfterSalesRequest.objects.exists()
