"""Fulfillment lifecycles as tables. Each model's one ``_move_to()`` (in the services) calls
``core.states.transition`` with these, which checks, saves and audits."""

from huitong.core.states import Lifecycle
from huitong.fulfillment.models import DeliveryRunStatus as R
from huitong.fulfillment.models import InterceptionStatus as I
from huitong.fulfillment.models import PickupStatus as P
from huitong.fulfillment.models import ShipmentStatus as S

SHIPMENT_LIFECYCLE = Lifecycle(
    "shipment",
    {
        S.CREATED: {S.PICKED, S.SHIPPED, S.CANCELLED},  # scanning at the pack station confirms the pick
        S.PICKED: {S.SHIPPED, S.CANCELLED},
        S.SHIPPED: {S.DELIVERED, S.EXCEPTION, S.INTERCEPTED},
        S.EXCEPTION: {S.SHIPPED, S.DELIVERED, S.INTERCEPTED},  # back on the road after an exception
    },
)

PICKUP_LIFECYCLE = Lifecycle(
    "pickup",
    {
        P.AWAITING_DELIVERY: {P.IN_TRANSIT, P.CANCELLED},
        P.IN_TRANSIT: {P.READY},
        P.READY: {P.PICKED_UP, P.CANCELLED},
    },
)

DELIVERY_RUN_LIFECYCLE = Lifecycle(
    "delivery_run",
    {
        R.PLANNED: {R.DISPATCHED, R.CANCELLED},
        R.DISPATCHED: {R.ARRIVED},
    },
)

INTERCEPTION_LIFECYCLE = Lifecycle(
    "interception",
    {
        I.REQUESTED: {I.SUCCEEDED, I.FAILED},
    },
)
