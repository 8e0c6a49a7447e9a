"""The Pinduoduo POP gateway over HTTP: one router URL, calls named by ``type``, md5 signing.

Every call is a form POST of ``type, client_id, access_token, timestamp (unix seconds),
data_type=JSON`` plus the business parameters, each as text, and ``sign``:
``upper(md5(client_secret + k1v1k2v2… (sorted by key, sign excluded) + client_secret))``.
Answers are ``{"<name>_response": {...}}`` or ``{"error_response": {"error_code", "error_msg",
"sub_code", "sub_msg", "request_id"}}`` with HTTP 200; throttling is error_code 70031
(调用过于频繁) and is retried with backoff.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from huitong.integrations.connectors.base import ConnectorError, Credentials
from huitong.integrations.connectors.http import HttpClient
from huitong.integrations.connectors.payloads import answer_object
from huitong.integrations.connectors.signing import md5_sign as sign  # POP signs the TOP md5 way

GATEWAY = "https://gw-api.pinduoduo.com/api/router"
PAGE_SIZE = 100  # increment APIs: at most 100 per page
THROTTLE_CODES = frozenset({70031})

RESPONSE_KEYS = {
    "pdd.order.number.list.increment.get": "order_sn_increment_get_response",
    "pdd.order.information.get": "order_info_get_response",
    "pdd.goods.quantity.update": "goods_quantity_update_response",
    "pdd.logistics.online.send": "logistics_online_send_response",
    "pdd.refund.list.increment.get": "refund_increment_get_response",
}


def as_text(value: Any) -> str:
    """A parameter as the gateway wants it: booleans lower-case, structures as compact JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ConnectorError("PDD times need timezone-aware datetimes")
    return int(moment.timestamp() // 1)


def is_throttled(body: Any) -> bool:
    error = body.get("error_response") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return False
    try:
        return int(error.get("error_code")) in THROTTLE_CODES
    except (TypeError, ValueError):
        return False


class PddClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        retries: int = 4,
        per_second: float = 10.0,
        clock: Callable[[], float] = time.time,
    ):
        if not (credentials.app_key and credentials.app_secret):
            raise ConnectorError(
                "Pinduoduo store needs client_id (app_key) and client_secret (app_secret)",
                code="missing_credentials",
            )
        self.credentials = credentials
        self.http = HttpClient(
            credentials.base_url or GATEWAY,
            per_second=per_second,
            retries=retries,
            backoff=backoff,
            sleep=sleep,
        )
        self.clock = clock

    # --- transport -----------------------------------------------------------------------------
    def call(self, type_: str, business: Mapping[str, Any]) -> Mapping[str, Any]:
        """One POP call; returns the inside of ``<name>_response``."""
        body = self.http.retry_call(lambda: self._post(type_, business), is_transient=is_throttled)
        error = body.get("error_response")
        if error is not None:
            code = str(error.get("error_code", ""))
            detail = " / ".join(str(x) for x in (error.get("error_msg"), error.get("sub_msg")) if x)
            raise ConnectorError(f"PDD {type_} refused: [{code}] {detail}", code=code, payload=body)
        key = RESPONSE_KEYS.get(type_, "")
        inner = body.get(key)
        if not isinstance(inner, Mapping):
            raise ConnectorError(f"PDD {type_}: answer has no {key or 'known response key'}", payload=body)
        return inner

    def signed_params(self, type_: str, business: Mapping[str, Any]) -> dict[str, str]:
        params = {
            "type": type_,
            "client_id": self.credentials.app_key,
            "access_token": self.credentials.access_token,
            "timestamp": str(int(self.clock())),
            "data_type": "JSON",
            **{key: as_text(value) for key, value in business.items() if value is not None},
        }
        params["sign"] = sign(params, self.credentials.app_secret)
        return params

    def _post(self, type_: str, business: Mapping[str, Any]) -> Mapping[str, Any]:
        response = self.http.request("POST", self.http.base_url, data=self.signed_params(type_, business))
        return answer_object(response, f"PDD {type_}")

    # --- APIs ----------------------------------------------------------------------------------
    def increment_orders(
        self, *, start: datetime, end: datetime, page: int, page_size: int = PAGE_SIZE
    ) -> Mapping[str, Any]:
        """pdd.order.number.list.increment.get: every order (order_status=5, refund_status=5)
        updated in [start, end], at most 30 minutes apart; counted paging (use_has_next=false)
        so that pages can be read last to first, as PDD requires to miss nothing."""
        return self.call(
            "pdd.order.number.list.increment.get",
            {
                "start_updated_at": unix(start),
                "end_updated_at": unix(end),
                "order_status": 5,
                "refund_status": 5,
                "is_lucky_flag": 0,
                "page": page,
                "page_size": page_size,
                "use_has_next": False,
            },
        )

    def order_information(self, order_sn: str) -> Mapping[str, Any]:
        inner = self.call("pdd.order.information.get", {"order_sn": order_sn})
        if not isinstance(inner.get("order_info"), Mapping):
            raise ConnectorError(f"PDD order {order_sn} not found", code="not_found", payload=inner)
        return inner["order_info"]

    def update_quantity(self, *, goods_id: str, sku_id: str, outer_id: str, quantity: int) -> None:
        """pdd.goods.quantity.update, update_type 1 (全量更新: set the stock to ``quantity``)."""
        inner = self.call(
            "pdd.goods.quantity.update",
            {
                "goods_id": goods_id,
                "sku_id": sku_id or None,
                "outer_id": None if sku_id else outer_id or None,
                "quantity": quantity,
                "update_type": 1,
            },
        )
        if inner.get("is_success") is not True:
            raise ConnectorError(
                f"PDD stock update of goods {goods_id} sku {sku_id} not accepted", payload=inner
            )

    def online_send(self, *, order_sn: str, logistics_id: int, tracking_number: str) -> None:
        """pdd.logistics.online.send: mark the order shipped with carrier and waybill."""
        inner = self.call(
            "pdd.logistics.online.send",
            {"order_sn": order_sn, "logistics_id": logistics_id, "tracking_number": tracking_number},
        )
        if inner.get("is_success") is not True:
            raise ConnectorError(f"PDD shipment of order {order_sn} not accepted", payload=inner)

    def increment_refunds(
        self, *, start: datetime, end: datetime, page: int, page_size: int = PAGE_SIZE
    ) -> Mapping[str, Any]:
        """pdd.refund.list.increment.get: after-sales of every type (1) and status (1) updated in
        [start, end], at most 30 minutes apart."""
        return self.call(
            "pdd.refund.list.increment.get",
            {
                "start_updated_at": unix(start),
                "end_updated_at": unix(end),
                "after_sales_type": 1,
                "after_sales_status": 1,
                "page": page,
                "page_size": page_size,
            },
        )
