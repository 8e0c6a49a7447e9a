"""JdAdapter: the JD connector behind the contract of ``../base.py``.

Implements OrderSource, PayloadParser, StockSink, ShipmentSink and RefundSource. No
WebhookVerifier: JOS pushes order messages over its long-lived message channel (JMQ/消息服务),
not as signed HTTP webhooks, so there is nothing to verify; a saved message's order is read with
``fetch_order``.
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
from huitong.integrations.connectors.jd import mapping
from huitong.integrations.connectors.jd.client import PAGE_SIZE, JdClient
from huitong.integrations.connectors.paging import new_versions, split_window

SEARCH_STATES = tuple(mapping.ORDER_STATUS)


class JdAdapter:
    # jingdong.pop.order.search: start_date and end_date may be at most one month apart.
    max_window = timedelta(days=30)

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
        self.client = JdClient(
            credentials, sleep=sleep, backoff=backoff, retries=retries, per_second=per_second
        )
        self.page_size = page_size

    # --- OrderSource ---------------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        """Orders modified in the window, chunk by chunk, page by page. JOS's bounds are inclusive
        at the second (an overlap is better than a gap), so an order changed on a chunk boundary
        is answered twice: it is passed on once per version (order id + modified) in this pull."""
        seen: set[tuple[str, datetime]] = set()
        for chunk_start, chunk_end in self._chunks(start, end):
            page = 1
            while True:
                result = self.client.search_orders(
                    start=chunk_start,
                    end=chunk_end,
                    states=SEARCH_STATES,
                    page=page,
                    page_size=self.page_size,
                )
                infos = result.get("orderInfoList") or []
                total = int(result.get("orderTotal") or 0)
                has_more = bool(infos) and page * self.page_size < total
                orders = [mapping.map_order(info) for info in infos]
                fresh = new_versions(orders, seen, id_of=attrgetter("order_id"))
                yield OrderPage(tuple(fresh), page, has_more)
                if not has_more:
                    break
                page += 1

    def fetch_order(self, order_id: str) -> PlatformOrder:
        return mapping.map_order(self.client.get_order(order_id))

    # --- PayloadParser -------------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        """A saved search/get answer (wrapped or not), a bare orderInfo, or a list of them."""
        return mapping.map_payload(payload)

    # --- StockSink -----------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        """One updateSkuStock per SKU (the API takes a single skuId)."""
        for update in updates:
            if not update.sku_id:
                raise ConnectorError(
                    f"JD stock needs the JD skuId (merchant code {update.merchant_code!r})",
                    code="missing_sku_id",
                )
            if update.quantity < 0:
                raise ConnectorError(
                    f"JD stock for sku {update.sku_id} cannot be negative ({update.quantity})"
                )
            self.client.update_stock(sku_id=update.sku_id, quantity=update.quantity)

    # --- ShipmentSink --------------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        if not waybill_no.strip():
            raise ConnectorError(f"JD shipment of order {order_id} needs a waybill number")
        self.client.ship(
            order_id=order_id, logistics_id=mapping.logistics_id(carrier_code), waybill_no=waybill_no.strip()
        )

    # --- RefundSource --------------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        """Refund applications applied for, then reviewed, in the window (the API filters by one
        time at a time); each version of an application (id + review time) once per pull."""
        seen: set[tuple[str, datetime]] = set()
        for chunk_start, chunk_end in self._chunks(start, end):
            for by in ("apply", "check"):
                for refunds in self._refund_pages(chunk_start, chunk_end, by):
                    if fresh := new_versions(refunds, seen, id_of=attrgetter("refund_id")):
                        yield fresh

    def _chunks(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        return split_window(start, end, self.max_window, naive="JD windows need timezone-aware datetimes")

    def _refund_pages(self, start: datetime, end: datetime, by: str) -> Iterator[list[PlatformRefund]]:
        page, page_size = 1, 50
        while True:
            result = self.client.search_refunds(start=start, end=end, by=by, page=page, page_size=page_size)
            rows = result.get("result") or []
            yield [mapping.map_refund(row) for row in rows]
            if not rows or page * page_size >= int(result.get("totalCount") or 0):
                return
            page += 1
