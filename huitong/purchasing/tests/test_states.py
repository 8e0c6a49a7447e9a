"""The lifecycles as tables: every pair of states is either allowed or refused, exactly as listed."""

from itertools import product

import pytest

from huitong.core.errors import InvalidTransition
from huitong.purchasing.models import PayableStatus as P
from huitong.purchasing.models import PurchaseOrderStatus as S
from huitong.purchasing.states import PAYABLE_LIFECYCLE, PURCHASE_ORDER_LIFECYCLE

PO_ALLOWED = {
    (S.DRAFT, S.CONFIRMED), (S.DRAFT, S.CANCELLED),
    (S.CONFIRMED, S.PARTLY_RECEIVED), (S.CONFIRMED, S.RECEIVED), (S.CONFIRMED, S.CANCELLED),
    (S.PARTLY_RECEIVED, S.PARTLY_RECEIVED), (S.PARTLY_RECEIVED, S.RECEIVED), (S.PARTLY_RECEIVED, S.CLOSED),
    (S.RECEIVED, S.CLOSED),
}
PAYABLE_ALLOWED = {(P.OPEN, P.PARTLY_PAID), (P.OPEN, P.PAID), (P.PARTLY_PAID, P.PARTLY_PAID),
                   (P.PARTLY_PAID, P.PAID)}


@pytest.mark.parametrize(("source", "target"), list(product(S.values, S.values)))
def test_every_purchase_order_transition_is_allowed_or_refused(source, target):
    allowed = (source, target) in PO_ALLOWED
    assert PURCHASE_ORDER_LIFECYCLE.allows(source, target) is allowed
    if not allowed:
        with pytest.raises(InvalidTransition) as exc:
            PURCHASE_ORDER_LIFECYCLE.check(source, target)
        assert exc.value.status == 409 and exc.value.detail == {"from_state": source, "to_state": target}


@pytest.mark.parametrize(("source", "target"), list(product(P.values, P.values)))
def test_every_payable_transition_is_allowed_or_refused(source, target):
    assert PAYABLE_LIFECYCLE.allows(source, target) is ((source, target) in PAYABLE_ALLOWED)


def test_lifecycles_cover_exactly_the_model_states():
    assert PURCHASE_ORDER_LIFECYCLE.states() == set(S.values)
    assert PAYABLE_LIFECYCLE.states() == set(P.values)
