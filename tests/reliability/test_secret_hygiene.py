"""No secret is ever shown: not in logs, errors, reprs, API answers or the command line's output.

One test runs everything a user's credentials pass through (the fault matrix of both provider
kinds, Grok's cookie login and its cached credentials, Groq's key from the environment and as an
argument, the API server, the ``g4f`` command) with sentinel keys and cookies. Upstreams that
echo a key back in their error message are included. Everything that could reach a terminal or a
log file is captured and searched for the sentinels.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import traceback
from collections.abc import Iterator
from typing import Any

import aiohttp
import openai
import pytest

from g4f.api import create_app
from g4f.auth.cache import AuthCache
from g4f.cli import main as cli_main
from g4f.client import AsyncClient
from g4f.config import write_private_file
from g4f.errors import G4FError, MissingAuthError, RetryProviderError
from g4f.Provider.needs_auth.Grok import Grok
from g4f.providers.response import AuthResult, is_text
from g4f.providers.retry_provider import IterListProvider
from g4f.requests.curl import StreamSession
from g4f.testing.openai_replica import Fault

from ..client.scripted import registered
from .test_fault_matrix import run_case
from .upstreams import FAULTS, Upstream, start_grok, start_groq

GROQ_KEY = "gsk_SENTINELgroqEnvKey0123456789abcdef"
ARGUMENT_KEY = "gsk_SENTINELargumentKey0123456789abcd"
BODY_KEY = "sk-SENTINELbodyKey0123456789abcdefgh"
SSO = "sso-SENTINELcookie0123456789abcdef"
SSO_RW = "rw-SENTINELcookie0123456789"
WRONG_SSO = "sso-SENTINELwrongCookie0123456789"
API_KEY = "g4f-SENTINELserverKey0123456789"
SENTINELS = (GROQ_KEY, ARGUMENT_KEY, BODY_KEY, SSO, SSO_RW, WRONG_SSO, API_KEY)


class Capture(logging.Handler):
    """Every record, formatted the way a handler writing to a file would (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    loggers = [logging.getLogger(), logging.getLogger("g4f"), logging.getLogger("aiohttp"),
               logging.getLogger("asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    logging.getLogger("g4f").addHandler(handler)  # also when propagation is off
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("g4f").removeHandler(handler)
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def exception_texts(exc: BaseException) -> list[str]:
    """str and repr of an exception, of its causes and contexts, of a fallback's errors, and the
    traceback as printed."""
    texts, seen, todo = ["".join(traceback.format_exception(exc))], set(), [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        todo += [current.__cause__, current.__context__]  # type: ignore[list-item]
        if isinstance(current, RetryProviderError):
            todo += list(current.exceptions.values())
    return texts


async def run_fault_matrix(upstream: Upstream, shown: list[str]) -> None:
    for fault in FAULTS:
        error, received, _ = await run_case(upstream, fault)
        assert error is not None, fault
        shown += exception_texts(error) + [repr(item) for item in received] + [str(item) for item in received]


async def consume(stream: Any, shown: list[str]) -> str:
    items = [item async for item in stream]
    shown += [repr(item) for item in items] + [str(item) for item in items]
    return "".join(item for item in items if is_text(item))


async def expect_error(stream: Any, shown: list[str], kind: type[BaseException] = G4FError) -> BaseException:
    with pytest.raises(kind) as info:
        await consume(stream, shown)
    shown += exception_texts(info.value)
    return info.value


async def groq_flows(groq: Upstream, shown: list[str]) -> None:
    """Groq's key from the environment and as an argument, and upstreams that echo it back."""
    assert "lighthouse" in await consume(groq.stream(), shown)
    groq.replica.faults.append(Fault.unauthorized(message=f"Invalid API Key: {GROQ_KEY}", times=0))
    error = await expect_error(groq.stream(), shown, MissingAuthError)
    assert "Invalid API Key: ***" in str(error)  # the echo was there, and masked
    groq.replica.faults.clear()
    groq.replica.faults.append(Fault.http(400, f"Incorrect API key provided: {ARGUMENT_KEY}"))
    await expect_error(groq.stream(api_key=ARGUMENT_KEY), shown)
    await expect_error(groq.stream(api_key=ARGUMENT_KEY), shown, MissingAuthError)  # the replica's own 401


async def grok_flows(grok: Upstream, config: Any, shown: list[str]) -> None:
    """Grok's cookies: explicit, from a cookie file, cached, rotated, rejected."""
    assert "lighthouse" in await consume(grok.stream(), shown)
    await expect_error(grok.stream(cookies={"sso": WRONG_SSO}), shown, MissingAuthError)
    cookies = [{"domain": ".grok.com", "name": "sso", "value": SSO, "path": "/"},
               {"domain": ".grok.com", "name": "sso-rw", "value": SSO_RW, "path": "/"}]
    write_private_file(config / "cookies" / "grok.json", json.dumps(cookies))
    options = {"cookies": None}  # credentials from the cookie file, then from the cache
    assert "lighthouse" in await consume(grok.stream(**options), shown)  # from the file, then cached
    cached = AuthCache("Grok").load()
    assert cached is not None and cached.cookies["sso"] == SSO
    shown += [repr(cached), str(cached), repr(AuthCache("Grok"))]
    grok.replica.rotate_sso = True
    assert "lighthouse" in await consume(grok.stream(**options), shown)  # rotated cookie saved
    grok.replica.rotate_sso = False
    grok.replica.valid_sso.clear()  # every cookie expires: cached ones, then the file's, are refused
    await expect_error(grok.stream(**options), shown, MissingAuthError)
    grok.replica.valid_sso.add(SSO)


async def api_flows(url: str, groq: Upstream, shown: list[str]) -> None:
    """The API server with its own key, in front of both upstreams."""
    name, model = groq.provider.get_name(), groq.provider.default_model
    chat = {"model": model, "provider": name, "messages": [{"role": "user", "content": "Hello there"}]}
    async with aiohttp.ClientSession() as session:
        async def post(body: Any, key: str | None = API_KEY) -> None:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            async with session.post(f"{url}/v1/chat/completions", json=body, headers=headers) as response:
                shown.append(f"{response.status} {dict(response.headers)} {await response.text()}")

        await post(chat, key=None)
        await post(chat, key="not-the-key")
        await post(chat)
        await post({**chat, "stream": True})
        groq.replica.faults.append(Fault.unauthorized(message=f"Invalid API Key: {GROQ_KEY}"))
        await post(chat)
        groq.replica.faults.append(Fault.http(401, f"Incorrect API key provided: {BODY_KEY}"))
        await post({**chat, "api_key": BODY_KEY})
        groq.replica.faults.append(Fault.reset(after=3))
        await post({**chat, "stream": True})
        await post({**chat, "cookies": {"sso": SSO}})
        await post({**chat, "api_key": 12345})
        await post({"model": "grok-3", "provider": "Grok", "messages": chat["messages"], "stream": True})
        async with session.get(f"{url}/v1/providers", headers={"Authorization": f"Bearer {API_KEY}"}) as response:
            shown.append(await response.text())
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=API_KEY, max_retries=0, timeout=30)
    try:
        groq.replica.faults.append(Fault.unauthorized(message=f"Invalid API Key: {GROQ_KEY}"))
        with pytest.raises(openai.AuthenticationError) as info:
            await client.chat.completions.create(model=model, messages=chat["messages"],
                                                 extra_body={"provider": name})
        shown += exception_texts(info.value) + [repr(info.value.body)]
        wrong = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="wrong-key-123", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as info:
            await wrong.models.list()
        await wrong.close()
        shown += exception_texts(info.value)
    finally:
        await client.close()


def cli_flows(provider_name: str) -> None:
    """``g4f`` as a user runs it (verbose), in a thread: it runs its own event loop."""
    assert cli_main(["-v", "chat", "Hello", "-p", provider_name]) == 0
    assert cli_main(["-v", "chat", "Hello", "-p", provider_name, "--api-key", ARGUMENT_KEY]) == 1
    assert cli_main(["-v", "chat", "Hello", "-p", "Grok", "-m", "grok-3"]) == 0
    assert cli_main(["-v", "login", "grok"]) == 0
    assert cli_main(["providers"]) == 0


def reprs() -> list[str]:
    auth = AuthResult(cookies={"sso": SSO, "sso-rw": SSO_RW}, api_key=GROQ_KEY,
                      headers={"Authorization": f"Bearer {ARGUMENT_KEY}", "Cookie": f"sso={SSO}; other=1"})
    session = StreamSession(cookies={"sso": SSO}, headers={"Authorization": f"Bearer {GROQ_KEY}"})
    fallback = IterListProvider([Grok], shuffle=False)
    client = AsyncClient(api_key=ARGUMENT_KEY)
    texts = [repr(auth), str(auth), repr(session), repr(fallback), str(fallback), repr(client), repr(Grok),
             str(Grok.get_dict()), Grok.describe()]
    assert "sso=***" in repr(auth) and "api_key=***" in repr(auth)
    return texts


async def test_no_sentinel_anywhere(serve, monkeypatch, isolated_config, capture, caplog, capsys) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    groq = await start_groq(serve, monkeypatch, key=GROQ_KEY)
    grok = await start_grok(serve, monkeypatch, sso=SSO)
    issued: list[str] = []
    new_sso = grok.replica.new_sso

    def record_new_sso() -> str:  # cookies the replica hands out are secrets too
        value = new_sso()
        issued.append(value)
        return value

    grok.replica.new_sso = record_new_sso  # type: ignore[method-assign]

    await run_fault_matrix(groq, shown)
    await run_fault_matrix(grok, shown)
    await groq_flows(groq, shown)
    await grok_flows(grok, isolated_config, shown)
    shown += reprs()
    with registered(groq.provider):
        server = await serve(create_app(api_key=API_KEY))
        await api_flows(server.url, groq, shown)
        await asyncio.to_thread(cli_flows, groq.provider.get_name())
    out, err = capsys.readouterr()
    shown += [out, err, caplog.text]

    assert issued, "the replica rotated no cookie: the rotation path did not run"
    assert any("POST" in line for line in capture.lines), "DEBUG records were not captured"
    assert "Logged in to Grok" in out and "g4f: error:" in err
    # The upstreams' echoes of keys reached the API's answers, masked.
    assert any("Invalid API Key: ***" in text and text.startswith("401") for text in shown)
    assert any("Incorrect API key provided: ***" in text and text.startswith("401") for text in shown)
    everything = "\n".join(shown + capture.lines)
    for secret in (*SENTINELS, *issued):
        assert secret not in everything, f"a secret was shown: {_context(everything, secret)}"


def _context(text: str, secret: str) -> str:
    at = text.index(secret)
    return text[max(0, at - 300): at + len(secret) + 100]


# -- files ---------------------------------------------------------------------------------------
def mode(path: Any) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_credentials_on_disk_are_private(serve, monkeypatch, isolated_config) -> None:
    grok = await start_grok(serve, monkeypatch, sso=SSO)
    cookies = [{"domain": ".grok.com", "name": "sso", "value": SSO, "path": "/"}]
    write_private_file(isolated_config / "cookies" / "grok.json", json.dumps(cookies))
    options = {"cookies": None}  # credentials from the cookie file, then from the cache
    assert "lighthouse" in await consume(grok.stream(**options), [])
    cache = AuthCache("Grok").path
    assert cache.is_file()
    assert mode(cache) == 0o600 and mode(cache.parent) == 0o700 and mode(isolated_config) == 0o700
    cookie_file = isolated_config / "cookies" / "grok.json"
    assert mode(cookie_file) == 0o600 and mode(cookie_file.parent) == 0o700


def test_a_cache_file_readable_by_others_is_fixed_with_a_warning(isolated_config, caplog) -> None:
    cache = AuthCache("Grok")
    cache.save(AuthResult(cookies={"sso": SSO}))
    cache.path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="g4f"):
        loaded = cache.load()
    assert loaded is not None and loaded.cookies == {"sso": SSO}  # the login is kept
    assert mode(cache.path) == 0o600
    assert any(str(cache.path) in r.getMessage() and "644" in r.getMessage() for r in caplog.records)
    assert SSO not in caplog.text


def test_a_cookie_file_readable_by_others_is_fixed_with_a_warning(isolated_config, caplog) -> None:
    from g4f.cookies import read_cookie_files

    path = isolated_config / "cookies" / "grok.json"
    write_private_file(path, json.dumps([{"domain": ".grok.com", "name": "sso", "value": SSO}]))
    path.chmod(0o640)
    with caplog.at_level(logging.WARNING, logger="g4f"):
        assert read_cookie_files(".grok.com") == {"sso": SSO}
    assert mode(path) == 0o600
    assert any(str(path) in r.getMessage() for r in caplog.records) and SSO not in caplog.text


def test_a_config_folder_open_to_others_is_tightened(isolated_config, caplog) -> None:
    cache = AuthCache("Grok")
    cache.save(AuthResult(cookies={"sso": SSO}))
    cache.path.parent.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="g4f"):
        cache.save(AuthResult(cookies={"sso": SSO}))
    assert mode(cache.path.parent) == 0o700 and mode(cache.path) == 0o600
    assert any("700" in r.getMessage() for r in caplog.records)
