"""AsyncAuthedProvider: credentials cached privately, reused across calls and processes, refreshed
exactly once when the upstream rejects them, explicit credentials first, rotated cookies kept.

The upstream is a loopback server with a login endpoint (issues a session cookie) and a chat
endpoint that answers only for the current session cookie and may rotate it (Set-Cookie).
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from aiohttp import web

import g4f
from g4f.errors import MissingAuthError
from g4f.providers.base_provider import AsyncAuthedProvider
from g4f.providers.response import AuthResult, RequestLogin
from g4f.requests import get_session, raise_for_status

MESSAGES = [{"role": "user", "content": "hi"}]


class Upstream:
    """The replica's state: which session cookie is valid, and what happened."""

    def __init__(self) -> None:
        self.logins = 0
        self.valid: set[str] = set()
        self.seen: list[str] = []
        self.rotate = False
        self.reject_status = 401
        self.sessions_work = True

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/login", self.login)
        app.router.add_post("/chat", self.chat)
        return app

    async def login(self, request: web.Request) -> web.Response:
        self.logins += 1
        token = f"session-token-{self.logins:04d}"
        self.valid = {token} if self.sessions_work else set()
        response = web.json_response({"ok": True})
        response.set_cookie("session", token)
        return response

    async def chat(self, request: web.Request) -> web.Response:
        token = request.cookies.get("session", "")
        self.seen.append(token)
        if token not in self.valid:
            return web.json_response({"error": {"message": "session expired"}}, status=self.reject_status)
        response = web.json_response({"answer": f"hello via {token[-4:]}"})
        if self.rotate:
            rotated = f"{token}-rotated"
            self.valid = {rotated}
            response.set_cookie("session", rotated)
        return response


class WebApp(AsyncAuthedProvider):
    """A provider for the replica: logs in through /login, chats through /chat."""

    working = True
    login_url = "http://127.0.0.1/login"
    base_url = ""

    @classmethod
    async def on_auth_async(cls, cookies=None, **kwargs):
        if cookies:  # explicit credentials: no login
            yield AuthResult(cookies=cookies)
            return
        yield RequestLogin(cls.get_label(), cls.login_url)
        session = await get_session()
        async with session.post(f"{cls.base_url}/login") as response:
            await raise_for_status(response, provider=cls.get_name())
            yield AuthResult(cookies={name: morsel.value for name, morsel in response.cookies.items()})

    @classmethod
    async def create_authed(cls, model, messages, auth_result, stream=True, **kwargs):
        session = await get_session()
        async with session.post(f"{cls.base_url}/chat", cookies=auth_result.cookies) as response:
            await raise_for_status(response, provider=cls.get_name())
            auth_result.update_cookies({name: morsel.value for name, morsel in response.cookies.items()})
            yield (await response.json())["answer"]


@pytest.fixture
async def upstream(serve, monkeypatch):
    state = Upstream()
    server = await serve(state.app())
    monkeypatch.setattr(WebApp, "base_url", server.url)
    return state


def cache_file(config: Path) -> Path:
    return config / "auth" / "WebApp.json"


def cached_cookie(config: Path) -> str:
    return json.loads(cache_file(config).read_text())["cookies"]["session"]


async def test_login_once_then_reuse_the_cache(upstream, isolated_config):
    assert await g4f.ChatCompletion.create_async("m", MESSAGES, provider=WebApp) == "hello via 0001"
    assert await WebApp.create_async("m", MESSAGES) == "hello via 0001"
    assert upstream.logins == 1
    assert cached_cookie(isolated_config) == "session-token-0001"


