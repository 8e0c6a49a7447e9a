from __future__ import annotations

import json

from django.db.models import QuerySet

from huitong.channels.errors import StoreInactive, StoreNotFound
from huitong.channels.models import ChannelStore


def get_store(store_id: int) -> ChannelStore:
    store = ChannelStore.objects.filter(pk=store_id).first()
    if store is None:
        raise StoreNotFound(store_id=f"店铺 {store_id} 不存在")
    return store


def get_active_store(store_id: int) -> ChannelStore:
    store = get_store(store_id)
    if not store.is_active:
        raise StoreInactive(store_id=f"店铺 {store.code} 已停用")
    return store


def get_store_by_code(code: str) -> ChannelStore:
    store = ChannelStore.objects.filter(code=code).first()
    if store is None:
        raise StoreNotFound(store_code=f"店铺 {code} 不存在")
    return store


def list_stores(*, active_only: bool = False) -> QuerySet[ChannelStore]:
    qs = ChannelStore.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def credentials_of(store: ChannelStore) -> dict:
    """The store's decrypted credentials (for connectors only; never for display)."""
    return json.loads(store.credentials) if store.credentials else {}


def masked_credentials(store: ChannelStore) -> dict[str, str]:
    """For display: keys, and values reduced to their first and last two characters."""
    def mask(value: str) -> str:
        return value if len(value) <= 4 else f"{value[:2]}****{value[-2:]}"

    return {k: (mask(v) if isinstance(v, str) and k != "base_url" else v) for k, v in credentials_of(store).items()}
