"""The one registry of platform adapters, by platform name (the channel store's ``platform``).

Values are dotted paths so that importing the registry does not import every connector.
"""

from __future__ import annotations

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


def adapter_for(platform: str, credentials: Credentials):
    """An adapter instance for ``platform`` with the store's credentials."""
    try:
        path = ADAPTERS[platform]
    except KeyError:
        raise LookupError(f"no connector for platform {platform!r}") from None
    return import_string(path)(credentials)
