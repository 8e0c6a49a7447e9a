"""Payment gateways behind one interface. The sandbox gateway settles at once (demo and tests);
real gateways (Alipay, WeChat Pay) confirm asynchronously through signed callbacks."""

from __future__ import annotations

import secrets
from typing import Protocol

from huitong.payments.models import Payment


class Gateway(Protocol):
    name: str

    def capture(self, payment: Payment) -> str | None:
        """Try to settle now; return the gateway trade number, or None if settlement is asynchronous."""

    def refund(self, payment: Payment, amount_fen: int) -> str:
        """Refund part of a settled payment; return the gateway refund number."""


class SandboxGateway:
    name = "sandbox"

    def capture(self, payment: Payment) -> str | None:
        return f"SBX{secrets.token_hex(10).upper()}"

    def refund(self, payment: Payment, amount_fen: int) -> str:
        return f"SBXR{secrets.token_hex(9).upper()}"


class CashDrawer:
    """Cash taken at a POS till: settled when the cashier records it."""

    name = "cash"

    def capture(self, payment: Payment) -> str | None:
        return f"CASH{payment.out_trade_no}"

    def refund(self, payment: Payment, amount_fen: int) -> str:
        return f"CASHR{secrets.token_hex(6).upper()}"


GATEWAYS: dict[str, Gateway] = {"sandbox": SandboxGateway(), "cash": CashDrawer()}
