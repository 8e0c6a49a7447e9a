"""Every allowed and forbidden transition of each kind: the tables (pure), and the services driving a
request from every state it can reach into every other state (forbidden ones refuse, changing nothing)."""

import itertools

import pytest
from django.db import transaction

from huitong.aftersales import services
from huitong.aftersales.models import AfterSalesRequest, RequestKind, RequestStatus
from huitong.aftersales.states import LIFECYCLES, lifecycle_of, path_to
from huitong.core.errors import InvalidTransition
from huitong.core.models import AuditEntry
from huitong.inventory.models import StockMovement
from huitong.orders.models import Order
from huitong.payments.models import Payment

S, K = RequestStatus, RequestKind
ALL = list(S.values)

EXPECTED = {
    K.REFUND_ONLY: {(S.REQUESTED, S.APPROVED), (S.REQUESTED, S.REJECTED), (S.REQUESTED, S.CANCELLED),
                    (S.APPROVED, S.REFUNDED), (S.APPROVED, S.CANCELLED), (S.REFUNDED, S.CLOSED)},
    K.RETURN_REFUND: {(S.REQUESTED, S.APPROVED), (S.REQUESTED, S.REJECTED), (S.REQUESTED, S.CANCELLED),
                      (S.APPROVED, S.GOODS_RECEIVED), (S.APPROVED, S.CANCELLED), (S.GOODS_RECEIVED, S.REFUNDED),
                      (S.REFUNDED, S.CLOSED)},
    K.EXCHANGE: {(S.REQUESTED, S.APPROVED), (S.REQUESTED, S.REJECTED), (S.REQUESTED, S.CANCELLED),
                 (S.APPROVED, S.GOODS_RECEIVED), (S.APPROVED, S.CANCELLED), (S.GOODS_RECEIVED, S.EXCHANGED),
                 (S.EXCHANGED, S.CLOSED)},
}


@pytest.mark.parametrize("kind", K.values)
def test_tables_allow_exactly_the_expected_transitions(kind):
    lifecycle = lifecycle_of(kind)
    for a, b in itertools.product(ALL, ALL):
        assert lifecycle.allows(a, b) == ((a, b) in EXPECTED[kind]), (kind, a, b)


def test_rejected_cancelled_and_closed_are_final_and_every_state_is_known():
    for lifecycle in LIFECYCLES.values():
        for final in (S.REJECTED, S.CANCELLED, S.CLOSED):
            assert not lifecycle.transitions.get(final)
        assert lifecycle.states() <= set(ALL)


def test_path_to():
    assert path_to(K.REFUND_ONLY, S.REQUESTED, S.REFUNDED) == [S.APPROVED, S.REFUNDED]
    assert path_to(K.RETURN_REFUND, S.REQUESTED, S.CLOSED) == [S.APPROVED, S.GOODS_RECEIVED, S.REFUNDED, S.CLOSED]
    assert path_to(K.RETURN_REFUND, S.APPROVED, S.REFUNDED, avoid=frozenset({S.GOODS_RECEIVED})) is None
    assert path_to(K.EXCHANGE, S.APPROVED, S.APPROVED) == []
    assert path_to(K.REFUND_ONLY, S.REFUNDED, S.APPROVED) is None


# --- through the services -------------------------------------------------------------------------

def _actions(shop):
    a = shop.actor
    return {
        S.APPROVED: lambda r: services.approve_request(request_id=r.pk, actor=a),
        S.REJECTED: lambda r: services.reject_request(request_id=r.pk, actor=a, reason="证据不足"),
        S.CANCELLED: lambda r: services.cancel_request(request_id=r.pk, actor=a, reason="不退了"),
        S.GOODS_RECEIVED: lambda r: services.receive_return(request_id=r.pk, actor=a, inspections=shop.inspect_all(r)),
        S.REFUNDED: lambda r: services.refund_request(request_id=r.pk, actor=a),
        S.EXCHANGED: lambda r: services.exchange_request(request_id=r.pk, actor=a),
        S.CLOSED: lambda r: services.close_request(request_id=r.pk, actor=a),
    }


def _world():
    return (list(AfterSalesRequest.objects.order_by("pk").values_list("status", "refunded_fen")),
            AuditEntry.objects.count(), StockMovement.objects.count(), Order.objects.count(),
            list(Payment.objects.order_by("pk").values_list("refunded_fen", flat=True)))


REACHABLE = [(kind, state) for kind in K.values for state in sorted(LIFECYCLES[kind].states())]


@pytest.mark.parametrize(("kind", "state"), REACHABLE)
def test_every_transition_from_every_reachable_state(shop, kind, state):
    actions = _actions(shop)
    order = shop.shipped((shop.sku_a.pk, 2))
    request = shop.request(order, kind=kind)
    for step in path_to(kind, S.REQUESTED, state):
        actions[step](request)
    request.refresh_from_db()
    assert request.status == state
    lifecycle = lifecycle_of(kind)
    for target, act in actions.items():
        savepoint = transaction.savepoint()
        before = _world()
        if lifecycle.allows(state, target):
            act(request)
            request.refresh_from_db()
            assert request.status == target
            assert AuditEntry.objects.filter(object_id=str(request.pk), from_state=state, to_state=target).exists()
        else:
            with pytest.raises(InvalidTransition) as exc:
                act(request)
            assert exc.value.code == "invalid_transition" and exc.value.status == 409
            assert _world() == before
        transaction.savepoint_rollback(savepoint)
        request.refresh_from_db()
