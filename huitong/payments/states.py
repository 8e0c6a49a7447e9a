from huitong.core.states import Lifecycle
from huitong.payments.models import PaymentStatus as S

PAYMENT_LIFECYCLE = Lifecycle(
    "payment",
    {
        S.CREATED: {S.PAID, S.FAILED, S.CLOSED},
        S.PAID: {S.PARTIALLY_REFUNDED, S.REFUNDED},
        S.PARTIALLY_REFUNDED: {S.PARTIALLY_REFUNDED, S.REFUNDED},
    },
)
