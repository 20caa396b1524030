"""Browser login with a real Chromium driven by nodriver, against the grok.com replica's login page."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest

from g4f.auth.nodriver import browser_flags, browser_login, find_browser
from g4f.errors import MissingAuthError, MissingRequirementsError
from g4f.Provider.needs_auth.Grok import Grok
from g4f.providers.response import AuthResult, RequestLogin
from tests.chromium import needs_chromium
from tests.replicas.grok import LOGIN_PASSWORD, LOGIN_USER, GrokReplica, serve_grok

pytestmark = [
    pytest.mark.browser,
    needs_chromium(),  # skipped where no Chromium is found, never in CI
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="watches the browser's processes in /proc (Linux)"),
]


def processes_using(profile: str) -> list[int]:
    """Live processes whose command line names the browser profile folder."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            except OSError:
                continue
            if profile in cmdline and state != "Z":
                pids.append(int(entry.name))
    return pids


class FormFiller:
    """A login callback that types the credentials into the page and submits the form."""

    def __init__(self, submit: bool = True) -> None:
        self.submit = submit
        self.profile: str | None = None
        self.browser_pids: list[int] = []

    async def __call__(self, tab) -> None:
        self.profile = tab.browser.config.user_data_dir
        self.browser_pids = processes_using(self.profile)
        if not self.submit:
            return
        email = await tab.select("#email")
        await email.send_keys(LOGIN_USER)
        password = await tab.select("#password")
        await password.send_keys(LOGIN_PASSWORD)
        button = await tab.select("#sign-in")
        await button.click()


@pytest.fixture
async def grok(serve, monkeypatch, tmp_path) -> GrokReplica:
    monkeypatch.setenv("HOME", str(tmp_path))  # no real browser cookie store may answer for grok.com
    return await serve_grok(serve, monkeypatch, GrokReplica(valid_sso=set()))


def assert_browser_gone(filler: FormFiller) -> None:
    assert filler.profile and filler.browser_pids, "the callback saw the running browser"
    assert processes_using(filler.profile) == []
    assert not Path(filler.profile).exists()
    for pid in filler.browser_pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


async def test_grok_logs_in_with_the_browser_and_chats(grok, monkeypatch, capsys):
    monkeypatch.setenv("G4F_LOGIN_URL", "http://127.0.0.1:1/login-help")
    filler = FormFiller()

    items = [item async for item in Grok.on_auth_async(login_callback=filler, login_timeout=60)]

    assert isinstance(items[0], RequestLogin)
    assert items[0].label == "Grok AI" and items[0].login_url == "http://127.0.0.1:1/login-help"
    auth = items[-1]
    assert isinstance(auth, AuthResult)
    assert auth.cookies["sso"] in grok.valid_sso and grok.logins == 1
    assert "sso-rw" in auth.cookies
    assert auth.impersonate == "chrome"
    user_agent = auth.headers["user-agent"]
    assert user_agent.startswith("Mozilla/5.0") and "Chrome/" in user_agent and "Headless" not in user_agent
    assert auth.cookies["sso"] not in repr(auth)
    assert "Logged in to Grok AI." in capsys.readouterr().err
    assert_browser_gone(filler)

    # The cookies the browser received work for the chat API.
    answer = await Grok.create_async("grok-3", [{"role": "user", "content": "hi"}], cookies=auth.cookies)
    assert answer == "You said: hi."


async def test_whole_flow_logs_in_then_caches(grok):
    filler = FormFiller()
    answer = await Grok.create_async("grok-3", [{"role": "user", "content": "hi"}],
                                     login_callback=filler, login_timeout=60)

    assert answer == "You said: hi." and grok.logins == 1
    assert_browser_gone(filler)
    # The second call uses the cached login: no browser.
    assert await Grok.create_async("grok-3", [{"role": "user", "content": "again"}]) == "You said: again."
    assert grok.logins == 1


