"""Lifecycles of coupons and campaigns (each change audited)."""

from huitong.core.states import Lifecycle
from huitong.marketing.models import CampaignStatus as K
from huitong.marketing.models import CouponStatus as C

# A coupon is locked while an order holding it waits for payment, used once the order stands, and
# goes back to issued when that order is cancelled (or to expired when its window has passed).
COUPON_LIFECYCLE = Lifecycle(
    "coupon",
    {
        C.ISSUED: {C.LOCKED, C.USED, C.EXPIRED, C.VOID},
        C.LOCKED: {C.ISSUED, C.USED, C.EXPIRED, C.VOID},
        C.USED: {C.ISSUED, C.EXPIRED},
    },
)

# A campaign can run again (members who joined the segment since get theirs; nobody gets two).
CAMPAIGN_LIFECYCLE = Lifecycle(
    "campaign",
    {
        K.DRAFT: {K.RUNNING},
        K.RUNNING: {K.COMPLETED},
        K.COMPLETED: {K.RUNNING},
    },
)
