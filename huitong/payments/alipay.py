"""Alipay open platform client: RSA2 (SHA256withRSA) signed requests to a configurable gateway and
verification of its signed answers and asynchronous notifies, with ``cryptography`` alone.

Sign rules (Alipay 开放平台 签名规则): every parameter except ``sign`` (and, for notifies, ``sign_type``)
with a non-empty value, sorted by name, joined as ``k=v`` with ``&``, values not URL-encoded; the
signature is base64 of RSASSA-PKCS1-v1_5 over SHA-256 with the merchant's private key. A synchronous
answer is ``{"<method>_response": {...}, "sign": "..."}``; the signed text is the exact JSON text of the
response object, verified with the Alipay public key."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from huitong.core.money import fen_to_yuan
from huitong.payments.config import AlipayConfig
from huitong.payments.errors import GatewayError

CHINA = ZoneInfo("Asia/Shanghai")
SUCCESS_CODE = "10000"


def load_public_key(pem: bytes):
    """Alipay hands out its public key as bare base64 as often as PEM: accept both."""
    text = pem.strip()
    if not text.startswith(b"-----BEGIN"):
        body = b"\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        text = b"-----BEGIN PUBLIC KEY-----\n" + body + b"\n-----END PUBLIC KEY-----\n"
    return serialization.load_pem_public_key(text)


def load_private_key(pem: bytes):
    text = pem.strip()
    if not text.startswith(b"-----BEGIN"):
        body = b"\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        text = b"-----BEGIN PRIVATE KEY-----\n" + body + b"\n-----END PRIVATE KEY-----\n"
    return serialization.load_pem_private_key(text, password=None)


def sign_content(params: Mapping[str, Any], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    return "&".join(
        f"{k}={params[k]}"
        for k in sorted(params)
        if k not in exclude and params[k] is not None and params[k] != ""
    )


def rsa2_sign(private_key, content: str) -> str:
    return base64.b64encode(private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(public_key, content: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), content.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def response_text(raw: str, key: str) -> str | None:
    """The exact JSON text of ``key``'s value in a synchronous answer (what Alipay signed)."""
    marker = f'"{key}"'
    at = raw.find(marker)
    if at < 0:
        return None
    start = raw.find(":", at + len(marker)) + 1
    while start < len(raw) and raw[start] in " \t\r\n":
        start += 1
    try:
        _value, end = json.JSONDecoder().raw_decode(raw, start)
    except ValueError:
        return None
    return raw[start:end]


def yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


class AlipayClient:
    def __init__(self, config: AlipayConfig):
        self.config = config
        self._private_key = load_private_key(config.private_key_pem)
        self._alipay_key = load_public_key(config.alipay_public_key_pem)

    # --- requests -------------------------------------------------------------------------------

    def signed_params(
        self,
        method: str,
        biz: Mapping[str, Any],
        *,
        notify: bool = False,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(dict(biz), ensure_ascii=False, separators=(",", ":")),
            **(extra or {}),
        }
        if notify and self.config.notify_url:
            params["notify_url"] = self.config.notify_url
        params["sign"] = rsa2_sign(self._private_key, sign_content(params))
        return params

    def page_pay_url(self, *, out_trade_no: str, amount_fen: int, subject: str) -> str:
        """The URL that takes a desktop buyer to Alipay's cashier (alipay.trade.page.pay, GET form)."""
        extra = {"return_url": self.config.return_url} if self.config.return_url else None
        params = self.signed_params(
            "alipay.trade.page.pay",
            {
                "out_trade_no": out_trade_no,
                "total_amount": yuan(amount_fen),
                "subject": subject,
                "product_code": "FAST_INSTANT_TRADE_PAY",
            },
            notify=True,
            extra=extra,
        )
        return f"{self.config.gateway}?{urllib.parse.urlencode(params)}"

    def call(self, method: str, biz: Mapping[str, Any], *, notify: bool = False) -> dict[str, Any]:
        """POST a signed request; return the verified response object (``code`` "10000" on success)."""
        body = urllib.parse.urlencode(self.signed_params(method, biz, notify=notify)).encode()
        request = urllib.request.Request(
            self.config.gateway,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as answer:  # noqa: S310
                raw = answer.read().decode("utf-8")
        except (urllib.error.URLError, OSError) as exc:
            raise GatewayError(f"支付宝网关不可用: {exc}", detail={"method": method}) from exc
        return self.verified(raw, method)

    def verified(self, raw: str, method: str) -> dict[str, Any]:
        key = method.replace(".", "_") + "_response"
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise GatewayError("支付宝应答不是 JSON", detail={"method": method}) from exc
        signed = response_text(raw, key)
        response = document.get(key) if isinstance(document, dict) else None
        if signed is None or not isinstance(response, dict):
            raise GatewayError("支付宝应答格式有误", detail={"method": method})
        signature = document.get("sign")
        if not signature:
            # Alipay leaves gateway-level errors (bad app id, bad signature) unsigned: never trust them as success.
            raise GatewayError(
                f"支付宝拒绝请求: {response.get('sub_msg') or response.get('msg')}",
                detail={"method": method, "code": response.get("code"), "sub_code": response.get("sub_code")},
            )
        if not rsa2_verify(self._alipay_key, signed, signature):
            raise GatewayError("支付宝应答验签失败", detail={"method": method})
        return response

    def require_success(self, response: dict[str, Any], method: str) -> dict[str, Any]:
        if response.get("code") != SUCCESS_CODE:
            raise GatewayError(
                f"支付宝拒绝请求: {response.get('sub_msg') or response.get('msg')}",
                detail={"method": method, "code": response.get("code"), "sub_code": response.get("sub_code")},
            )
        return response

    def precreate(self, *, out_trade_no: str, amount_fen: int, subject: str) -> str:
        """alipay.trade.precreate: the QR code the buyer scans (当面付 扫码)."""
        method = "alipay.trade.precreate"
        response = self.require_success(
            self.call(
                method,
                {"out_trade_no": out_trade_no, "total_amount": yuan(amount_fen), "subject": subject},
                notify=True,
            ),
            method,
        )
        return str(response.get("qr_code", ""))

    def query(self, *, out_trade_no: str) -> dict[str, Any]:
        return self.call("alipay.trade.query", {"out_trade_no": out_trade_no})

    def refund(
        self, *, out_trade_no: str, amount_fen: int, out_request_no: str, reason: str
    ) -> dict[str, Any]:
        method = "alipay.trade.refund"
        return self.require_success(
            self.call(
                method,
                {
                    "out_trade_no": out_trade_no,
                    "refund_amount": yuan(amount_fen),
                    "out_request_no": out_request_no,
                    "refund_reason": reason[:256],
                },
            ),
            method,
        )

    def close(self, *, out_trade_no: str) -> dict[str, Any]:
        return self.call("alipay.trade.close", {"out_trade_no": out_trade_no})

    # --- notifies -------------------------------------------------------------------------------

    def verify_notify(self, params: Mapping[str, str]) -> bool:
        signature = params.get("sign", "")
        if not signature or params.get("sign_type", "RSA2") != "RSA2":
            return False
        return rsa2_verify(self._alipay_key, sign_content(params, exclude=("sign", "sign_type")), signature)
