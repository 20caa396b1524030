"""Running the server: one process, or ``--workers N`` processes serving one port.

The parent binds the listening sockets once (so "address in use" is one clear error) and forks
the workers, as gunicorn does; each worker builds its own application and event loop and accepts
connections on the inherited sockets (the kernel hands each connection to one of them). The
parent only supervises:

* a worker that dies is logged and replaced (at once, or after a growing pause when workers keep
  dying right after they start, so a broken setup does not spin);
* Ctrl+C or SIGTERM stops every worker gracefully: each stops accepting, gives running requests
  ``shutdown_timeout`` seconds to finish (then cancels them), runs the application's cleanup and
  exits; workers still running after that (plus a margin) are killed;
* a worker whose parent is gone stops by itself.

Several workers need ``fork`` (Linux, macOS). Without ``--redis`` each worker keeps its own state
(provider health, rate limits, stores); with it they share it (:mod:`g4f.shared`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .app import create_app
from .protocol import AppRunner
from .settings import ServerSettings

__all__ = ["Supervisor", "bind", "run_worker"]

logger = logging.getLogger("g4f")

#: Seconds a worker must live to count as started (dying sooner makes the next restart wait).
STARTED_AFTER = 2.0
#: Longest pause before replacing a worker that keeps dying at start.
MAX_RESTART_DELAY = 10.0
#: Seconds the parent waits for workers past ``shutdown_timeout`` before killing them.
KILL_MARGIN = 5.0


def bind(host: str, port: int, backlog: int = 512) -> list[socket.socket]:
    """Listening sockets for every address ``host`` resolves to (raises OSError: port in use, ...)."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    seen: set[tuple[int, Any]] = set()
    try:
        for family, kind, proto, _, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(backlog)
            sock.setblocking(False)
            if port == 0:  # every address gets the port the first one was given
                port = sock.getsockname()[1]
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


# -- one worker ----------------------------------------------------------------------------------
def _access_logger(settings: ServerSettings) -> logging.Logger | None:
    if not settings.access_log:
        return None
    access = logging.getLogger("aiohttp.access")
    if access.level == logging.NOTSET:
        access.setLevel(logging.INFO)
    if not access.hasHandlers():
        access.addHandler(logging.StreamHandler())
    return access


async def _serve(settings: ServerSettings, sockets: Sequence[socket.socket], parent: int | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C cancels asyncio.run instead
            pass
    # handler_cancellation: a client that goes away cancels its request at once, which closes the
    # upstream stream instead of letting it run to its end (or its read timeout) for nobody.
    # g4f's AppRunner: a request aiohttp cannot parse gets a 400 that quotes none of it (g4f.api.protocol).
    runner = AppRunner(create_app(settings), handle_signals=False, handler_cancellation=True,
                       access_log=_access_logger(settings), shutdown_timeout=settings.shutdown_timeout)
    await runner.setup()
    watcher = loop.create_task(_watch_parent(parent, stop)) if parent is not None else None
    try:
        for sock in sockets:
            await web.SockSite(runner, sock, shutdown_timeout=settings.shutdown_timeout).start()
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        # Stops accepting, lets running requests finish within shutdown_timeout, runs the cleanup.
        await runner.cleanup()


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    logger.warning("g4f api: the supervising process is gone; worker %d stops", os.getpid())
    stop.set()


def run_worker(settings: ServerSettings, sockets: Sequence[socket.socket], parent: int | None = None) -> None:
    """Serve on ``sockets`` in this process until SIGINT/SIGTERM (or ``parent`` is gone)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, sockets, parent))


# -- several workers -----------------------------------------------------------------------------
@dataclass
class _Worker:
    index: int
    started: float


def _describe(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"was killed by {name}"
    return f"exited with status {code}"


class Supervisor:
    """Forks ``settings.workers`` workers on ``sockets`` and keeps that many running until stopped."""

    def __init__(self, settings: ServerSettings, sockets: Sequence[socket.socket]) -> None:
        if not hasattr(os, "fork"):
            raise RuntimeError("several workers need fork (Linux, macOS)")
        self.settings = settings
        self.sockets = list(sockets)
        self.workers: dict[int, _Worker] = {}
        self.restarts = 0
        self._due: list[tuple[float, int]] = []  # (when, worker index) of replacements to start
        self._quick_deaths = 0
        self._stopping = False
        self._pid = os.getpid()

    def run(self) -> None:
        """Supervise until SIGINT or SIGTERM, then stop every worker gracefully (blocking)."""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        previous_fd = signal.set_wakeup_fd(wake_write)
        handlers = {signum: signal.signal(signum, self._on_signal)
                    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)}
        try:
            for index in range(self.settings.workers):
                self._spawn(index, wake_read, wake_write)
            while not self._stopping:
                self._wait(wake_read, self._next_timeout())
                self._reap()
                self._start_due(wake_read, wake_write)
            self._stop_all(wake_read)
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            signal.set_wakeup_fd(previous_fd)
            os.close(wake_read)
            os.close(wake_write)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if signum in (signal.SIGINT, signal.SIGTERM):
            self._stopping = True

    @staticmethod
    def _wait(fd: int, timeout: float) -> None:
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
        except InterruptedError:  # pragma: no cover - PEP 475 retries select; kept for safety
            return
        if ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(fd, 512):
                    pass

    def _next_timeout(self) -> float:
        if not self._due:
            return 1.0
        return max(0.0, min(when for when, _ in self._due) - time.monotonic())

    def _spawn(self, index: int, *pipe: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                signal.set_wakeup_fd(-1)
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
                    signal.signal(signum, signal.SIG_DFL)
                for fd in pipe:
                    os.close(fd)
                run_worker(self.settings, self.sockets, parent=self._pid)
            except BaseException:  # noqa: BLE001 - whatever ends a worker is reported, then it exits
                traceback.print_exc()
                code = 1
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        self.workers[pid] = _Worker(index, time.monotonic())

    def _reap(self) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.pop(pid, None)
            if worker is None or self._stopping:
                continue
            lived = time.monotonic() - worker.started
            self._quick_deaths = self._quick_deaths + 1 if lived < STARTED_AFTER else 0
            delay = min(MAX_RESTART_DELAY, 0.5 * 2 ** (self._quick_deaths - 1)) if self._quick_deaths else 0.0
            logger.warning("g4f api: worker %d (pid %d) %s after %.0f s; starting another%s", worker.index + 1,
                           pid, _describe(status), lived, f" in {delay:g} s" if delay else "")
            self._due.append((time.monotonic() + delay, worker.index))

    def _start_due(self, *pipe: int) -> None:
        now = time.monotonic()
        for item in [item for item in self._due if item[0] <= now]:
            self._due.remove(item)
            if not self._stopping:
                self._spawn(item[1], *pipe)
                self.restarts += 1

    def _stop_all(self, wake_read: int) -> None:
        for pid in list(self.workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_timeout + KILL_MARGIN
        while self.workers and time.monotonic() < deadline:
            self._wait(wake_read, 0.1)
            self._reap()
        for pid in list(self.workers):
            logger.warning("g4f api: worker pid %d did not stop in time; killing it", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self.workers.pop(pid, None)
