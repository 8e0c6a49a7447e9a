"""Member sign-in with a one-time code sent to their phone: 6 digits, stored hashed, valid 5 minutes,
5 tries, at most one code per phone per 60 seconds."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.core.crypto import lookup_hash
from huitong.members.auth import issue_member_token, revoke_member_token
from huitong.members.errors import (
    CodeRequestedTooSoon,
    InvalidLoginCode,
    LoginCodeExpired,
    TooManyCodeAttempts,
)
from huitong.members.models import LoginCode
from huitong.members.phones import normalise_phone, phone_hash
from huitong.members.services.identify import identify_member
from huitong.members.sms import sms_sender

CODE_LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class LoggedIn:
    token: str
    customer_id: int


def _code_hash(hashed_phone: str, code: str) -> str:
    return lookup_hash(f"login:{hashed_phone}:{code}")


def request_login_code(*, phone: str) -> None:
    """Send a new 6-digit code to ``phone`` (replacing any earlier one). A second request within 60
    seconds is refused (409) and sends nothing."""
    e164 = normalise_phone(phone)
    hashed = phone_hash(e164)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    values = {
        "code_hash": _code_hash(hashed, code),
        "sent_at": now,
        "expires_at": now + CODE_LIFETIME,
        "attempts": 0,
        "used_at": None,
    }
    with transaction.atomic():
        replaced = LoginCode.objects.filter(phone_hash=hashed, sent_at__lte=now - RESEND_AFTER).update(
            **values
        )
        if not replaced:
            try:
                with transaction.atomic():
                    LoginCode.objects.create(phone_hash=hashed, **values)
            except IntegrityError:
                raise _too_soon(hashed, now) from None
        sms_sender().send(
            phone=e164, text=_("【汇通】您的登录验证码是 %(code)s，5 分钟内有效。") % {"code": code}
        )


def _too_soon(hashed: str, now) -> CodeRequestedTooSoon:
    sent_at = LoginCode.objects.filter(phone_hash=hashed).values_list("sent_at", flat=True).first() or now
    wait = max(1, int((sent_at + RESEND_AFTER - now).total_seconds()) + 1)
    return CodeRequestedTooSoon(
        _("验证码发送过于频繁，请 %(s)s 秒后再试") % {"s": wait}, detail={"retry_after_seconds": wait}
    )


def login_with_code(*, phone: str, code: str) -> LoggedIn:
    """Check the code (each try counts, even a wrong one) and sign the member in, creating the member
    on first sign-in. A used, expired or exhausted code is refused."""
    e164 = normalise_phone(phone)
    hashed = phone_hash(e164)
    code = code.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidLoginCode.for_fields({"code": _("验证码为 6 位数字")})
    now = timezone.now()
    live = LoginCode.objects.filter(phone_hash=hashed, used_at__isnull=True, expires_at__gt=now)
    # Count the try first, in its own transaction: a wrong code must still use one up.
    with transaction.atomic():
        counted = live.filter(attempts__lt=MAX_ATTEMPTS).update(attempts=F("attempts") + 1)
    if not counted:
        if live.exists():
            raise TooManyCodeAttempts()
        raise LoginCodeExpired.for_fields({"code": _("验证码已过期或未发送，请重新获取")})
    with transaction.atomic():
        used = live.filter(code_hash=_code_hash(hashed, code)).update(used_at=now)
        if not used:
            raise InvalidLoginCode.for_fields({"code": _("验证码错误")})
        customer_id = identify_member(phone=e164)
        return LoggedIn(token=issue_member_token(customer_id=customer_id), customer_id=customer_id)


def logout(*, token: str) -> None:
    revoke_member_token(token=token)
