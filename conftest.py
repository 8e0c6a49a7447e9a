"""Suite-wide fixtures. Tests run on SQLite by default and on PostgreSQL with DATABASE_URL set."""

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer

from huitong.core.actors import Actor

# The live server meets bursts of 50 simultaneous clients in the concurrency tests: give its listening
# socket a backlog that holds them all (Django's default of 10 resets the rest).
WSGIServer.request_queue_size = 128
# Live-server and worker threads must not keep connections open past their request: a lingering one
# blocks dropping the test database at the end of the run.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


def pytest_collection_modifyitems(config, items):
    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts without cached configuration (it must not leak between tests). Only this
    database's keys go: with Redis, parallel workers share the server."""
    from django.core.cache import cache

    from huitong.integrations.connectors.registry import forget_adapters
    from huitong.orders.review_setup import config_cache_key

    cache.delete(config_cache_key())
    forget_adapters()  # connector adapters are kept per process (registry.adapter_for)


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    # The suite never needs a worker: tasks run in-process even with REDIS_URL set.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Slow, strong hashing buys nothing in tests and costs ~0.3 s per staff user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from huitong.config.celery import app

    app.conf.task_always_eager = True


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def make_staff(db):
    from huitong.accounts.services import create_staff_user

    def make(username="staff", roles=("operator",), password="pw-123456"):
        return create_staff_user(username=username, password=password, roles=roles)

    return make


@pytest.fixture
def api_client(db, make_staff):
    """A factory: ``api_client("warehouse")`` gives a client whose requests carry a token of that role."""
    from django.test import Client

    from huitong.core.services import issue_token

    def build(*roles: str, username: str | None = None):
        name = username or f"u_{'_'.join(roles) or 'none'}"
        make_staff(username=name, roles=roles)
        token = issue_token(username=name, password="pw-123456").token
        return Client(headers={"Authorization": f"Bearer {token}"})

    return build


def _uses_transactional_db(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


# Ledgers whose triggers refuse UPDATE/DELETE (children before parents: lot uses before entries).
APPEND_ONLY_TABLES = ("inventory_stockmovement", "loyalty_lotuse", "loyalty_pointsentry", "loyalty_storedvalueentry",
                      "loyalty_giftcardentry")


@pytest.fixture(autouse=True)
def _flushable_ledger(request):
    """Let a transactional test's flush empty the append-only stock ledger on SQLite.

    The ledger's triggers refuse DELETE, and on SQLite Django's flush is ``DELETE FROM`` (PostgreSQL
    truncates, which row triggers do not see). After such a test, empty the ledger with the triggers
    briefly dropped and put them back exactly as the migration created them."""
    if settings.IS_POSTGRES or not _uses_transactional_db(request):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so this teardown runs before the flush
    yield
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # rows elsewhere (points lots) still point at ledger rows
        for table in APPEND_ONLY_TABLES:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(f'DELETE FROM "{table}"')
            for _name, sql in triggers:
                cursor.execute(sql)
        cursor.execute("PRAGMA foreign_keys = ON")
