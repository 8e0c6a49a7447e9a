from __future__ import annotations

from datetime import date, datetime, time

from ninja import Field, Schema

from huitong.core.crypto import mask_address, mask_name, mask_phone
from huitong.core.money import format_yuan
from huitong.core.permissions import Role, has_any_role

# Roles that see receivers' names, phones and addresses in full (invariant 9); others see them masked.
PERSONAL_DATA_ROLES = (Role.CUSTOMER_SERVICE, Role.WAREHOUSE)


class LineIn(Schema):
    sku_id: int
    quantity: int = Field(gt=0)
    unit_price_fen: int | None = Field(default=None, ge=0)


class ReceiverIn(Schema):
    name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = Field(default="", max_length=200)


class OrderIn(Schema):
    store_id: int
    external_id: str = Field(default="", max_length=64)
    lines: list[LineIn] = Field(min_length=1)
    discount_fen: int = Field(default=0, ge=0)
    shipping_fen: int = Field(default=0, ge=0)
    receiver: ReceiverIn = ReceiverIn()
    buyer_nick: str = Field(default="", max_length=100)
    buyer_remark: str = Field(default="", max_length=500)


class CounterSaleIn(Schema):
    store_id: int
    lines: list[LineIn] = Field(min_length=1)
    tender: str = "cash"
    discount_fen: int = Field(default=0, ge=0)
    buyer_nick: str = Field(default="", max_length=100)


class OrderFilter(Schema):
    status: str | None = None
    store_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    search: str | None = None


class PayIn(Schema):
    method: str = "sandbox"


class AllocateIn(Schema):
    location_id: int | None = None


class ShipIn(Schema):
    carrier_code: str = Field(min_length=1, max_length=20)
    waybill_no: str = Field(min_length=1, max_length=40)


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class LineOut(Schema):
    line_no: int
    sku_id: int | None
    sku_code: str
    platform_line_id: str
    merchant_code: str
    title: str
    quantity: int
    unit_price_fen: int
    discount_fen: int
    amount_fen: int
    location_id: int | None


class ReceiverOut(Schema):
    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str


class OrderOut(Schema):
    id: int
    number: str
    store_id: int
    store_code: str
    external_id: str
    status: str
    status_label: str
    currency: str
    subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    total_fen: int
    total_yuan: str
    paid_fen: int
    buyer_nick: str
    platform_status: str
    hold_reasons: list[dict]
    receiver: ReceiverOut
    carrier_code: str
    waybill_no: str
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    lines: list[LineOut]

    @staticmethod
    def resolve_total_yuan(obj) -> str:
        return format_yuan(obj.total_fen, symbol="")

    @staticmethod
    def resolve_store_code(obj) -> str:
        return obj.store.code

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_receiver(obj, context) -> dict:
        request = context["request"] if context else None
        full = request is not None and has_any_role(request.auth, PERSONAL_DATA_ROLES)
        name, phone, address = obj.receiver_name, obj.receiver_phone, obj.address
        if not full:
            name, phone, address = mask_name(name), mask_phone(phone), mask_address(address)
        return {"name": name, "phone": phone, "province": obj.province, "city": obj.city,
                "district": obj.district, "address": address}


class HistoryOut(Schema):
    at: datetime
    actor_label: str
    from_state: str
    to_state: str
    reason: str


class StoreLocationsIn(Schema):
    location_ids: list[int] = Field(min_length=1)


# --- 审单 / 合单 / 拆单 / 分仓 (api_review) -----------------------------------------------------------

BATCH_MAX = 500


class OrderIdsIn(Schema):
    order_ids: list[int] = Field(min_length=1, max_length=BATCH_MAX)


class ApproveIn(OrderIdsIn):
    note: str = Field(default="", max_length=200)


class ReasonIdsIn(OrderIdsIn):
    reason: str = Field(min_length=1, max_length=200)


class ReceiverEditIn(Schema):
    order_id: int
    receiver: ReceiverIn


class ReceiverEditsIn(Schema):
    items: list[ReceiverEditIn] = Field(min_length=1, max_length=BATCH_MAX)


class BatchResultOut(Schema):
    order_id: int
    ok: bool
    code: str = ""
    message: str = ""
    detail: dict = {}
    status: str | None = None
    review_status: str | None = None
    hold_reasons: list[dict] = []


class ReviewQueueFilter(Schema):
    review_status: str | None = None
    store_id: int | None = None
    code: str | None = None


class ReviewQueueItemOut(Schema):
    id: int
    number: str
    store_id: int
    store_code: str
    status: str
    review_status: str
    review_status_label: str
    hold_reasons: list[dict]
    total_fen: int
    buyer_nick: str
    paid_at: datetime | None
    review_due_at: datetime | None
    reviewed_at: datetime | None
    merge_group_id: int | None
    preferred_location_id: int | None
    carrier_code: str

    @staticmethod
    def resolve_store_code(obj) -> str:
        return obj.store.code

    @staticmethod
    def resolve_review_status_label(obj) -> str:
        return str(obj.get_review_status_display())


class RuleIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: str
    action: str = "hold"
    store_id: int | None = None
    is_active: bool = True
    position: int = 100
    min_value: int | None = Field(default=None, ge=0)
    max_value: int | None = Field(default=None, ge=0)
    keywords: list[str] = []
    sku_codes: list[str] = []
    carrier_code: str = Field(default="", max_length=20)
    location_id: int | None = None


class RuleOut(RuleIn):
    id: int
    kind_label: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class SettingsIn(Schema):
    cool_down_minutes: int = Field(default=0, ge=0)
    window_start: time | None = None
    window_end: time | None = None
    finance_review: bool = False
    finance_min_total_fen: int = Field(default=0, ge=0)
    unpaid_recheck_minutes: int = Field(default=10, ge=0)
    merge_gap_minutes: int = Field(default=24 * 60, ge=0)
    strategies: list[str] = Field(default=["single_location", "nearest", "priority", "split"], min_length=1)


class SettingsOut(SettingsIn):
    pass


class BlacklistIn(Schema):
    kind: str
    value: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=200)


class BlacklistOut(Schema):
    id: int
    kind: str
    label: str
    note: str
    created_by: str
    created_at: datetime


class FloorPriceIn(Schema):
    floor_price_fen: int | None = Field(ge=0)


class FloorPriceOut(Schema):
    sku_id: int
    sku_code: str
    floor_price_fen: int

    @staticmethod
    def resolve_sku_code(obj) -> str:
        return obj.sku.code


class MergeGroupOut(Schema):
    id: int
    store_id: int
    master_id: int
    status: str
    order_numbers: list[str]
    order_ids: list[int]
    created_at: datetime
    undone_at: datetime | None

    @staticmethod
    def resolve_order_ids(obj) -> list[int]:
        return sorted(o.pk for o in obj.orders.all())


class UndoMergeIn(Schema):
    reason: str = Field(default="", max_length=200)


class SplitLineIn(Schema):
    line_no: int
    quantity: int = Field(gt=0)


class SplitIn(Schema):
    lines: list[SplitLineIn] = Field(min_length=1)


class SplitOut(Schema):
    original: OrderOut
    new: OrderOut


class SiblingOut(Schema):
    id: int
    number: str
    status: str
    review_status: str
    total_fen: int
    paid_at: datetime | None
    merge_group_id: int | None


class PlacementOut(Schema):
    line_id: int
    location_id: int


class PlanOut(Schema):
    order_ids: list[int]
    ranked_location_ids: list[int]
    placements: list[PlacementOut]
    strategy: str
    problem: str
