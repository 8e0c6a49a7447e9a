"""Fixtures every connector's tests share (helpers that are not fixtures: ``testing.py``)."""

import pytest


@pytest.fixture
def sleeps() -> list[float]:
    """The delays an adapter built with ``sleep=sleeps.append`` waited, in order (none really slept)."""
    return []
