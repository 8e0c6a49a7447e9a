"""Helpers for the connector tests (only tests import this module): the fake platform server
fixtures, the saved payloads in a platform's ``fixtures/`` folder and the published signing examples.

The ``sleeps`` fixture, shared by every connector's tests, is in ``conftest.py`` next to this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from huitong.integrations.connectors.fake_server import FakePlatform

SIGNING_VECTORS = Path(__file__).parent / "signing_test_vectors.json"


def fake_server_fixtures(make: Callable[[], FakePlatform]) -> tuple[Any, Any]:
    """``server, fake = fake_server_fixtures(FakeX)`` in a conftest or test module gives two fixtures:
    ``server``, one fake platform running for the whole test session (its URL in ``.url``), and
    ``fake``, that server reset (no orders, requests or pending failures) before and after a test."""

    @pytest.fixture(scope="session", name="server")
    def server() -> Iterator[FakePlatform]:
        platform = make()
        with platform as url:
            platform.url = url
            yield platform

    @pytest.fixture(name="fake")
    def fake(server: FakePlatform) -> Iterator[FakePlatform]:
        server.reset()
        yield server
        server.reset()

    return server, fake


def no_waiting(sleeps: list[float]) -> dict[str, Any]:
    """Adapter options for tests against a fake: no rate limit, a tiny backoff, and the delays an
    adapter would sleep recorded in ``sleeps`` instead of slept."""
    return {"per_second": 0, "backoff": 0.01, "sleep": sleeps.append}


def fixture_loader(test_file: str) -> Callable[[str], Any]:
    """``load = fixture_loader(__file__)`` in a platform's tests: ``load(name)`` is the JSON saved
    as ``<platform>/fixtures/<name>``."""
    folder = Path(test_file).resolve().parent.parent / "fixtures"

    def load(name: str) -> Any:
        return json.loads((folder / name).read_text(encoding="utf-8"))

    return load


def signing_vector(platform: str) -> dict[str, Any]:
    """The platform's published worked signing example (``signing_test_vectors.json``)."""
    vectors = json.loads(SIGNING_VECTORS.read_text(encoding="utf-8"))["vectors"]
    return next(vector for vector in vectors if vector["platform"] == platform)
