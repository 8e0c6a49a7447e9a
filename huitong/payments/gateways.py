"""Payment gateways behind one interface, one registry by method.

Synchronous tenders settle while the cashier or the checkout waits: the sandbox (demo and tests), cash with
change, a bank card on a POS terminal, a payment code scanned at the till, and the member's own money held
by loyalty (points, stored value, gift cards). Asynchronous gateways (Alipay, WeChat Pay) hand out a pay
URL or QR code and settle later through a signed callback (or a status query)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from huitong.core.actors import Actor
from huitong.payments.config import alipay_config, wechat_config
from huitong.payments.models import Payment


@dataclass(frozen=True)
class Tender:
    """One way of paying part of a document. Only the fields of its method matter."""

    method: str
    amount_fen: int
    customer_id: int | None = None  # points, stored value: whose balance
    tendered_fen: int | None = None  # cash: what the customer handed over (change = tendered - amount)
    terminal_ref: str = ""  # card: the POS terminal's reference number
    card_last4: str = ""  # card: last four digits
    auth_code: str = ""  # qr: the payment code scanned from the customer's phone
    gift_card_no: str = ""
    gift_card_pin: str = field(default="", repr=False)  # used once, never stored
    subject: str = ""  # alipay/wechat: what the buyer sees


@dataclass(frozen=True)
class RefundResult:
    gateway_refund_no: str
    processing: bool = False  # accepted by the gateway, money on its way (WeChat may answer PROCESSING)


@dataclass(frozen=True)
class Started:
    pay_url: str = ""
    qr_code: str = ""


@dataclass(frozen=True)
class TradeState:
    """A gateway's view of a trade, from a query or a callback."""

    state: str  # "paid", "pending", "closed", "failed"
    amount_fen: int | None = None
    gateway_trade_no: str = ""


class Gateway(Protocol):
    name: str
    synchronous: bool

    def validate(self, tender: Tender) -> dict[str, str]:
        """Field errors of this tender (empty when fine); checked before anything is written."""

    def prepare(self, payment: Payment, tender: Tender) -> None:
        """Copy the tender's details that are kept onto the (unsaved) payment."""

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        """Settle now; return the gateway trade number, or None when settlement is asynchronous."""

    def refund(
        self, payment: Payment, amount_fen: int, refund_no: str, reason: str, actor: Actor
    ) -> RefundResult:
        """Give back part of a settled payment."""


class _Plain:
    synchronous = True

    def validate(self, tender: Tender) -> dict[str, str]:
        return {}

    def prepare(self, payment: Payment, tender: Tender) -> None:
        return None


class SandboxGateway(_Plain):
    name = "sandbox"

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        return f"SBX{secrets.token_hex(10).upper()}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        return RefundResult(f"SBXR{secrets.token_hex(9).upper()}")


class CashDrawer(_Plain):
    """Cash taken at a POS till: settled when the cashier records it; the change is kept on the payment."""

    name = "cash"

    def validate(self, tender: Tender) -> dict[str, str]:
        tendered = tender.tendered_fen
        if tendered is None:
            return {}
        if isinstance(tendered, bool) or not isinstance(tendered, int):
            return {"tendered_fen": "实收金额必须为整数(分)"}
        if isinstance(tender.amount_fen, int) and tendered < tender.amount_fen:
            return {"tendered_fen": "实收金额少于应收金额"}
        return {}

    def prepare(self, payment: Payment, tender: Tender) -> None:
        payment.tendered_fen = tender.amount_fen if tender.tendered_fen is None else tender.tendered_fen
        payment.change_fen = payment.tendered_fen - payment.amount_fen

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        return f"CASH{payment.out_trade_no}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        return RefundResult(f"CASHR{refund_no}")


class CardTerminal(_Plain):
    """A bank card swiped or tapped on the till's POS terminal: the terminal has already authorised it; we
    keep its reference number and the card's last four digits (never the card number)."""

    name = "card"

    def validate(self, tender: Tender) -> dict[str, str]:
        errors = {}
        if not re.fullmatch(r"[0-9A-Za-z-]{4,64}", tender.terminal_ref or ""):
            errors["terminal_ref"] = "请填写 POS 终端参考号"
        if not re.fullmatch(r"\d{4}", tender.card_last4 or ""):
            errors["card_last4"] = "请填写卡号后四位"
        return errors

    def prepare(self, payment: Payment, tender: Tender) -> None:
        payment.terminal_ref, payment.card_last4 = tender.terminal_ref, tender.card_last4

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        return f"CARD{tender.terminal_ref}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        return RefundResult(f"CARDR{refund_no}")


