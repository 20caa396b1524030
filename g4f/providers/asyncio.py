"""Bridges between the async implementation and the sync API.

The sync API runs the async one on a private event loop in the calling thread, pulling one item
at a time. It never patches asyncio and never nests loops: called inside a running loop it raises
:class:`~g4f.errors.NestAsyncioError`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

from ..errors import NestAsyncioError

__all__ = ["iter_in_thread", "run_sync", "to_sync_iter"]

T = TypeVar("T")

logger = logging.getLogger("g4f")

_NESTED = (
    "The synchronous API was called inside a running event loop; "
    "use `await g4f.ChatCompletion.create_async(...)` (or AsyncClient) there instead."
)


def _check_no_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise NestAsyncioError(_NESTED)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        # Closes pending async generators, among them the keepers of the loop's HTTP sessions.
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def to_sync_iter(factory: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    """Iterate the async iterator made by ``factory`` from sync code."""
    _check_no_running_loop()
    return _sync_iter(factory)


def _sync_iter(factory: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    loop = asyncio.new_event_loop()
    iterator = None
    try:
        iterator = factory()
        while True:
            try:
                item = loop.run_until_complete(iterator.__anext__())
            except StopAsyncIteration:
                break
            yield item
    finally:
        try:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                loop.run_until_complete(aclose())
        finally:
            _close_loop(loop)


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run the awaitable made by ``factory`` to completion from sync code."""
    _check_no_running_loop()
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(factory())
    finally:
        _close_loop(loop)


def _log_close_error(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("closing a sync provider's stream failed: %r", future.exception())


async def iter_in_thread(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Pull a blocking iterator in a worker thread so the event loop never waits on it.

    When the consumer stops early or is cancelled (a timeout) while the worker is inside
    ``next()``, the iterator is closed once that call returns: a generator cannot be closed while
    it runs, and it must still be closed so its ``finally`` blocks release what they hold.
    """
    loop = asyncio.get_running_loop()
    done = object()
    idle = threading.Event()
    idle.set()

    def pull() -> object:
        try:
            return next(iterator, done)
        finally:
            idle.set()

    try:
        while True:
            idle.clear()
            item = await loop.run_in_executor(None, pull)
            if item is done:
                return
            yield item  # type: ignore[misc]
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:

            def close_when_idle() -> None:
                idle.wait()
                close()

            closing = loop.run_in_executor(None, close_when_idle)
            if idle.is_set():
                await closing
            else:  # still inside next(): close it when that returns, without making the caller wait
                closing.add_done_callback(_log_close_error)
