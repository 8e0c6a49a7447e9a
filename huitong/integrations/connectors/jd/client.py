"""JOS (京东开放服务) over HTTP: the routerjson gateway, request signing, answer unwrapping.

Every call is a form POST of the system parameters ``method, app_key, access_token, timestamp,
v=2.0`` plus ``360buy_param_json`` (the business parameters as one JSON string) and ``sign``:
``upper(md5(secret + k1v1k2v2… (sorted by key, sign itself excluded) + secret))``. The answer is
``{"<method with dots as underscores>_responce": {...}}`` (JD's spelling) or
``{"error_response": {"code", "zh_desc", "en_desc"}}``, always with HTTP 200; business failures
sit one level deeper in ``apiResult.success`` / ``success``. Throttling also arrives as an
``error_response`` in a 200 body and is retried with backoff.
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
from huitong.integrations.connectors.signing import md5_sign as sign  # JOS signs the TOP md5 way
from huitong.integrations.connectors.times import CHINA, china_text

GATEWAY = "https://api.jd.com/routerjson"
API_VERSION = "2.0"
PAGE_SIZE = 100  # jingdong.pop.order.search allows at most 100 per page

# Gateway error codes that mean "too many calls, try later" (JOS: 2 = App Call Limited,
# 限制时间内调用失败次数); other throttling answers are recognised by their wording.
THROTTLE_CODES = frozenset({"2"})
_THROTTLE_WORDS = ("频率", "频繁", "限流", "call limited", "frequency")

# What jingdong.pop.order.search/get must return: JOS only sends the fields asked for.
ORDER_FIELDS = (
    "orderId",
    "venderId",
    "orderType",
    "payType",
    "orderTotalPrice",
    "orderSellerPrice",
    "orderPayment",
    "freightPrice",
    "sellerDiscount",
    "orderState",
    "orderStateRemark",
    "deliveryType",
    "orderRemark",
    "orderStartTime",
    "orderEndTime",
    "modified",
    "paymentConfirmTime",
    "consigneeInfo",
    "itemInfoList",
    "couponDetailList",
    "venderRemark",
    "balanceUsed",
    "pin",
    "open_id_buyer",
    "xid_buyer",
    "waybill",
    "logisticsId",
    "orderSource",
)


def param_json(business: Mapping[str, Any]) -> str:
    return json.dumps(dict(business), ensure_ascii=False, separators=(",", ":"))


def jos_timestamp(moment: datetime) -> str:
    """'2021-05-07 09:20:39.683+0800', the gateway's timestamp form (Beijing time, ±6 minutes)."""
    local = moment.astimezone(CHINA)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


def response_key(method: str) -> str:
    return method.replace(".", "_") + "_responce"


def is_throttled(body: Any) -> bool:
    error = body.get("error_response") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return False
    text = f"{error.get('zh_desc', '')} {error.get('en_desc', '')}".lower()
    return str(error.get("code")) in THROTTLE_CODES or any(word in text for word in _THROTTLE_WORDS)


