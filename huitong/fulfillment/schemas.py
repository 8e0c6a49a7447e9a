from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class CarrierOut(Schema):
    code: str
    name: str
    pattern: str
    example: str
    internal: bool


class ShipmentsIn(Schema):
    carrier: str = Field(default="", max_length=20, description="blank: HUITONG_DEFAULT_CARRIER (ZTO)")
    waybill_no: str = Field(default="", max_length=40, description="only when the order ships from one location")


class WaybillIn(Schema):
    carrier: str = Field(min_length=1, max_length=20)
    waybill_no: str = Field(min_length=1, max_length=40)


class ShipIn(Schema):
    carrier: str = Field(default="", max_length=20)
    waybill_no: str = Field(default="", max_length=40)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class ShipmentLineOut(Schema):
    order_id: int
    order_line_id: int
    sku_id: int | None
    sku_code: str
    title: str
    quantity: int


class ShipmentOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    location_id: int
    location_code: str
    carrier: str
    carrier_name: str
    waybill_no: str
    status: str
    status_label: str
    created_at: datetime
    picked_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_location_code(obj) -> str:
        return obj.location.code

    @staticmethod
    def resolve_carrier_name(obj) -> str:
        return str(obj.get_carrier_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class WarningOut(Schema):
    code: str
    message: str
    orders: list[str] = []


class ShipmentsOut(Schema):
    created: bool
    shipments: list[ShipmentOut]
    warnings: list[WarningOut]


class ShippedOut(Schema):
    shipment: ShipmentOut
    order_shipped: bool
    warnings: list[WarningOut]


class ShipmentFilter(Schema):
    status: str | None = None
    carrier: str | None = None
    location_id: int | None = None
    order_id: int | None = None
    search: str | None = None


class QueueOrderOut(Schema):
    id: int
    number: str
    store_id: int
    status: str
    total_fen: int
    buyer_nick: str
    province: str
    city: str
    paid_at: datetime | None
    allocated_at: datetime | None
    merge_group_id: int | None
    line_count: int
    location_ids: list[int]

    @staticmethod
    def resolve_line_count(obj) -> int:
        return len(obj.lines.all())

    @staticmethod
    def resolve_location_ids(obj) -> list[int]:
        return sorted({line.location_id for line in obj.lines.all() if line.location_id})


class PrintIn(Schema):
    shipment_ids: list[int] = Field(min_length=1, max_length=500)


class TrackingBatchIn(Schema):
    """Rows are checked one by one (a bad row is reported, the rest are recorded)."""

    events: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class TrackingResultOut(Schema):
    index: int
    outcome: str
    shipment_id: int | None
    shipment_status: str
    code: str
    message: str
    fields: dict[str, str]


class TrackingBatchOut(Schema):
    recorded: int
    duplicates: int
    errors: int
    results: list[TrackingResultOut]


class TimelineOut(Schema):
    at: datetime
    source: str
    reference: str
    event: str
    label: str
    detail: str
    actor: str


class PickupIn(Schema):
    location_id: int


class VerifyPickupIn(Schema):
    location_id: int
    code: str = Field(min_length=1, max_length=12)


class PickupOut(Schema):
    id: int
    order_id: int
    order_number: str
    location_id: int
    location_code: str
    location_kind: str
    status: str
    status_label: str
    run_id: int | None
    created_at: datetime
    ready_at: datetime | None
    picked_up_at: datetime | None

    @staticmethod
    def resolve_location_code(obj) -> str:
        return obj.location.code

    @staticmethod
    def resolve_location_kind(obj) -> str:
        return obj.location.kind

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class PickupCodeOut(Schema):
    pickup: PickupOut
    code: str = Field(description="the 6-digit code, shown this once: send it to the customer")


class PickupFilter(Schema):
    location_id: int | None = None
    status: str | None = None
    order_id: int | None = None


class RunIn(Schema):
    pickup_point_id: int
    run_date: date


class RunOut(Schema):
    id: int
    number: str
    pickup_point_id: int
    pickup_point_code: str
    run_date: date
    status: str
    status_label: str
    dispatched_at: datetime | None
    arrived_at: datetime | None
    order_numbers: list[str]

    @staticmethod
    def resolve_pickup_point_code(obj) -> str:
        return obj.pickup_point.code

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_order_numbers(obj) -> list[str]:
        return sorted(p.order_number for p in obj.pickups.all())


class LeftBehindOut(Schema):
    order_number: str
    code: str
    message: str


class DispatchOut(Schema):
    run: RunOut
    left_behind: list[LeftBehindOut]


class RunFilter(Schema):
    pickup_point_id: int | None = None
    status: str | None = None


class InterceptIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class ResolveInterceptionIn(Schema):
    succeeded: bool
    note: str = Field(default="", max_length=200)


class InterceptionOut(Schema):
    id: int
    order_id: int
    order_number: str
    shipment_id: int | None
    stage: str
    carrier: str
    waybill_no: str
    status: str
    status_label: str
    reason: str
    result_note: str
    created_at: datetime
    resolved_at: datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class InterceptionFilter(Schema):
    status: str | None = None
    order_id: int | None = None


class CompletedOut(Schema):
    completed: int
