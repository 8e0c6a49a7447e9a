"""Personal data at rest: Fernet encryption (keys from HUITONG_DATA_KEYS), keyed hashes for lookup,
and masking for display (invariant 9)."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in settings.HUITONG_DATA_KEYS])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured HUITONG_DATA_KEYS") from exc


def lookup_hash(text: str) -> str:
    """A keyed hash for equality lookups (find the orders of a phone) without storing it in clear."""
    if not text:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), text.strip().encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str) -> str:
    return f"{name[0]}{'*' * (len(name) - 1)}" if name else ""


def mask_address(address: str) -> str:
    return f"{address[:2]}****" if len(address) > 4 else "****"


class EncryptedTextField(models.TextField):
    """A text column holding Fernet ciphertext; Python sees plain text. Not filterable: use a hash."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
