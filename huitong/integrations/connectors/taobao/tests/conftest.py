"""Shared fixtures: a running fake TOP gateway and an adapter pointed at it (no database)."""

from datetime import datetime

import pytest

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.taobao.adapter import TaobaoAdapter
from huitong.integrations.connectors.taobao.fake_server import CHINA, TaobaoFake
from huitong.integrations.connectors.testing import fake_server_fixtures, fixture_loader, no_waiting

DAY = datetime(2026, 11, 11, tzinfo=CHINA)
load = fixture_loader(__file__)
server, fake = fake_server_fixtures(TaobaoFake)


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
            **no_waiting(sleeps),
            **kwargs,
        )

    return make


@pytest.fixture
def adapter(make_adapter):
    return make_adapter()
