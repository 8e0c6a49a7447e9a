import pytest

from huitong.core.errors import InvalidTransition
from huitong.core.states import Lifecycle

LIFE = Lifecycle("thing", {"a": {"b", "c"}, "b": {"c"}})


def test_allowed_and_forbidden_transitions():
    assert LIFE.allows("a", "b") and LIFE.allows("b", "c")
    assert not LIFE.allows("c", "a") and not LIFE.allows("b", "a") and not LIFE.allows("x", "a")
    with pytest.raises(InvalidTransition) as exc:
        LIFE.check("c", "a")
    assert exc.value.status == 409 and exc.value.detail == {"from_state": "c", "to_state": "a"}
    assert LIFE.states() == {"a", "b", "c"}
