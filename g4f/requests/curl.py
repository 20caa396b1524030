"""``StreamSession``: HTTP with a browser's TLS and HTTP/2 fingerprint, over curl_cffi.

Web apps such as grok.com reject clients that do not look like a browser. curl_cffi impersonates
one; this module gives it the shape of the rest of g4f's HTTP layer (``status``, ``headers``,
``cookies``, ``iter_bytes()``), maps its exceptions to g4f errors, and is imported only when a
provider needs it.

**Pooled sessions.** A curl_cffi ``AsyncSession`` (its handles, connection cache and event-loop
hooks) is kept per running event loop and per ``(impersonate, proxy, verify)``, like the aiohttp
session of :mod:`.aiohttp_session`, so requests reuse connections. The pool of a loop is closed
when the loop shuts down its async generators (``asyncio.run`` and g4f's sync API do) or on
``await g4f.aclose()`` (:func:`close_sessions`).

**StreamSession is a view.** ``StreamSession(...)`` costs nothing and owns nothing: it holds the
headers, cookies and timeouts of its requests and sends them through the pooled session.

**Cookies never cross requests.** A pooled session is shared by every user of the loop, so it
keeps no cookies: it is created without any and with ``discard_cookies=True`` (curl_cffi then
never copies a response's cookies into the session's jar), and curl_cffi clears a handle's cookie
engine (``COOKIELIST "ALL"``) before each request and loads only that request's cookies. A
response's ``Set-Cookie`` is readable on the response (``response.cookies``) and is kept in the
jar of the :class:`StreamSession` view that sent it, never in the shared session.

**Timeouts.** ``timeout`` is the stall timeout: the longest silence before the response headers
and between two chunks (curl's own low-speed limit does not stop an async stream that stalls, so
it is kept here, per read). ``total_timeout`` bounds the whole request, reading included.

**Sizes.** curl_cffi queues what curl writes without limit, and curl inflates a compressed body as
fast as the socket delivers it. Each pooled handle's writer is counted (:class:`_Budget`): what a
stream received and nobody read yet is held to ``max_body_size`` (default 64 MiB decoded), and
``read()`` refuses a whole body past it (:mod:`.limits`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import MissingRequirementsError, NetworkError, ResponseError
from . import limits
from .limits import within
from .transport import map_transport_error

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DEFAULT_IMPERSONATE",
    "StreamResponse",
    "StreamSession",
    "close_sessions",
    "get_curl_session",
    "user_agent_for",
]

logger = logging.getLogger("g4f")

DEFAULT_IMPERSONATE = "chrome"
_CHROME_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{version}.0.0.0 Safari/537.36"
)
#: Concurrent transfers per pooled session (curl_cffi's default, 10, would queue the 11th
#: request of a busy server). Handles are created on demand, so a high cap costs nothing.
_DEFAULT_MAX_CLIENTS = 256

try:
    from curl_cffi import CurlOpt
    from curl_cffi.curl import CURL_WRITEFUNC_ERROR
    from curl_cffi.requests import AsyncSession
except ImportError:  # pragma: no cover - curl_cffi is a runtime dependency
    AsyncSession = None  # type: ignore[assignment, misc]


# -- the unread-bytes budget ----------------------------------------------------------------------
class _Budget:
    """What one streamed transfer may hold received but unread (decoded bytes).

    curl_cffi queues every chunk curl writes, without limit, and curl writes as fast as it reads
    and decodes: a gzip bomb of 1 GB is in memory before a reader can refuse it. So each write
    is counted in (:func:`_counting`) and each chunk read counted out (``StreamResponse``); past
    ``limit`` curl's write fails, which stops the transfer, and the reader gets the cap's
    ``ResponseError`` at its next chunk.
    """

    __slots__ = ("limit", "overflow", "unread")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.unread = 0
        self.overflow = False


#: The budget of the request the current task is opening (read where curl_cffi sets its writer).
_next_budget: ContextVar[_Budget | None] = ContextVar("g4f_curl_budget", default=None)


def _counting(write: Callable[[bytes], Any], budget: _Budget) -> Callable[[bytes], Any]:
    def counted(chunk: bytes) -> Any:
        budget.unread += len(chunk)
        if budget.unread > budget.limit:
            budget.overflow = True
            return CURL_WRITEFUNC_ERROR
        return write(chunk)

    return counted


def _bounded(curl: Any) -> Any:
    """``curl`` whose stream writer (set by curl_cffi for each request) is counted against the
    budget of the request being opened."""
    if "setopt" in vars(curl):
        return curl
    setopt = curl.setopt

    def bounded_setopt(option: Any, value: Any) -> Any:
        budget = _next_budget.get()
        if option == CurlOpt.WRITEFUNCTION and budget is not None and callable(value):
            value = _counting(value, budget)
        return setopt(option, value)

    curl.setopt = bounded_setopt
    return curl


if AsyncSession is not None:
    class _BoundedSession(AsyncSession[Any]):
        """curl_cffi's AsyncSession whose handles count what each stream holds unread."""

        async def pop_curl(self) -> Any:
            return _bounded(await super().pop_curl())


