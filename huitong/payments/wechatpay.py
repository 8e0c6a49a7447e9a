"""WeChat Pay API v3 client with ``cryptography`` alone.

Requests carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,
timestamp=..,serial_no=..``, the signature being SHA256withRSA (PKCS#1 v1.5) with the merchant key over
``METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (URL = path and query). Answers and callbacks are signed by
WeChat over ``TIMESTAMP\\nNONCE\\nBODY\\n`` with the platform certificate named by ``Wechatpay-Serial``;
callbacks older or newer than five minutes are refused, and their ``resource`` is decrypted with
AEAD_AES_256_GCM under the APIv3 key."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from huitong.payments.config import WechatConfig
from huitong.payments.errors import GatewayError

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
TIMESTAMP_WINDOW_SECONDS = 300


class CallbackInvalid(Exception):
    """A callback that does not verify: the reason goes back to WeChat (4xx) and nothing changes."""


def rsa_sign(private_key, message: str) -> str:
    return base64.b64encode(private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(public_key, message: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def request_message(method: str, url: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n"


def answer_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def aes_gcm_decrypt(key: bytes, *, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    return AESGCM(key).decrypt(nonce.encode(), base64.b64decode(ciphertext), associated_data.encode())


def aes_gcm_encrypt(key: bytes, *, nonce: str, plaintext: bytes, associated_data: str) -> str:
    return base64.b64encode(AESGCM(key).encrypt(nonce.encode(), plaintext, associated_data.encode())).decode()


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict[str, Any]


class WechatPayClient:
    def __init__(self, config: WechatConfig):
        self.config = config
        self._private_key = serialization.load_pem_private_key(config.private_key_pem, password=None)
        self._platform = {
            cert.serial_number: cert.public_key()
            for cert in (x509.load_pem_x509_certificate(pem) for pem in config.platform_certs_pem)
        }

    def authorization(
        self, method: str, url: str, body: str, *, timestamp: str | None = None, nonce: str | None = None
    ) -> str:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(16).upper()
        signature = rsa_sign(self._private_key, request_message(method, url, timestamp, nonce, body))
        return (
            f'{SIGNATURE_TYPE} mchid="{self.config.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self.config.cert_serial_no}"'
        )

    def verify_signed(self, headers: Mapping[str, str], body: str, *, now: float | None = None) -> None:
        """Check a WeChat-signed message (an answer or a callback); raise CallbackInvalid if it fails."""
        serial, signature = headers.get("Wechatpay-Serial", ""), headers.get("Wechatpay-Signature", "")
        timestamp, nonce = headers.get("Wechatpay-Timestamp", ""), headers.get("Wechatpay-Nonce", "")
        if headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise CallbackInvalid("unsupported signature type")
        if not (serial and signature and timestamp and nonce):
            raise CallbackInvalid("missing Wechatpay-* signature headers")
        try:
            key = self._platform.get(int(serial, 16))
            sent = int(timestamp)
        except ValueError as exc:
            raise CallbackInvalid("malformed serial or timestamp") from exc
        if key is None:
            raise CallbackInvalid(f"unknown platform certificate {serial}")
        if abs((now if now is not None else time.time()) - sent) > TIMESTAMP_WINDOW_SECONDS:
            raise CallbackInvalid("timestamp outside the 5-minute window")
        if not rsa_verify(key, answer_message(timestamp, nonce, body), signature):
            raise CallbackInvalid("bad signature")

    def decrypt_callback(
        self, headers: Mapping[str, str], body: str, *, now: float | None = None
    ) -> dict[str, Any]:
        """Verify a notify and return its decrypted resource (a transaction or a refund)."""
        self.verify_signed(headers, body, now=now)
        try:
            resource = json.loads(body)["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise CallbackInvalid("unsupported resource algorithm")
            plain = aes_gcm_decrypt(
                self.config.apiv3_key,
                nonce=resource["nonce"],
                ciphertext=resource["ciphertext"],
                associated_data=resource.get("associated_data", ""),
            )
            return json.loads(plain)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CallbackInvalid("malformed resource") from exc
        except InvalidTag as exc:
            raise CallbackInvalid("resource does not decrypt") from exc

    def request(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> Answer:
        body = (
            json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"))
            if payload is not None
            else ""
        )
        request = urllib.request.Request(
            self.config.gateway + path,
            data=body.encode() if body else None,
            method=method,
            headers={
                "Authorization": self.authorization(method, path, body),
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as answer:  # noqa: S310
                status, headers, raw = answer.status, answer.headers, answer.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            raw = exc.read().decode("utf-8", "replace")
            raise GatewayError(
                f"微信支付拒绝请求: {_message(raw)}", detail={"path": path, "status": exc.code}
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise GatewayError(f"微信支付网关不可用: {exc}", detail={"path": path}) from exc
        try:
            self.verify_signed(headers, raw)
        except CallbackInvalid as exc:
            raise GatewayError(f"微信支付应答验签失败: {exc}", detail={"path": path}) from exc
        return Answer(status=status, data=json.loads(raw) if raw else {})

    def native(self, *, out_trade_no: str, amount_fen: int, description: str) -> str:
        """Native pay (扫码支付): the ``code_url`` the buyer's QR code encodes."""
        answer = self.request(
            "POST",
            "/v3/pay/transactions/native",
            {
                "appid": self.config.appid,
                "mchid": self.config.mchid,
                "description": description[:127],
                "out_trade_no": out_trade_no,
                "notify_url": self.config.notify_url,
                "amount": {"total": amount_fen, "currency": "CNY"},
            },
        )
        return str(answer.data.get("code_url", ""))

    def query(self, *, out_trade_no: str) -> dict[str, Any]:
        return self.request(
            "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self.config.mchid}"
        ).data

    def close(self, *, out_trade_no: str) -> None:
        self.request(
            "POST", f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close", {"mchid": self.config.mchid}
        )

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str
    ) -> dict[str, Any]:
        return self.request(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "reason": reason[:80],
                "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            },
        ).data


def _message(raw: str) -> str:
    try:
        return str(json.loads(raw).get("message", raw))[:200]
    except ValueError:
        return raw[:200]