async def test_cache_is_private(upstream, isolated_config):
    await WebApp.create_async("m", MESSAGES)
    path = cache_file(isolated_config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(isolated_config.stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


async def test_request_login_is_streamed_but_not_in_the_answer(upstream):
    chunks = [chunk async for chunk in WebApp.create_async_generator("m", MESSAGES)]
    assert isinstance(chunks[0], RequestLogin) and chunks[0].login_url == WebApp.login_url
    assert chunks[1:] == ["hello via 0001"]
    chunks = [chunk async for chunk in WebApp.create_async_generator("m", MESSAGES)]
    assert chunks == ["hello via 0001"]  # cached: no login this time


async def test_a_new_process_reuses_the_cache(upstream, isolated_config):
    await WebApp.create_async("m", MESSAGES)
    script = (
        "import sys, g4f\n"
        "from tests.providers.test_authed_provider import WebApp\n"
        "WebApp.base_url = sys.argv[1]\n"
        "print(g4f.ChatCompletion.create('m', [{'role': 'user', 'content': 'hi'}], provider=WebApp))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, WebApp.base_url,
        cwd=Path(__file__).parents[2], env={**os.environ, "G4F_CONFIG_DIR": str(isolated_config)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().strip() == "hello via 0001"
    assert upstream.logins == 1
    assert upstream.seen == ["session-token-0001", "session-token-0001"]


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_cache_is_refreshed_exactly_once(upstream, isolated_config, status):
    upstream.reject_status = status
    await WebApp.create_async("m", MESSAGES)
    upstream.valid = set()  # the upstream expires the session
    chunks = [chunk async for chunk in WebApp.create_async_generator("m", MESSAGES)]
    assert chunks[-1] == "hello via 0002"
    assert any(isinstance(chunk, RequestLogin) for chunk in chunks)
    assert upstream.logins == 2
    assert upstream.seen == ["session-token-0001", "session-token-0001", "session-token-0002"]
    assert cached_cookie(isolated_config) == "session-token-0002"


async def test_refreshed_login_rejected_too_raises_without_looping(upstream, isolated_config):
    await WebApp.create_async("m", MESSAGES)
    upstream.valid = set()
    upstream.sessions_work = False  # from now on the upstream issues sessions it then refuses
    with pytest.raises(MissingAuthError, match=r"^WebApp: HTTP 401"):
        await WebApp.create_async("m", MESSAGES)
    assert upstream.logins == 2  # one refresh, then the error: never a login loop
    assert upstream.seen == ["session-token-0001", "session-token-0001", "session-token-0002"]
    assert not cache_file(isolated_config).exists()  # rejected credentials are not kept


async def test_fresh_login_rejected_is_not_retried(upstream, isolated_config):
    upstream.sessions_work = False
    with pytest.raises(MissingAuthError, match=r"^WebApp: HTTP 401"):
        await WebApp.create_async("m", MESSAGES)
    assert upstream.logins == 1  # credentials just obtained are bad: logging in again won't help
    assert upstream.seen == ["session-token-0001"]
    assert not cache_file(isolated_config).exists()


async def test_explicit_credentials_win_and_are_not_cached(upstream, isolated_config):
    await WebApp.create_async("m", MESSAGES)  # cache holds session 0001
    upstream.valid.add("explicit-session-value")
    answer = await WebApp.create_async("m", MESSAGES, cookies={"session": "explicit-session-value"})
    assert answer == "hello via alue"
    assert upstream.seen[-1] == "explicit-session-value"
    assert upstream.logins == 1
    assert cached_cookie(isolated_config) == "session-token-0001"


async def test_rejected_explicit_credentials_raise_without_login(upstream, isolated_config):
    with pytest.raises(MissingAuthError, match="WebApp: HTTP 401"):
        await WebApp.create_async("m", MESSAGES, cookies={"session": "wrong-session-value"})
    assert upstream.logins == 0
    assert not cache_file(isolated_config).exists()


async def test_rotated_cookies_are_saved_back(upstream, isolated_config):
    upstream.rotate = True
    assert await WebApp.create_async("m", MESSAGES) == "hello via 0001"
    assert cached_cookie(isolated_config) == "session-token-0001-rotated"
    # The next call must use the rotated cookie: the upstream no longer accepts the old one.
    assert await WebApp.create_async("m", MESSAGES) == "hello via ated"
    assert upstream.seen == ["session-token-0001", "session-token-0001-rotated"]
    assert cached_cookie(isolated_config) == "session-token-0001-rotated-rotated"
    assert upstream.logins == 1


async def test_cookie_values_never_in_errors(upstream, isolated_config):
    await WebApp.create_async("m", MESSAGES)
    upstream.valid = set()
    upstream.reject_status = 403

    class Leaky(WebApp):
        @classmethod
        async def create_authed(cls, model, messages, auth_result, stream=True, **kwargs):
            raise MissingAuthError(f"rejected cookie {auth_result.cookies['session']}", provider="Leaky")
            yield  # pragma: no cover

    with pytest.raises(MissingAuthError) as caught:
        await Leaky.create_async("m", MESSAGES)
    assert "session-token" not in str(caught.value)


async def test_rotated_cookies_are_kept_when_the_answer_fails(upstream, isolated_config):
    from g4f.errors import ResponseError

    class CutShort(WebApp):
        @classmethod
        async def create_authed(cls, model, messages, auth_result, stream=True, **kwargs):
            async for chunk in super().create_authed(model, messages, auth_result, stream=stream, **kwargs):
                yield chunk
            raise ResponseError("the stream was cut short", provider="CutShort")

    upstream.rotate = True
    with pytest.raises(ResponseError):
        await CutShort.create_async("m", MESSAGES)
    saved = json.loads((isolated_config / "auth" / "CutShort.json").read_text())
    assert saved["cookies"]["session"] == "session-token-0001-rotated"


async def test_unreadable_cache_means_a_new_login(upstream, isolated_config):
    await WebApp.create_async("m", MESSAGES)
    cache_file(isolated_config).write_text("{not json")
    assert await WebApp.create_async("m", MESSAGES) == "hello via 0002"
    assert upstream.logins == 2
    assert cached_cookie(isolated_config) == "session-token-0002"


async def test_cache_readable_by_others_is_made_private_again(upstream, isolated_config, caplog):
    await WebApp.create_async("m", MESSAGES)
    path = cache_file(isolated_config)
    path.chmod(0o644)
    assert await WebApp.create_async("m", MESSAGES) == "hello via 0001"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "readable by other users" in caplog.text
    assert "session-token" not in caplog.text