# -- the pool -------------------------------------------------------------------------------------
_PoolKey = tuple[str | None, str | None, bool]


class _LoopPool:
    """The pooled sessions of one event loop, and the keeper that closes them with it."""

    __slots__ = ("keeper", "sessions")

    def __init__(self) -> None:
        self.sessions: dict[_PoolKey, Any] = {}
        self.keeper: AsyncIterator[None] | None = None


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPool] = weakref.WeakKeyDictionary()


def _max_clients() -> int:
    try:
        configured = int(os.environ.get("G4F_MAX_CONNECTIONS", "0"))
    except ValueError:
        configured = 0
    return configured if configured > 0 else _DEFAULT_MAX_CLIENTS


async def _close_pool(pool: _LoopPool) -> None:
    sessions = list(pool.sessions.values())
    pool.sessions.clear()
    for session in sessions:
        try:
            await session.close()
        except Exception as exc:  # noqa: BLE001 - one session failing to close must not keep the others open
            logger.debug("closing a curl_cffi session failed: %s", type(exc).__name__)


async def _keeper(loop: asyncio.AbstractEventLoop, pool: _LoopPool) -> AsyncIterator[None]:
    # An async generator registered with the loop (its first step runs there): when the loop
    # shuts down its async generators, this one is closed and closes the pool with it, and
    # forgets it (a closed session still refers to its loop).
    try:
        yield
        await asyncio.Event().wait()  # pragma: no cover - never resumed
    finally:
        if _pools.get(loop) is pool:
            del _pools[loop]
        await _close_pool(pool)


async def get_curl_session(impersonate: str | None = DEFAULT_IMPERSONATE, proxy: str | None = None,
                           verify: bool = True) -> Any:
    """The running loop's pooled curl_cffi ``AsyncSession`` for these settings, made on first use.

    It holds no cookies and no headers of its own: pass them per request (or use
    :class:`StreamSession`, which does).
    """
    if AsyncSession is None:  # pragma: no cover - curl_cffi is a runtime dependency
        raise MissingRequirementsError('curl_cffi is required: pip install "g4f"')
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _LoopPool()
        keeper = _keeper(loop, pool)
        await keeper.__anext__()
        pool.keeper = keeper
    key = (impersonate, proxy, verify)
    session = pool.sessions.get(key)
    if session is None or getattr(session, "_closed", False):
        options: dict[str, Any] = {}
        if impersonate:
            options["impersonate"] = impersonate
        if proxy:
            options["proxy"] = proxy
        try:
            session = _BoundedSession(verify=verify, discard_cookies=True, max_clients=_max_clients(), **options)
        except TypeError as exc:  # a curl_cffi without discard_cookies would share cookies across requests
            raise MissingRequirementsError(f'curl_cffi is too old ({exc}): pip install -U "curl_cffi"') from exc
        pool.sessions[key] = session
    return session


async def close_sessions() -> None:
    """Close the running loop's pooled curl_cffi sessions (``g4f.aclose()``)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is None:
        return
    if pool.keeper is not None:
        await pool.keeper.aclose()  # type: ignore[attr-defined]
    await _close_pool(pool)


# -- timeouts -------------------------------------------------------------------------------------
def _budget(read_timeout: float | None, deadline: float | None, total: float | None,
            silence: str = "the stream stalled") -> tuple[float | None, str]:
    """Seconds the next wait may take, and the error's words when they run out: the stall
    timeout, or what is left of the whole request's, whichever ends first."""
    if deadline is not None:
        left = max(0.0, deadline - asyncio.get_running_loop().time())
        if not read_timeout or left <= read_timeout:
            return left, f"the request took longer than its {total or 0:g}s timeout"
    return read_timeout, f"{silence} for {read_timeout or 0:g}s"


async def _within(awaitable: Any, seconds: float | None, what: str, provider: str | None) -> Any:
    """Await ``awaitable``, raising g4f's TimeoutError (``what``) after ``seconds`` without a result."""
    return await within(awaitable, seconds, what, provider)


def _read_timeout(timeout: float | tuple[float, float] | None) -> float | None:
    return timeout[1] if isinstance(timeout, tuple) else timeout


