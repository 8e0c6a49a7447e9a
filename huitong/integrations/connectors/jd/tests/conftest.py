from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.jd.adapter import JdAdapter
from huitong.integrations.connectors.jd.fake_server import FakeJd

FIXTURES = Path(__file__).parent.parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="session")
def jd_server():
    server = FakeJd()
    with server as url:
        server.url = url
        yield server


@pytest.fixture
def fake(jd_server):
    jd_server.reset()
    yield jd_server
    jd_server.reset()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_adapter(fake, sleeps):
    def build(page_size: int = 100, **credential_changes) -> JdAdapter:
        credentials = Credentials(
            app_key=fake.app_key,
            app_secret=fake.app_secret,
            access_token=fake.access_token,
            base_url=f"{fake.url}/routerjson",
        )
        return JdAdapter(
            replace(credentials, **credential_changes),
            sleep=sleeps.append,
            backoff=0.01,
            per_second=0,
            page_size=page_size,
        )

    return build


def calls(fake, method: str) -> list[dict]:
    """The business parameters of every call of ``method`` the fake received."""
    found = []
    for request in fake.requests:
        form = request.form()
        if form.get("method") == method:
            found.append(json.loads(form["360buy_param_json"]))
    return found
