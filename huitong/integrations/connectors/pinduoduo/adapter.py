"""PinduoduoAdapter: the Pinduoduo connector behind the contract of ``../base.py``.

Implements OrderSource, PayloadParser, StockSink, ShipmentSink and RefundSource. No
WebhookVerifier: PDD pushes over its message-service WebSocket (the connection, not each message,
is authenticated) and never as signed HTTP webhooks. A saved push names an order number only, so
``parse_payload`` reads such orders from the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from huitong.integrations.connectors.base import (
    ConnectorError,
    Credentials,
    OrderPage,
    PlatformOrder,
    PlatformRefund,
    StockUpdate,
)
from huitong.integrations.connectors.paging import new_versions, pages_last_to_first, split_window
from huitong.integrations.connectors.pinduoduo import mapping
from huitong.integrations.connectors.pinduoduo.client import PAGE_SIZE, PddClient


class PinduoduoAdapter:
    # pdd.order.number.list.increment.get: 开始时间结束时间间距不超过 30 分钟.
    max_window = timedelta(minutes=30)

    def __init__(
        self,
        credentials: Credentials,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        retries: int = 4,
        per_second: float = 10.0,
        page_size: int = PAGE_SIZE,
    ):
        self.client = PddClient(
            credentials, sleep=sleep, backoff=backoff, retries=retries, per_second=per_second
        )
        self.page_size = page_size

    # --- OrderSource ---------------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        """Orders updated in the window, 30-minute chunk by chunk. PDD's bounds are inclusive at
        the second, so an order changed on a chunk boundary is answered twice: it is passed on
        once per version (order number + update time) in this pull."""
        seen: set[tuple[str, datetime]] = set()
        for chunk_start, chunk_end in self._chunks(start, end):
            for page, answer, has_more in self._pages(self.client.increment_orders, chunk_start, chunk_end):
                orders = [mapping.map_order(o) for o in answer.get("order_sn_list") or []]
                fresh = new_versions(orders, seen, id_of=attrgetter("order_id"))
                yield OrderPage(tuple(fresh), page, has_more)

    def _chunks(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        return split_window(start, end, self.max_window, naive="PDD windows need timezone-aware datetimes")

    def _pages(
        self, call: Callable[..., Mapping[str, Any]], start: datetime, end: datetime
    ) -> Iterator[tuple[int, Mapping[str, Any], bool]]:
        """PDD's paging for increments: count first, then read the pages last to first (PDD:
        必须采用倒序的分页方式); ``has_more`` while a lower page is still to come."""
        _count, pages = pages_last_to_first(
            lambda page: call(start=start, end=end, page=page, page_size=self.page_size),
            lambda answer: answer.get("total_count"),
            self.page_size,
        )
        for page, answer in pages:
            yield page, answer, page > 1

    def fetch_order(self, order_id: str) -> PlatformOrder:
        return mapping.map_order(self.client.order_information(order_id))

    # --- PayloadParser -------------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        """A saved increment/list/information answer, a bare order, or a message-service push (whose
        orders are then read with pdd.order.information.get)."""
        payload = mapping.load(payload)
        if mapping.is_push_message(payload):
            return [self.fetch_order(order_sn) for order_sn in mapping.order_sns_in_message(payload)]
        return mapping.map_payload(payload)

    # --- StockSink -----------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        """One pdd.goods.quantity.update per SKU, setting its stock (全量)."""
        for update in updates:
            if not update.item_id:
                raise ConnectorError(
                    f"PDD stock needs the goods_id (merchant code {update.merchant_code!r})",
                    code="missing_goods_id",
                )
            if not (update.sku_id or update.merchant_code):
                raise ConnectorError(f"PDD stock for goods {update.item_id} needs a sku_id or outer_id")
            if update.quantity < 0:
                raise ConnectorError(
                    f"PDD stock for goods {update.item_id} cannot be negative ({update.quantity})"
                )
            self.client.update_quantity(
                goods_id=update.item_id,
                sku_id=update.sku_id,
                outer_id=update.merchant_code,
                quantity=update.quantity,
            )

    # --- ShipmentSink --------------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        if not waybill_no.strip():
            raise ConnectorError(f"PDD shipment of order {order_id} needs a tracking number")
        self.client.online_send(
            order_sn=order_id,
            logistics_id=mapping.logistics_id(carrier_code),
            tracking_number=waybill_no.strip(),
        )

    # --- RefundSource --------------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        """Refund documents (仅退款, 退货退款) updated in the window; exchanges, resends and repairs
        move no money and are left out."""
        seen: set[tuple[str, datetime]] = set()
        for chunk_start, chunk_end in self._chunks(start, end):
            for _page, answer, _more in self._pages(self.client.increment_refunds, chunk_start, chunk_end):
                rows = [row for row in answer.get("refund_list") or [] if mapping.is_money_refund(row)]
                refunds = new_versions(map(mapping.map_refund, rows), seen, id_of=attrgetter("refund_id"))
                if refunds:
                    yield refunds
