"""The connection to Redis: every call bounded in time, and an outage handled once, not per request.

:meth:`RedisLink.run` runs one Redis call with the link's timeout. When a call fails or times
out the link goes *down*: one warning is logged, later calls raise :class:`Unavailable` at once
(callers carry on with local state, never awaiting Redis on a request's path), and a background
probe pings Redis every ``retry_interval`` seconds. When a ping answers the link is *up* again,
an info line says so, and the ``on_up`` callbacks resynchronise what was shared.

The ``redis`` package is imported here, when a server is started with ``--redis``, and nowhere
else. The URL's password is registered as a secret and never shown: logs name the URL as
:func:`display_url` writes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from ..errors import G4FError, MissingRequirementsError
from ..secrets import register_secret

__all__ = ["DEFAULT_TIMEOUT", "RedisLink", "Unavailable", "check_url", "display_url", "require_redis"]

logger = logging.getLogger("g4f")
T = TypeVar("T")

#: Seconds any Redis call may take before Redis counts as unreachable.
DEFAULT_TIMEOUT = 0.5
#: An outage is logged once; one that follows another within this many seconds is not logged again.
_WARN_EVERY = 60.0
_SCHEMES = ("redis", "rediss", "unix")


class Unavailable(Exception):
    """Redis cannot be used now: the caller falls back to local state."""


def check_url(url: str) -> None:
    """Refuse a URL that is not a Redis URL, in one line that never shows its password."""
    _register_password(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise G4FError(f"--redis: {display_url(url)} is not a valid URL") from None
    if parts.scheme not in _SCHEMES:
        raise G4FError(f"--redis: {display_url(url)} is not a Redis URL (redis://, rediss:// or unix://)")
    if parts.scheme != "unix" and not parts.hostname:
        raise G4FError(f"--redis: {display_url(url)} names no host")


def _register_password(url: str) -> None:
    """Register the URL's password (also a ``?password=`` one) as a secret."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return
    if password:
        register_secret(password)
        register_secret(unquote(password))
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "password" and value:
            register_secret(value)
            register_secret(unquote(value))


def display_url(url: str) -> str:
    """The URL as logs show it: ``redis://:***@host:6379/0`` (no password, no query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<the Redis URL>"
    if ":" in host:
        host = f"[{host}]"
    user = parts.username or ""
    credentials = f"{user}:***@" if parts.password else (f"{user}@" if user else "")
    return f"{parts.scheme}://{credentials}{host}{port}{parts.path}"


def require_redis() -> Any:
    try:
        import redis.asyncio as aioredis
    except ImportError as exc:
        raise MissingRequirementsError(
            'sharing state through Redis needs the redis package: pip install "g4f[scale]"') from exc
    return aioredis


class RedisLink:
    """One Redis client with bounded calls and an up/down state (``start`` in the worker's loop)."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, retry_interval: float = 1.0,
                 max_connections: int = 64) -> None:
        check_url(url)
        aioredis = require_redis()
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.url = display_url(url)
        self.timeout = timeout
        self.retry_interval = retry_interval
        options: dict[str, Any] = {
            "socket_timeout": timeout, "socket_connect_timeout": timeout,
            # No retries inside redis-py: a failed call falls back at once, the probe reconnects.
            "retry": Retry(NoBackoff(), 0), "retry_on_timeout": False, "health_check_interval": 0,
        }
        # A blocking pool: past max_connections a call waits (within the timeout) for a free one.
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=timeout,
                                                        **options)
        self.client = aioredis.Redis(connection_pool=pool)
        self.errors: tuple[type[BaseException], ...] = (_redis_error(), OSError, asyncio.TimeoutError)
        #: What closing may raise besides: a connection bound to a loop that is gone.
        self.close_errors: tuple[type[BaseException], ...] = (*self.errors, RuntimeError)
        self.up = False
        self.on_up: list[Callable[[], Awaitable[None]]] = []
        self._up_event = asyncio.Event()
        self._probe: asyncio.Task[None] | None = None
        self._warned_at: float | None = None
        self._outage_logged = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- state -------------------------------------------------------------------------------
    async def start(self) -> bool:
        """Connect (one ping within the timeout); when Redis does not answer, the probe keeps trying."""
        self._loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(self.client.ping(), self.timeout)
        except self.errors as exc:
            self.trouble(exc)
            return False
        self._set_up()
        logger.info("shared state: connected to Redis at %s", self.url)
        return True

    def trouble(self, exc: BaseException) -> None:
        """A Redis call failed: go down (one warning per outage) and start probing."""
        if self._closed:
            return
        new_outage = self.up or self._warned_at is None
        self.up = False
        self._up_event.clear()
        now = time.monotonic()
        if new_outage and (self._warned_at is None or now - self._warned_at > _WARN_EVERY):
            logger.warning("shared state: Redis at %s is unreachable (%s); this worker carries on with its own "
                           "state and tries again every %g s", self.url, _describe(exc), self.retry_interval)
            self._warned_at = now
            self._outage_logged = True
        else:  # the same outage seen by another call, or Redis flapping: said once already
            logger.debug("shared state: Redis at %s: %s", self.url, _describe(exc))
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._reconnect())

    def _set_up(self) -> None:
        self.up = True
        self._up_event.set()

    async def wait_up(self) -> None:
        await self._up_event.wait()

    async def _reconnect(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.retry_interval)
            try:
                await asyncio.wait_for(self.client.ping(), self.timeout)
            except self.errors as exc:
                logger.debug("shared state: Redis at %s still unreachable: %s", self.url, _describe(exc))
                continue
            self._set_up()
            logger.log(logging.INFO if self._outage_logged else logging.DEBUG,
                       "shared state: Redis at %s answers again; sharing resumes", self.url)
            self._outage_logged = False
            for callback in list(self.on_up):
                try:
                    await callback()
                except Unavailable:
                    break  # down again: this probe goes on and runs the callbacks once more
            if self.up:
                return
            # Down again while sharing resumed (a connection the kill left in the pool, Redis
            # flapping): trouble() started no probe since this one still runs, so it goes on.

    # -- calls -------------------------------------------------------------------------------
    async def run(self, call: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """``await call(*args, **kwargs)`` within the timeout; :class:`Unavailable` when Redis is down.

        Also Unavailable on another event loop than the worker's (the connections belong to it):
        code running on a private loop, as the sync API does, uses local state.
        """
        if not self.up or asyncio.get_running_loop() is not self._loop:
            raise Unavailable(self.url)
        try:
            return await asyncio.wait_for(call(*args, **kwargs), self.timeout)
        except self.errors as exc:
            self.trouble(exc)
            raise Unavailable(self.url) from None

    async def close(self) -> None:
        """Stop probing and close the connections (bounded: a dead Redis does not delay shutdown)."""
        self._closed = True
        self.up = False
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
        try:
            await asyncio.wait_for(self.client.aclose(), self.timeout * 4)
            # A pool given to the client is not the client's to close: it is closed here.
            await asyncio.wait_for(self.client.connection_pool.disconnect(), self.timeout * 4)
        except self.close_errors as exc:
            logger.debug("shared state: closing the Redis connections: %s", _describe(exc))

    def __repr__(self) -> str:
        return f"RedisLink({self.url!r}, {'up' if self.up else 'down'})"


def _redis_error() -> type[BaseException]:
    from redis.exceptions import RedisError

    return RedisError


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, asyncio.TimeoutError) and not text:
        text = "no answer within the timeout"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
