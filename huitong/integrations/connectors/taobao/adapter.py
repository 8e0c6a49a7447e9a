"""TaobaoAdapter: the Protocols of ``connectors.base`` over TOP.

- OrderSource: ``taobao.trades.sold.increment.get`` (start_modified/end_modified at most one day apart,
  page_no/page_size ≤ 100) and ``taobao.trade.fullinfo.get``. TOP sorts the increment answer by modification
  time, newest first, and advises paging from the last page back to the first so that a trade modified
  during the pull (and so leaving the window) never shifts an unread trade onto a page already read. One probe
  (page 1, total_results) gives the page count, then pages N..1 are read; a page may repeat a trade, never skip
  one. Every trade on a page is mapped directly (the fields list asks for the lines and the receiver).
- PayloadParser: a saved increment/sold/fullinfo answer, a bare trade, or a TMC message (one, or a
  ``taobao.tmc.messages.consume`` answer), whose trades are fetched with fullinfo since TMC only names them.
- StockSink: ``taobao.item.quantity.update`` (num_iid, sku_id, quantity, type=1: full update), one call each.
- ShipmentSink: ``taobao.logistics.offline.send`` (tid, out_sid, company_code).
- RefundSource: ``taobao.refunds.receive.get`` (start_modified/end_modified, use_has_next paging).
- WebhookVerifier: TOP-signed pushes (SPI / 奇门), see ``client.spi_signature_valid``.
"""

from __future__ import annotations

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
    TransientError,
)
from huitong.integrations.connectors.paging import across_windows, pages_last_to_first, split_window
from huitong.integrations.connectors.taobao import mapping
from huitong.integrations.connectors.taobao.client import TopClient, spi_signature_valid

TRADE_FIELDS = ",".join(
    (
        "tid",
        "tid_str",
        "status",
        "type",
        "created",
        "modified",
        "pay_time",
        "consign_time",
        "end_time",
        "payment",
        "total_fee",
        "post_fee",
        "discount_fee",
        "adjust_fee",
        "buyer_nick",
        "buyer_open_uid",
        "buyer_message",
        "seller_memo",
        "receiver_name",
        "receiver_mobile",
        "receiver_phone",
        "receiver_state",
        "receiver_city",
        "receiver_district",
        "receiver_town",
        "receiver_address",
        "receiver_zip",
        "orders",
    )
)
REFUND_FIELDS = ",".join(
    (
        "refund_id",
        "tid",
        "oid",
        "title",
        "buyer_nick",
        "buyer_open_uid",
        "total_fee",
        "refund_fee",
        "payment",
        "status",
        "order_status",
        "good_status",
        "has_good_return",
        "reason",
        "desc",
        "created",
        "modified",
        "company_name",
        "sid",
        "refund_phase",
    )
)
PAGE_SIZE = 100  # TOP's maximum for both list calls


