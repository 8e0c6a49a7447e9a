"""The one registry of platform adapters, by platform name (the channel store's ``platform``).

Values are dotted paths so that importing the registry does not import every connector.
"""

from __future__ import annotations

import threading

from django.utils.module_loading import import_string

from huitong.integrations.connectors.base import Credentials

ADAPTERS: dict[str, str] = {
    "taobao": "huitong.integrations.connectors.taobao.adapter.TaobaoAdapter",
    "jd": "huitong.integrations.connectors.jd.adapter.JdAdapter",
    "pinduoduo": "huitong.integrations.connectors.pinduoduo.adapter.PinduoduoAdapter",
    "douyin": "huitong.integrations.connectors.douyin.adapter.DouyinAdapter",
    "youzan": "huitong.integrations.connectors.youzan.adapter.YouzanAdapter",
    "shopify": "huitong.integrations.connectors.shopify.adapter.ShopifyAdapter",
    "woocommerce": "huitong.integrations.connectors.woocommerce.adapter.WooCommerceAdapter",
}


_adapters: dict[tuple, object] = {}
_adapters_lock = threading.Lock()


def adapter_for(platform: str, credentials: Credentials):
    """The adapter for ``platform`` with these credentials, one per process: its HTTP session (kept-alive
    connections) and its rate limiter then span every call made with that platform account — pulls, stock
    pushes, shipment confirmations — instead of starting afresh for each message. Changed credentials
    make a new adapter."""
    try:
        path = ADAPTERS[platform]
    except KeyError:
        raise LookupError(f"no connector for platform {platform!r}") from None
    key = (platform, path, credentials.app_key, credentials.app_secret, credentials.access_token, credentials.shop,
           credentials.base_url, tuple(sorted((credentials.extra or {}).items())))
    with _adapters_lock:
        adapter = _adapters.get(key)
        if adapter is None:
            adapter = _adapters[key] = import_string(path)(credentials)
    return adapter


def forget_adapters() -> None:
    """Drop every kept adapter (tests; a process that must not reuse connections)."""
    with _adapters_lock:
        _adapters.clear()
