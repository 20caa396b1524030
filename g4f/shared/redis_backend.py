"""The Redis backend: key-value entries and sliding windows shared by every worker and instance.

Each operation is one Lua script (atomic in Redis, one round trip) timed with Redis's own clock
(``TIME``), so instances whose clocks differ still count one window. Every operation also reaches
the :class:`~g4f.shared.local.LocalBackend` it wraps: writes go to both, and while Redis is down
(:class:`~g4f.shared.redis_link.Unavailable`) reads and decisions come from the local one alone,
so a request never fails or waits because of Redis.

Keys (all under ``g4f:``): ``g4f:kv:<namespace>:<key>`` (a value, with its TTL) and
``g4f:kvi:<namespace>`` (a sorted set of the namespace's keys by expiry, to bound it);
``g4f:rl:<bucket>`` (a sorted set of hits, or of ``<id>:<amount>`` usages, by time).
"""

from __future__ import annotations

import os
from typing import Any

from .backend import Backend, Decision
from .local import LocalBackend
from .redis_link import RedisLink, Unavailable

__all__ = ["PREFIX", "RedisBackend"]

PREFIX = "g4f:"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
"""

SET = _NOW + """
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[4])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do
    redis.call('DEL', ARGV[5] .. member)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], math.ceil(tonumber(last[2])))
return 1
"""

DELETE = """
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

ACQUIRE = _NOW + """
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(period))
  return {1, limit - count - 1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tostring(tonumber(oldest[2]) + period - now)}
"""

CHECK_USAGE = _NOW + """
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local total = 0
for i = 1, #entries, 2 do total = total + tonumber(string.match(entries[i], ':(%d+)$')) end
if total < limit then return {1, limit - total, '0'} end
for i = 1, #entries, 2 do
  total = total - tonumber(string.match(entries[i], ':(%d+)$'))
  if total < limit then return {0, 0, tostring(tonumber(entries[i + 1]) + period - now)} end
end
return {0, 0, tostring(period)}
"""

ADD_USAGE = _NOW + """
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(period))
return 1
"""


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _decision(reply: Any) -> Decision:
    allowed, remaining, wait = reply
    return Decision(bool(int(allowed)), int(remaining), max(0.0, float(wait) / 1000))


class RedisBackend(Backend):
    """Shared state in Redis through ``link``, written through to ``local`` (its fallback)."""

    name = "redis"

    def __init__(self, link: RedisLink, local: LocalBackend | None = None) -> None:
        self.link = link
        self.local = local or LocalBackend()
        client = link.client
        self._set = client.register_script(SET)
        self._delete = client.register_script(DELETE)
        self._acquire = client.register_script(ACQUIRE)
        self._check_usage = client.register_script(CHECK_USAGE)
        self._add_usage = client.register_script(ADD_USAGE)

    @staticmethod
    def _keys(namespace: str, key: str) -> list[str]:
        return [f"{PREFIX}kv:{namespace}:{key}", f"{PREFIX}kvi:{namespace}"]

    # -- key-value ---------------------------------------------------------------------------
    async def get(self, namespace: str, key: str) -> bytes | None:
        try:
            value: bytes | None = await self.link.run(self.link.client.get, self._keys(namespace, key)[0])
        except Unavailable:
            value = None
        # A value this worker stored while Redis was down exists only here: it is still found.
        return value if value is not None else self.local.get_now(namespace, key)

    async def set(self, namespace: str, key: str, value: bytes, ttl: float, max_entries: int) -> None:
        self.local.set_now(namespace, key, value, ttl, max_entries)
        try:
            await self.link.run(self._set, keys=self._keys(namespace, key),
                                args=[value, _ms(ttl), max_entries, key, f"{PREFIX}kv:{namespace}:"])
        except Unavailable:
            pass

    async def delete(self, namespace: str, key: str) -> None:
        self.local.delete_now(namespace, key)
        try:
            await self.link.run(self._delete, keys=self._keys(namespace, key), args=[key])
        except Unavailable:
            pass

    # -- sliding windows ---------------------------------------------------------------------
    async def acquire(self, bucket: str, limit: int, period: float) -> Decision:
        try:
            reply = await self.link.run(self._acquire, keys=[f"{PREFIX}rl:{bucket}"],
                                        args=[limit, _ms(period), os.urandom(8).hex()])
        except Unavailable:
            return self.local.acquire_now(bucket, limit, period)
        decision = _decision(reply)
        if decision.allowed:  # the local window follows, for when it has to decide alone
            self.local.acquire_now(bucket, limit, period, force=True)
        return decision

    async def check_usage(self, bucket: str, limit: int, period: float) -> Decision:
        try:
            reply = await self.link.run(self._check_usage, keys=[f"{PREFIX}rl:{bucket}"], args=[limit, _ms(period)])
        except Unavailable:
            return self.local.check_usage_now(bucket, limit, period)
        return _decision(reply)

    async def add_usage(self, bucket: str, amount: int, period: float) -> None:
        self.local.add_usage_now(bucket, amount, period)
        try:
            await self.link.run(self._add_usage, keys=[f"{PREFIX}rl:{bucket}"],
                                args=[f"{os.urandom(6).hex()}:{int(amount)}", _ms(period)])
        except Unavailable:
            pass

    def __repr__(self) -> str:
        return f"RedisBackend({self.link!r})"