# Payment codes (付款码) as published by the wallets: 18 digits, Alipay 25–30 (16–24 digits),
# WeChat 10–15 (18 digits).
_WALLETS = (("alipay", re.compile(r"(2[5-9]|30)\d{14,22}")), ("wechat", re.compile(r"1[0-5]\d{16}")))


def wallet_of(auth_code: str) -> str | None:
    return next((name for name, pattern in _WALLETS if pattern.fullmatch(auth_code or "")), None)


class ScannedCode(_Plain):
    """A payment code scanned from the customer's phone at the till. It settles through the sandbox
    acquirer (see docs/payments.md): the code is checked and its wallet recorded, never the code itself."""

    name = "qr"

    def validate(self, tender: Tender) -> dict[str, str]:
        return {} if wallet_of(tender.auth_code) else {"auth_code": "付款码无效(应为支付宝或微信的付款码)"}

    def prepare(self, payment: Payment, tender: Tender) -> None:
        payment.wallet = wallet_of(tender.auth_code) or ""

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        return f"QR{secrets.token_hex(10).upper()}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        return RefundResult(f"QRR{refund_no}")


def _loyalty():
    from huitong.loyalty import services  # below payments; imported on use

    return services


def _loyalty_selectors():
    from huitong.loyalty import selectors

    return selectors


def _needs_customer(tender: Tender) -> dict[str, str]:
    if (
        isinstance(tender.customer_id, bool)
        or not isinstance(tender.customer_id, int)
        or tender.customer_id <= 0
    ):
        return {"customer_id": "请指定会员"}
    return {}


class PointsTender(_Plain):
    """积分抵扣: the member's points redeemed at the configured rate (reference: the payment's out_trade_no)."""

    name = "points"

    def validate(self, tender: Tender) -> dict[str, str]:
        errors = _needs_customer(tender)
        if isinstance(tender.amount_fen, int) and tender.amount_fen > 0:
            rates = _loyalty_selectors()
            if rates.points_to_fen(rates.fen_to_points(tender.amount_fen)) != tender.amount_fen:
                errors["amount_fen"] = "积分抵扣金额须为积分兑换单位的整数倍"
        return errors

    def prepare(self, payment: Payment, tender: Tender) -> None:
        payment.customer_id = tender.customer_id
        payment.points = _loyalty_selectors().fen_to_points(tender.amount_fen)

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        fen = _loyalty().redeem_points(
            customer_id=tender.customer_id, points=payment.points, reference=payment.out_trade_no, actor=actor
        )
        if fen != payment.amount_fen:  # the rate changed between validate and redeem: refuse, roll back
            from huitong.payments.errors import InvalidTender

            raise InvalidTender.for_fields({"amount_fen": f"积分折合 {fen} 分,与抵扣金额不符"})
        return f"PTS{payment.out_trade_no}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        _loyalty().return_redeemed_points(
            reference=payment.out_trade_no, fen=amount_fen, actor=actor, return_reference=refund_no
        )
        return RefundResult(f"PTSR{refund_no}")


class StoredValueTender(_Plain):
    name = "stored_value"

    def validate(self, tender: Tender) -> dict[str, str]:
        return _needs_customer(tender)

    def prepare(self, payment: Payment, tender: Tender) -> None:
        payment.customer_id = tender.customer_id

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        entry = _loyalty().spend_stored_value(
            customer_id=tender.customer_id,
            amount_fen=payment.amount_fen,
            reference=payment.out_trade_no,
            actor=actor,
        )
        return f"SV{entry}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        _loyalty().refund_stored_value(
            reference=payment.out_trade_no, amount_fen=amount_fen, actor=actor, refund_reference=refund_no
        )
        return RefundResult(f"SVR{refund_no}")


