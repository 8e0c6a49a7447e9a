"""Douyin shop (抖店) open API over HTTP: the v2 protocol of op.jinritemai.com (guide-docs/10/23).

Every call is ``POST https://openapi-fxg.jinritemai.com/<method with '.' → '/'>`` with the public
parameters in the query string (``app_key``, ``method``, ``v=2``, ``timestamp`` in unix seconds,
``access_token``, ``sign_method``, ``sign``) and the business parameters as ``param_json``: JSON with
keys sorted recursively, no whitespace, Unicode unescaped, sent as the request body. The signature is

    pattern = secret + 'app_key' + app_key + 'method' + method + 'param_json' + param_json
                     + 'timestamp' + timestamp + 'v' + '2' + secret
    sign    = md5(pattern)                          (sign_method=md5, the default)
            | hmac_sha256(key=secret, pattern)      (sign_method=hmac-sha256, the official SDKs)

both lower-case hex. Answers always come back as HTTP 200 with ``{"code": 10000, "msg": "success",
"sub_code", "sub_msg", "log_id", "data": {...}}``; any other ``code`` is an error: 60000 is the rate
limit (触发限流), 20000/20001 the platform being busy or timing out (the docs say retry), 40003 with
``sub_code`` ``isv.signature-invalid`` a bad signature, 40004 a business parameter refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from huitong.integrations.connectors.base import ConnectorError, Credentials
from huitong.integrations.connectors.http import HttpClient

API_BASE = "https://openapi-fxg.jinritemai.com"
API_VERSION = "2"
SUCCESS = 10000
RATE_LIMITED = 60000  # 触发限流，请稍后重试
TRANSIENT_CODES = frozenset({20000, 20001, RATE_LIMITED})  # 服务不可用 / 内部服务超时 / 限流
SIGN_METHODS = ("md5", "hmac-sha256")


def param_json(params: Mapping[str, Any]) -> str:
    """The canonical business-parameter JSON that is both signed and sent."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_pattern(*, app_key: str, app_secret: str, method: str, param_json: str, timestamp: str) -> str:
    return (
        f"{app_secret}app_key{app_key}method{method}param_json{param_json}"
        f"timestamp{timestamp}v{API_VERSION}{app_secret}"
    )


def sign(
    *, app_key: str, app_secret: str, method: str, param_json: str, timestamp: str, sign_method: str = "md5"
) -> str:
    pattern = sign_pattern(
        app_key=app_key, app_secret=app_secret, method=method, param_json=param_json, timestamp=timestamp
    ).encode("utf-8")
    if sign_method == "hmac-sha256":
        return hmac.new(app_secret.encode("utf-8"), pattern, hashlib.sha256).hexdigest()
    if sign_method == "md5":
        return hashlib.md5(pattern).hexdigest()
    raise ConnectorError(
        f"douyin: unknown sign_method {sign_method!r} (use one of {', '.join(SIGN_METHODS)})"
    )


def push_sign(*, app_key: str, app_secret: str, body: bytes, sign_method: str = "md5") -> str:
    """``event-sign`` of a pushed message (消息推送): md5(app_key + raw body + app_secret), or the
    hmac-sha256 of the same string keyed with the secret when ``sign-method: hmac-sha256``."""
    pattern = app_key.encode("utf-8") + body + app_secret.encode("utf-8")
    if sign_method.lower() == "hmac-sha256":
        return hmac.new(app_secret.encode("utf-8"), pattern, hashlib.sha256).hexdigest()
    return hashlib.md5(pattern).hexdigest()


def method_path(method: str) -> str:
    """``order.searchList`` → ``/order/searchList``."""
    return "/" + method.replace(".", "/")


def is_transient(body: Any) -> bool:
    return isinstance(body, Mapping) and _code(body) in TRANSIENT_CODES


def _code(body: Mapping[str, Any]) -> int | None:
    try:
        return int(body.get("code"))
    except (TypeError, ValueError):
        return None


class DouyinClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        per_second: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        if not credentials.app_key or not credentials.app_secret:
            raise ConnectorError("douyin: app_key and app_secret are required")
        self.app_key = credentials.app_key
        self.app_secret = credentials.app_secret
        self.access_token = credentials.access_token
        self.sign_method = credentials.extra.get("sign_method", "md5")
        if self.sign_method not in SIGN_METHODS:
            raise ConnectorError(f"douyin: unknown sign_method {self.sign_method!r}")
        self.clock = clock
        self.http = HttpClient(
            credentials.base_url or API_BASE,
            per_second=per_second,
            retries=retries,
            backoff=backoff,
            sleep=sleep,
        )

    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One API call; returns ``data``. Throttling and busy answers are retried with backoff
        (re-signed with a fresh timestamp each time); other errors raise ConnectorError."""
        body = self.http.retry_call(lambda: self._once(method, params), is_transient=is_transient)
        if _code(body) != SUCCESS:
            sub_code = str(body.get("sub_code") or "")
            detail = f" ({sub_code}: {body.get('sub_msg', '')})" if sub_code else ""
            raise ConnectorError(
                f"douyin {method}: {body.get('code')} {body.get('msg', '')}{detail}",
                code=sub_code or str(body.get("code")),
                payload=body,
            )
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def _once(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        body = param_json(params)
        timestamp = str(int(self.clock()))
        query = {
            "app_key": self.app_key,
            "method": method,
            "v": API_VERSION,
            "timestamp": timestamp,
            "access_token": self.access_token,
            "sign_method": self.sign_method,
            "sign": sign(
                app_key=self.app_key,
                app_secret=self.app_secret,
                method=method,
                param_json=body,
                timestamp=timestamp,
                sign_method=self.sign_method,
            ),
        }
        response = self.http.request(
            "POST",
            method_path(method),
            params=query,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json;charset=UTF-8"},
        )
        try:
            parsed = response.json()
        except ValueError as exc:
            raise ConnectorError(f"douyin {method}: answer is not JSON: {response.text[:200]!r}") from exc
        if not isinstance(parsed, dict):
            raise ConnectorError(f"douyin {method}: unexpected answer {str(parsed)[:200]}")
        return parsed
