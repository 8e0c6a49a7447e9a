from huitong.core.states import Lifecycle
from huitong.loyalty.models import GiftCardStatus as S

GIFT_CARD_LIFECYCLE = Lifecycle(
    "gift_card",
    {
        S.ACTIVE: {S.EXHAUSTED, S.EXPIRED, S.VOID},
        S.EXHAUSTED: {S.ACTIVE, S.EXPIRED, S.VOID},
        S.EXPIRED: {S.VOID},
    },
)