class GiftCardTender(_Plain):
    name = "gift_card"

    def validate(self, tender: Tender) -> dict[str, str]:
        errors = {}
        if not (tender.gift_card_no or "").strip():
            errors["gift_card_no"] = "请填写礼品卡号"
        if not (tender.gift_card_pin or "").strip():
            errors["gift_card_pin"] = "请填写礼品卡密码"
        return errors

    def prepare(self, payment: Payment, tender: Tender) -> None:
        payment.gift_card_no = tender.gift_card_no.strip()
        payment.customer_id = tender.customer_id

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        entry = _loyalty().spend_gift_card(
            card_no=payment.gift_card_no,
            pin=tender.gift_card_pin.strip(),
            amount_fen=payment.amount_fen,
            reference=payment.out_trade_no,
            actor=actor,
        )
        return f"GC{entry}"

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        _loyalty().refund_gift_card(
            reference=payment.out_trade_no, amount_fen=amount_fen, actor=actor, refund_reference=refund_no
        )
        return RefundResult(f"GCR{refund_no}")


class AlipayGateway(_Plain):
    """支付宝: QR code (alipay.trade.precreate) and desktop cashier URL (alipay.trade.page.pay); settles by
    the signed asynchronous notify or a query."""

    name = "alipay"
    synchronous = False

    def client(self):
        from huitong.payments.alipay import AlipayClient

        return AlipayClient(alipay_config())

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        return None

    def start(self, payment: Payment) -> Started:
        client = self.client()
        subject = payment.subject or payment.reference
        qr = client.precreate(
            out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen, subject=subject
        )
        url = client.page_pay_url(
            out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen, subject=subject
        )
        return Started(pay_url=url, qr_code=qr)

    def query(self, payment: Payment) -> TradeState:
        from huitong.payments.alipay import SUCCESS_CODE
        from huitong.payments.notify import alipay_state

        response = self.client().query(out_trade_no=payment.out_trade_no)
        if response.get("code") != SUCCESS_CODE:
            return TradeState(state="pending")  # ACQ.TRADE_NOT_EXIST: the buyer has not scanned yet
        return alipay_state(
            response.get("trade_status", ""), response.get("total_amount", ""), response.get("trade_no", "")
        )

    def close(self, payment: Payment) -> None:
        self.client().close(out_trade_no=payment.out_trade_no)

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        response = self.client().refund(
            out_trade_no=payment.out_trade_no, amount_fen=amount_fen, out_request_no=refund_no, reason=reason
        )
        return RefundResult(str(response.get("trade_no", "")) or refund_no)


class WechatGateway(_Plain):
    """微信支付 v3 Native (扫码): a ``code_url`` for the QR code; settles by the signed callback or a query."""

    name = "wechat"
    synchronous = False

    def client(self):
        from huitong.payments.wechatpay import WechatPayClient

        return WechatPayClient(wechat_config())

    def capture(self, payment: Payment, tender: Tender, actor: Actor) -> str | None:
        return None

    def start(self, payment: Payment) -> Started:
        code_url = self.client().native(
            out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
            description=payment.subject or payment.reference,
        )
        return Started(qr_code=code_url)

    def query(self, payment: Payment) -> TradeState:
        from huitong.payments.notify import wechat_state

        return wechat_state(self.client().query(out_trade_no=payment.out_trade_no))

    def close(self, payment: Payment) -> None:
        self.client().close(out_trade_no=payment.out_trade_no)

    def refund(self, payment, amount_fen, refund_no, reason, actor) -> RefundResult:
        data = self.client().refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund_no,
            refund_fen=amount_fen,
            total_fen=payment.amount_fen,
            reason=reason or "退款",
        )
        return RefundResult(
            str(data.get("refund_id", "")) or refund_no, processing=data.get("status") != "SUCCESS"
        )


GATEWAYS: dict[str, Gateway] = {
    gateway.name: gateway
    for gateway in (
        SandboxGateway(),
        CashDrawer(),
        CardTerminal(),
        ScannedCode(),
        PointsTender(),
        StoredValueTender(),
        GiftCardTender(),
        AlipayGateway(),
        WechatGateway(),
    )
}
