"""Request signatures over sorted parameters, the way TOP (Taobao), JOS (JD) and POP (Pinduoduo) sign
their API calls: every parameter except ``sign`` whose value is not empty, sorted by name and
concatenated as name+value; the md5 method wraps that text in the secret and takes
``upper(md5(secret + text + secret))``. (TOP's hmac methods, Douyin's fixed-order pattern and the push
signatures are each platform's own, in its ``client.py``.)

Published worked examples: ``signing_test_vectors.json``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any


def sorted_pairs(params: Mapping[str, Any]) -> str:
    """Sorted name+value pairs of every non-empty parameter except ``sign``."""
    return "".join(
        f"{name}{params[name]}"
        for name in sorted(params)
        if name != "sign" and params[name] not in (None, "")
    )


def md5_wrapped(text: str, secret: str) -> str:
    """``upper(md5(secret + text + secret))`` over UTF-8."""
    return hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest().upper()


def md5_sign(params: Mapping[str, Any], secret: str) -> str:
    """The md5 ``sign`` of a call's parameters."""
    return md5_wrapped(sorted_pairs(params), secret)
