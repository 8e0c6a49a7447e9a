"""Lifecycles of purchase orders and payables (each change audited through ``core.states.transition``)."""

from huitong.core.states import Lifecycle
from huitong.purchasing.models import PayableStatus as P
from huitong.purchasing.models import PurchaseOrderStatus as S

# A receipt moves a confirmed order to partly received or received; every further partial receipt
# is a partly_received → partly_received step, so each one leaves its audit entry. Closing a partly
# received order is the explicit short close (with a reason); cancelling is for orders nothing has
# arrived against.
PURCHASE_ORDER_LIFECYCLE = Lifecycle(
    "purchase_order",
    {
        S.DRAFT: {S.CONFIRMED, S.CANCELLED},
        S.CONFIRMED: {S.PARTLY_RECEIVED, S.RECEIVED, S.CANCELLED},
        S.PARTLY_RECEIVED: {S.PARTLY_RECEIVED, S.RECEIVED, S.CLOSED},
        S.RECEIVED: {S.CLOSED},
    },
)

# Orders goods can be received against, and orders whose outstanding quantities are in transit.
RECEIVABLE = (S.CONFIRMED, S.PARTLY_RECEIVED)
IN_TRANSIT = RECEIVABLE

PAYABLE_LIFECYCLE = Lifecycle(
    "payable",
    {
        P.OPEN: {P.PARTLY_PAID, P.PAID},
        P.PARTLY_PAID: {P.PARTLY_PAID, P.PAID},
    },
)
