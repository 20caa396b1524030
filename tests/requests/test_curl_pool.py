"""curl_cffi sessions pooled per event loop and settings: connections reused, cookies never shared
between requests (or users), and the pool closed with its loop or by ``await g4f.aclose()``."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiohttp import web

import g4f
from g4f.errors import TimeoutError
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.requests import curl
from g4f.requests.curl import StreamSession, get_curl_session

ROOT = Path(__file__).parents[2]


class CookieServer:
    """Echoes the ``Cookie`` header it received, records the client's port, and sets a cookie
    naming the request's user (what a web app's session refresh does)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[tuple[str | None, str | None, int | None]] = []  # (user, Cookie header, peer port)
        self.delay = delay

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{user}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.seen.append((user, request.headers.get("Cookie"), peer[1] if peer else None))
        if self.delay:
            await asyncio.sleep(self.delay)  # keeps concurrent requests in flight together
        response = web.Response(text=request.headers.get("Cookie") or "")
        response.set_cookie("session", f"rotated-for-{user}", path="/")
        return response


async def fetch(session: StreamSession, url: str, **kwargs: Any) -> str:
    async with session.get(url, **kwargs) as response:
        return await response.text()


def pooled_jars() -> list[dict[str, str]]:
    """The cookie jars of the running loop's pooled sessions (they must stay empty)."""
    pool = curl._pools.get(asyncio.get_running_loop())
    return [dict(session.cookies) for session in pool.sessions.values()] if pool else []


@pytest.fixture
async def cookie_server(serve):
    server = CookieServer()
    running = await serve(server.app())
    server.url = running.url  # type: ignore[attr-defined]
    return server


# -- one session per loop and settings -----------------------------------------------------------
async def test_one_pooled_session_per_loop_and_settings():
    first = await get_curl_session("chrome", None, True)
    assert await get_curl_session("chrome", None, True) is first
    others = {id(await get_curl_session(*key)) for key in
              [("chrome", "http://127.0.0.1:9", True), ("chrome", None, False), ("safari", None, True), (None, None, True)]}
    assert len(others) == 4 and id(first) not in others
    assert first.discard_cookies is True and not first.cookies


async def test_each_loop_has_its_own_pool():
    here = await get_curl_session()
    elsewhere: list[Any] = []

    def in_other_thread() -> None:
        async def main() -> None:
            elsewhere.append(await get_curl_session())

        asyncio.run(main())

    await asyncio.to_thread(in_other_thread)
    assert elsewhere[0] is not here
    assert elsewhere[0]._closed and not here._closed  # closed when its asyncio.run ended


async def test_requests_of_many_views_reuse_one_connection(cookie_server):
    for user in ("alice", "bob", "alice"):
        assert await fetch(StreamSession(cookies={"user": user}), f"{cookie_server.url}/{user}") == f"user={user}"
    ports = {port for _, _, port in cookie_server.seen}
    assert len(cookie_server.seen) == 3 and len(ports) == 1


# -- cookies never cross requests ----------------------------------------------------------------
async def test_cookies_never_cross_requests_in_sequence(cookie_server):
    alice, bob, nobody = StreamSession(cookies={"user": "alice"}), StreamSession(cookies={"user": "bob"}), StreamSession()

    await fetch(alice, f"{cookie_server.url}/alice")
    await fetch(bob, f"{cookie_server.url}/bob")  # on the connection alice used, after alice's Set-Cookie
    await fetch(nobody, f"{cookie_server.url}/nobody")

    assert cookie_server.seen[0][:2] == ("alice", "user=alice")
    assert cookie_server.seen[1][:2] == ("bob", "user=bob")  # no session=rotated-for-alice
    assert cookie_server.seen[2][:2] == ("nobody", None)  # no cookie at all
    assert len({port for _, _, port in cookie_server.seen}) == 1  # the same pooled connection
    assert pooled_jars() == [{}]  # Set-Cookie never reached the shared session
    # each view keeps what the server set for it, as a browser profile would
    assert alice.cookies == {"user": "alice", "session": "rotated-for-alice"}
    assert bob.cookies == {"user": "bob", "session": "rotated-for-bob"}


