from huitong.core.states import Lifecycle
from huitong.orders.models import MergeStatus
from huitong.orders.models import OrderStatus as S
from huitong.orders.models import ReviewStatus as R

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

# 审单: a paid order waits (cool-down, review window), is held by rules, goes to finance, or passes.
# Re-review (an edited address, a changed platform order) may hold an approved order again.
REVIEW_LIFECYCLE = Lifecycle(
    "order review",
    {
        R.UNREVIEWED: {R.WAITING, R.HELD, R.FINANCE, R.APPROVED},
        R.WAITING: {R.HELD, R.FINANCE, R.APPROVED},
        R.HELD: {R.FINANCE, R.APPROVED},
        R.FINANCE: {R.HELD, R.APPROVED},
        R.APPROVED: {R.HELD},
    },
)

MERGE_LIFECYCLE = Lifecycle("merge group", {MergeStatus.ACTIVE: {MergeStatus.UNDONE}})