async def test_page_can_log_itself_in(grok):
    progress = io.StringIO()
    login = await browser_login(f"{Grok.url}/?autologin=1", "sso", label="replica", timeout=60,
                                progress=progress)

    assert login.cookies["sso"] in grok.valid_sso
    assert login.cookies["sso"] not in repr(login)
    assert "Logged in to replica." in progress.getvalue()


async def test_a_page_that_keeps_navigating_while_the_login_starts(grok, serve):
    """A login that passes through pages which navigate right after they load (redirects, a
    form that submits itself) ends logged in, with the browser's user agent (as a regular
    browser's). Reading that user agent from the page raced such a navigation ("Inspected target
    navigated or closed", once in a full run of the docs' `g4f login grok`); it comes from the
    browser now. The race itself is too narrow to reproduce on demand: this checks the flow."""
    from aiohttp import web

    async def hop(request: web.Request) -> web.Response:
        step = int(request.query.get("n", "0"))
        target = f"/hop?n={step + 1}" if step < 40 else f"{Grok.url}/?autologin=1"
        page = f"<script>addEventListener('load', () => setTimeout(() => location.replace({target!r}), 2))</script>"
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/hop", hop)
    server = await serve(app)
    login = await browser_login(f"{server.url}/hop", "sso", timeout=60, progress=None)
    assert login.cookies["sso"] in grok.valid_sso
    assert login.user_agent and "Headless" not in login.user_agent


async def test_login_timeout_closes_the_browser(grok):
    filler = FormFiller(submit=False)
    progress = io.StringIO()
    with pytest.raises(MissingAuthError, match="no login within 2s"):
        await browser_login(Grok.url, "sso", timeout=2, callback=filler, progress=progress, poll_interval=0.2)

    assert "Waiting for you to log in" in progress.getvalue()
    assert "gave up after 2s" in progress.getvalue()
    assert_browser_gone(filler)


async def test_failing_callback_is_raised_and_closes_the_browser(grok):
    filler = FormFiller(submit=False)

    async def broken(tab) -> None:
        await filler(tab)
        raise RuntimeError("the form changed")

    with pytest.raises(RuntimeError, match="the form changed"):
        await browser_login(Grok.url, "sso", timeout=30, callback=broken, progress=None, poll_interval=0.2)
    assert_browser_gone(filler)


def test_flags():
    flags = browser_flags("/tmp/profile", headless=True, proxy="http://127.0.0.1:3128")
    for flag in ("--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--user-data-dir=/tmp/profile",
                 "--headless=new", "--proxy-server=http://127.0.0.1:3128"):
        assert flag in flags
    assert ("--no-sandbox" in flags) == (os.geteuid() == 0)
    assert "--headless=new" not in browser_flags("/tmp/profile", headless=False)


def test_missing_browser_is_a_requirements_error(tmp_path):
    with pytest.raises(MissingRequirementsError, match="no browser executable"):
        find_browser(tmp_path / "no-such-chromium")


async def test_cancelled_login_closes_the_browser(grok):
    filler = FormFiller(submit=False)
    seen = asyncio.Event()

    async def callback(tab) -> None:
        await filler(tab)
        seen.set()

    task = asyncio.ensure_future(browser_login(Grok.url, "sso", timeout=60, callback=callback, progress=None))
    await asyncio.wait_for(seen.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_browser_gone(filler)


@pytest.mark.parametrize("env, display, expected", [
    ({"G4F_HEADLESS": "0"}, None, False), ({"G4F_HEADLESS": "1"}, ":0", True),
    ({}, None, True), ({}, ":0", False),
])
def test_headless_default(monkeypatch, env, display, expected):
    from g4f.auth.nodriver import _headless_default

    monkeypatch.delenv("G4F_HEADLESS", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if display:
        monkeypatch.setenv("DISPLAY", display)
    assert _headless_default() is expected


async def test_missing_nodriver_names_the_extra(grok, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "nodriver", None)  # as if not installed
    items = []
    with pytest.raises(MissingRequirementsError, match=r'pip install "g4f\[browser\]"'):
        async for item in Grok.on_auth_async():
            items.append(item)
    assert [type(item) for item in items] == [RequestLogin]
