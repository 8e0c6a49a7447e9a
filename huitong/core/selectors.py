from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from huitong.core.models import ApiToken
from huitong.core.services import hash_token

_TOUCH_EVERY = timedelta(minutes=5)


def user_for_token(token: str):
    """The active staff user a live token belongs to, or None."""
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
