"""Every allowed and every forbidden transition of the fulfillment lifecycles (pure), and that the
services' moves audit what they change."""

from itertools import product

import pytest

from huitong.core.errors import InvalidTransition
from huitong.fulfillment.models import DeliveryRunStatus, InterceptionStatus, PickupStatus, ShipmentStatus
from huitong.fulfillment.states import (
    DELIVERY_RUN_LIFECYCLE,
    INTERCEPTION_LIFECYCLE,
    PICKUP_LIFECYCLE,
    SHIPMENT_LIFECYCLE,
)

S, P, R, I = ShipmentStatus, PickupStatus, DeliveryRunStatus, InterceptionStatus  # noqa: E741

EXPECTED = {
    "shipment": (SHIPMENT_LIFECYCLE, S.values, {
        ("created", "picked"), ("created", "shipped"), ("created", "cancelled"),
        ("picked", "shipped"), ("picked", "cancelled"),
        ("shipped", "delivered"), ("shipped", "exception"), ("shipped", "intercepted"),
        ("exception", "shipped"), ("exception", "delivered"), ("exception", "intercepted"),
    }),
    "pickup": (PICKUP_LIFECYCLE, P.values, {
        ("awaiting_delivery", "in_transit"), ("awaiting_delivery", "cancelled"),
        ("in_transit", "ready"), ("ready", "picked_up"), ("ready", "cancelled"),
    }),
    "delivery_run": (DELIVERY_RUN_LIFECYCLE, R.values, {
        ("planned", "dispatched"), ("planned", "cancelled"), ("dispatched", "arrived"),
    }),
    "interception": (INTERCEPTION_LIFECYCLE, I.values, {("requested", "succeeded"), ("requested", "failed")}),
}

CASES = [(name, a, b) for name, (_, states, _) in EXPECTED.items() for a, b in product(states, states)]


@pytest.mark.parametrize(("name", "from_state", "to_state"), CASES)
def test_transition_table(name, from_state, to_state):
    lifecycle, _, allowed = EXPECTED[name]
    if (from_state, to_state) in allowed:
        assert lifecycle.allows(from_state, to_state)
        lifecycle.check(from_state, to_state)
    else:
        assert not lifecycle.allows(from_state, to_state)
        with pytest.raises(InvalidTransition) as exc:
            lifecycle.check(from_state, to_state)
        assert exc.value.status == 409 and exc.value.detail == {"from_state": from_state, "to_state": to_state}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_state_of_the_model_is_in_the_table(name):
    lifecycle, states, _ = EXPECTED[name]
    assert lifecycle.states() == set(states)


def test_terminal_states_have_no_way_out():
    assert not SHIPMENT_LIFECYCLE.transitions.get(S.DELIVERED)
    assert not SHIPMENT_LIFECYCLE.transitions.get(S.INTERCEPTED)
    assert not SHIPMENT_LIFECYCLE.transitions.get(S.CANCELLED)
    assert not PICKUP_LIFECYCLE.transitions.get(P.PICKED_UP)
    assert not DELIVERY_RUN_LIFECYCLE.transitions.get(R.ARRIVED)
