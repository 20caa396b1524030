"""An API request never starts a browser or any process (issue 14, point 2).

The attack: a Grok request without cookies, sent to ``g4f api`` by anyone who can reach it, made
the server launch a browser login (``browser_login``) on the server's machine. The browser here
is a stand-in executable that records that it was started: the control (the Python API, where the
login stays on) shows it does start, so its absence behind the server means something.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from g4f.errors import MissingRequirementsError
from g4f.Provider.needs_auth.Grok import Grok
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
def no_browser_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    import g4f.cookies

    monkeypatch.setattr(g4f.cookies, "load_cookies_from_browsers", lambda *args, **kwargs: {})


@pytest.fixture
async def grok(serve, monkeypatch) -> GrokReplica:
    return await serve_grok(serve, monkeypatch, GrokReplica())


async def test_control_the_python_api_still_logs_in(grok, browser_started, no_browser_cookies, isolated_config):
    with pytest.raises(MissingRequirementsError):
        await Grok.create_async("grok-3", HELLO)
    assert browser_started.exists()


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses", "/v1/messages"])
async def test_an_anonymous_grok_request_is_a_401_and_starts_nothing(
        grok, serve, browser_started, no_browser_cookies, isolated_config, path):
    import aiohttp

    from g4f.api import create_app

    server = await serve(create_app())
    body = ({"model": "grok-3", "input": "Hello Grok", "provider": "Grok"} if path == "/v1/responses" else
            {"model": "grok-3", "messages": HELLO, "provider": "Grok", "max_tokens": 64})
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}{path}", json=body) as response:
        status, text = response.status, await response.text()
    assert status == 401, text
    assert "g4f login grok" in text
    assert not browser_started.exists()
    assert grok.requests == []  # nothing was sent to grok.com either
