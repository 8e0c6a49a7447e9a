"""The member card: its number as a QR code image."""

from __future__ import annotations

import io

import segno


def card_png(card_no: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(card_no, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
