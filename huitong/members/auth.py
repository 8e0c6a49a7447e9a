"""Member authentication for the storefront API: bearer tokens issued to a member (customer)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from huitong.core.services import hash_token
from huitong.members.models import MemberToken

TOKEN_LIFETIME = timedelta(days=30)


def issue_member_token(*, customer_id: int, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """A new token for the member; the plain value is returned once and only its hash is kept."""
    token = f"m_{secrets.token_urlsafe(32)}"
    MemberToken.objects.create(
        customer_id=customer_id, key_hash=hash_token(token), expires_at=timezone.now() + lifetime
    )
    return token


def revoke_member_token(*, token: str) -> None:
    MemberToken.objects.filter(key_hash=hash_token(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def member_for_token(token: str) -> int | None:
    """The customer id a live member token belongs to, or None."""
    return (
        MemberToken.objects.filter(
            key_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .values_list("customer_id", flat=True)
        .first()
    )


class MemberAuth(HttpBearer):
    """``request.auth`` is the signed-in member's customer id."""

    def authenticate(self, request: HttpRequest, token: str) -> int | None:
        return member_for_token(token)


member_auth = MemberAuth()
