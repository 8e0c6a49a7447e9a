from __future__ import annotations

import json

from django.db import transaction

from huitong.channels.errors import DuplicateStore, StoreNotFound
from huitong.channels.models import ChannelStore, Platform
from huitong.core.errors import InvalidInput

CREDENTIAL_FIELDS = ("app_key", "app_secret", "access_token", "shop", "base_url")


def _clean_credentials(credentials: dict[str, str] | None) -> str:
    if not credentials:
        return ""
    unknown = set(credentials) - set(CREDENTIAL_FIELDS) - {"extra"}
    if unknown:
        raise InvalidInput.for_fields({f"credentials.{k}": "未知的凭证字段" for k in sorted(unknown)})
    return json.dumps(credentials, ensure_ascii=False, sort_keys=True)


@transaction.atomic
def create_store(*, code: str, name: str, platform: str, credentials: dict[str, str] | None = None) -> ChannelStore:
    if platform not in Platform.values:
        raise InvalidInput.for_fields({"platform": f"未知平台 {platform}"})
    if ChannelStore.objects.filter(code=code).exists():
        raise DuplicateStore(code=f"店铺编码 {code} 已存在")
    return ChannelStore.objects.create(code=code, name=name, platform=platform,
                                       credentials=_clean_credentials(credentials))


@transaction.atomic
def set_credentials(*, store_id: int, credentials: dict[str, str]) -> ChannelStore:
    store = ChannelStore.objects.select_for_update().filter(pk=store_id).first()
    if store is None:
        raise StoreNotFound(store_id=str(store_id))
    store.credentials = _clean_credentials(credentials)
    store.save(update_fields=["credentials"])
    return store
