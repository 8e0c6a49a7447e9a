"""HTTP for the Taobao Open Platform (TOP): one gateway URL, the API named by ``method``, signed parameters.

Wire protocol (open.taobao.com, document 101617 "API调用方法详解"):

- ``POST https://gw.api.taobao.com/router/rest``. As the official SDK does, the system parameters
  (method, app_key, session, timestamp, format, v, sign_method, sign) travel in the query string and the
  business parameters in the form body; the gateway reads both.
- ``timestamp`` is ``yyyy-MM-dd HH:mm:ss`` in Beijing time; the gateway accepts 10 minutes of clock skew.
- The signature covers every parameter but ``sign`` (empty values are not sent), sorted by name and
  concatenated as name+value: ``md5`` = upper(md5(secret + s + secret)), ``hmac`` = upper(hmac_md5(key=secret,
  s)), ``hmac-sha256`` = upper(hmac_sha256(key=secret, s)).
- Every answer is HTTP 200: ``{"<method without 'taobao.', dots as '_'>_response": {...}}`` or
  ``{"error_response": {"code", "msg", "sub_code", "sub_msg", "request_id"}}``. Throttling (code 7, App Call
  Limited) and platform-side ``isp.*`` failures arrive that way and are retried through ``retry_call``.

Pushes that TOP signs (SPI / 奇门 calls into our endpoint) use the same digest over the query parameters, the
headers named in ``top-sign-list`` and the raw body: see ``spi_signature_valid``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from huitong.integrations.connectors.base import ConnectorError, Credentials
from huitong.integrations.connectors.http import HttpClient
from huitong.integrations.connectors.signing import md5_wrapped
from huitong.integrations.connectors.signing import sorted_pairs as sign_base
from huitong.integrations.connectors.taobao.mapping import is_transient_error, raise_for_error
from huitong.integrations.connectors.times import china_text

DEFAULT_GATEWAY = "https://gw.api.taobao.com/router/rest"
SIGN_METHODS = ("md5", "hmac", "hmac-sha256")


# --- signing -------------------------------------------------------------------------------------
def digest(text: str, secret: str, sign_method: str = "md5") -> str:
    """TOP's three digests of an already concatenated string, as upper-case hex."""
    if sign_method == "md5":
        return md5_wrapped(text, secret)
    data, key = text.encode("utf-8"), secret.encode("utf-8")
    if sign_method == "hmac":
        return hmac.new(key, data, hashlib.md5).hexdigest().upper()
    if sign_method == "hmac-sha256":
        return hmac.new(key, data, hashlib.sha256).hexdigest().upper()
    raise ConnectorError(
        f"unsupported TOP sign_method {sign_method!r} (use one of {', '.join(SIGN_METHODS)})"
    )


def top_sign(params: Mapping[str, Any], secret: str, sign_method: str = "md5") -> str:
    """The ``sign`` of a TOP API request."""
    return digest(sign_base(params), secret, sign_method)


def response_key(method: str) -> str:
    """'taobao.trade.fullinfo.get' → 'trade_fullinfo_get_response' (TOP drops the 'taobao.' prefix)."""
    name = method.removeprefix("taobao.")
    return name.replace(".", "_") + "_response"


# --- signed pushes (TOP SPI / Qimen) -------------------------------------------------------------
def _lookup(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively, also in WSGI/Django ``request.META`` spelling (HTTP_TOP_SIGN_LIST,
    CONTENT_TYPE, QUERY_STRING)."""
    plain = name.lower().replace("-", "_")
    for key, value in headers.items():
        if key.lower().replace("-", "_") in (plain, f"http_{plain}"):
            return value
    return None


def spi_signature_valid(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """Check a push TOP signed into our endpoint (TOP SDK ``SpiUtils.checkSign``).

    The signature (``sign``) and ``sign_method`` are query parameters; the signed string is the sorted
    name+value pairs of the query parameters and of the headers listed in ``top-sign-list`` (URL-decoded),
    then the raw body (form bodies contribute their fields instead), wrapped by the secret for md5.

    The Protocol hands us only headers and body, so the caller passes the raw query string as the
    ``QUERY_STRING`` entry (Django's ``request.META`` has it, with the headers as ``HTTP_*``)."""
    query = _lookup(headers, "QUERY_STRING") or ""
    params = dict(parse_qsl(query, keep_blank_values=True))
    remote = params.pop("sign", "")
    if not remote or not secret:
        return False
    for name in filter(None, (n.strip() for n in (_lookup(headers, "top-sign-list") or "").split(","))):
        params[name] = unquote(_lookup(headers, name) or "")
    content_type = (_lookup(headers, "content-type") or "").lower()
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(text, keep_blank_values=True))
        text = ""
    signed = "".join(f"{name}{params[name]}" for name in sorted(params)) + text
    try:
        local = digest(signed, secret, params.get("sign_method") or "md5")
    except ConnectorError:
        return False
    return hmac.compare_digest(local, remote.upper())


# --- the client ----------------------------------------------------------------------------------
class TopClient:
    """Signed TOP calls with TOP's throttling retried. ``call`` returns the inner ``*_response`` object."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        sign_method: str = "md5",
        per_second: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
    ):
        if sign_method not in SIGN_METHODS:
            raise ConnectorError(f"unsupported TOP sign_method {sign_method!r}")
        self.credentials = credentials
        self.sign_method = sign_method
        self.clock = clock or (lambda: datetime.now(UTC))
        self.http = HttpClient(
            credentials.base_url or DEFAULT_GATEWAY,
            per_second=per_second,
            retries=retries,
            backoff=backoff,
            sleep=sleep,
        )

    def signed_params(
        self, method: str, business: Mapping[str, Any]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """(query, form) for one call: system parameters with the sign, and the business parameters."""
        system = {
            "method": method,
            "app_key": self.credentials.app_key,
            "timestamp": china_text(self.clock()),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method,
        }
        if self.credentials.access_token:
            system["session"] = self.credentials.access_token
        form = {name: _wire(value) for name, value in business.items() if value not in (None, "")}
        system["sign"] = top_sign({**system, **form}, self.credentials.app_secret, self.sign_method)
        return system, form

    def call(self, method: str, business: Mapping[str, Any]) -> dict[str, Any]:
        if not self.credentials.app_key or not self.credentials.app_secret:
            raise ConnectorError("Taobao store has no app_key/app_secret configured")
        payload = self.http.retry_call(lambda: self._post(method, business), is_transient=is_transient_error)
        raise_for_error(payload, context=method)
        body = payload.get(response_key(method)) if isinstance(payload, dict) else None
        if not isinstance(body, dict):
            raise ConnectorError(f"TOP {method}: answer without {response_key(method)}", payload=payload)
        return body

    def _post(self, method: str, business: Mapping[str, Any]) -> Any:
        query, form = self.signed_params(method, business)  # signed afresh on every attempt
        response = self.http.request("POST", self.http.base_url, params=query, data=form)
        try:
            return response.json()
        except ValueError as exc:
            raise ConnectorError(f"TOP {method}: not JSON: {response.text[:200]!r}") from exc


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return china_text(value)
    return str(value)
