from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from huitong.payments.models import PaymentMethod, PaymentStatus, StatementGateway


class PaymentFilter(Schema):
    reference: str = ""
    method: PaymentMethod | None = None
    status: PaymentStatus | None = None
    customer_id: int | None = None
    out_trade_no: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None


class RefundOut(Schema):
    id: int
    refund_no: str
    reference: str
    amount_fen: int
    status: str
    reason: str
    gateway_refund_no: str
    created_at: datetime


class PaymentOut(Schema):
    id: int
    reference: str
    method: str
    status: str
    amount_fen: int
    refunded_fen: int
    currency: str
    out_trade_no: str
    gateway_trade_no: str
    customer_id: int | None
    tendered_fen: int | None
    change_fen: int | None
    terminal_ref: str
    card_last4: str
    wallet: str
    gift_card_no: str
    points: int | None
    pay_url: str
    qr_code: str
    created_at: datetime
    paid_at: datetime | None


class PaymentDetailOut(PaymentOut):
    refunds: list[RefundOut]

    @staticmethod
    def resolve_refunds(obj) -> list:
        return list(obj.refunds.order_by("created_at", "id"))


class AsyncPaymentIn(Schema):
    reference: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(gt=0)
    method: str = Field(pattern="^(alipay|wechat)$")
    subject: str = Field(default="", max_length=128)
    customer_id: int | None = None


class TenderIn(Schema):
    method: str = Field(min_length=1, max_length=30)
    amount_fen: int = Field(gt=0)
    customer_id: int | None = None
    tendered_fen: int | None = Field(default=None, ge=0)
    terminal_ref: str = Field(default="", max_length=64)
    card_last4: str = Field(default="", max_length=4)
    auth_code: str = Field(default="", max_length=32)
    gift_card_no: str = Field(default="", max_length=64)
    gift_card_pin: str = Field(default="", max_length=32)


class TendersIn(Schema):
    reference: str = Field(min_length=1, max_length=64)
    tenders: list[TenderIn] = Field(min_length=1, max_length=10)


class RefundIn(Schema):
    amount_fen: int = Field(gt=0)
    reason: str = Field(min_length=1, max_length=200)
    refund_reference: str = Field(default="", max_length=64)


class CloseIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class ReconciliationLineOut(Schema):
    kind: str
    out_trade_no: str
    gateway_trade_no: str
    payment_id: int | None
    row_no: int | None
    statement_amount_fen: int | None
    huitong_amount_fen: int | None
    statement_status: str
    huitong_status: str


class ReconciliationOut(Schema):
    id: int
    gateway: StatementGateway
    file_name: str
    period_start: datetime
    period_end: datetime
    statement_rows: int
    statement_total_fen: int
    matched: int
    created_at: datetime
    summary: dict[str, int]
    lines: list[ReconciliationLineOut]

    @staticmethod
    def resolve_summary(obj) -> dict[str, int]:
        from huitong.payments.selectors import reconciliation_summary

        return reconciliation_summary(obj)

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.order_by("kind", "row_no", "id"))
