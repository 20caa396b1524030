"""Provider health shared through Redis: a 429 seen by one instance is skipped by all of them.

Fallback reads and writes :data:`g4f.providers.health.health` synchronously, as without Redis;
that object is this worker's mirror of the shared record. :class:`HealthSync` listens to it: each
failure or recovery is queued (never awaited by the request that recorded it) and pushed by a
background task, which merges it into the record in Redis with one script (failure streaks add
up across instances; a cooldown only grows) and publishes the result. Every worker applies what
is published to its mirror at once, and reads the whole record again every few seconds and after
an outage (when it first pushes what it learned alone meanwhile).

Redis keeps one hash, ``g4f:health``: provider name → ``{"f": failures, "u": cooldown end (ms of
Redis's clock), "l": 1 when rate limited, "e": last error}``; a worker turns the cooldown end into
seconds left by Redis's own clock, so instances whose clocks differ agree on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from ..providers.health import HealthEvent, ProviderHealth, ProviderState
from ..requests.jsonlib import loads
from ..secrets import redact
from .redis_backend import PREFIX
from .redis_link import RedisLink, Unavailable

__all__ = ["HEALTH_KEY", "HealthSync"]

logger = logging.getLogger("g4f")

HEALTH_KEY = f"{PREFIX}health"
#: How long the record outlives its last change (a day): stale streaks do not stay forever.
_KEEP_MS = 86_400_000

_STATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local s
if raw then s = cjson.decode(raw) else s = {f = 0, u = 0, l = 0, e = ''} end
"""
_SAVE = """
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(s))
redis.call('PEXPIRE', KEYS[1], KEEP_MS)
local message = cjson.encode({t = 'health', n = ARGV[1], s = s, now = now})
redis.call('PUBLISH', KEYS[2], message)
return message
""".replace("KEEP_MS", str(_KEEP_MS))

#: ARGV: name, retry_after ms (0: none), failure threshold, cooldown ms, summary.
FAILURE = _STATE + """
s.f = s.f + 1
s.e = ARGV[5]
local retry_after = tonumber(ARGV[2])
if retry_after > 0 then
  if now + retry_after > s.u then s.u = now + retry_after end
  s.l = 1
elseif s.f >= tonumber(ARGV[3]) then
  local u = now + tonumber(ARGV[4])
  if u > s.u then s.u = u; s.l = 0 end
end
""" + _SAVE

#: ARGV: name, failures, cooldown left ms, rate limited (0/1), summary: what a worker learned alone.
MERGE = _STATE + """
if tonumber(ARGV[2]) > s.f then s.f = tonumber(ARGV[2]); s.e = ARGV[5] end
local u = now + tonumber(ARGV[3])
if u > s.u then s.u = u; s.l = tonumber(ARGV[4]) end
""" + _SAVE

#: ARGV: name.
SUCCESS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HDEL', KEYS[1], ARGV[1])
local message = cjson.encode({t = 'health', n = ARGV[1], s = false, now = now})
redis.call('PUBLISH', KEYS[2], message)
return message
"""

PULL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {tostring(now), redis.call('HGETALL', KEYS[1])}
"""


#: How much older (ms) than the last record applied a read may be and still be one that crossed
#: a change on its way (a call's round trip is bounded by the link's timeout); past that, a
#: Redis with another clock (a failover) is believed.
_CROSSING_MS = 5000.0


def _ms(seconds: float | None) -> int:
    return int(seconds * 1000) if seconds and seconds > 0 else 0


