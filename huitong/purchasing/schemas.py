from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from huitong.core.crypto import mask_phone
from huitong.core.permissions import Role, has_any_role
from huitong.purchasing import reorder
from huitong.purchasing.models import PayableStatus, PurchaseOrderStatus

# Roles that see a supplier's phone in full; others see it masked.
CONTACT_ROLES = (Role.OPERATOR, Role.FINANCE)


# --- suppliers ------------------------------------------------------------------------------------

class SupplierIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    contact_name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=200)
    lead_time_days: int = Field(default=7, ge=0, le=3650)
    min_order_fen: int = Field(default=0, ge=0)
    payment_terms_days: int = Field(default=30, ge=0, le=3650)
    note: str = Field(default="", max_length=500)


class SupplierPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    contact_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)
    lead_time_days: int | None = Field(default=None, ge=0, le=3650)
    min_order_fen: int | None = Field(default=None, ge=0)
    payment_terms_days: int | None = Field(default=None, ge=0, le=3650)
    note: str | None = Field(default=None, max_length=500)
    is_active: bool | None = None


class SupplierOut(Schema):
    id: int
    code: str
    name: str
    contact_name: str
    phone: str
    address: str
    lead_time_days: int
    min_order_fen: int
    payment_terms_days: int
    note: str
    is_active: bool
    created_at: datetime

    @staticmethod
    def resolve_phone(obj, context) -> str:
        request = context.get("request") if context else None
        user = getattr(request, "auth", None)
        return obj.phone if user is not None and has_any_role(user, CONTACT_ROLES) else mask_phone(obj.phone or "")


class SupplierPriceIn(Schema):
    cost_fen: int = Field(ge=0)
    min_order_quantity: int = Field(default=1, ge=1)
    is_preferred: bool = False


class SupplierPriceOut(Schema):
    id: int
    supplier_id: int
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    cost_fen: int
    min_order_quantity: int
    is_preferred: bool
    updated_at: datetime


# --- purchase orders ------------------------------------------------------------------------------

class PoLineIn(Schema):
    sku_id: int
    quantity: int = Field(gt=0)
    unit_cost_fen: int | None = Field(default=None, ge=0)


class PurchaseOrderIn(Schema):
    supplier_id: int
    location_id: int
    lines: list[PoLineIn] = Field(min_length=1)
    expected_date: date | None = None
    note: str = Field(default="", max_length=500)


class PurchaseOrderPatch(Schema):
    lines: list[PoLineIn] | None = Field(default=None, min_length=1)
    location_id: int | None = None
    expected_date: date | None = None
    note: str | None = Field(default=None, max_length=500)


class PurchaseOrderFilter(Schema):
    status: PurchaseOrderStatus | None = None
    supplier_id: int | None = None
    location_id: int | None = None
    search: str | None = None


class ConfirmIn(Schema):
    allow_below_minimum: bool = False


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class CloseIn(Schema):
    reason: str = Field(default="", max_length=200)


class PoLineOut(Schema):
    id: int
    line_no: int
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    quantity: int
    unit_cost_fen: int
    received_quantity: int
    outstanding: int


class PurchaseOrderOut(Schema):
    id: int
    number: str
    supplier_id: int
    supplier_code: str = Field(alias="supplier.code")
    supplier_name: str = Field(alias="supplier.name")
    location_id: int
    location_code: str = Field(alias="location.code")
    status: str
    expected_date: date | None
    note: str
    total_fen: int
    received_fen: int
    close_reason: str
    created_at: datetime
    confirmed_at: datetime | None
    closed_at: datetime | None
    lines: list[PoLineOut]


class HistoryOut(Schema):
    at: datetime
    actor_label: str
    from_state: str
    to_state: str
    reason: str
    data: dict


# --- receipts -------------------------------------------------------------------------------------

class ReceiptLineIn(Schema):
    sku_id: int
    quantity: int = Field(gt=0)


class ReceiptIn(Schema):
    lines: list[ReceiptLineIn] = Field(min_length=1)
    key: str = Field(default="", max_length=64, description="Idempotency key: a retry with it changes nothing")
    allow_over: bool = Field(default=False, description="Accept more than ordered (超收)")
    note: str = Field(default="", max_length=500)


