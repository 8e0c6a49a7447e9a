import json

import pytest
from django.core.management import CommandError, call_command

from huitong.channels.models import ChannelStore
from huitong.integrations.tests.memory_adapter import MemoryAdapter, order
from huitong.orders.models import Order

pytestmark = pytest.mark.django_db


def test_add_store_keeps_credentials_encrypted_and_masked(capsys):
    call_command("channels", "add-store", "JD1", "--platform", "jd", "--name", "京东店", "--app-key", "abcdef123",
                 "--app-secret", "topsecretvalue")
    out = capsys.readouterr().out
    assert "JD1" in out and "topsecretvalue" not in out and "to****ue" in out
    store = ChannelStore.objects.get(code="JD1")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT credentials FROM channels_channelstore WHERE id = %s", [store.pk])
        assert "topsecretvalue" not in cur.fetchone()[0]
    with pytest.raises(CommandError):
        call_command("channels", "add-store", "JD1", "--platform", "jd")


def test_import_json_prints_each_order_and_is_idempotent(tmall, tmp_path, capsys):
    store, wh, sku = tmall
    MemoryAdapter.orders = {"J1": order("J1"), "J2": order("J2", lines=[("SKU-A", 1, 1000, 1000)])}
    path = tmp_path / "resp.json"
    path.write_text(json.dumps({"orders": ["J1", "J2"]}))
    call_command("channels", "import-json", store.code, str(path))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.endswith("new") for line in lines)
    call_command("channels", "import-json", store.code, str(path), "--json")
    report = json.loads(capsys.readouterr().out)
    assert [r["outcome"] for r in report] == ["unchanged", "unchanged"] and Order.objects.count() == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not a readable JSON"):
        call_command("channels", "import-json", store.code, str(bad))