def require_success(result: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    """Business-level outcome: ``apiResult.success`` (order APIs) or ``success`` (write APIs)."""
    outcome = result.get("apiResult", result)
    if outcome.get("success") is True or str(outcome.get("success")).lower() == "true":
        return result
    message = outcome.get("chineseErrCode") or outcome.get("englishErrCode") or outcome.get("resultMsg") or ""
    code = outcome.get("numberCode") or outcome.get("code") or outcome.get("resultCode") or ""
    raise ConnectorError(f"JD {what} failed: [{code}] {message}".rstrip(), code=str(code), payload=result)


class JdClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        retries: int = 4,
        per_second: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(CHINA),
    ):
        if not (credentials.app_key and credentials.app_secret):
            raise ConnectorError("JD store needs app_key and app_secret", code="missing_credentials")
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
    def call(self, method: str, business: Mapping[str, Any]) -> Mapping[str, Any]:
        """One JOS call; returns the inside of ``<method>_responce``."""
        body = self.http.retry_call(lambda: self._post(method, business), is_transient=is_throttled)
        error = body.get("error_response")
        if error is not None:
            code = str(error.get("code", ""))
            raise ConnectorError(
                f"JD {method} refused: [{code}] {error.get('zh_desc') or error.get('en_desc')}",
                code=code,
                payload=body,
            )
        inner = body.get(response_key(method))
        if not isinstance(inner, Mapping):
            raise ConnectorError(f"JD {method}: answer has no {response_key(method)}", payload=body)
        if str(inner.get("code", "0")) != "0":
            raise ConnectorError(
                f"JD {method}: answer code {inner.get('code')}", code=str(inner.get("code")), payload=body
            )
        return inner

    def signed_params(self, method: str, business: Mapping[str, Any]) -> dict[str, str]:
        params = {
            "method": method,
            "app_key": self.credentials.app_key,
            "access_token": self.credentials.access_token,
            "timestamp": jos_timestamp(self.clock()),
            "v": API_VERSION,
            "360buy_param_json": param_json(business),
        }
        params["sign"] = sign(params, self.credentials.app_secret)
        return params

    def _post(self, method: str, business: Mapping[str, Any]) -> Mapping[str, Any]:
        response = self.http.request("POST", self.http.base_url, data=self.signed_params(method, business))
        return answer_object(response, f"JD {method}")

    # --- APIs ----------------------------------------------------------------------------------
    def search_orders(
        self,
        *,
        start: datetime,
        end: datetime,
        states: tuple[str, ...],
        page: int,
        page_size: int = PAGE_SIZE,
    ) -> Mapping[str, Any]:
        """jingdong.pop.order.search by modification time (dateType 0), oldest first (sortType 0)."""
        inner = self.call(
            "jingdong.pop.order.search",
            {
                "start_date": china_text(start),
                "end_date": china_text(end),
                "order_state": ",".join(states),
                "optional_fields": ",".join(ORDER_FIELDS),
                "page": str(page),
                "page_size": str(page_size),
                "sortType": 0,
                "dateType": 0,
            },
        )
        return require_success(inner.get("searchorderinfo_result") or {}, "order search")

    def get_order(self, order_id: str) -> Mapping[str, Any]:
        inner = self.call(
            "jingdong.pop.order.get", {"order_id": order_id, "optional_fields": ",".join(ORDER_FIELDS)}
        )
        detail = require_success(inner.get("orderDetailInfo") or {}, f"order get {order_id}")
        if not detail.get("orderInfo"):
            raise ConnectorError(f"JD order {order_id} not found", code="not_found", payload=inner)
        return detail["orderInfo"]

    def update_stock(self, *, sku_id: str, quantity: int) -> None:
        """jingdong.stock.write.updateSkuStock: set the SKU's sellable stock (全量)."""
        inner = self.call("jingdong.stock.write.updateSkuStock", {"skuId": sku_id, "stockNum": quantity})
        require_success(inner, f"stock update of sku {sku_id}")

    def ship(self, *, order_id: str, logistics_id: str, waybill_no: str) -> None:
        """jingdong.pop.order.shipment: SOP 出库 with the carrier (logiCoprId) and waybill (logiNo)."""
        inner = self.call(
            "jingdong.pop.order.shipment",
            {"orderId": order_id, "logiCoprId": logistics_id, "logiNo": waybill_no},
        )
        require_success(inner.get("sopjosshipment_result") or {}, f"shipment of order {order_id}")

    def search_refunds(
        self, *, start: datetime, end: datetime, by: str, page: int, page_size: int = 50
    ) -> Mapping[str, Any]:
        """jingdong.pop.afs.soa.refundapply.queryPageList by apply time (``by="apply"``) or by
        review time (``by="check"``)."""
        inner = self.call(
            "jingdong.pop.afs.soa.refundapply.queryPageList",
            {
                f"{by}TimeStart": china_text(start),
                f"{by}TimeEnd": china_text(end),
                "pageIndex": page,
                "pageSize": page_size,
            },
        )
        return require_success(inner.get("queryResult") or {}, "refund search")
