"""After-sales lifecycles, one table per kind: a refund-only request never waits for goods, a return
is refunded only after the goods are back, an exchange ends with a replacement instead of money.
The buyer may cancel until the goods have arrived; rejected and cancelled requests are final."""

from huitong.aftersales.models import RequestKind as K
from huitong.aftersales.models import RequestStatus as S
from huitong.core.states import Lifecycle

REFUND_ONLY_LIFECYCLE = Lifecycle(
    "aftersales.refund_only",
    {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
        S.APPROVED: {S.REFUNDED, S.CANCELLED},
        S.REFUNDED: {S.CLOSED},
    },
)

RETURN_REFUND_LIFECYCLE = Lifecycle(
    "aftersales.return_refund",
    {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
        S.APPROVED: {S.GOODS_RECEIVED, S.CANCELLED},
        S.GOODS_RECEIVED: {S.REFUNDED},
        S.REFUNDED: {S.CLOSED},
    },
)

EXCHANGE_LIFECYCLE = Lifecycle(
    "aftersales.exchange",
    {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
        S.APPROVED: {S.GOODS_RECEIVED, S.CANCELLED},
        S.GOODS_RECEIVED: {S.EXCHANGED},
        S.EXCHANGED: {S.CLOSED},
    },
)

LIFECYCLES = {
    K.REFUND_ONLY: REFUND_ONLY_LIFECYCLE,
    K.RETURN_REFUND: RETURN_REFUND_LIFECYCLE,
    K.EXCHANGE: EXCHANGE_LIFECYCLE,
}


def lifecycle_of(kind: str) -> Lifecycle:
    return LIFECYCLES[kind]


def path_to(kind: str, from_state: str, to_state: str, *, avoid: frozenset[str] = frozenset()) -> list[str] | None:
    """The shortest series of states leading from ``from_state`` to ``to_state`` (excluding the start),
    never passing through ``avoid``; ``[]`` when already there, None when it cannot be reached."""
    if from_state == to_state:
        return []
    transitions = LIFECYCLES[kind].transitions
    frontier: list[list[str]] = [[from_state]]
    seen = {from_state}
    while frontier:
        route = frontier.pop(0)
        for nxt in sorted(transitions.get(route[-1], ())):
            if nxt in seen or nxt in avoid:
                continue
            if nxt == to_state:
                return [*route[1:], nxt]
            seen.add(nxt)
            frontier.append([*route, nxt])
    return None
