"""The browser tests' machinery: the servers' event loop, the API server as ``g4f api`` runs it,
one test's servers (:class:`Chat`) and where Chromium is."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from g4f.testing.server import LocalServer

from ..replicas.grok import GrokReplica
from ..replicas.groq import GroqReplica

T = TypeVar("T")

#: Chromium's switches for tests: headless, and no traffic of its own (updates, sync, QUIC
#: probes) that would show up among the page's requests.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Bounded waits: every wait for the page gives up after this many milliseconds.
WAIT_MS = 10_000


def find_chromium() -> str | None:
    """``$G4F_TEST_CHROMIUM`` (``none``: no browser tests), else Debian's ``/usr/bin/chromium``,
    else one on ``PATH``."""
    chosen = os.environ.get("G4F_TEST_CHROMIUM")
    if chosen is not None and chosen.lower() in ("", "none", "0"):
        return None
    candidates = [chosen, "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


class Background:
    """An event loop in a thread: the servers live there; ``run`` waits for a coroutine."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="gui-test-servers", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        from g4f.requests import aclose

        self.run(aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class ApiServer(LocalServer):
    """The API application as ``g4f api`` runs it: a client that goes away cancels its request
    (``handler_cancellation``), which is what closes the upstream when the page stops."""

    async def start(self) -> ApiServer:
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None, shutdown_timeout=1.0,
                                     handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self


@dataclass
class Chat:
    """One test's servers: the API (``url``, the page's address) and the replicas behind it."""

    url: str
    groq: GroqReplica
    grok: GrokReplica
    #: Where the grok.com replica is (Grok's ``url``; its images are under ``/assets``).
    grok_url: str
    background: Background
    closers: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self.background.run(coroutine, timeout)

    @property
    def grok_assets(self) -> str:
        return f"{self.grok_url}/assets/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"
