from __future__ import annotations

from dataclasses import replace

import pytest

from huitong.integrations.connectors.base import Credentials
from huitong.integrations.connectors.pinduoduo.adapter import PinduoduoAdapter
from huitong.integrations.connectors.pinduoduo.fake_server import FakePinduoduo
from huitong.integrations.connectors.testing import fake_server_fixtures, fixture_loader, no_waiting

fixture = fixture_loader(__file__)
server, fake = fake_server_fixtures(FakePinduoduo)


@pytest.fixture
def make_adapter(fake, sleeps):
    def build(page_size: int = 100, **credential_changes) -> PinduoduoAdapter:
        credentials = Credentials(
            app_key=fake.client_id,
            app_secret=fake.client_secret,
            access_token=fake.access_token,
            base_url=f"{fake.url}/api/router",
        )
        return PinduoduoAdapter(replace(credentials, **credential_changes), page_size=page_size, **no_waiting(sleeps))

    return build


def calls(fake, type_: str) -> list[dict]:
    """The parameters of every call of ``type_`` the fake received."""
    return [form for form in (r.form() for r in fake.requests) if form.get("type") == type_]
