"""The shared aiohttp session: one per event loop, closed with its loop.

Creating a session per request costs more than the request itself on loopback, so g4f keeps one
per running loop and reuses its connections. The session does not keep cookies (every request
brings its own), so providers never see each other's cookies. It is closed when its loop shuts
down its async generators (``asyncio.run`` and the sync API do this) or on ``await g4f.aclose()``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import urllib.request
import weakref
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_READ_TIMEOUT", "close_sessions", "get_session", "make_timeout"]

DEFAULT_CONNECT_TIMEOUT = 10.0
#: Longest silence allowed between two reads of a response; a stalled stream fails after it.
DEFAULT_READ_TIMEOUT = 120.0

#: aiohttp rounds a timeout of 5 s or more up to the next whole second of the loop's clock; a
#: limit a user sets is kept as set (the cost of a timer is the same either way).
_NEVER_ROUNDED = float(2**31)

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, Any]] = (
    weakref.WeakKeyDictionary()
)


_PROXY_SCHEMES = ("http", "https", "ws", "wss")  # the schemes aiohttp reads proxies for


def _connector() -> aiohttp.TCPConnector:
    limit = int(os.environ.get("G4F_MAX_CONNECTIONS", "0"))
    return aiohttp.TCPConnector(limit=limit, limit_per_host=0, ttl_dns_cache=300)


def _environment_configures_http() -> bool:
    """Whether proxy variables or a netrc file exist: only then is ``trust_env`` worth its cost.

    With ``trust_env`` aiohttp looks up the netrc file and the proxy variables in worker threads
    on every request: two thread hops that cost a third of a loopback request. When neither is
    configured those lookups find nothing, so the session skips them (it is made per loop, so a
    proxy set before the loop's first request is honoured).
    """
    if any(scheme in _PROXY_SCHEMES for scheme in urllib.request.getproxies()):
        return True
    if os.environ.get("NETRC"):
        return True
    return os.path.isfile(os.path.join(os.path.expanduser("~"), "_netrc" if os.name == "nt" else ".netrc"))


async def _keeper(loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession) -> AsyncIterator[None]:
    # An async generator registered with the loop: when the loop shuts down its async generators,
    # this one is closed and closes the session with it (and forgets it: a closed session still
    # refers to its loop, which would keep every finished loop of the sync API alive).
    try:
        yield
        await asyncio.Event().wait()  # pragma: no cover - never resumed
    finally:
        entry = _sessions.get(loop)
        if entry is not None and entry[0] is session:
            del _sessions[loop]
        await session.close()


async def get_session() -> aiohttp.ClientSession:
    """The running loop's shared session, created on first use."""
    loop = asyncio.get_running_loop()
    entry = _sessions.get(loop)
    if entry is not None and not entry[0].closed:
        return entry[0]
    session = aiohttp.ClientSession(
        connector=_connector(),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None, connect=DEFAULT_CONNECT_TIMEOUT, sock_read=DEFAULT_READ_TIMEOUT,
                                      ceil_threshold=_NEVER_ROUNDED),
        trust_env=_environment_configures_http(),
    )
    keeper = _keeper(loop, session)
    await keeper.__anext__()
    _sessions[loop] = (session, keeper)
    return session


async def close_sessions() -> None:
    """Close the running loop's shared session (``g4f.aclose()``)."""
    entry = _sessions.pop(asyncio.get_running_loop(), None)
    if entry is not None:
        session, keeper = entry
        await keeper.aclose()
        await session.close()


@functools.lru_cache(maxsize=64)  # one per request otherwise; ClientTimeout is immutable
def make_timeout(
    timeout: float | None = None, connect: float | None = None, read: float | None = None, *, watched: bool = False
) -> aiohttp.ClientTimeout:
    """A per-request timeout: ``timeout`` bounds the whole request, ``read`` each silence.

    ``watched``: the caller times the reads itself with a :class:`~g4f.requests.limits.StallWatch`
    (one timer for the request), so aiohttp's ``sock_read``, rescheduled on every packet
    received (about 29,000 instructions of a non-streamed request), is left out.
    """
    return aiohttp.ClientTimeout(
        total=timeout,
        connect=connect if connect is not None else DEFAULT_CONNECT_TIMEOUT,
        sock_read=None if watched else read if read is not None else DEFAULT_READ_TIMEOUT,
        ceil_threshold=_NEVER_ROUNDED,
    )