# -- responses ------------------------------------------------------------------------------------
class StreamResponse:
    """A streamed response; use it inside ``async with session.post(...) as response``."""

    def __init__(self, response: Any, provider: str | None, read_timeout: float | None = None,
                 deadline: float | None = None, total_timeout: float | None = None,
                 max_body_size: int | None = None, budget: _Budget | None = None) -> None:
        self._response = response
        self._provider = provider
        self._read_timeout = read_timeout
        self._deadline = deadline
        self._total_timeout = total_timeout
        self._max_body_size = limits.max_body_size(max_body_size)
        self.status: int = response.status_code
        self.reason: str = getattr(response, "reason", "") or ""
        self.headers: Mapping[str, str] = response.headers
        self.url: str = str(response.url)
        #: What curl received for this response and nobody read yet (see :class:`_Budget`).
        self._budget = budget if budget is not None else _Budget(self._max_body_size)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies the server set in this response (Set-Cookie)."""
        return {name: value for name, value in self._response.cookies.items()}

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives; TimeoutError after a silence of the read timeout, or when the
        whole request outlasts its total timeout.

        Every byte of a curl_cffi body passes here (the decoders, ``read`` and the error-body
        reader of ``raise_for_status`` all read through it): the one place to bound a body.
        """
        chunks = self._response.aiter_content().__aiter__()
        read_timeout, deadline, budget = self._read_timeout, self._deadline, self._budget
        try:
            while True:
                try:
                    if read_timeout is None and deadline is None:
                        chunk = await chunks.__anext__()
                    else:
                        seconds, what = _budget(read_timeout, deadline, self._total_timeout)
                        chunk = await _within(chunks.__anext__(), seconds, what, self._provider)
                except StopAsyncIteration:
                    return
                if chunk.__class__ is not bytes:  # an error put by fail()
                    raise chunk
                budget.unread -= len(chunk)
                if budget.overflow:
                    raise limits.body_too_large(budget.limit, self._provider, "stream (received, unread)")
                yield chunk
        except Exception as exc:
            if budget.overflow and not isinstance(exc, ResponseError):  # the write error that stopped curl
                raise limits.body_too_large(budget.limit, self._provider, "stream (received, unread)") from None
            mapped = map_transport_error(exc, self._provider)
            if mapped is None:
                raise
            raise mapped from exc

    def fail(self, error: BaseException) -> None:
        """Make the pending (or next) read raise ``error``: a stream judged stalled by a reader
        that sees its events (:class:`~g4f.requests.limits.StallWatch`)."""
        queue = getattr(self._response, "queue", None)
        if queue is not None:
            queue.put_nowait(error)

    async def read(self, limit: int | None = None) -> bytes:
        """The rest of the body: at most ``limit`` bytes when given, else all of it, refused
        (``ResponseError`` naming the cap) past ``max_body_size`` decoded bytes."""
        if limit is None:
            return await limits.read_body(self, self._max_body_size, self._provider)
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size >= limit:
                break
        body = b"".join(chunks)
        return body if limit is None else body[:limit]

    async def acontent(self) -> bytes:
        """The body (what ``raise_for_status`` reads to quote an error)."""
        return await self.read()

    async def text(self) -> str:
        return (await self.read()).decode("utf-8", "replace")

    async def json(self) -> Any:
        from .jsonlib import loads

        return loads(await self.read())

    async def aclose(self) -> None:
        """Release the response; a stream not read to its end is aborted, not drained.

        curl_cffi's own ``aclose`` waits for the transfer to finish, which for an abandoned or
        stalled stream means waiting for the server. Stopping the transfer frees the handle at
        once (its connection is closed rather than reused).
        """
        task = getattr(self._response, "astream_task", None)
        if task is not None and not task.done():
            quit_now = getattr(self._response, "quit_now", None)
            if quit_now is not None:
                quit_now.set()
            task.cancel()
            await asyncio.wait([task])
            return
        await self._response.aclose()


def user_agent_for(impersonate: str | None = DEFAULT_IMPERSONATE) -> str | None:
    """The user agent curl_cffi sends when impersonating ``impersonate`` (Chrome targets only).

    Credentials from a cookie file or store come without the browser's own user agent; sending
    the one that matches the impersonated TLS fingerprint keeps the two consistent.
    """
    target = impersonate or ""
    if target == DEFAULT_IMPERSONATE:
        try:
            from curl_cffi.requests.impersonate import DEFAULT_CHROME

            target = DEFAULT_CHROME
        except ImportError:  # pragma: no cover - older curl_cffi
            return None
    digits = target[len("chrome"):] if target.startswith("chrome") else ""
    if not digits.isdigit():
        return None
    return _CHROME_USER_AGENT.format(version=digits)


