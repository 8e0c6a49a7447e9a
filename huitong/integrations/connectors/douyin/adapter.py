"""DouyinAdapter: OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier
for a Douyin shop (抖店), over ``client.DouyinClient``.

- Incremental pull: order.searchList by ``update_time_start``/``update_time_end`` (unix seconds),
  ``order_by=update_time``, ``order_asc=true``, pages from 0, ``size`` ≤ 100. The platform documents
  no fixed span for one query, but it refuses to page past 50 000 rows (page×size,
  ``isv.parameter-invalid:20013``) and only lists orders created in the last 90 days; we query at
  most one day at a time (``max_window``) and halve a window whose ``total`` is over 50 000.
- One order: order.orderDetail(shop_order_id). Pushed messages carry only ids, so parse_payload
  reads each named order with order.orderDetail.
- Stock: sku.syncStock (full overwrite, ``incremental=false``), one SKU per call.
- Shipment: order.logisticsAdd(order_id, company_code, logistics_code=waybill).
- Refunds: afterSale.List by ``update_start_time``/``update_end_time`` with
  ``order_by=["update_time asc"]`` (the docs warn polling without it misses rows), ``has_more`` paging;
  exchange / resend / repair after-sales (no money back) are left out.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from huitong.integrations.connectors.base import (
    ConnectorError,
    Credentials,
    OrderPage,
    PlatformOrder,
    PlatformRefund,
    StockUpdate,
)
from huitong.integrations.connectors.douyin import mapping
from huitong.integrations.connectors.douyin.client import DouyinClient, push_sign
from huitong.integrations.connectors.paging import halves, numbered_pages, row_count, unix_windows
from huitong.integrations.connectors.payloads import wire_id

PAGE_SIZE = 100  # the most order.searchList / afterSale.List return per page
MAX_ROWS = 50_000  # page × size beyond which both lists refuse to page


class DouyinAdapter:
    platform = "douyin"
    max_window = timedelta(days=1)

    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        page_size: int = PAGE_SIZE,
    ):
        self.credentials = credentials
        self.client = DouyinClient(
            credentials, per_second=per_second, retries=retries, backoff=backoff, sleep=sleep, clock=clock
        )
        self.page_size = min(page_size, PAGE_SIZE)

    # --- OrderSource ---------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        pages = (
            page for lo, hi in self._windows(start, end) for page in self._order_pages(lo, hi)
        )
        return numbered_pages(pages)

    def _order_pages(self, lo: int, hi: int) -> Iterator[tuple[PlatformOrder, ...]]:
        page = 0
        while True:
            data = self.client.call(
                "order.searchList",
                {
                    "update_time_start": lo,
                    "update_time_end": hi,
                    "order_by": "update_time",
                    "order_asc": True,
                    "page": page,
                    "size": self.page_size,
                },
            )
            total = row_count(data.get("total"), "douyin order.searchList total")
            if page == 0 and total > MAX_ROWS and hi - lo > 1:
                yield from halves(self._order_pages, lo, hi)
                return
            rows = data.get("shop_order_list") or []
            yield tuple(mapping.order_from_payload(row) for row in rows)
            page += 1
            if not rows or page * self.page_size >= total:
                return

    def _windows(self, start: datetime, end: datetime) -> Iterator[tuple[int, int]]:
        naive = "douyin: the pull window needs timezone-aware datetimes"
        return unix_windows(start, end, self.max_window, naive=naive)

    def fetch_order(self, order_id: str) -> PlatformOrder:
        data = self.client.call("order.orderDetail", {"shop_order_id": str(order_id)})
        detail = data.get("shop_order_detail")
        if not isinstance(detail, Mapping):
            raise ConnectorError(
                f"douyin order.orderDetail {order_id}: no shop_order_detail", code="not_found"
            )
        return mapping.order_from_payload(detail)

    # --- PayloadParser -------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any] | Sequence[Any]) -> list[PlatformOrder]:
        """A saved order.searchList / order.orderDetail answer, or a pushed message body (a JSON
        array of {tag, msg_id, data}): pushes name orders by id, which are then read in full."""
        if mapping.is_push(payload):
            return [self.fetch_order(order_id) for order_id in mapping.order_ids_from_push(payload)]
        if not isinstance(payload, Mapping):
            raise ConnectorError("douyin: payload is neither an API answer nor a pushed message")
        return mapping.orders_from_response(payload)

    # --- StockSink -----------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        for update in updates:
            if update.quantity < 0:
                raise ConnectorError(
                    f"douyin sku.syncStock: negative stock for {update.sku_id or update.merchant_code}"
                )
            params: dict[str, Any] = {"stock_num": update.quantity, "incremental": False}
            if update.item_id:
                params["product_id"] = wire_id(update.item_id)
            if update.sku_id:
                params["sku_id"] = wire_id(update.sku_id)
            elif update.merchant_code:
                params["code"] = update.merchant_code
            else:
                raise ConnectorError("douyin sku.syncStock: a stock update needs sku_id or merchant_code")
            self.client.call("sku.syncStock", params)

    # --- ShipmentSink --------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        if not waybill_no.strip():
            raise ConnectorError(f"douyin order.logisticsAdd {order_id}: waybill number is empty")
        self.client.call(
            "order.logisticsAdd",
            {
                "order_id": str(order_id),
                "company_code": mapping.carrier_code(carrier_code),
                "logistics_code": waybill_no.strip(),
            },
        )

    # --- RefundSource --------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        for lo, hi in self._windows(start, end):
            yield from self._refund_pages(lo, hi)

    def _refund_pages(self, lo: int, hi: int) -> Iterator[list[PlatformRefund]]:
        page = 0
        while True:
            data = self.client.call(
                "afterSale.List",
                {
                    "update_start_time": lo,
                    "update_end_time": hi,
                    "order_by": ["update_time asc"],
                    "page": page,
                    "size": self.page_size,
                },
            )
            too_many = page == 0 and row_count(data.get("total"), "douyin afterSale.List total") > MAX_ROWS
            if too_many and hi - lo > 1:
                yield from halves(self._refund_pages, lo, hi)
                return
            items = data.get("items") or []
            refunds = [mapping.refund_from_payload(item) for item in items if mapping.is_money_refund(item)]
            if refunds:
                yield refunds
            page += 1
            if not items or not data.get("has_more"):
                return

    # --- WebhookVerifier -----------------------------------------------------------------
    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> bool:
        """抖店消息推送: header ``app-id`` is our app key and ``event-sign`` the md5 (or, with
        ``sign-method: hmac-sha256``, the HMAC-SHA256) of app_key + raw body + app_secret."""
        lowered = {key.lower(): value for key, value in headers.items()}
        given = (lowered.get("event-sign") or "").strip().lower()
        if not given or lowered.get("app-id", self.credentials.app_key) != self.credentials.app_key:
            return False
        expected = push_sign(
            app_key=self.credentials.app_key,
            app_secret=self.credentials.app_secret,
            body=body,
            sign_method=lowered.get("sign-method", "md5"),
        )
        return hmac.compare_digest(expected, given)
