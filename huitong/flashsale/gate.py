"""The Redis gate in front of a flash sale: one Lua script per purchase attempt checks the window, the
buyer's limit and the remaining count, then decrements and records the buyer, atomically on the Redis
server. Only buyers the gate lets through reach the database (whose conditional updates stay the rule:
the gate screens, it never decides alone). Units are given back when the database part fails or an
order is returned, so with no attempt in flight the Redis count equals the database's.

Keys per sale (one hash tag, so a cluster keeps them on one node):
``<prefix>{fs:<db>:<sale id>}:meta`` (hash: starts/ends in ms, limit, remaining, open) and ``...:buyers``
(hash: customer id → units held). Missing keys mean "not loaded": the service then takes the database
path, which is always correct.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

OK, MISSING, NOT_RUNNING, LIMIT_REACHED, SOLD_OUT = 1, -1, -2, -3, -4

TAKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local m = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'limit', 'remaining', 'open')
local now, qty = tonumber(ARGV[2]), tonumber(ARGV[3])
if m[5] ~= '1' or now < tonumber(m[1]) or now >= tonumber(m[2]) then return {-2, 0} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held + qty > tonumber(m[3]) then return {-3, held} end
if tonumber(m[4]) < qty then return {-4, 0} end
redis.call('HINCRBY', KEYS[1], 'remaining', -qty)
return {1, redis.call('HINCRBY', KEYS[2], ARGV[1], qty)}
"""

GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local qty = tonumber(ARGV[2])
local held = redis.call('HINCRBY', KEYS[2], ARGV[1], -qty)
if held <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
return redis.call('HINCRBY', KEYS[1], 'remaining', qty)
"""

_clients: dict[str, object] = {}


def client():
    """A client for settings.REDIS_URL (one connection pool per process), or None without Redis."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _clients[url]


def _prefix() -> str:
    base = settings.CACHES.get("default", {}).get("KEY_PREFIX", "huitong")
    return f"{base}:"


def keys(sale_id: int) -> list[str]:
    tag = f"{{fs:{connection.settings_dict['NAME']}:{sale_id}}}"
    return [f"{_prefix()}{tag}:meta", f"{_prefix()}{tag}:buyers"]


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass(frozen=True)
class Taken:
    outcome: int
    held: int = 0


class Gate:
    def __init__(self, redis_client):
        self.redis = redis_client
        self._take = redis_client.register_script(TAKE)
        self._give_back = redis_client.register_script(GIVE_BACK)

    def take(self, *, sale_id: int, customer_id: int, quantity: int, now: datetime) -> Taken:
        outcome, held = self._take(keys=keys(sale_id), args=[customer_id, _ms(now), quantity])
        return Taken(int(outcome), int(held))

    def give_back(self, *, sale_id: int, customer_id: int, quantity: int) -> None:
        self._give_back(keys=keys(sale_id), args=[customer_id, quantity])

    def load(
        self,
        *,
        sale_id: int,
        starts_at: datetime,
        ends_at: datetime,
        limit: int,
        remaining: int,
        buyers: dict[int, int],
        open_: bool = True,
    ) -> None:
        """(Re)load a sale from the database's counters, replacing whatever was there."""
        meta, buyer_key = keys(sale_id)
        ttl = max(60, int(ends_at.timestamp() - datetime.now().timestamp()) + 86400)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(meta, buyer_key)
        pipe.hset(
            meta,
            mapping={
                "starts": _ms(starts_at),
                "ends": _ms(ends_at),
                "limit": limit,
                "remaining": remaining,
                "open": 1 if open_ else 0,
            },
        )
        held = {str(k): v for k, v in buyers.items() if v > 0}
        if held:
            pipe.hset(buyer_key, mapping=held)
        pipe.expire(meta, ttl)
        pipe.expire(buyer_key, ttl)
        pipe.execute()

    def drop(self, *, sale_id: int) -> None:
        self.redis.delete(*keys(sale_id))

    def snapshot(self, *, sale_id: int) -> dict | None:
        meta, buyer_key = keys(sale_id)
        values = self.redis.hgetall(meta)
        if not values:
            return None
        held = sum(int(v) for v in self.redis.hvals(buyer_key))
        return {"remaining": int(values[b"remaining"]), "held": held, "open": values.get(b"open") == b"1"}


_gates: dict[int, Gate] = {}


def gate() -> Gate | None:
    """The gate for this process, or None without Redis."""
    redis_client = client()
    if redis_client is None:
        return None
    key = id(redis_client)
    if key not in _gates:
        _gates[key] = Gate(redis_client)
    return _gates[key]


def redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)
