"""Core write services: API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from huitong.core.errors import AuthenticationFailed
from huitong.core.models import ApiToken
from huitong.core.permissions import roles_of


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    username: str
    roles: list[str]


@transaction.atomic
def issue_token(*, username: str, password: str, name: str = "") -> IssuedToken:
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active or not user.is_staff:
        raise AuthenticationFailed()
    token = f"ht_{secrets.token_urlsafe(32)}"
    expires_at = timezone.now() + timedelta(hours=settings.HUITONG_TOKEN_TTL_HOURS)
    ApiToken.objects.create(user=user, key_hash=hash_token(token), prefix=token[:8], name=name, expires_at=expires_at)
    return IssuedToken(token=token, expires_at=expires_at, username=user.get_username(), roles=sorted(roles_of(user)))


def revoke_token(*, token: str) -> bool:
    return bool(ApiToken.objects.filter(key_hash=hash_token(token), revoked_at__isnull=True).update(revoked_at=timezone.now()))
