from huitong.core.states import Lifecycle
from huitong.orders.models import OrderStatus as S

ORDER_LIFECYCLE = Lifecycle(
    "order",
    {
        S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
        S.PAID: {S.ALLOCATED, S.CANCELLED},
        S.ALLOCATED: {S.SHIPPED, S.CANCELLED},
        S.SHIPPED: {S.COMPLETED},
    },
)

# Orders in these states hold stock reservations.
HOLDS_STOCK = {S.PENDING_PAYMENT, S.PAID, S.ALLOCATED}
