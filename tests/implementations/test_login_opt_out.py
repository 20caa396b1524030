"""``login=False``: a provider with a login never starts a browser (or any process) for the call.

The browser here is a stand-in executable that records that it was started and exits: the
control cases (``login=True``) show it does start when a login is allowed, so its absence under
``login=False`` means something.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from g4f.auth.cache import AuthCache
from g4f.errors import MissingAuthError, MissingRequirementsError
from g4f.Provider.needs_auth.Grok import Grok
from g4f.providers.base_provider import AsyncAuthedProvider
from g4f.providers.response import AuthResult, RequestLogin
from tests.replicas.grok import GrokReplica, serve_grok

HELLO = [{"role": "user", "content": "Hello Grok"}]


@pytest.fixture
def browser_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A "browser" that touches the returned path when it is started (then exits at once)."""
    marker = tmp_path / "browser-was-started"
    executable = tmp_path / "chromium"
    executable.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 3\n")
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("G4F_BROWSER_PATH", str(executable))
    return marker


@pytest.fixture
def browser_store_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records reads of the user's browser cookie store (browser_cookie3), which finds nothing."""
    import g4f.cookies

    reads: list[str] = []

    def load_cookies_from_browsers(domain: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        reads.append(domain)
        return {}

    monkeypatch.setattr(g4f.cookies, "load_cookies_from_browsers", load_cookies_from_browsers)
    return reads


@pytest.fixture
async def grok(serve, monkeypatch) -> GrokReplica:
    return await serve_grok(serve, monkeypatch)


async def collect(stream) -> list:
    return [item async for item in stream]


def test_the_capability_is_declared():
    assert Grok.supports_login is True and AsyncAuthedProvider.supports_login is True
    from g4f.Provider.needs_auth.Groq import Groq

    assert getattr(Groq, "supports_login", False) is False  # nothing to turn off: never passed login=


async def test_control_with_login_allowed_the_browser_starts(grok, browser_started, browser_store_reads):
    with pytest.raises(MissingRequirementsError, match="exited at start-up"):
        await collect(Grok.create_async_generator("grok-3", HELLO))
    assert browser_started.exists() and browser_store_reads == [".grok.com"]


async def test_without_credentials_login_false_is_missing_auth_and_starts_nothing(
        grok, browser_started, browser_store_reads):
    received: list = []
    with pytest.raises(MissingAuthError) as info:
        async for item in Grok.create_async_generator("grok-3", HELLO, login=False):
            received.append(item)

    assert not browser_started.exists()
    assert browser_store_reads == []  # nor is the browser's cookie store read (keychain prompts, helpers)
    assert not [item for item in received if isinstance(item, RequestLogin)]
    assert "run `g4f login grok` on the machine g4f runs on" in str(info.value)
    assert "login=" not in str(info.value) and "cookies=" not in str(info.value)  # a command, not Python
    assert grok.requests == []


async def test_login_false_still_uses_cookie_files_and_the_cache(grok, isolated_config, browser_started):
    from g4f.config import write_private_file

    write_private_file(isolated_config / "cookies" / "grok.json",
                       f'[{{"domain": ".grok.com", "name": "sso", "value": "{grok.sso}"}}]')
    assert await Grok.create_async("grok-3", HELLO, login=False) == "You said: Hello Grok."
    (isolated_config / "cookies" / "grok.json").unlink()
    assert await Grok.create_async("grok-3", HELLO, login=False) == "You said: Hello Grok."  # the cache
    assert not browser_started.exists()


async def test_rejected_cache_with_login_false_does_not_log_in_again(grok, browser_started):
    AuthCache("Grok").save(AuthResult(cookies={"sso": "sso-expired-session-000"}, impersonate="chrome"))

    with pytest.raises(MissingAuthError, match="g4f login grok"):
        await Grok.create_async("grok-3", HELLO, login=False)
    assert not browser_started.exists()
    assert [r.cookies["sso"] for r in grok.requests] == ["sso-expired-session-000"]
    assert not AuthCache("Grok").exists()  # rejected credentials are not kept


# -- providers that ignore login= are stopped by the base ---------------------------------------------
class AsksForLogin(AsyncAuthedProvider):
    """A third-party provider in gpt4free's style: it knows nothing of ``login=``."""

    working = True
    url = "http://127.0.0.1:9"

    @classmethod
    async def on_auth_async(cls, **kwargs: Any):
        yield RequestLogin(cls.__name__, "")
        from g4f.auth.nodriver import browser_login

        login = await browser_login(cls.url, "session", timeout=5)
        yield AuthResult(cookies=login.cookies)

    @classmethod
    async def create_authed(cls, model, messages, auth_result, **kwargs: Any):
        yield "answered"


class OpensABrowserSilently(AsksForLogin):
    """Starts a browser without announcing it (no RequestLogin)."""

    @classmethod
    async def on_auth_async(cls, **kwargs: Any):
        from g4f.auth.nodriver import browser_login

        login = await browser_login(cls.url, "session", timeout=5)
        yield AuthResult(cookies=login.cookies)


@pytest.mark.parametrize("provider", [AsksForLogin, OpensABrowserSilently], ids=lambda p: p.__name__)
async def test_control_a_provider_that_logs_in_starts_a_browser(provider, browser_started):
    with pytest.raises(MissingRequirementsError):
        await provider.create_async("", HELLO)
    assert browser_started.exists()


@pytest.mark.parametrize("provider", [AsksForLogin, OpensABrowserSilently], ids=lambda p: p.__name__)
async def test_login_false_stops_a_provider_that_ignores_it(provider, browser_started):
    with pytest.raises(MissingAuthError, match=f"g4f login {provider.__name__.lower()}"):
        await provider.create_async("", HELLO, login=False)
    assert not browser_started.exists()


async def test_the_refusal_ends_with_the_call(browser_started):
    with pytest.raises(MissingAuthError):
        await OpensABrowserSilently.create_async("", HELLO, login=False)
    # the same task may start a browser again once that call is over
    with pytest.raises(MissingRequirementsError):
        await OpensABrowserSilently.create_async("", HELLO)
    assert browser_started.exists()
