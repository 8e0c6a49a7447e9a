"""Platform time formats (pure)."""

from datetime import datetime

import pytest

from huitong.integrations.connectors.base import ConnectorError
from huitong.integrations.connectors.times import CHINA, china_local


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-11 10:00:00", datetime(2026, 11, 11, 10, 0, 0, tzinfo=CHINA)),
    (" 2026-11-11 10:00:00 ", datetime(2026, 11, 11, 10, 0, 0, tzinfo=CHINA)),
    ("2026-11-11T23:59:59", datetime(2026, 11, 11, 23, 59, 59, tzinfo=CHINA)),
    ("2026-11-11 10:00:00.5", datetime(2026, 11, 11, 10, 0, 0, 500000, tzinfo=CHINA)),
    ("2026-11-11 10:00:00.123456", datetime(2026, 11, 11, 10, 0, 0, 123456, tzinfo=CHINA)),
    ("2026-1-2 3:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=CHINA)),  # unpadded: the strptime way
])
def test_china_local_reads_the_platform_shapes(text, expected):
    moment = china_local(text)
    assert moment == expected and moment.tzinfo is CHINA


@pytest.mark.parametrize("text", ["2026-13-01 10:00:00", "2026-11-11", "2026-11-11 10:00:00+08:00", "yesterday"])
def test_china_local_refuses_what_is_not_a_platform_time(text):
    with pytest.raises(ConnectorError, match="not a time"):
        china_local(text, field="created")


def test_china_local_empty_is_none():
    assert china_local("") is None and china_local(None) is None
