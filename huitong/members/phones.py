"""Phone numbers: normalised with ``phonenumbers`` (default region CN) to E.164, looked up by keyed hash."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from huitong.core.crypto import lookup_hash, mask_phone
from huitong.members.errors import InvalidMemberInput

DEFAULT_REGION = "CN"


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """The E.164 form of ``raw`` (``+8613800000000``); an invalid number is a 422 on ``field``."""
    try:
        number = phonenumbers.parse(raw.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidMemberInput.for_fields({field: _("手机号无效")})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_hash(e164: str) -> str:
    return lookup_hash(e164)


def national(e164: str) -> str:
    """What people read: the national number for mainland China (13800000000), E.164 otherwise."""
    return e164[3:] if e164.startswith("+86") else e164


def masked(e164: str) -> str:
    return mask_phone(national(e164)) if e164 else ""
