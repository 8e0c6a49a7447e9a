"""What a gateway's trade status means for a payment (pure: no database)."""

from __future__ import annotations

from typing import Any

from huitong.core.money import MoneyError, yuan_to_fen
from huitong.payments.gateways import TradeState

ALIPAY_STATES = {
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "WAIT_BUYER_PAY": "pending",
    "TRADE_CLOSED": "closed",
}
WECHAT_STATES = {
    "SUCCESS": "paid",
    "REFUND": "paid",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "failed",
}


def alipay_state(trade_status: str, total_amount: str, trade_no: str) -> TradeState:
    """Alipay's ``trade_status`` and ``total_amount`` (yuan text) as a TradeState; unknown → ValueError."""
    if trade_status not in ALIPAY_STATES:
        raise ValueError(f"unknown trade_status {trade_status!r}")
    try:
        amount = yuan_to_fen(total_amount) if total_amount else None
    except MoneyError as exc:
        raise ValueError(f"bad total_amount {total_amount!r}") from exc
    return TradeState(state=ALIPAY_STATES[trade_status], amount_fen=amount, gateway_trade_no=trade_no)


def wechat_state(transaction: dict[str, Any]) -> TradeState:
    trade_state = transaction.get("trade_state", "")
    if trade_state not in WECHAT_STATES:
        raise ValueError(f"unknown trade_state {trade_state!r}")
    amount = (transaction.get("amount") or {}).get("total")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        raise ValueError(f"bad amount.total {amount!r}")
    return TradeState(
        state=WECHAT_STATES[trade_state],
        amount_fen=amount,
        gateway_trade_no=str(transaction.get("transaction_id", "")),
    )
