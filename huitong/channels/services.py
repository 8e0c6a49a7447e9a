from __future__ import annotations

from django.db import transaction

from huitong.channels.errors import DuplicateStore
from huitong.channels.models import ChannelStore, Platform
from huitong.core.errors import InvalidInput


@transaction.atomic
def create_store(*, code: str, name: str, platform: str) -> ChannelStore:
    if platform not in Platform.values:
        raise InvalidInput.for_fields({"platform": f"未知平台 {platform}"})
    if ChannelStore.objects.filter(code=code).exists():
        raise DuplicateStore(code=f"店铺编码 {code} 已存在")
    return ChannelStore.objects.create(code=code, name=name, platform=platform)
