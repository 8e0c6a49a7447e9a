from huitong.core.states import Lifecycle
from huitong.flashsale.models import ClaimStatus as C
from huitong.flashsale.models import FlashSaleStatus as S

SALE_LIFECYCLE = Lifecycle(
    "flash sale",
    {
        S.DRAFT: {S.SCHEDULED, S.RUNNING},
        S.SCHEDULED: {S.RUNNING, S.ENDED},
        S.RUNNING: {S.ENDED},
    },
)

CLAIM_LIFECYCLE = Lifecycle("flash sale claim", {C.HELD: {C.PAID, C.RETURNED}})
