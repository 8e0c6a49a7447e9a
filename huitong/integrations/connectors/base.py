"""The connector contract: what every platform adapter produces and accepts.

Adapters are islands (STYLE rule 9): they import only this module, ``http`` and the standard
library, never orders/inventory/catalog. ``mapping.py`` turns a platform payload into the frozen
DTOs below (money already in fen, times tz-aware); ``adapter.py`` implements the Protocols.
The ingest service maps the DTOs onto Huitong's orders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class OrderState(StrEnum):
    """Huitong's reading of a platform order status (each adapter maps its codes onto these)."""

    PENDING_PAYMENT = "pending_payment"  # created, not paid (待付款)
    PAID = "paid"  # paid, waiting for the seller to ship (待发货)
    SHIPPED = "shipped"  # shipped, buyer has not confirmed (已发货/待收货)
    COMPLETED = "completed"  # buyer confirmed / finished (交易成功)
    CANCELLED = "cancelled"  # closed before shipping, unpaid or fully refunded (交易关闭)


class RefundState(StrEnum):
    NONE = "none"
    REQUESTED = "requested"  # buyer asked, seller has not decided
    APPROVED = "approved"  # agreed, money not back yet (waiting for goods or processing)
    REFUNDED = "refunded"  # money returned
    REJECTED = "rejected"  # seller refused
    CANCELLED = "cancelled"  # buyer withdrew


@dataclass(frozen=True)
class Address:
    """Receiver as the platform gives it; masked values (138****0000, 张**) stay masked."""

    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""


@dataclass(frozen=True)
class PlatformLine:
    line_id: str  # the platform's sub-order / line id
    item_id: str  # platform product id (num_iid, goods_id, product_id, ...)
    sku_id: str  # platform SKU id ("" when the item has no SKUs)
    merchant_code: str  # 商家编码 / outer_sku_id / seller SKU: how lines are matched to Huitong SKUs
    title: str
    quantity: int
    unit_price_fen: int  # list price per unit
    amount_fen: int  # what the buyer pays for the whole line after line discounts
    refund_state: RefundState = RefundState.NONE


@dataclass(frozen=True)
class Shipment:
    carrier_code: str  # Huitong carrier code (SF, ZTO, ...) or the platform's if unknown
    waybill_no: str


@dataclass(frozen=True)
class PlatformOrder:
    order_id: str
    state: OrderState
    platform_status: str  # the raw status code, kept for audit and for unknown-status errors
    created_at: datetime
    updated_at: datetime
    lines: tuple[PlatformLine, ...]
    total_fen: int  # what the buyer pays in all (goods after discounts + shipping)
    shipping_fen: int = 0
    discount_fen: int = 0  # order-level discount (on top of line amounts)
    currency: str = "CNY"
    paid_at: datetime | None = None
    buyer_id: str = ""
    buyer_nick: str = ""
    receiver: Address = field(default_factory=Address)
    buyer_remark: str = ""
    seller_remark: str = ""
    shipment: Shipment | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class PlatformRefund:
    refund_id: str
    order_id: str
    line_id: str  # "" when the refund is for the whole order
    amount_fen: int
    state: RefundState
    platform_status: str
    reason: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[PlatformOrder, ...]
    page: int
    has_more: bool


@dataclass(frozen=True)
class StockUpdate:
    item_id: str
    sku_id: str
    merchant_code: str
    quantity: int


@dataclass(frozen=True)
class Credentials:
    """Per-store credentials (stored encrypted on the channel store). Not every platform uses all."""

    app_key: str = ""
    app_secret: str = ""
    access_token: str = ""
    shop: str = ""  # shop id / domain / site URL, where the platform needs one
    base_url: str = ""  # API endpoint override (sandbox, or the local fake server in tests)
    extra: Mapping[str, str] = field(default_factory=dict)


class ConnectorError(Exception):
    """The platform refused or sent something we cannot use; retrying will not help."""

    def __init__(self, message: str, *, code: str = "", payload: Any = None):
        super().__init__(message)
        self.code = code
        self.payload = payload


class UnknownStatus(ConnectorError):
    """A status code missing from the adapter's mapping table."""


class TransientError(ConnectorError):
    """Network trouble, 5xx, or rate limiting that outlasted the retries: try again later."""


class SignatureInvalid(ConnectorError):
    """A push message or webhook whose signature does not verify."""


@runtime_checkable
class OrderSource(Protocol):
    max_window: timedelta  # the longest time window one incremental query may span

    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        """Orders changed in [start, end), page by page; the window must not exceed max_window."""

    def fetch_order(self, order_id: str) -> PlatformOrder: ...


@runtime_checkable
class PayloadParser(Protocol):
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        """Orders in a saved API response or push message (for import-json and webhooks)."""


@runtime_checkable
class StockSink(Protocol):
    def push_stock(self, updates: Sequence[StockUpdate]) -> None: ...


@runtime_checkable
class ShipmentSink(Protocol):
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None: ...


@runtime_checkable
class RefundSource(Protocol):
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]: ...


@runtime_checkable
class WebhookVerifier(Protocol):
    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> bool: ...
