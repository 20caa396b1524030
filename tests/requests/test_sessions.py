"""The shared aiohttp session: one per event loop, reused across requests, closed with its loop
(asyncio.run, the sync API) or by ``await g4f.aclose()``, never left for the garbage collector."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from aiohttp import web

import g4f
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.requests import get_session, raise_for_status
from g4f.testing.server import LocalServer

ROOT = Path(__file__).parents[2]


def peer_app(peers: list) -> web.Application:
    """Answers with a word and records the client's port: one port means one reused connection."""

    async def handler(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1] if request.transport else None)
        return web.Response(text="pong")

    app = web.Application()
    app.router.add_route("*", "/", handler)
    return app


@contextmanager
def threaded_server(app: web.Application) -> Iterator[str]:
    """Serve ``app`` from its own thread and loop, so sync code in this thread can call it."""
    loop = asyncio.new_event_loop()
    server = LocalServer(app)
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(server.close())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield server.url
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


async def test_one_session_per_loop_reused_across_requests(serve):
    peers: list = []
    server = await serve(peer_app(peers))
    first = await get_session()
    for _ in range(5):
        session = await get_session()
        assert session is first
        async with session.get(server.url) as response:
            assert await response.text() == "pong"
    assert len(peers) == 5 and len(set(peers)) == 1  # one kept-alive connection served all five


async def test_each_loop_has_its_own_session():
    here = await get_session()
    elsewhere: list = []

    def in_other_thread() -> None:
        async def main():
            elsewhere.append(await get_session())

        asyncio.run(main())

    await asyncio.to_thread(in_other_thread)
    assert elsewhere[0] is not here
    assert elsewhere[0].closed  # closed when its asyncio.run ended
    assert not here.closed


async def test_aclose_closes_the_session_and_a_new_one_follows(serve):
    server = await serve(peer_app([]))
    session = await get_session()
    async with session.get(server.url) as response:
        await response.read()
    await g4f.aclose()
    assert session.closed
    fresh = await get_session()
    assert fresh is not session and not fresh.closed
    async with fresh.get(server.url) as response:
        assert await response.text() == "pong"
    await g4f.aclose()
    await g4f.aclose()  # closing twice is harmless


def test_session_is_closed_when_asyncio_run_ends_without_resource_warning():
    script = textwrap.dedent("""
        import asyncio, gc, sys
        from aiohttp import web
        from g4f.requests import get_session
        from g4f.testing.server import LocalServer

        sessions = []

        async def pong(request):
            return web.Response(text="pong")

        async def main():
            app = web.Application()
            app.router.add_get("/", pong)
            async with LocalServer(app) as server:
                session = await get_session()
                sessions.append(session)
                async with session.get(server.url) as response:
                    assert await response.text() == "pong"

        asyncio.run(main())
        assert sessions[0].closed, "the session outlived its loop"
        del sessions[:]
        gc.collect()
        print("ok")
    """)
    # -W error turns ResourceWarning (ignored by default) into an error; raised in __del__, it is
    # printed as "Exception ignored ... Unclosed client session".
    result = subprocess.run([sys.executable, "-W", "error", "-c", script], cwd=ROOT, check=False,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    for sign in ("Unclosed", "ResourceWarning", "Exception ignored"):
        assert sign not in result.stderr, result.stderr


class Pinger(AsyncGeneratorProvider):
    """Ten lines of user code: one request through g4f's shared session."""

    working = True
    url = ""
    sessions: ClassVar[list] = []

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        session = await get_session()
        cls.sessions.append(session)
        async with session.get(cls.url) as response:
            await raise_for_status(response, provider=cls.__name__)
            yield await response.text()


def test_sync_api_closes_its_loops_session(monkeypatch):
    monkeypatch.setattr(Pinger, "sessions", [])
    with threaded_server(peer_app([])) as url:
        monkeypatch.setattr(Pinger, "url", url)
        assert g4f.ChatCompletion.create("", [{"role": "user", "content": "ping"}], provider=Pinger) == "pong"
        assert Pinger.sessions[-1].closed
        chunks = list(g4f.ChatCompletion.create("", [{"role": "user", "content": "ping"}], provider=Pinger,
                                                stream=True))
        assert [chunk for chunk in chunks if isinstance(chunk, str)] == ["pong"]
        assert Pinger.sessions[-1].closed
        stream = g4f.ChatCompletion.create("", [{"role": "user", "content": "ping"}], provider=Pinger, stream=True)
        next(stream)
        stream.close()  # stopped early: the loop and its session are closed all the same
        assert Pinger.sessions[-1].closed
    assert len(Pinger.sessions) == 3


def test_sync_api_leaves_no_session_behind():
    from g4f.requests import aiohttp_session

    with threaded_server(peer_app([])) as url:
        Pinger.url = url
        for _ in range(3):
            g4f.ChatCompletion.create("", [{"role": "user", "content": "ping"}], provider=Pinger)
    # Finished loops are forgotten: the sync API must not pile up one loop per call.
    assert len(aiohttp_session._sessions) == 0
