"""``LocalServer``: run an aiohttp application on 127.0.0.1 (random port) for the length of a test.

Replicas of upstream services are ordinary aiohttp apps; a provider is pointed at
``server.url`` through its base URL only, and never knows it is not talking to the real service.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["LocalServer"]


class LocalServer:
    """An aiohttp app served on loopback.

    >>> async with LocalServer(app) as server:
    ...     base_url = server.url  # "http://127.0.0.1:<port>"
    """

    def __init__(self, app: web.Application, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> Self:
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)  # an asyncio.Server once started
        if not sockets:
            raise RuntimeError(f"the server did not bind {self.host}:{self.port}")
        self.port = sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
