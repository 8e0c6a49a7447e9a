"""Webhook checks for the platforms that sign a webhook the same way (Shopify, WooCommerce): a header
carrying base64(HMAC-SHA256(webhook secret, raw body)), the secret being the one set for the store's
webhooks (``extra['webhook_secret']``) or else the app secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from huitong.integrations.connectors.base import ConnectorError, Credentials


def hmac_sha256_base64(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_secret(credentials: Credentials, *, platform: str) -> str:
    secret = credentials.extra.get("webhook_secret") or credentials.app_secret
    if not secret:
        raise ConnectorError(f"no {platform} webhook secret configured for this store")
    return secret


def hmac_sha256_header_valid(secret: str, *, headers: Mapping[str, str], body: bytes, header: str) -> bool:
    """Whether ``header`` (lower-case; looked up case-insensitively) holds the body's signature."""
    given = next((v for k, v in headers.items() if k.lower() == header), "")
    return bool(given) and hmac.compare_digest(hmac_sha256_base64(secret, body), given.strip())
