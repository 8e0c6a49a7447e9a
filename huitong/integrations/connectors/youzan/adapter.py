"""YouzanAdapter: OrderSource, PayloadParser, StockSink, ShipmentSink, RefundSource, WebhookVerifier
for a Youzan shop (有赞微商城), over ``client.YouzanClient``.

- Incremental pull: youzan.trades.sold.get 4.0.4 by ``start_update``/``end_update`` (Beijing time
  text, both ends inclusive, paired, at most 3 months apart: ``max_window`` is 89 days so that no
  three calendar months are ever exceeded), ``page_no`` from 1 to at most 100, ``page_size`` ≤ 100;
  a window whose ``total_results`` is over the 10 000 rows those limits reach is halved.
- One order: youzan.trade.get 4.0.2 (tid). A push whose ``msg`` carries the whole trade
  (trade_TradeCreate/TradePaid/TradeBuyerPay) is mapped directly; one that carries only the tid
  (trade_TradeClose, TradeSellerShip, refund messages...) is read with youzan.trade.get.
- Stock: youzan.item.quantity.update 3.0.0 (item_id, sku_id, quantity: the new total).
- Shipment: youzan.logistics.online.confirm 3.0.0 (tid, out_stype = express id, out_sid = waybill).
- Refunds: youzan.trade.refund.search 3.0.1 by ``update_time_start``/``update_time_end`` (unix
  seconds); page_no × page_size may not pass 3 000, so a window with more is halved.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from huitong.integrations.connectors.base import (
    ConnectorError,
    Credentials,
    OrderPage,
    PlatformOrder,
    PlatformRefund,
    StockUpdate,
)
from huitong.integrations.connectors.paging import halves, numbered_pages, row_count, unix_windows
from huitong.integrations.connectors.payloads import wire_id
from huitong.integrations.connectors.times import china_text
from huitong.integrations.connectors.youzan import mapping
from huitong.integrations.connectors.youzan.client import YouzanClient, push_sign

PAGE_SIZE = 100
MAX_PAGES = 100  # trades.sold.get: page_no ≤ 100
MAX_ORDER_ROWS = MAX_PAGES * PAGE_SIZE
MAX_REFUND_ROWS = 3_000  # refund.search: page_no × page_size ≤ 3 000 ("超过ES搜索最大深度")


class YouzanAdapter:
    platform = "youzan"
    max_window = timedelta(days=89)

    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ):
        self.credentials = credentials
        self.client = YouzanClient(
            credentials, per_second=per_second, retries=retries, backoff=backoff, sleep=sleep
        )
        self.page_size = min(page_size, PAGE_SIZE)

    # --- OrderSource ---------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        pages = (
            page for lo, hi in self._windows(start, end) for page in self._order_pages(lo, hi)
        )
        return numbered_pages(pages)

    def _order_pages(self, lo: int, hi: int) -> Iterator[tuple[PlatformOrder, ...]]:
        """Trades updated in [lo, hi) whole seconds: the platform's end is inclusive, so ask to hi - 1."""
        page = 1
        while True:
            data = self.client.call(
                "youzan.trades.sold.get",
                {
                    "start_update": _beijing(lo),
                    "end_update": _beijing(hi - 1),
                    "page_no": page,
                    "page_size": self.page_size,
                },
            )
            total = row_count(data.get("total_results"), "youzan trades.sold.get total_results")
            if page == 1 and total > min(MAX_ORDER_ROWS, MAX_PAGES * self.page_size):
                if hi - lo <= 1:
                    raise ConnectorError(
                        f"youzan: over {MAX_ORDER_ROWS} trades updated in one second at {_beijing(lo)}"
                    )
                yield from halves(self._order_pages, lo, hi)
                return
            rows = data.get("full_order_info_list") or []
            yield tuple(mapping.order_from_trade(row) for row in rows)
            if not rows or page * self.page_size >= total:
                return
            page += 1

    def _windows(self, start: datetime, end: datetime) -> Iterator[tuple[int, int]]:
        naive = "youzan: the pull window needs timezone-aware datetimes"
        return unix_windows(start, end, self.max_window, naive=naive)

    def fetch_order(self, order_id: str) -> PlatformOrder:
        data = self.client.call("youzan.trade.get", {"tid": str(order_id)})
        if not isinstance(data.get("full_order_info"), Mapping):
            raise ConnectorError(f"youzan trade.get {order_id}: no full_order_info", code="not_found")
        return mapping.order_from_trade(data)

    # --- PayloadParser -------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        """A saved trades.sold.get / trade.get answer, or a pushed message body."""
        if not mapping.is_push(payload):
            return mapping.orders_from_response(payload)
        message = mapping.push_message(payload)
        if "full_order_info" in message:
            return [mapping.order_from_trade(message)]
        tid = mapping.push_tid(payload, message)
        if not tid:
            if payload.get("test") is True:
                return []  # the push service's periodic test message
            raise ConnectorError(f"youzan push {payload.get('type', '')}: names no order")
        return [self.fetch_order(tid)]

    # --- StockSink -----------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        for update in updates:
            if update.quantity < 0:
                raise ConnectorError(f"youzan item.quantity.update: negative stock for item {update.item_id}")
            if not update.item_id:
                raise ConnectorError("youzan item.quantity.update: a stock update needs the item_id")
            params: dict[str, Any] = {"item_id": wire_id(update.item_id), "quantity": update.quantity}
            if update.sku_id:
                params["sku_id"] = wire_id(update.sku_id)
            self.client.call("youzan.item.quantity.update", params)

    # --- ShipmentSink --------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        if not waybill_no.strip():
            raise ConnectorError(f"youzan logistics.online.confirm {order_id}: waybill number is empty")
        self.client.call(
            "youzan.logistics.online.confirm",
            {
                "tid": str(order_id),
                "is_no_express": 0,
                "out_stype": mapping.carrier_code(carrier_code),
                "out_sid": waybill_no.strip(),
            },
        )

    # --- RefundSource --------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        for lo, hi in self._windows(start, end):
            yield from self._refund_pages(lo, hi)

    def _refund_pages(self, lo: int, hi: int) -> Iterator[list[PlatformRefund]]:
        page = 1
        while True:
            data = self.client.call(
                "youzan.trade.refund.search",
                {
                    "update_time_start": lo,
                    "update_time_end": hi - 1,
                    "page_no": page,
                    "page_size": self.page_size,
                },
            )
            total = row_count(data.get("total"), "youzan trade.refund.search total")
            if page == 1 and total > min(MAX_REFUND_ROWS, MAX_PAGES * self.page_size) and hi - lo > 1:
                yield from halves(self._refund_pages, lo, hi)
                return
            rows = data.get("refunds") or []
            if rows:
                yield [mapping.refund_from_payload(row) for row in rows]
            if not rows or page * self.page_size >= total:
                return
            page += 1

    # --- WebhookVerifier -----------------------------------------------------------------
    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> bool:
        """A push is genuine when every signature it carries verifies, and it carries one:
        header ``Event-Sign`` over the raw body, and the body's ``sign`` over the ``msg`` text
        (trade messages); its ``client_id``, when given, must be ours."""
        client_id, secret = self.credentials.app_key, self.credentials.app_secret
        if not client_id or not secret:
            raise ConnectorError("youzan: client_id and client_secret are needed to verify pushes")
        try:
            message = json.loads(body)
        except ValueError:
            return False
        if not isinstance(message, Mapping) or str(message.get("client_id", client_id)) != client_id:
            return False
        lowered = {key.lower(): value for key, value in headers.items()}
        checks = []
        if lowered.get("event-sign"):
            expected = push_sign(client_id=client_id, client_secret=secret, content=body)
            checks.append(hmac.compare_digest(expected, lowered["event-sign"].strip().lower()))
        if message.get("sign") and isinstance(message.get("msg"), str):
            expected = push_sign(client_id=client_id, client_secret=secret, content=message["msg"])
            checks.append(hmac.compare_digest(expected, str(message["sign"]).strip().lower()))
        return bool(checks) and all(checks)


def _beijing(seconds: int) -> str:
    return china_text(datetime.fromtimestamp(seconds, tz=UTC))
