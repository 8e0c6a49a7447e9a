"""Test doubles: locally generated keys and certificates, a local Alipay gateway and a local WeChat Pay v3
gateway over real HTTP (they verify our signatures and sign their answers), and signed notifies."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from huitong.payments.alipay import rsa2_sign, rsa2_verify, sign_content
from huitong.payments.wechatpay import aes_gcm_encrypt, answer_message, request_message, rsa_sign, rsa_verify

ALIPAY_APP_ID = "2021000000000001"
WECHAT_MCHID = "1900000109"
WECHAT_APPID = "wxd678efh567hg6787"
APIV3_KEY = "0123456789abcdefABCDEF0123456789"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def certificate(key, *, serial: int, name: str = "Tenpay.com Root CA") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


class _Server:
    def __init__(self, handler):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                outer._dispatch(self, handler)

            def do_GET(self):  # noqa: N802
                outer._dispatch(self, handler)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _dispatch(self, request, handler):
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode("utf-8") if length else ""
        status, headers, text = handler(request.command, request.path, dict(request.headers), body)
        data = text.encode("utf-8")
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeAlipay:
    """Alipay's gateway: checks the merchant's RSA2 signature and app id, keeps trades, signs answers."""

    def __init__(self, merchant_public_key):
        self.key = new_key()  # Alipay's own key pair
        self.merchant_public_key = merchant_public_key
        self.trades: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, str]] = []
        self.tamper_answers = False
        self.server = _Server(self.handle)
        self.url = self.server.url + "/gateway.do"

    def handle(self, method, path, headers, body):
        params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        self.requests.append(params)
        name = params.get("method", "")
        key = name.replace(".", "_") + "_response"
        if not rsa2_verify(self.merchant_public_key, sign_content(params), params.get("sign", "")):
            return (
                200,
                {"Content-Type": "application/json"},
                json.dumps(
                    {
                        key: {
                            "code": "40002",
                            "msg": "Invalid Arguments",
                            "sub_code": "isv.invalid-signature",
                            "sub_msg": "验签出错",
                        }
                    }
                ),
            )
        if params.get("app_id") != ALIPAY_APP_ID:
            return (
                200,
                {"Content-Type": "application/json"},
                json.dumps(
                    {key: {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id"}}
                ),
            )
        biz = json.loads(params.get("biz_content") or "{}")
        answer = getattr(self, "_" + name.split(".", 2)[-1].replace(".", "_"))(biz)
        return 200, {"Content-Type": "application/json;charset=utf-8"}, self.signed(key, answer)

    def signed(self, key: str, answer: dict[str, Any]) -> str:
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        sign = rsa2_sign(self.key, text)
        if self.tamper_answers:
            text = text.replace('"10000"', '"10000" ', 1)
        return f'{{"{key}":{text},"sign":"{sign}"}}'

    def _precreate(self, biz):
        self.trades[biz["out_trade_no"]] = {
            "total_amount": biz["total_amount"],
            "status": "WAIT_BUYER_PAY",
            "trade_no": "",
            "refunded": 0,
        }
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": biz["out_trade_no"],
            "qr_code": f"https://qr.alipay.com/bax0{secrets.token_hex(8)}",
        }

    def _query(self, biz):
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": biz["out_trade_no"],
            "trade_no": trade["trade_no"],
            "trade_status": trade["status"],
            "total_amount": trade["total_amount"],
        }

    def _refund(self, biz):
        trade = self.trades[biz["out_trade_no"]]
        fen = int(biz["refund_amount"].replace(".", ""))
        total = int(trade["total_amount"].replace(".", ""))
        if trade["status"] != "TRADE_SUCCESS" or trade["refunded"] + fen > total:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                "sub_msg": "退款金额超限",
            }
        trade["refunded"] += fen
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "fund_change": "Y",
            "refund_fee": biz["refund_amount"],
            "out_trade_no": biz["out_trade_no"],
        }

    def _close(self, biz):
        trade = self.trades.get(biz["out_trade_no"])
        if trade is not None and trade["status"] == "WAIT_BUYER_PAY":
            trade["status"] = "TRADE_CLOSED"
        return {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"]}

    def pay(self, out_trade_no: str) -> str:
        trade = self.trades[out_trade_no]
        trade.update(status="TRADE_SUCCESS", trade_no=f"2026{secrets.randbelow(10**24):024d}")
        return trade["trade_no"]

    def notify(
        self, no: str, /, *, trade_status: str = "TRADE_SUCCESS", key=None, **changes
    ) -> dict[str, str]:
        """Signed notify params for a trade (``key`` signs instead of Alipay's, ``changes`` before signing)."""
        trade, out_trade_no = self.trades[no], no
        params = {
            "notify_time": "2026-11-26 10:00:00",
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": ALIPAY_APP_ID,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": trade["trade_no"] or f"2026{secrets.randbelow(10**24):024d}",
            "out_trade_no": out_trade_no,
            "total_amount": trade["total_amount"],
            "receipt_amount": trade["total_amount"],
            "trade_status": trade_status,
            "gmt_payment": "2026-11-26 09:59:58",
            "buyer_logon_id": "159****5620",
            "subject": "汇通订单",
            **changes,
        }
        params["sign"] = rsa2_sign(key or self.key, sign_content(params, exclude=("sign", "sign_type")))
        return params

    def stop(self):
        self.server.stop()


class FakeWechat:
    """WeChat Pay v3: checks the merchant's Authorization, keeps transactions, signs answers with the
    platform certificate's key, and builds signed, encrypted callbacks."""

    def __init__(self, merchant_public_key, merchant_serial: str):
        self.key = new_key()  # the platform certificate's key
        self.cert = certificate(self.key, serial=0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1)
        self.serial = f"{self.cert.serial_number:X}"
        self.merchant_public_key = merchant_public_key
        self.merchant_serial = merchant_serial
        self.transactions: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.refund_status = "PROCESSING"
        self.server = _Server(self.handle)
        self.url = self.server.url

    def _auth_ok(self, method, path, headers, body) -> bool:
        auth = headers.get("Authorization", "")
        if not auth.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(part.split("=", 1) for part in auth.split(" ", 1)[1].split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        if fields.get("mchid") != WECHAT_MCHID or fields.get("serial_no") != self.merchant_serial:
            return False
        if abs(time.time() - int(fields.get("timestamp", "0"))) > 300:
            return False
        return rsa_verify(
            self.merchant_public_key,
            request_message(method, path, fields["timestamp"], fields["nonce_str"], body),
            fields.get("signature", ""),
        )

    def handle(self, method, path, headers, body):
        if not self._auth_ok(method, path, headers, body):
            return self.answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        data = json.loads(body) if body else {}
        if path == "/v3/pay/transactions/native":
            self.transactions[data["out_trade_no"]] = {
                "amount": data["amount"]["total"],
                "state": "NOTPAY",
                "transaction_id": "",
                "refunded": 0,
            }
            return self.answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_hex(4)}"})
        if path.startswith("/v3/pay/transactions/out-trade-no/") and path.endswith("/close"):
            no = path.split("/")[-2]
            if self.transactions.get(no, {}).get("state") == "NOTPAY":
                self.transactions[no]["state"] = "CLOSED"
            return self.answer(204, None)
        if path.startswith("/v3/pay/transactions/out-trade-no/"):
            no = path.split("/")[-1].split("?")[0]
            if no not in self.transactions:
                return self.answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return self.answer(200, self.resource(no))
        if path == "/v3/refund/domestic/refunds":
            trade = self.transactions[data["out_trade_no"]]
            trade["refunded"] += data["amount"]["refund"]
            refund = {
                "refund_id": f"5030{secrets.randbelow(10**20):020d}",
                "out_refund_no": data["out_refund_no"],
                "status": self.refund_status,
                "amount": data["amount"],
            }
            self.refunds.append(refund)
            return self.answer(200, refund)
        return self.answer(404, {"code": "NOT_FOUND", "message": path})

    def answer(self, status, payload):
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        return (
            status,
            {
                "Content-Type": "application/json",
                "Wechatpay-Serial": self.serial,
                "Wechatpay-Timestamp": timestamp,
                "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": rsa_sign(self.key, answer_message(timestamp, nonce, body)),
            },
            body,
        )

    def pay(self, out_trade_no: str) -> str:
        trade = self.transactions[out_trade_no]
        trade.update(state="SUCCESS", transaction_id=f"4200{secrets.randbelow(10**24):024d}")
        return trade["transaction_id"]

    def resource(self, no: str, /, **changes) -> dict[str, Any]:
        trade, out_trade_no = self.transactions[no], no
        return {
            "appid": WECHAT_APPID,
            "mchid": WECHAT_MCHID,
            "out_trade_no": out_trade_no,
            "transaction_id": trade["transaction_id"],
            "trade_type": "NATIVE",
            "trade_state": trade["state"],
            "trade_state_desc": "",
            "success_time": "2026-11-26T10:00:00+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": trade["amount"], "payer_total": trade["amount"], "currency": "CNY"},
            **changes,
        }

    def callback(
        self,
        resource: dict[str, Any],
        *,
        event_type: str = "TRANSACTION.SUCCESS",
        timestamp: int | None = None,
        key=None,
        serial: str | None = None,
        apiv3_key: str = APIV3_KEY,
    ) -> tuple[dict[str, str], str]:
        """(headers, body) of a callback as WeChat sends it."""
        nonce = secrets.token_hex(6)
        body = json.dumps(
            {
                "id": secrets.token_hex(16),
                "create_time": "2026-11-26T10:00:01+08:00",
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功",
                "resource": {
                    "original_type": "transaction",
                    "algorithm": "AEAD_AES_256_GCM",
                    "associated_data": "transaction",
                    "nonce": nonce,
                    "ciphertext": aes_gcm_encrypt(
                        apiv3_key.encode(),
                        nonce=nonce,
                        plaintext=json.dumps(resource).encode(),
                        associated_data="transaction",
                    ),
                },
            },
            ensure_ascii=False,
        )
        ts, header_nonce = (
            str(timestamp if timestamp is not None else int(time.time())),
            secrets.token_hex(16),
        )
        headers = {
            "Wechatpay-Serial": serial or self.serial,
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Wechatpay-Signature": rsa_sign(key or self.key, answer_message(ts, header_nonce, body)),
            "Content-Type": "application/json",
        }
        return headers, body

    def stop(self):
        self.server.stop()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