class TaobaoAdapter:
    max_window = timedelta(days=1)  # end_modified - start_modified <= 1 day

    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
    ):
        self.credentials = credentials
        self.client = TopClient(
            credentials,
            sign_method=credentials.extra.get("sign_method") or "md5",
            per_second=per_second,
            retries=retries,
            backoff=backoff,
            sleep=sleep,
            clock=clock,
        )

    # --- OrderSource -----------------------------------------------------------------------------
    def fetch_orders(self, *, start: datetime, end: datetime) -> Iterator[OrderPage]:
        pages = across_windows(self._chunks(start, end), self._trade_pages)
        for number, (trades, has_more) in enumerate(pages, start=1):
            yield OrderPage(tuple(mapping.map_trade(t) for t in trades), number, has_more)

    def _chunks(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        return split_window(start, end, self.max_window, naive="Taobao fetch windows must be timezone-aware")

    def _trade_pages(self, start: datetime, end: datetime) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        """The pages from the last to the first, as (trades, another page of this window follows)."""
        count, pages = pages_last_to_first(
            lambda page_no: self._increment(start, end, page_no=page_no),
            lambda answer: answer.get("total_results"),
            PAGE_SIZE,
        )
        for position, (_page_no, answer) in enumerate(pages, start=1):
            yield mapping.listed(answer.get("trades"), "trade"), position < count

    def _increment(self, start: datetime, end: datetime, *, page_no: int) -> dict[str, Any]:
        return self.client.call(
            "taobao.trades.sold.increment.get",
            {
                "fields": TRADE_FIELDS,
                "start_modified": start,
                "end_modified": end,
                "page_no": page_no,
                "page_size": PAGE_SIZE,
                "use_has_next": False,
            },
        )

    def fetch_order(self, order_id: str) -> PlatformOrder:
        body = self.client.call("taobao.trade.fullinfo.get", {"fields": TRADE_FIELDS, "tid": order_id})
        if not isinstance(body.get("trade"), Mapping):
            raise ConnectorError(f"trade {order_id}: fullinfo answer without trade", payload=body)
        return mapping.map_trade(body["trade"])

    # --- PayloadParser ---------------------------------------------------------------------------
    def parse_payload(self, payload: Mapping[str, Any]) -> list[PlatformOrder]:
        if not isinstance(payload, Mapping):
            raise ConnectorError("a Taobao payload must be a JSON object")
        if mapping.is_tmc_message(payload):
            return [self.fetch_order(tid) for tid in mapping.tmc_trade_ids(payload)]
        return [mapping.map_trade(trade) for trade in mapping.trades_in(payload)]

    # --- StockSink -------------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> None:
        """One full update per SKU (or per item without SKUs). A refused update does not stop the others;
        the refusals are raised together at the end. Transient failures stop at once."""
        refused: list[str] = []
        for update in updates:
            if not update.item_id or update.quantity < 0:
                refused.append(f"{update.merchant_code or update.sku_id}: needs num_iid and quantity >= 0")
                continue
            try:
                self.client.call(
                    "taobao.item.quantity.update",
                    {
                        "num_iid": update.item_id,
                        "sku_id": update.sku_id,
                        "quantity": update.quantity,
                        "type": 1,
                    },
                )
            except TransientError:
                raise
            except ConnectorError as exc:
                refused.append(f"{update.item_id}/{update.sku_id or '-'}: {exc}")
        if refused:
            raise ConnectorError(f"Taobao refused {len(refused)} stock update(s): " + "; ".join(refused))

    # --- ShipmentSink ----------------------------------------------------------------------------
    def confirm_shipment(self, *, order_id: str, carrier_code: str, waybill_no: str) -> None:
        company_code = mapping.CARRIERS.get(carrier_code, (carrier_code, ""))[0]
        body = self.client.call(
            "taobao.logistics.offline.send",
            {"tid": order_id, "out_sid": waybill_no, "company_code": company_code},
        )
        if not (body.get("shipping") or {}).get("is_success"):
            raise ConnectorError(f"trade {order_id}: Taobao did not confirm the shipment", payload=body)

    # --- RefundSource ----------------------------------------------------------------------------
    def fetch_refunds(self, *, start: datetime, end: datetime) -> Iterator[list[PlatformRefund]]:
        for chunk_start, chunk_end in self._chunks(start, end):
            page_no = 1
            while True:
                body = self.client.call(
                    "taobao.refunds.receive.get",
                    {
                        "fields": REFUND_FIELDS,
                        "start_modified": chunk_start,
                        "end_modified": chunk_end,
                        "page_no": page_no,
                        "page_size": PAGE_SIZE,
                        "use_has_next": True,
                    },
                )
                yield [mapping.map_refund(r) for r in mapping.listed(body.get("refunds"), "refund")]
                if not body.get("has_next"):
                    break
                page_no += 1

    # --- WebhookVerifier -------------------------------------------------------------------------
    def verify_webhook(self, *, headers: Mapping[str, str], body: bytes) -> bool:
        return spi_signature_valid(headers=headers, body=body, secret=self.credentials.app_secret)
