"""How much an upstream may send and how long it may take.

A hostile or broken upstream must not cost the process more than a bounded amount of memory and
time, whatever it sends:

* **Size.** A body read whole (a non-streamed answer) is counted as it is *decoded*: a gzip
  bomb of 1 GB is refused when its decoded bytes pass the cap, not after inflating it.
  :func:`read_body` does that for both backends; curl_cffi's stream buffer (what it received but
  the reader has not taken yet) is held to the same cap by :class:`g4f.requests.StreamResponse`.
  The cap is ``max_body_size`` (default 64 MiB): a provider's ``max_body_size`` attribute, else
  ``$G4F_MAX_BODY_SIZE`` (bytes), else :data:`DEFAULT_MAX_BODY_SIZE`.
* **Time.** Three timeouts, each a typed :class:`g4f.errors.TimeoutError`: the whole request
  (``timeout=``, default :data:`DEFAULT_REQUEST_TIMEOUT`), the response headers and each silence
  (``read_timeout=``, the *stall timeout*), and, for event streams, the time without a data event
  (:class:`StallWatch`): SSE comments and blank NDJSON lines are bytes, not answers, so a trickle
  of keep-alives does not keep a request open. Over aiohttp all three are one
  :class:`StallWatch` per request (no timer of its own: one per loop looks at them all);
  curl_cffi's ``StreamSession`` keeps its own.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import weakref
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from .._environ import getenv
from ..errors import ResponseError, TimeoutError
from .body import iter_bytes

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_BODY_SIZE_ENV",
    "TICK",
    "StallWatch",
    "body_too_large",
    "deadline",
    "max_body_size",
    "open_watched",
    "read_body",
    "within",
]

_T = TypeVar("_T")

logger = logging.getLogger("g4f")

#: The most of a body read whole, or buffered unread, decoded (bytes).
DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024
#: The environment variable that sets the cap for every provider (bytes).
MAX_BODY_SIZE_ENV = "G4F_MAX_BODY_SIZE"
#: Seconds a whole request may take, reading included, unless ``timeout=`` says otherwise.
DEFAULT_REQUEST_TIMEOUT = 600.0


if sys.version_info >= (3, 11):
    deadline = asyncio.timeout
else:  # pragma: no cover - Python 3.10
    from contextlib import asynccontextmanager

    class _Scope:
        def __init__(self) -> None:
            self.fired = False

        def expired(self) -> bool:
            return self.fired

    @asynccontextmanager
    async def deadline(delay: float | None) -> AsyncIterator[_Scope]:
        """``asyncio.timeout`` for Python 3.10: raise ``asyncio.TimeoutError`` after ``delay``."""
        task = asyncio.current_task()
        assert task is not None
        scope = _Scope()

        def fire() -> None:
            scope.fired = True
            task.cancel()

        handle = asyncio.get_running_loop().call_later(delay, fire) if delay else None
        try:
            yield scope
        except asyncio.CancelledError:
            if not scope.fired:
                raise
            raise asyncio.TimeoutError from None
        finally:
            if handle is not None:
                handle.cancel()


async def within(awaitable: Awaitable[_T], seconds: float | None, what: str, provider: str | None,
                 connecting: bool = False) -> _T:
    """Await ``awaitable``; g4f's ``TimeoutError`` (``what``) after ``seconds`` without a result.

    A timeout the awaitable raises itself (aiohttp's connect timeout) passes through as it is.
    One timer and no context manager: this runs once per request (the headers' deadline) and once
    per chunk of a curl_cffi stream, where ``asyncio.timeout`` cost about 48,000 instructions a
    call against 22,000 for this (``bench/callgrind.py``, a non-streamed request).
    """
    if seconds is None:
        return await awaitable
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - always awaited inside a task
        return await awaitable
    loop = asyncio.get_running_loop()
    if sys.version_info >= (3, 11):
        cancelling = task.cancelling()  # asyncio.timeout's rule: only our own cancel becomes ours
    else:  # pragma: no cover - Python 3.10
        cancelling = 0
    fired: list[bool] = []

    def fire() -> None:
        fired.append(True)
        task.cancel()

    handle = loop.call_at(loop.time() + seconds, fire)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if not fired:
            raise
        if sys.version_info >= (3, 11) and task.uncancel() > cancelling:  # also cancelled from outside
            raise
        error = TimeoutError(what, provider=provider)
        error.connecting = connecting
        raise error from None
    finally:
        handle.cancel()


def max_body_size(value: int | None = None) -> int:
    """The cap in bytes: ``value`` when given, else ``$G4F_MAX_BODY_SIZE``, else 64 MiB."""
    if value is not None:
        return value
    configured = getenv(MAX_BODY_SIZE_ENV)  # not os.environ.get: see g4f._environ
    if configured:
        try:
            size = int(configured)
            if size > 0:
                return size
        except ValueError:
            pass
        logger.warning("%s=%r is not a positive number of bytes; using %d", MAX_BODY_SIZE_ENV, configured,
                       DEFAULT_MAX_BODY_SIZE)
    return DEFAULT_MAX_BODY_SIZE


def _size(limit: int) -> str:
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit} bytes"


def body_too_large(limit: int, provider: str | None = None, what: str = "answer") -> ResponseError:
    """The error for a body past its cap; it names the cap and how to change it."""
    return ResponseError(f"the upstream's {what} is larger than the {_size(limit)} cap (decoded); "
                         f"max_body_size or ${MAX_BODY_SIZE_ENV} sets it", provider=provider)


async def read_body(response: Any, limit: int | None = None, provider: str | None = None,
                    watch: StallWatch | None = None) -> bytes:
    """The whole body of an aiohttp or curl_cffi response, decoded; ``ResponseError`` (naming the
    cap) as soon as more than ``limit`` bytes (default :func:`max_body_size`) came out of it.

    The bytes are counted as they are decoded and read, so a compressed bomb stops early and the
    rest is never inflated (the caller's ``async with`` closes the connection). ``watch`` (in its
    ``"body"`` phase) is told of every chunk: only a silence of its length fails the read. An
    aiohttp body that is all in already (a short answer, in one packet with its headers) is
    taken in one call, without a reader in between (about 12,000 instructions a request).
    """
    limit = max_body_size(limit)
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit and not response.headers.get("Content-Encoding"):
        raise body_too_large(limit, provider)  # said before a byte is read
    content: Any = getattr(response, "content", None)
    if getattr(content, "is_eof", _no)():  # aiohttp, and all of it is in (a short answer): take it at once
        body: bytes = content.read_nowait()
        if len(body) > limit:
            raise body_too_large(limit, provider)
        return body
    parts: list[bytes] = []
    size = 0
    async for chunk in iter_bytes(response):
        size += len(chunk)
        if size > limit:
            parts.clear()
            raise body_too_large(limit, provider)
        parts.append(chunk)
        if watch is not None:
            watch.last = watch.now()
    return b"".join(parts)


def _no() -> bool:
    return False


#: How often a loop's ticker looks at its watches: a deadline is noticed within this many
#: seconds after it passed.
TICK = 0.05


class _Ticker:
    """One timer per event loop for all of its :class:`StallWatch` es.

    A loop timer per request (``call_at`` and ``cancel``: a handle, a heap push, the cancelled
    handle's removal) cost about 28,000 instructions of a non-streamed request; watching is a
    set insertion and removal instead, and one timer every :data:`TICK` seconds compares the
    ``due`` of each watch while any is running (none runs otherwise).
    """

    __slots__ = ("_handle", "loop", "watches")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weakly: the ticker of a finished loop (the sync client's) must not keep it alive.
        self.loop = weakref.ref(loop)
        self._handle: asyncio.TimerHandle | None = None
        self.watches: set[StallWatch] = set()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Tick from now on (a watch was added while none ran)."""
        self._handle = loop.call_at(loop.time() + TICK, self._tick, loop)

    def discard(self, watch: StallWatch) -> None:
        self.watches.discard(watch)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for watch in [watch for watch in self.watches if watch.due <= now]:  # a copy: checks remove watches
            watch._check(now)
        self._handle = loop.call_at(now + TICK, self._tick, loop) if self.watches else None


_tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Ticker] = weakref.WeakKeyDictionary()


_last_ticker: list[_Ticker | None] = [None]
_NEVER = float("inf")


def _ticker(loop: asyncio.AbstractEventLoop) -> _Ticker:
    ticker = _tickers.get(loop)
    if ticker is None:
        ticker = _tickers[loop] = _Ticker(loop)
    _last_ticker[0] = ticker  # the next watch is most likely on the same loop: no weak look-up
    return ticker


async def open_watched(request: Any, watch: StallWatch) -> Any:
    """``await request.__aenter__()`` (an aiohttp request context manager) under ``watch``, in its
    ``"headers"`` phase; once the headers are in, the watch times the body (``"body"``).

    The one place a request's opener turns the watch's cancel into its ``TimeoutError`` (and
    leaves a cancel from outside a cancel); on any failure the watch is stopped.
    """
    try:
        response = await request.__aenter__()
    except asyncio.CancelledError:
        watch.stop()
        if watch.caught():
            raise watch.error() from None
        raise
    except BaseException:
        watch.stop()
        raise
    watch.attach(response, "body")
    return response


class StallWatch:
    """The read timeout of one response: fails it when nothing came from its upstream for ``seconds``
    (and, given ``total``, when the whole request took longer than that).

    No timer of its own: its loop's ticker (:class:`_Ticker`, one timer for every watch) looks
    at ``due`` every :data:`TICK` seconds, so a deadline is noticed within 50 ms after it passed.
    A watch goes through three phases: the wait for the
    headers (``phase="headers"``, before :meth:`attach`: the reading task is cancelled and the
    opener turns that into the error with :meth:`caught`), then each silence of a body read whole
    (``"body"``: the reader sets ``last = now()`` per chunk), or the time without a data event of
    an event stream (``"stream"``: keep-alive comments are bytes, not events). aiohttp's own
    ``sock_read`` is not needed beside it: it restarts at every byte (headers trickled a byte at a
    time would last until the whole deadline) and is rescheduled on every packet.

    In a stream the reader sets ``paused`` while its caller holds an event (a slow consumer is
    not a stalled upstream) and ``last = now()`` once the caller asks for more, so the hot path
    pays two stores and one clock read per chunk that held events, and nothing for the others.
    When it fires after the headers, the pending read fails with :meth:`error`: aiohttp's body
    reader and g4f's curl ``StreamResponse`` take the error (``set_exception`` / ``fail``); any
    other response has its reading task cancelled, which the reader turns into the error
    (:meth:`caught`).
    """

    __slots__ = ("__weakref__", "_cancelling", "_deadline", "_loop", "_provider", "_response", "_seconds", "_task",
                 "_ticker", "_total", "due", "expired", "fired", "last", "now", "paused", "phase")

    def __init__(self, seconds: float, response: Any, provider: str | None, phase: str = "stream",
                 total: float | None = None) -> None:
        loop = self._loop = asyncio.get_running_loop()
        task = self._task = asyncio.current_task(loop)
        # asyncio.timeout's rule: a cancel from outside while ours is pending stays a cancel.
        self._cancelling = 0
        if sys.version_info >= (3, 11) and task is not None:
            self._cancelling = task.cancelling()
        self._seconds = seconds
        self._response = response
        self._provider = provider
        self.phase = phase
        self.now = loop.time
        last = self.last = loop.time()
        self.paused = False
        self.fired = False
        #: ``total``: the whole request's deadline too, from now (the opener's watch): past it,
        #: the request fails however busy the upstream is ("took longer than its ...").
        self._total = total
        deadline = self._deadline = last + total if total else _NEVER
        self.expired = False
        #: When :meth:`_check` looks next (the loop's ticker compares it at every tick).
        due = last + seconds
        self.due = min(due, deadline)
        ticker = _last_ticker[0]
        if ticker is None or ticker.loop() is not loop:
            ticker = _ticker(loop)
        self._ticker = ticker
        ticker.watches.add(self)
        if ticker._handle is None:
            ticker.start(loop)

    def attach(self, response: Any, phase: str) -> None:
        """The headers are in: from now on the watch times ``response``'s body (``"body"`` or
        ``"stream"``), its silences counted from here."""
        self._response = response
        self.phase = phase
        self.last = self.now()

    def _check(self, now: float) -> None:
        """Called by the ticker once ``due`` has passed: fail the response, or look again later."""
        due = self.last + self._seconds
        if now >= self._deadline:
            self.expired = True
        elif self.paused or now < due:
            self.due = min(now + self._seconds if self.paused else due, self._deadline)
            return
        self.fired = True
        self._ticker.discard(self)
        content: Any = getattr(self._response, "content", None)
        if callable(getattr(content, "set_exception", None)):  # aiohttp: the pending read raises it
            content.set_exception(self.error())
        elif callable(getattr(self._response, "fail", None)):  # g4f's curl_cffi StreamResponse
            self._response.fail(self.error())
        elif self._task is not None and not self._task.done():
            self._task.cancel()

    def stop(self) -> None:
        self._ticker.discard(self)

    def caught(self) -> bool:
        """In an ``except CancelledError``: whether this watch's cancel is the one caught (then
        it is taken back, and the reader raises :meth:`error` instead). A task also cancelled
        from outside stays cancelled."""
        if not self.fired or self._task is None or self._task.done():
            return False
        self.fired = False
        uncancel = getattr(self._task, "uncancel", None)  # Python 3.11+
        return uncancel is None or uncancel() <= self._cancelling

    def error(self) -> ResponseError | TimeoutError:
        """What the stall means: a response aiohttp stopped parsing (invalid chunked encoding,
        which aiohttp leaves hanging) is malformed; anything else is a timeout."""
        connection = getattr(self._response, "connection", None)
        protocol = getattr(connection, "protocol", None)
        broken = getattr(protocol, "exception", None)
        failure = broken() if callable(broken) else None
        if failure is not None and type(failure).__name__ == "HttpProcessingError":
            detail = str(getattr(failure, "message", "") or "").splitlines()
            return ResponseError("the upstream's response is malformed"
                                 + (f" ({detail[0].strip().rstrip(':')})" if detail else ""), provider=self._provider)
        if self.expired:
            error = TimeoutError(f"the request took longer than its {self._total:g}s timeout", provider=self._provider)
        elif self.phase == "headers":
            error = TimeoutError(f"no response for {self._seconds:g}s", provider=self._provider)
        elif self.phase == "body":
            return TimeoutError(f"no data for {self._seconds:g}s", provider=self._provider)
        else:
            return TimeoutError(f"the stream stalled for {self._seconds:g}s (no data event)", provider=self._provider)
        error.connecting = self.phase == "headers"  # no response began: trying again may help
        return error
