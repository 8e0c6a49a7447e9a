from __future__ import annotations

from datetime import date, datetime

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
