"""Sending text messages through a pluggable sender. Without configuration the "sandbox" sender is
used: it records each message in the SmsMessage table (tests and the demo read codes there) and
sends nothing. ``HUITONG_SMS_SENDER`` may name another registered sender or a dotted path to a class."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from huitong.members.models import SmsMessage
from huitong.members.phones import phone_hash


class SmsSender(Protocol):
    name: str

    def send(self, *, phone: str, text: str) -> None:
        """Send ``text`` to ``phone`` (E.164); raise on failure."""


class SandboxSmsSender:
    name = "sandbox"

    def send(self, *, phone: str, text: str) -> None:
        SmsMessage.objects.create(
            phone=phone, phone_hash=phone_hash(phone), text=text[:300], sender=self.name
        )


SENDERS: dict[str, type] = {"sandbox": SandboxSmsSender}


def sms_sender() -> SmsSender:
    configured = getattr(settings, "HUITONG_SMS_SENDER", "") or "sandbox"
    cls = SENDERS.get(configured) or import_string(configured)
    return cls()


def sandbox_messages(phone: str) -> list[str]:
    """Texts the sandbox sender recorded for ``phone`` (E.164), newest first."""
    return list(
        SmsMessage.objects.filter(phone_hash=phone_hash(phone), sender=SandboxSmsSender.name).values_list(
            "text", flat=True
        )
    )
