"""A snapshot of every loyalty table, to assert that a refused operation changed nothing."""

from huitong.loyalty.models import (
    EarnRule,
    GiftCard,
    GiftCardEntry,
    LotUse,
    PointsAccount,
    PointsEntry,
    PointsLot,
    RedeemConfig,
    StoredValueAccount,
    StoredValueEntry,
)

MODELS = [
    PointsAccount,
    PointsEntry,
    PointsLot,
    LotUse,
    StoredValueAccount,
    StoredValueEntry,
    GiftCard,
    GiftCardEntry,
    EarnRule,
    RedeemConfig,
]


def snapshot() -> dict:
    return {
        m.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k != "updated_at"))
            for row in m.objects.values()
        )
        for m in MODELS
    }
