"""The web chat in a real browser: Debian's Chromium, driven by playwright, against the real API
application (``g4f.api.create_app``) whose providers talk to the Groq and grok.com replicas.

The servers run on an event loop in a background thread (one per test module), so the tests
can use playwright's synchronous API and read the replicas' records directly. Every server is
started for one test and closed after it; one browser serves a whole module (each test gets a
fresh context: empty storage, its own requests). Without Chromium (or playwright) these tests
skip and say why; ``.ci/run`` installs both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

import pytest

from g4f.api import create_app
from g4f.testing.server import LocalServer

from ..chromium import chromium_required
from ..client.conftest import local_servers_absent  # noqa: F401  (autouse here too)
from ..replicas.grok import API, GrokReplica
from ..replicas.groq import GROQ_KEY, GroqReplica
from .harness import CHROMIUM_ARGS, WAIT_MS, ApiServer, Background, Chat, find_chromium


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    loop = Background()
    yield loop
    loop.close()


@pytest.fixture
def chat(background: Background, monkeypatch: pytest.MonkeyPatch, isolated_config: Any) -> Iterator[
        Callable[..., Chat]]:
    """``chat(groq=True, grok=True, **create_app options)``: start the replicas and the API.

    ``groq``: the server has Groq's key (``GROQ_API_KEY``); ``grok``: it has grok.com's
    ``sso`` cookie in its cookie folder. Groq and Grok are the real providers, with only their
    addresses moved to the replicas.
    """
    from g4f.Provider import Groq
    from g4f.Provider.needs_auth.Grok import Grok

    started: list[Chat] = []

    def start(groq: bool = True, grok: bool = True, **options: Any) -> Chat:
        groq_replica = GroqReplica()
        background.run(groq_replica.start())
        grok_replica = GrokReplica()
        grok_server = background.run(LocalServer(grok_replica.app()).start())
        monkeypatch.setattr(Groq, "api_base", groq_replica.base_url)
        monkeypatch.setattr(Groq, "max_retries", 0)
        monkeypatch.setattr(Grok, "url", grok_server.url)
        monkeypatch.setattr(Grok, "conversation_url", f"{grok_server.url}{API}")
        monkeypatch.setattr(Grok, "assets_url", f"{grok_server.url}/assets")
        if groq:
            monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        if grok:
            cookies = isolated_config / "cookies"
            cookies.mkdir(parents=True, exist_ok=True)
            cookie_file = cookies / "grok.json"
            cookie_file.write_text(json.dumps([{"domain": ".grok.com", "name": "sso", "value": grok_replica.sso}]))
            cookie_file.chmod(0o600)  # as g4f login writes it

        async def serve() -> ApiServer:
            return await ApiServer(create_app(**options)).start()

        api = background.run(serve())
        server = Chat(f"{api.url}/", groq_replica, grok_replica, grok_server.url, background,
                      [api.close, grok_server.close, groq_replica.close])
        started.append(server)
        return server

    yield start
    for server in started:
        for close in server.closers:
            background.run(close())


def skip_or_fail(reason: str) -> NoReturn:
    """Skip, except where ``$G4F_REQUIRE_CHROMIUM`` (``.ci/run``) says the browser tests must run."""
    if chromium_required():
        pytest.fail(f"{reason}; $G4F_REQUIRE_CHROMIUM says this machine must run them")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        skip_or_fail("no Chromium found (Debian's /usr/bin/chromium, or $G4F_TEST_CHROMIUM): the web chat's "
                     "browser tests need a real browser; .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[dev]'): it drives the browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=WAIT_MS * 3)
        yield launched
        launched.close()


@dataclass
class Watched:
    """What a page did: every request it made, its uncaught errors and its console errors."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    #: A test that makes the policy refuse something on purpose sets this.
    policy_refusals_expected: bool = False

    @property
    def policy_refusals(self) -> list[str]:
        return [line for line in self.console if "Content Security Policy" in line]


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def context_options() -> dict[str, Any]:
    """Options of the browser context (a test overrides this fixture for a phone, dark mode, ...)."""
    return {"viewport": {"width": 1200, "height": 800}}


@pytest.fixture
def page(browser: Any, watched: Watched, context_options: dict[str, Any]) -> Iterator[Any]:
    """A new page in a fresh context (empty storage). Every request and error is recorded; an
    uncaught JavaScript error fails the test, and so does anything the page does that its own
    Content-Security-Policy refuses (an inline style, a handler, a foreign request)."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.on("request", lambda request: watched.requests.append(request.url))
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("console", lambda message: watched.console.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not watched.errors, f"the page raised: {watched.errors}"
    if not watched.policy_refusals_expected:
        assert not watched.policy_refusals, "\n".join(watched.policy_refusals)
