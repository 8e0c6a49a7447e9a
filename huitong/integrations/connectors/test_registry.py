"""The adapter registry keeps one adapter per platform account and process (pure, no database)."""

from huitong.integrations.connectors import registry
from huitong.integrations.connectors.base import Credentials


def test_one_adapter_per_account_so_its_session_and_rate_limit_span_calls():
    registry.forget_adapters()
    account = Credentials(app_key="k", app_secret="s", access_token="t", base_url="http://jd.local")
    first = registry.adapter_for("jd", account)
    again = registry.adapter_for("jd", Credentials(app_key="k", app_secret="s", access_token="t",
                                                   base_url="http://jd.local"))
    assert again is first
    assert registry.adapter_for("jd", Credentials(app_key="k", app_secret="rotated", access_token="t",
                                                  base_url="http://jd.local")) is not first
    assert registry.adapter_for("taobao", Credentials(app_key="k", app_secret="s", base_url="http://top.local")) \
        is not first
    registry.forget_adapters()
    assert registry.adapter_for("jd", account) is not first
