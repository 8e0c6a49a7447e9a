"""Youzan cloud (有赞云, open.youzanyun.com) over HTTP.

API calls are not signed: every call is ``POST https://open.youzanyun.com/api/<name>/<version>``
with the token in the query string only (``?access_token=...``; a token in a header or in the body
is treated as missing) and the business parameters as a JSON body. A self-use app gets its token
from ``POST /auth/token`` {client_id, client_secret, authorize_type: "silent", grant_id: kdt_id}.

Answers are HTTP 200 in three shapes, all checked:
- success: ``{"success": true, "code": 200, "message": "successful", "data": {...}, "trace_id"}``;
- gateway refusal: ``{"gw_err_resp": {"err_code": 4201, "err_msg": "非法的请求凭证", "trace_id"}}``
  (4001 bad path, 4005 unknown API/version, 4007 bad content type, 4201 no token, 4202 token
  expired, 4203 token unknown; 4101/4102 call-rate limits — the rate-limit codes are the ones we
  treat as throttling, see THROTTLED below);
- business refusal: ``{"success": false, "code": 5000, "message": "trade not found", "data": ...}``
  (some, like 106000001/106100118 "请求超时", are documented as retryable); 3.x-era APIs may
  still answer ``{"error_response": {"code", "msg"}}`` or ``{"response": {...}}``.

Pushed messages are signed: header ``Event-Sign`` = md5(client_id + raw body + client_secret) and,
in trade messages, body field ``sign`` = md5(client_id + msg + client_secret) over the URL-encoded
``msg`` string as received.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from huitong.integrations.connectors.base import ConnectorError, Credentials
from huitong.integrations.connectors.http import HttpClient

API_BASE = "https://open.youzanyun.com"
VERSIONS = {  # the API versions this connector speaks
    "youzan.trades.sold.get": "4.0.4",
    "youzan.trade.get": "4.0.2",
    "youzan.item.quantity.update": "3.0.0",
    "youzan.logistics.online.confirm": "3.0.0",
    "youzan.trade.refund.search": "3.0.1",
}
THROTTLED = frozenset({4101, 4102})  # gateway call-rate limits (有赞云 全局错误码)
RETRYABLE = frozenset({106000001, 106100118, -100})  # business answers documented as "请重试"
TOKEN_REFUSED = frozenset({4202, 4203})  # expired / unknown token


def push_sign(*, client_id: str, client_secret: str, content: bytes | str) -> str:
    """md5(client_id + content + client_secret), lower-case hex: ``Event-Sign`` over the raw body,
    or the body's ``sign`` over the ``msg`` string."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.md5(client_id.encode("utf-8") + raw + client_secret.encode("utf-8")).hexdigest()


def error_of(body: Mapping[str, Any]) -> tuple[int | str, str] | None:
    """(code, message) of a refusal in any of the three answer shapes, or None for success."""
    for key, code_key, message_key in (
        ("gw_err_resp", "err_code", "err_msg"),
        ("error_response", "code", "msg"),
    ):
        error = body.get(key)
        if isinstance(error, Mapping):
            return _number(error.get(code_key)), str(error.get(message_key) or "")
    if "success" in body and (body.get("success") is not True or _number(body.get("code")) != 200):
        return _number(body.get("code")), str(body.get("message") or body.get("msg") or "")
    return None


def is_transient(body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    error = error_of(body)
    return error is not None and (
        ("gw_err_resp" in body and error[0] in THROTTLED)
        or ("gw_err_resp" not in body and error[0] in RETRYABLE)
    )


def _number(value: Any) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


class YouzanClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client_id = credentials.app_key
        self.client_secret = credentials.app_secret
        self.kdt_id = credentials.shop
        self._token = credentials.access_token
        self._own_token = False  # True when we got the token from /auth/token (then we may renew it)
        self.http = HttpClient(
            credentials.base_url or API_BASE,
            per_second=per_second,
            retries=retries,
            backoff=backoff,
            sleep=sleep,
        )

    # --- token ----------------------------------------------------------------------------
    def token(self) -> str:
        if self._token:
            return self._token
        if not (self.client_id and self.client_secret and self.kdt_id):
            raise ConnectorError(
                "youzan: no access_token, and no client_id/client_secret/shop (kdt_id) to get one"
            )
        body = self._json(
            self.http.request(
                "POST",
                "/auth/token",
                json={
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "authorize_type": "silent",
                    "grant_id": self.kdt_id,
                    "refresh": False,
                },
            ),
            "/auth/token",
        )
        data = body.get("data") if body.get("success") is True else None
        if not isinstance(data, Mapping) or not data.get("access_token"):
            raise ConnectorError(
                f"youzan /auth/token: {body.get('code')} {body.get('message') or ''}".strip(),
                code=str(body.get("code")),
                payload=body,
            )
        self._token, self._own_token = str(data["access_token"]), True
        return self._token

    # --- calls ----------------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One API call at the version in VERSIONS; returns ``data`` (or 3.x ``response``).
        Throttling and retryable answers are retried with backoff; a self-obtained token that
        the gateway no longer knows is renewed once; other refusals raise ConnectorError."""
        try:
            version = VERSIONS[method]
        except KeyError:
            raise ConnectorError(f"youzan: {method} is not an API this connector speaks") from None
        body = self.http.retry_call(lambda: self._once(method, version, params), is_transient=is_transient)
        error = error_of(body)
        if error and self._own_token and "gw_err_resp" in body and error[0] in TOKEN_REFUSED:
            self._token, self._own_token = "", False
            body = self.http.retry_call(
                lambda: self._once(method, version, params), is_transient=is_transient
            )
            error = error_of(body)
        if error:
            code, message = error
            raise ConnectorError(
                f"youzan {method}/{version}: {code} {message}".strip(), code=str(code), payload=body
            )
        data = body.get("data", body.get("response"))
        return data if isinstance(data, dict) else {}

    def _once(self, method: str, version: str, params: Mapping[str, Any]) -> dict[str, Any]:
        response = self.http.request(
            "POST", f"/api/{method}/{version}", params={"access_token": self.token()}, json=dict(params)
        )
        return self._json(response, method)

    @staticmethod
    def _json(response: Any, what: str) -> dict[str, Any]:
        try:
            parsed = response.json()
        except ValueError as exc:
            raise ConnectorError(f"youzan {what}: answer is not JSON: {response.text[:200]!r}") from exc
        if not isinstance(parsed, dict):
            raise ConnectorError(f"youzan {what}: unexpected answer {str(parsed)[:200]}")
        return parsed