async def test_cookies_never_cross_concurrent_requests(cookie_server):
    cookie_server.delay = 0.05
    users = [f"user{index}" for index in range(16)]
    views = {user: StreamSession(cookies={"user": user, "secret": f"secret-of-{user}"}) for user in users}

    answers = await asyncio.gather(*(fetch(views[user], f"{cookie_server.url}/{user}") for user in users * 2))

    assert len(cookie_server.seen) == 32
    for user, header, _ in cookie_server.seen:
        assert sorted(header.split("; ")) == [f"secret=secret-of-{user}", f"user={user}"], (user, header)
    assert all("rotated" not in answer for answer in answers)
    assert pooled_jars() == [{}]


async def test_a_view_sends_its_cookies_again_and_a_request_adds_its_own(cookie_server):
    alice = StreamSession(cookies={"user": "alice"})
    await fetch(alice, f"{cookie_server.url}/alice")
    sent = await fetch(alice, f"{cookie_server.url}/alice", cookies={"extra": "1"})
    assert sorted(sent.split("; ")) == ["extra=1", "session=rotated-for-alice", "user=alice"]
    assert "extra" not in alice.cookies  # a request's own cookies are not kept in the view


# -- closing --------------------------------------------------------------------------------------
async def test_aclose_closes_the_pool_and_a_new_one_follows(cookie_server):
    session = await get_curl_session()
    await fetch(StreamSession(), f"{cookie_server.url}/a")
    await g4f.aclose()
    assert session._closed and asyncio.get_running_loop() not in curl._pools
    await fetch(StreamSession(), f"{cookie_server.url}/b")
    assert (await get_curl_session()) is not session
    await g4f.aclose()
    await g4f.aclose()  # closing twice is harmless
    ports = [port for _, _, port in cookie_server.seen]
    assert ports[0] != ports[1]  # the first connection was closed with its pool


def test_pool_is_closed_when_asyncio_run_ends_without_resource_warning():
    script = textwrap.dedent("""
        import asyncio, gc
        from aiohttp import web
        from g4f.requests import curl
        from g4f.requests.curl import StreamSession, get_curl_session
        from g4f.testing.server import LocalServer

        sessions = []

        async def pong(request):
            return web.Response(text="pong")

        async def main():
            app = web.Application()
            app.router.add_get("/", pong)
            async with LocalServer(app) as server:
                sessions.append(await get_curl_session())
                for _ in range(2):
                    async with StreamSession().get(server.url) as response:
                        assert await response.text() == "pong"

        asyncio.run(main())
        assert sessions[0]._closed, "the pooled session outlived its loop"
        assert not curl._pools, "the finished loop's pool is still kept"
        del sessions[:]
        gc.collect()
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-W", "error", "-X", "dev", "-c", script], cwd=ROOT, check=False,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    for sign in ("Unclosed", "ResourceWarning", "Exception ignored", "Task was destroyed"):
        assert sign not in result.stderr, result.stderr


class Fetcher(AsyncGeneratorProvider):
    """User code on StreamSession, through the sync API (a private loop per call)."""

    working = True
    url = ""
    sessions: ClassVar[list[Any]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        cls.sessions.append(await get_curl_session())
        async with StreamSession(cookies={"user": "sync"}).get(f"{cls.url}/sync") as response:
            yield await response.text()


def test_sync_api_closes_each_loops_pool(monkeypatch):
    from tests.requests.test_sessions import threaded_server

    server = CookieServer()
    monkeypatch.setattr(Fetcher, "sessions", [])
    with threaded_server(server.app()) as url:
        monkeypatch.setattr(Fetcher, "url", url)
        for _ in range(3):
            assert g4f.ChatCompletion.create("", [{"role": "user", "content": "hi"}], provider=Fetcher) == "user=sync"
    assert all(session._closed for session in Fetcher.sessions) and len(Fetcher.sessions) == 3
    assert len(curl._pools) == 0  # finished loops are forgotten


# -- timeouts -------------------------------------------------------------------------------------
async def test_total_timeout_bounds_the_whole_request(serve):
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(50):  # a byte every 0.1 s: never a stall, never an end
            await response.write(b".")
            await asyncio.sleep(0.1)
        return response

    app = web.Application()
    app.router.add_get("/", trickle)
    server = await serve(app)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError, match="took longer than its 0.6s timeout") as info:
        async with StreamSession(timeout=2, total_timeout=0.6, provider="P").get(server.url) as response:
            async for _ in response.iter_bytes():
                pass
    assert 0.5 < loop.time() - started < 2 and info.value.provider == "P"