class HealthSync:
    """Keeps ``health`` (this worker's record) and the shared one in Redis in step."""

    def __init__(self, link: RedisLink, health: ProviderHealth, channel: str, queue_size: int = 1024) -> None:
        self.link = link
        self.health = health
        self.channel = channel
        client = link.client
        self._failure = client.register_script(FAILURE)
        self._merge = client.register_script(MERGE)
        self._success = client.register_script(SUCCESS)
        self._pull = client.register_script(PULL)
        self._queue: asyncio.Queue[HealthEvent] = asyncio.Queue(maxsize=queue_size)
        self._pending: Counter[str] = Counter()
        #: Per provider, the Redis time (ms) of the newest record applied: a whole-record read
        #: that crossed a published change on the way is older than it, and is not applied.
        self._applied_at: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._push_loop())
        self.health.add_listener(self._heard)

    async def stop(self) -> None:
        self.health.remove_listener(self._heard)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    # -- from this worker to Redis -----------------------------------------------------------
    def _heard(self, event: HealthEvent) -> None:
        """The listener: runs in the thread that recorded the change, so it only hands it over."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._enqueue, event)
        except RuntimeError:  # the loop closed in between
            pass

    def _enqueue(self, event: HealthEvent) -> None:
        if self._queue.full():  # this worker's record has it; the resync after the backlog shares it
            logger.debug("shared state: health queue full; %s's change is shared later", event.provider)
            return
        self._pending[event.provider] += 1
        self._queue.put_nowait(event)

    async def _push_loop(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                if self.link.up:
                    await self.push(event)
            except Unavailable:
                pass  # shared by the resync when Redis is back
            finally:
                self._pending[event.provider] -= 1
                if self._pending[event.provider] <= 0:
                    del self._pending[event.provider]

    async def push(self, event: HealthEvent) -> None:
        keys = [HEALTH_KEY, self.channel]
        if event.kind == "failure":
            args: list[Any] = [event.provider, _ms(event.retry_after), self.health.failure_threshold,
                               _ms(self.health.cooldown), redact(event.summary)]
            reply = await self.link.run(self._failure, keys=keys, args=args)
        else:
            reply = await self.link.run(self._success, keys=keys, args=[event.provider])
        if self._pending[event.provider] <= 1:  # else a later change of this worker's is on its way
            message = loads(reply)
            self._apply(event.provider, message.get("s"), float(message.get("now", 0)))

    async def resync(self) -> None:
        """After an outage: share what this worker learned alone, then take the shared record."""
        for name, (state, remaining) in self.health.snapshot().items():
            await self.link.run(self._merge, keys=[HEALTH_KEY, self.channel],
                                args=[name, state.consecutive_failures, _ms(remaining), int(state.rate_limited),
                                      redact(state.last_error)])
        await self.pull()

    # -- from Redis to this worker -----------------------------------------------------------
    def apply_message(self, message: dict[str, Any]) -> None:
        """Apply one published change (``{"n": name, "s": state or false, "now": ms}``)."""
        name, state = message.get("n"), message.get("s")
        if not isinstance(name, str) or name in self._pending:
            return  # this worker's own newer change is on its way
        self._apply(name, state, float(message.get("now", 0)))

    def _apply(self, name: str, state: Any, now: float) -> None:
        if 0 < self._applied_at.get(name, 0.0) - now <= _CROSSING_MS:
            return  # older than what this worker applied already (not a Redis whose clock differs)
        self._applied_at[name] = now
        if not isinstance(state, dict):
            self.health.apply(name, None)
            return
        try:
            local = ProviderState(int(state.get("f", 0)), 0.0, bool(state.get("l")), str(state.get("e", "")))
            remaining = (float(state.get("u", 0)) - now) / 1000
        except (TypeError, ValueError):
            logger.debug("shared state: ignoring a malformed health record for %s", name)
            return
        self.health.apply(name, local, remaining)

    async def pull(self) -> None:
        """Take the whole shared record (records gone from Redis are gone here too)."""
        now_text, flat = await self.link.run(self._pull, keys=[HEALTH_KEY])
        now = float(now_text)
        remote: dict[str, Any] = {}
        for index in range(0, len(flat) - 1, 2):
            name = flat[index].decode() if isinstance(flat[index], bytes) else str(flat[index])
            try:
                remote[name] = loads(flat[index + 1])
            except ValueError:
                continue
        for name in set(self.health.snapshot()) | set(remote):
            if name not in self._pending:
                self._apply(name, remote.get(name), now)
