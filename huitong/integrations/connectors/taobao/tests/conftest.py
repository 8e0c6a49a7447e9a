"""Shared fixtures: a running fake TOP gateway and an adapter pointed at it (no database)."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.taobao.adapter import TaobaoAdapter
from huitong.integrations.connectors.taobao.fake_server import CHINA, TaobaoFake

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DAY = datetime(2026, 11, 11, tzinfo=CHINA)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def credentials(
    url: str, *, secret: str = "helloworld", session: str = "test-session", **extra
) -> Credentials:
    return Credentials(
        app_key="12345678",
        app_secret=secret,
        access_token=session,
        base_url=f"{url}/router/rest",
        extra=extra,
    )


@pytest.fixture(scope="session")
def _gateway():
    platform = TaobaoFake()
    platform.url = platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def fake(_gateway):
    _gateway.reset()
    return _gateway


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_adapter(fake, sleeps):
    def make(**kwargs):
        options = {
            "secret": kwargs.pop("secret", "helloworld"),
            "session": kwargs.pop("session", "test-session"),
        }
        extra = kwargs.pop("extra", {})
        return TaobaoAdapter(
            credentials(fake.url, **options, **extra),
            per_second=0,
            backoff=0.01,
            sleep=sleeps.append,
            **kwargs,
        )

    return make


@pytest.fixture
def adapter(make_adapter):
    return make_adapter()
