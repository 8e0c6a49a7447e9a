import itertools
from datetime import datetime

import pytest

from huitong.channels.models import ChannelStore, Platform
from huitong.core.actors import Actor
from huitong.loyalty.services._common import SHANGHAI
from huitong.members.models import Customer

ACTOR = Actor.system("loyalty-test")
_seq = itertools.count()


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def make_store(platform=Platform.WEB_MALL) -> ChannelStore:
    n = next(_seq)
    return ChannelStore.objects.create(code=f"LS{n}", name=f"店铺{n}", platform=platform)


def make_customer(name="会员") -> Customer:
    return Customer.objects.create(display_name=name)


@pytest.fixture
def actor():
    return ACTOR


@pytest.fixture
def store(db):
    return make_store()


@pytest.fixture
def customer(db):
    return make_customer()
