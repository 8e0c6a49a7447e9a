from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.pinduoduo.adapter import PinduoduoAdapter
from huitong.integrations.connectors.pinduoduo.fake_server import FakePinduoduo

FIXTURES = Path(__file__).parent.parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="session")
def pdd_server():
    server = FakePinduoduo()
    with server as url:
        server.url = url
        yield server


@pytest.fixture
def fake(pdd_server):
    pdd_server.reset()
    yield pdd_server
    pdd_server.reset()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_adapter(fake, sleeps):
    def build(page_size: int = 100, **credential_changes) -> PinduoduoAdapter:
        credentials = Credentials(
            app_key=fake.client_id,
            app_secret=fake.client_secret,
            access_token=fake.access_token,
            base_url=f"{fake.url}/api/router",
        )
        return PinduoduoAdapter(
            replace(credentials, **credential_changes),
            sleep=sleeps.append,
            backoff=0.01,
            per_second=0,
            page_size=page_size,
        )

    return build


def calls(fake, type_: str) -> list[dict]:
    """The parameters of every call of ``type_`` the fake received."""
    return [form for form in (r.form() for r in fake.requests) if form.get("type") == type_]
