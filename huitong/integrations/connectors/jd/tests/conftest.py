from __future__ import annotations

import json
from dataclasses import replace

import pytest

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.jd.adapter import JdAdapter
from huitong.integrations.connectors.jd.fake_server import FakeJd
from huitong.integrations.connectors.testing import fake_server_fixtures, fixture_loader, no_waiting

fixture = fixture_loader(__file__)
server, fake = fake_server_fixtures(FakeJd)


@pytest.fixture
def make_adapter(fake, sleeps):
    def build(page_size: int = 100, **credential_changes) -> JdAdapter:
        credentials = Credentials(
            app_key=fake.app_key,
            app_secret=fake.app_secret,
            access_token=fake.access_token,
            base_url=f"{fake.url}/routerjson",
        )
        return JdAdapter(replace(credentials, **credential_changes), page_size=page_size, **no_waiting(sleeps))

    return build


def calls(fake, method: str) -> list[dict]:
    """The business parameters of every call of ``method`` the fake received."""
    found = []
    for request in fake.requests:
        form = request.form()
        if form.get("method") == method:
            found.append(json.loads(form["360buy_param_json"]))
    return found
