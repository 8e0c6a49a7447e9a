"""Merchant configuration of the online gateways, read from Django settings when present and else from
the environment (so nothing needs a settings change): app ids, merchant ids, key file paths, gateway and
notify URLs. A gateway whose configuration is incomplete refuses to start payments (422, naming what is
missing) instead of failing half-way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from huitong.core.errors import InvalidInput

ALIPAY_DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
WECHAT_DEFAULT_GATEWAY = "https://api.mch.weixin.qq.com"


def setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


def _read(path: str, name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput.for_fields({name: f"无法读取 {path}: {exc.strerror}"}, "支付网关配置有误") from exc


def _require(values: dict[str, str]) -> None:
    missing = {name: "未配置" for name, value in values.items() if not value}
    if missing:
        raise InvalidInput.for_fields(missing, "支付网关未配置")


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    private_key_pem: bytes = b""
    alipay_public_key_pem: bytes = b""
    gateway: str = ALIPAY_DEFAULT_GATEWAY
    notify_url: str = ""
    return_url: str = ""
    timeout: float = 10.0


@dataclass(frozen=True)
class WechatConfig:
    mchid: str
    appid: str
    cert_serial_no: str
    private_key_pem: bytes = b""
    apiv3_key: bytes = b""
    platform_certs_pem: tuple[bytes, ...] = ()
    gateway: str = WECHAT_DEFAULT_GATEWAY
    notify_url: str = ""
    timeout: float = 10.0


def alipay_config() -> AlipayConfig:
    names = {n: setting(f"HUITONG_ALIPAY_{n}") for n in ("APP_ID", "PRIVATE_KEY_PATH", "PUBLIC_KEY_PATH")}
    _require({f"HUITONG_ALIPAY_{n}": v for n, v in names.items()})
    return AlipayConfig(
        app_id=names["APP_ID"],
        private_key_pem=_read(names["PRIVATE_KEY_PATH"], "HUITONG_ALIPAY_PRIVATE_KEY_PATH"),
        alipay_public_key_pem=_read(names["PUBLIC_KEY_PATH"], "HUITONG_ALIPAY_PUBLIC_KEY_PATH"),
        gateway=setting("HUITONG_ALIPAY_GATEWAY", ALIPAY_DEFAULT_GATEWAY),
        notify_url=setting("HUITONG_ALIPAY_NOTIFY_URL"),
        return_url=setting("HUITONG_ALIPAY_RETURN_URL"),
        timeout=float(setting("HUITONG_PAYMENT_GATEWAY_TIMEOUT", "10")),
    )


def wechat_config() -> WechatConfig:
    names = {
        n: setting(f"HUITONG_WECHATPAY_{n}")
        for n in ("MCHID", "APPID", "CERT_SERIAL_NO", "PRIVATE_KEY_PATH", "APIV3_KEY", "PLATFORM_CERT_PATHS")
    }
    _require({f"HUITONG_WECHATPAY_{n}": v for n, v in names.items()})
    key = names["APIV3_KEY"].encode()
    if len(key) != 32:
        raise InvalidInput.for_fields(
            {"HUITONG_WECHATPAY_APIV3_KEY": "APIv3 密钥必须为 32 字节"}, "支付网关配置有误"
        )
    certs = tuple(
        _read(p.strip(), "HUITONG_WECHATPAY_PLATFORM_CERT_PATHS")
        for p in names["PLATFORM_CERT_PATHS"].split(",")
        if p.strip()
    )
    return WechatConfig(
        mchid=names["MCHID"],
        appid=names["APPID"],
        cert_serial_no=names["CERT_SERIAL_NO"],
        private_key_pem=_read(names["PRIVATE_KEY_PATH"], "HUITONG_WECHATPAY_PRIVATE_KEY_PATH"),
        apiv3_key=key,
        platform_certs_pem=certs,
        gateway=setting("HUITONG_WECHATPAY_GATEWAY", WECHAT_DEFAULT_GATEWAY).rstrip("/"),
        notify_url=setting("HUITONG_WECHATPAY_NOTIFY_URL"),
        timeout=float(setting("HUITONG_PAYMENT_GATEWAY_TIMEOUT", "10")),
    )
