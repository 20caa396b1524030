"""The sync client's event loops: kept between calls, and a stream read in batches.

``Client`` runs the async implementation on private event loops in the calling thread. Making a
loop per call (what :func:`g4f.providers.asyncio.run_sync` does) costs more than a loopback
request: HTTP sessions are pooled per loop (:mod:`g4f.requests.aiohttp_session`), so every call
opened a new session and a new connection, and closing the loop closed them again. A
:class:`LoopPool` keeps a client's idle loops (one per thread calling at the same time), so
calls reuse the session and its keep-alive connections, as the openai SDK's ``OpenAI`` client
reuses its ``httpx.Client``. The pool closes its loops (and with them their sessions) on
``Client.close()``, and when the client is garbage-collected or the interpreter exits.

A stream is read in batches (:meth:`LoopPool.iterate`): one task reads the answer and the loop
runs until that task has at least one chunk and would wait for the network; the chunks it read
are then handed out without running the loop again. Running the loop once per chunk (one task,
two turns of the loop and a ``select`` each) cost more than the chunk itself. The task never reads
more than the data already received; when the caller stops early, it is cancelled where it waits
and the answer's stream is closed, as it is when an ``AsyncClient`` stream's task is cancelled.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

from ..errors import NestAsyncioError
from ..providers.asyncio import _NESTED

__all__ = ["MAX_IDLE_LOOPS", "LoopPool"]

T = TypeVar("T")

#: Idle loops a client keeps: one per thread that calls it at the same time; more are closed.
MAX_IDLE_LOOPS = 4


def _check_no_running_loop() -> None:
    # asyncio.get_running_loop() would raise (and build) a RuntimeError on every call to say no.
    if asyncio._get_running_loop() is not None:
        raise NestAsyncioError(_NESTED)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        # Closes pending async generators, among them the keepers of the loop's HTTP sessions.
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def _close_loops(loops: list[asyncio.AbstractEventLoop]) -> None:
    for loop in loops:
        _close_loop(loop)


class LoopPool:
    """Idle private event loops of one sync client (thread-safe)."""

    __slots__ = ("__weakref__", "_closed", "_idle", "_lock")

    def __init__(self) -> None:
        self._idle: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()
        self._closed = False

    def _take(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return asyncio.new_event_loop()

    def _give(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_IDLE_LOOPS:
                self._idle.append(loop)
                return
        _close_loop(loop)

    def close(self) -> None:
        """Close the idle loops and their sessions; loops in use close when their call ends.
        Calls made after this still work, each on a loop of its own."""
        with self._lock:
            self._closed = True
            loops, self._idle = self._idle, []
        if not loops:
            return
        if asyncio._get_running_loop() is None:
            _close_loops(loops)
        else:  # collected inside async code: a loop cannot run here, close them beside it
            closer = threading.Thread(target=_close_loops, args=(loops,), name="g4f-close-loops")
            closer.start()
            closer.join()

    def run(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run the awaitable made by ``factory`` to completion on an idle loop."""
        _check_no_running_loop()
        loop = self._take()
        try:
            result = loop.run_until_complete(factory())
        except Exception:
            self._give(loop)
            raise
        except BaseException:  # KeyboardInterrupt, SystemExit: the call may still be pending
            _close_loop(loop)
            raise
        self._give(loop)
        return result

    def iterate(self, factory: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
        """Iterate the async iterator made by ``factory``, in batches (module docstring)."""
        _check_no_running_loop()
        return self._iterate(factory)

    def _iterate(self, factory: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
        loop = self._take()
        reusable = True
        task: asyncio.Task[None] | None = None
        iterator: AsyncIterator[T] | None = None
        ready: deque[T] = deque()
        try:
            iterator = factory()
            task = loop.create_task(_read(iterator, ready, loop))
            while True:
                if not ready:
                    if task.done():
                        break
                    loop.run_forever()  # until the reader has a chunk and waits, or ends
                while ready:
                    yield ready.popleft()
            task.result()  # the stream's error, after every chunk read before it
        except (Exception, GeneratorExit):  # GeneratorExit: the caller stopped early
            raise
        except BaseException:  # KeyboardInterrupt, SystemExit: not a loop to keep
            reusable = False
            raise
        finally:
            try:
                if task is not None and not task.done():
                    task.cancel()
                    while not task.done():  # the reader stops the loop when it ends
                        loop.run_forever()
                    ready.clear()
                if task is not None and not task.cancelled():
                    task.exception()  # retrieved: raised above, or dropped with the chunks not taken
                aclose = getattr(iterator, "aclose", None)
                if aclose is not None:
                    loop.run_until_complete(aclose())
            except BaseException:
                reusable = False
                raise
            finally:
                if reusable:
                    self._give(loop)
                else:
                    _close_loop(loop)


async def _read(iterator: AsyncIterator[T], ready: deque[T], loop: asyncio.AbstractEventLoop) -> None:
    """Read ``iterator`` into ``ready``; stop the loop once a batch has begun (the loop finishes
    its turn, so the batch holds every chunk that could be read without waiting) and at the end.

    The first chunk of the answer is handed out at once: the reader yields to the loop after it,
    so the caller does not wait for the rest of what already arrived (a short answer often comes
    in one read) to be parsed before it sees the first token.
    """
    append, stop = ready.append, loop.stop
    first = True
    try:
        async for item in iterator:
            append(item)
            if len(ready) == 1:
                stop()
                if first:
                    first = False
                    await asyncio.sleep(0)  # the loop ends its turn here: the caller takes the chunk
    finally:
        stop()