# -- the per-request view -------------------------------------------------------------------------
class _RequestContext:
    def __init__(self, session: StreamSession, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self._session, self._method, self._url, self._kwargs = session, method, url, kwargs
        self._response: StreamResponse | None = None

    async def __aenter__(self) -> StreamResponse:
        view = self._session
        kwargs = dict(self._kwargs)
        headers = {**view.headers, **(kwargs.pop("headers", None) or {})}
        cookies = {**view.cookies, **(kwargs.pop("cookies", None) or {})}
        timeout = kwargs.pop("timeout", view.timeout)
        total = kwargs.pop("total_timeout", view.total_timeout)
        max_size = kwargs.pop("max_body_size", view.max_body_size)
        read_timeout = _read_timeout(timeout)
        deadline = asyncio.get_running_loop().time() + total if total else None
        budget = _Budget(limits.max_body_size(max_size))
        token = _next_budget.set(budget)
        try:
            session = await get_curl_session(view.impersonate, view.proxy, view.verify)
            seconds, what = _budget(read_timeout, deadline, total, silence="no response")
            # curl's own limit (connect + low speed, for streams) also ends a transfer this wait
            # gave up on: the stall timeout, else the whole request's, else curl_cffi's default.
            if timeout is None and total:
                kwargs["timeout"] = total
            elif timeout is not None:
                kwargs["timeout"] = timeout
            raw = await _within(
                session.request(self._method, self._url, stream=True, headers=headers or None,
                                cookies=cookies or None, **kwargs),
                seconds, what, view.provider)
        except Exception as exc:
            mapped = map_transport_error(exc, view.provider)
            if mapped is None:
                raise
            if isinstance(mapped, ResponseError) and "cut short" in mapped.message:
                # no response yet: nothing was cut short, the connection failed
                detail = str(mapped).split("cut short: ", 1)[-1]
                mapped = NetworkError(f"the connection failed: {detail}", provider=view.provider)
            raise mapped from exc
        finally:
            _next_budget.reset(token)
        self._response = StreamResponse(raw, view.provider, read_timeout, deadline, total, budget.limit, budget)
        view.cookies.update(self._response.cookies)  # this view's jar, never the pooled session's
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.aclose()


class StreamSession:
    """An async HTTP session that looks like a browser (``impersonate``) to the server.

    >>> async with StreamSession(impersonate="chrome", cookies={"sso": ...}) as session:
    ...     async with session.post(url, json=payload) as response:
    ...         async for chunk in response.iter_bytes(): ...

    A light view over the loop's pooled curl_cffi session (see the module docstring): its
    ``headers`` and ``cookies`` go with each of its requests (a request's own ``headers=`` and
    ``cookies=`` are added to them), and cookies the server sets are kept in this view's
    ``cookies``. ``timeout`` is the stall timeout (seconds, or ``(connect, read)``);
    ``total_timeout`` bounds each whole request. Either can be given per request too.
    """

    def __init__(
        self,
        *,
        impersonate: str | None = DEFAULT_IMPERSONATE,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        proxy: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        verify: bool = True,
        provider: str | None = None,
        total_timeout: float | None = None,
        max_body_size: int | None = None,
    ) -> None:
        if AsyncSession is None:
            raise MissingRequirementsError('curl_cffi is required: pip install "g4f"')
        self.provider = provider
        self.impersonate = impersonate
        self.proxy = proxy
        self.verify = verify
        self.timeout = timeout
        self.total_timeout = total_timeout
        #: The most of a body read whole, or received and not read yet (decoded bytes).
        self.max_body_size = max_body_size
        self.headers: dict[str, str] = dict(headers or {})
        #: This view's cookie jar: sent with its requests, updated from their Set-Cookie.
        self.cookies: dict[str, str] = dict(cookies or {})

    @property
    def read_timeout(self) -> float | None:
        """Seconds without a byte (or without response headers) before TimeoutError."""
        return _read_timeout(self.timeout)

    def request(self, method: str, url: str, **kwargs: Any) -> _RequestContext:
        return _RequestContext(self, method, url, kwargs)

    def get(self, url: str, **kwargs: Any) -> _RequestContext:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> _RequestContext:
        return self.request("POST", url, **kwargs)

    async def close(self) -> None:
        """Nothing to release: the connections belong to the loop's pool (``g4f.aclose()``)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"StreamSession(impersonate={self.impersonate!r}, cookies=<{len(self.cookies)}>)"
