from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class LineIn(Schema):
    order_line_id: int
    quantity: int = Field(gt=0)
    exchange_sku_id: int | None = None


class RequestIn(Schema):
    order_id: int
    kind: str
    reason: str
    lines: list[LineIn] = Field(min_length=1)
    refund_fen: int | None = Field(default=None, gt=0)
    evidence_note: str = Field(default="", max_length=2000)


class RequestFilter(Schema):
    status: str | None = None
    kind: str | None = None
    order_id: int | None = None
    store_id: int | None = None
    search: str | None = None


class ApproveIn(Schema):
    refund_fen: int | None = Field(default=None, gt=0)
    note: str = Field(default="", max_length=500)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class OptionalReasonIn(Schema):
    reason: str = Field(default="", max_length=500)


class NoteIn(Schema):
    note: str = Field(default="", max_length=500)


class InspectionIn(Schema):
    line_id: int
    resellable: int = Field(default=0, ge=0)
    damaged: int = Field(default=0, ge=0)


class ReceiveIn(Schema):
    lines: list[InspectionIn] = Field(min_length=1)
    carrier_code: str = Field(default="", max_length=20)
    waybill_no: str = Field(default="", max_length=40)


class LineOut(Schema):
    id: int
    order_line_id: int
    line_no: int
    sku_code: str
    title: str
    quantity: int
    value_fen: int
    refund_fen: int
    exchange_sku_id: int | None
    resellable_quantity: int
    damaged_quantity: int

    @staticmethod
    def resolve_line_no(obj) -> int:
        return obj.order_line.line_no

    @staticmethod
    def resolve_sku_code(obj) -> str:
        return obj.order_line.sku_code

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.order_line.title


class RequestOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    store_code: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    reason: str
    reason_label: str
    evidence_note: str
    refund_fen: int
    refunded_fen: int
    settled_on_platform: bool
    platform_refund_id: str
    return_carrier_code: str
    return_waybill_no: str
    replacement_order_id: int | None
    replacement_order_number: str
    decision_note: str
    created_at: datetime
    approved_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None
    lines: list[LineOut]

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_store_code(obj) -> str:
        return obj.order.store.code

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_reason_label(obj) -> str:
        return str(obj.get_reason_display())

    @staticmethod
    def resolve_replacement_order_number(obj) -> str:
        return obj.replacement_order.number if obj.replacement_order_id else ""

    @staticmethod
    def resolve_lines(obj) -> list:
        return sorted(obj.lines.all(), key=lambda line: line.order_line.line_no)


class AllowanceOut(Schema):
    order_line_id: int
    line_no: int
    sku_code: str
    title: str
    quantity: int
    amount_fen: int
    returnable_quantity: int
    remaining_fen: int


class HistoryOut(Schema):
    at: datetime
    actor_label: str
    from_state: str
    to_state: str
    reason: str
