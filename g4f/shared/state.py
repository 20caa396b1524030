"""What one worker shares through Redis, started and stopped as one thing.

:class:`SharedState` is what ``g4f api --redis URL`` runs in each worker (``create_app`` adds it to
the application's lifecycle): it connects (within the timeout; an unreachable Redis only means
local state and one warning), makes the :class:`~g4f.shared.redis_backend.RedisBackend` the
current backend, mirrors provider health (:class:`~g4f.shared.health_sync.HealthSync`) and, with a
secret key, credentials (:class:`~g4f.shared.credentials.SharedCredentials`), listens to the
``g4f:events`` channel for what other workers change, reads everything again every
``sync_interval`` seconds, and resynchronises after an outage. ``close`` undoes all of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from ..auth import cache as auth_cache
from ..providers.health import ProviderHealth
from ..providers.health import health as process_health
from ..requests.jsonlib import loads
from .credentials import SharedCredentials
from .crypto import Sealer
from .health_sync import HealthSync
from .redis_backend import PREFIX, RedisBackend
from .redis_link import DEFAULT_TIMEOUT, RedisLink, Unavailable
from .store import use_backend

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CHANNEL", "SharedState", "cleanup_context"]

logger = logging.getLogger("g4f")

#: The channel every change is published on.
CHANNEL = f"{PREFIX}events"


class SharedState:
    """One worker's shared state in Redis at ``url`` (``async with SharedState(url): ...``).

    ``install=False`` leaves the process-wide hooks alone (the current backend, the auth cache's
    shared layer): tests run several "workers" in one process that way, each with its own ``health``.
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, secret_key: str | None = None,
                 health: ProviderHealth | None = None, sync_interval: float = 5.0,
                 retry_interval: float = 1.0, install: bool = True) -> None:
        self.link = RedisLink(url, timeout=timeout, retry_interval=retry_interval)
        self.backend = RedisBackend(self.link)
        self.health = HealthSync(self.link, health or process_health, CHANNEL)
        self.credentials = SharedCredentials(self.link, Sealer(secret_key), CHANNEL) if secret_key else None
        self.sync_interval = sync_interval
        self.install = install
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._previous_backend: Any = None

    async def start(self) -> None:
        """Connect and share; never raises because Redis is unreachable."""
        self.health.start()
        if self.credentials is not None:
            self.credentials.start()
            if self.install:
                auth_cache.shared = self.credentials
        else:
            logger.debug("shared state: credentials are not shared (no secret key)")
        if self.install:
            self._previous_backend = use_backend(self.backend)
        self.link.on_up.append(self._resync)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._listen()), loop.create_task(self._pull_loop())]
        if await self.link.start():
            try:
                # Subscribed first, then read: a change made in between is not missed.
                await asyncio.wait_for(self._subscribed.wait(), self.link.timeout * 4)
            except asyncio.TimeoutError:
                pass
            try:
                await self._resync()
            except Unavailable:
                pass  # down again already: the probe resynchronises

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.health.stop()
        if self.credentials is not None:
            await self.credentials.stop()
            if auth_cache.shared is self.credentials:
                auth_cache.shared = None
        if self.install:
            use_backend(self._previous_backend)
        await self.link.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- keeping in step -----------------------------------------------------------------------
    async def _resync(self) -> None:
        await self.health.resync()
        if self.credentials is not None:
            await self.credentials.resync()
            await self.credentials.share_files()

    async def _pull_loop(self) -> None:
        """The safety net for missed messages: read the shared records again now and then."""
        while True:
            await asyncio.sleep(self.sync_interval)
            if not self.link.up:
                continue
            try:
                await self.health.pull()
                if self.credentials is not None:
                    await self.credentials.pull()
            except Unavailable:
                pass

    async def _listen(self) -> None:
        """Apply what other workers publish; resubscribe after every outage."""
        while True:
            await self.link.wait_up()
            pubsub = self.link.client.pubsub(ignore_subscribe_messages=True)
            try:
                await asyncio.wait_for(pubsub.subscribe(CHANNEL), self.link.timeout)
                self._subscribed.set()
                while self.link.up:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._dispatch(message.get("data"))
            except self.link.errors as exc:
                self.link.trouble(exc)
            finally:
                self._subscribed.clear()
                try:
                    await asyncio.wait_for(pubsub.aclose(), self.link.timeout)
                except self.link.close_errors:
                    pass

    def _dispatch(self, data: Any) -> None:
        try:
            message = loads(data)
        except (TypeError, ValueError):
            return
        if not isinstance(message, dict):
            return
        if message.get("t") == "health":
            self.health.apply_message(message)
        elif message.get("t") == "auth" and self.credentials is not None:
            self.credentials.apply_message(message)

    def __repr__(self) -> str:
        return f"SharedState({self.link.url!r})"


def cleanup_context(url: str, *, timeout: float = DEFAULT_TIMEOUT,
                    secret_key: str | None = None) -> Callable[[Any], AsyncIterator[None]]:
    """For an aiohttp application's ``cleanup_ctx``: shared state from startup to cleanup."""

    async def shared_state(app: Any) -> AsyncIterator[None]:
        async with SharedState(url, timeout=timeout, secret_key=secret_key):
            yield

    return shared_state