class ReceiptLineOut(Schema):
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    line_no: int = Field(alias="po_line.line_no")
    quantity: int
    over_quantity: int
    unit_cost_fen: int
    amount_fen: int
    on_hand_before: int
    cost_before_fen: int
    cost_after_fen: int
    movement_id: int


class ReceiptOut(Schema):
    id: int
    number: str
    purchase_order_id: int
    purchase_order_number: str = Field(alias="purchase_order.number")
    key: str
    received_at: datetime
    total_fen: int
    allow_over: bool
    note: str
    actor_label: str
    payable_id: int = Field(alias="payable.id")
    lines: list[ReceiptLineOut]


# --- in transit -----------------------------------------------------------------------------------

class InTransitAtOut(Schema):
    location_id: int
    location_code: str
    quantity: int


class InTransitOut(Schema):
    sku_id: int
    sku_code: str
    quantity: int
    locations: list[InTransitAtOut]


# --- payables -------------------------------------------------------------------------------------

class PayableFilter(Schema):
    supplier_id: int | None = None
    status: PayableStatus | None = None
    overdue: bool | None = None


class PayableOut(Schema):
    id: int
    supplier_id: int
    supplier_code: str = Field(alias="supplier.code")
    receipt_id: int
    receipt_number: str = Field(alias="receipt.number")
    purchase_order_number: str = Field(alias="receipt.purchase_order.number")
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    due_date: date
    status: str
    created_at: datetime


class SupplierPayablesOut(Schema):
    supplier_id: int
    supplier_code: str
    supplier_name: str
    payables: int
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    overdue_fen: int
    next_due_date: date | None


class PayablesSummaryOut(Schema):
    as_of: date
    outstanding_fen: int
    overdue_fen: int
    suppliers: list[SupplierPayablesOut]


class PaymentIn(Schema):
    amount_fen: int = Field(gt=0)
    paid_on: date | None = None
    method: str = Field(default="bank_transfer", max_length=30)
    reference: str = Field(default="", max_length=100)
    key: str = Field(default="", max_length=64)


class PaymentOut(Schema):
    id: int
    payable_id: int
    amount_fen: int
    paid_on: date
    method: str
    reference: str
    key: str
    actor_label: str
    created_at: datetime


class PaidOut(Schema):
    payment: PaymentOut
    payable: PayableOut


# --- reorder suggestions --------------------------------------------------------------------------

class SuggestionFilter(Schema):
    location_id: int | None = None
    sku_id: int | None = None
    cover_days: int = Field(default=reorder.DEFAULT_COVER_DAYS, ge=0, le=365)
    recent_weight: Decimal = Field(default=reorder.RECENT_WEIGHT, ge=0, le=1, decimal_places=3)
    only_needed: bool = True


class SuggestionOut(Schema):
    sku_id: int
    sku_code: str
    sku_name: str
    location_id: int
    location_code: str
    supplier_id: int | None
    supplier_code: str
    unit_cost_fen: int
    min_order_quantity: int
    supplier_min_order_fen: int
    lead_time_days: int
    cover_days: int
    recent_weight: Decimal
    sold_7d: int
    sold_30d: int
    on_hand: int
    reserved: int
    safety_stock: int
    in_transit: int
    velocity_7d: Decimal
    velocity_30d: Decimal
    daily_velocity: Decimal
    lead_time_demand: Decimal
    reorder_point: int
    target_stock: int
    projected_stock: int
    needs_reorder: bool
    shortfall: int
    suggested_quantity: int
    days_of_cover: Decimal | None
    amount_fen: int
    supplier_order_fen: int
    meets_supplier_minimum: bool


class PickIn(Schema):
    sku_id: int
    location_id: int
    quantity: int | None = Field(default=None, gt=0)
    supplier_id: int | None = None


class DraftsIn(Schema):
    picks: list[PickIn] = Field(min_length=1)
    cover_days: int = Field(default=reorder.DEFAULT_COVER_DAYS, ge=0, le=365)
    recent_weight: Decimal = Field(default=reorder.RECENT_WEIGHT, ge=0, le=1, decimal_places=3)
