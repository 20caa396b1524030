"""Issue 14, points 12 to 14: secrets shown in part, echoed by aiohttp, and kept in causes.

12. A message cut before it was redacted showed 15 of a key's 36 characters
    (``...key gsk_SENTINELgro... (the API key or cookies were rejected)``), a malformed SSE line
    holding the key showed 20. Now any run of 8 or more of a registered secret's characters is
    masked, wherever the text was cut.
13. A malformed ``Authorization`` header line was quoted back by aiohttp's 400 and logged in full
    by ``aiohttp.server`` (the redacting filter sat on the ``g4f`` logger only).
14. A g4f error's ``__cause__`` (a raw ``ClientResponseError``) carried ``'Authorization': 'Bearer
    gsk_…'`` in its repr, and a suppressed ``JSONDecodeError.doc`` the raw upstream line.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import signal
import time
import traceback
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import g4f
from g4f.api import create_app
from g4f.api.protocol import AppRunner
from g4f.errors import G4FError, MissingAuthError, ResponseError
from g4f.Provider import Groq
from g4f.requests import map_stream_errors, map_transport_errors
from g4f.requests.streams import sse_stream
from g4f.secrets import (
    MIN_FRAGMENT,
    RedactingFilter,
    install_redacting_filter,
    redact,
    register_secret,
    sanitize_exception,
)
from g4f.testing.openai_replica import Fault

from ..client.conftest import closed_port
from ..client.scripted import registered
from .conftest import g4f_command

KEY = "gsk_SENTINELsecKey8Rt6Wy1Kd3Hq5JwZx"
SERVER_KEY = "g4f-SENTINELsecServer8Rt6Wy1Kd3"


def fragments_of(secret: str, text: str) -> list[str]:
    """Every run of MIN_FRAGMENT or more characters of ``secret`` found in ``text``."""
    return [secret[i:i + MIN_FRAGMENT] for i in range(len(secret) - MIN_FRAGMENT + 1)
            if secret[i:i + MIN_FRAGMENT] in text]


def chain_texts(exc: BaseException) -> list[str]:
    """str, repr, args and attributes of ``exc`` and of everything chained to it, and the
    printed traceback."""
    texts, seen, todo = ["".join(traceback.format_exception(exc))], set(), [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args),
                  repr({k: v for k, v in vars(current).items() if not k.startswith("__")})
                  if hasattr(current, "__dict__") else ""]
        texts += [repr(getattr(current, name, None)) for name in ("doc", "request_info", "headers", "object")]
        todo += [current.__cause__, current.__context__]
    return texts


@pytest.fixture(autouse=True)
def secrets() -> None:
    register_secret(KEY)
    register_secret(SERVER_KEY)


# -- point 12: cut before redacted ------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    f"Groq: HTTP 401: Invalid API Key: {KEY[:15]}... (the API key or cookies were rejected)",
    f"upstream sent data that is not JSON: 'data: {{\"x\": \"{'a' * 80} {KEY[:20]}...'",
    f"...{KEY[-12:]} and {KEY[5:13]}",
    f"{KEY}{KEY[:9]}",
])
def test_part_of_a_key_is_masked_wherever_it_was_cut(text):
    assert fragments_of(KEY, text)  # the attack: the part is there
    cleaned = redact(text)
    assert fragments_of(KEY, cleaned) == [] and "***" in cleaned


def test_text_that_only_looks_alike_is_left_alone():
    assert redact("connection refused after 3 tries (gsk_ is Groq's key prefix)") == \
        "connection refused after 3 tries (gsk_ is Groq's key prefix)"
    assert redact(KEY[:MIN_FRAGMENT - 1]) == KEY[:MIN_FRAGMENT - 1]  # fewer than 8 characters


@pytest.fixture
async def groq_here(monkeypatch, serve) -> Iterator[Any]:
    from ..replicas.groq import GroqReplica

    replica = GroqReplica(api_key=KEY)
    server = await serve(replica.make_app())
    replica.attach(server.url)
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    provider = type("GroqHere", (Groq,), {"api_base": replica.base_url, "max_retries": 0})
    with registered(provider):
        yield replica


async def test_an_upstream_that_echoes_a_cut_key_shows_none_of_it(groq_here, serve):
    groq_here.faults.append(Fault.http(401, f"Invalid API Key: {KEY[:15]}...", times=0))
    with pytest.raises(MissingAuthError) as caught:
        await g4f.ChatCompletion.create_async("llama-3.3-70b-versatile", [{"role": "user", "content": "hi"}],
                                              provider="GroqHere")
    assert "Invalid API Key: ***" in str(caught.value)
    assert fragments_of(KEY, "\n".join(chain_texts(caught.value))) == []
    # and as the API server answers it
    server = await serve(create_app(api_keys=()))
    async with aiohttp.ClientSession() as session, session.post(
            f"{server.url}/v1/chat/completions",
            json={"model": "llama-3.3-70b-versatile", "provider": "GroqHere",
                  "messages": [{"role": "user", "content": "hi"}]}) as response:
        answer = await response.text()
    assert response.status == 401 and fragments_of(KEY, answer) == []


async def malformed_sse(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b'data: {"id":"c","choices":[{"delta":{"content":"' + b"a" * 50
                         + f' {KEY} "}}}}'.encode() + b"\n\n")
    await response.write_eof()
    return response


@pytest.fixture
async def malformed_upstream(serve) -> Any:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", malformed_sse)
    return await serve(app)


async def test_a_malformed_line_holding_the_key_shows_none_of_it(malformed_upstream, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    provider = type("GroqBroken", (Groq,), {"api_base": f"{malformed_upstream.url}/v1", "max_retries": 0})
    with registered(provider), pytest.raises(ResponseError) as caught:
        await g4f.ChatCompletion.create_async("llama-3.3-70b-versatile", [{"role": "user", "content": "hi"}],
                                              provider="GroqBroken", stream=False)
    assert "not JSON" in str(caught.value)
    assert fragments_of(KEY, str(caught.value)) == []


# -- point 13: aiohttp's 400 and its logger ---------------------------------------------------------
MALFORMED = [
    f"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SERVER_KEY}\x01\r\n\r\n",
    f"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization Bearer {SERVER_KEY}\r\n\r\n",
    f"GET /v1/models?key={SERVER_KEY} HTTP/1.1 junk\r\nHost: 127.0.0.1\r\n\r\n",
    f"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SERVER_KEY}{'A' * 9000}\r\n\r\n",
]


async def send_raw(port: int, raw: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw.encode("latin-1"))
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.fixture
async def protected_server() -> Any:
    runner = AppRunner(create_app(api_key=SERVER_KEY), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await runner.cleanup()


@pytest.mark.parametrize("raw", MALFORMED, ids=["control byte", "no colon", "request line", "too long"])
async def test_a_malformed_request_is_not_quoted_back_or_logged(protected_server, raw, caplog):
    caplog.set_level(logging.DEBUG)
    answer = await send_raw(protected_server, raw)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] == b"400"
    assert b'"code":"malformed_request"' in body and b"application/json" in head
    assert fragments_of(SERVER_KEY, answer.decode("latin-1")) == []
    assert fragments_of(SERVER_KEY, caplog.text) == []
    assert [r for r in caplog.records if "malformed request" in r.getMessage()]


def test_g4f_api_does_not_quote_or_log_a_malformed_authorization_line(tmp_path):
    port = closed_port()
    process = g4f_command("-v", "api", "--port", str(port), "--no-gui", env={"G4F_API_KEY": SERVER_KEY},
                          config_dir=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=5)
            except urllib.error.HTTPError:
                break  # 401: serving
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.communicate()
                time.sleep(0.1)
        answers = [asyncio.run(send_raw(port, raw)) for raw in MALFORMED]
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    for answer in answers:
        assert answer.split()[1] == b"400" and fragments_of(SERVER_KEY, answer.decode("latin-1")) == []
    assert fragments_of(SERVER_KEY, stderr) == [], stderr
    assert "malformed request" in stderr  # it was logged (-v), without the line


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def root_handler() -> Iterator[Collect]:
    handler = Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize("name", ["aiohttp.server", "aiohttp.access", "aiohttp.client", "aiohttp.web",
                                  "aiohttp.internal", "aiohttp", "asyncio", "g4f"])
def test_aiohttp_and_asyncio_loggers_are_redacted(root_handler, name):
    logging.getLogger(name).error("bad line: b'Authorization: Bearer %s'", SERVER_KEY)
    try:
        raise ValueError(f"raised with {KEY}")
    except ValueError:
        logging.getLogger(name).exception("with a traceback")
    text = "\n".join(root_handler.lines)
    assert "bad line" in text and "with a traceback" in text
    assert fragments_of(SERVER_KEY, text) == [] and fragments_of(KEY, text) == []


def test_a_handler_with_the_filter_covers_every_logger(root_handler):
    install_redacting_filter(root_handler)
    install_redacting_filter(root_handler)  # twice: one filter
    assert sum(isinstance(f, RedactingFilter) for f in root_handler.filters) == 1
    logging.getLogger("some.library").warning("token=%s", KEY)
    assert root_handler.lines and fragments_of(KEY, "\n".join(root_handler.lines)) == []


# -- point 14: chained causes -----------------------------------------------------------------------
@pytest.fixture
async def unauthorized(serve) -> Any:
    app = web.Application()

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=401, text=f'{{"echo": "{request.headers.get("Authorization")}"}}',
                            headers={"Set-Cookie": f"session={KEY}; HttpOnly"})

    app.router.add_route("*", "/{tail:.*}", refuse)
    return await serve(app)


async def test_a_raw_client_response_error_is_not_kept_as_the_cause(unauthorized):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(G4FError) as caught:
            async with map_transport_errors("Upstream"), session.get(
                    f"{unauthorized.url}/v1/models?key={KEY}",
                    headers={"Authorization": f"Bearer {KEY}", "Cookie": f"sso={KEY}"}) as response:
                response.raise_for_status()
    error = caught.value
    assert isinstance(error.__cause__, aiohttp.ClientResponseError)  # the cause is kept, and typed
    assert error.__cause__.status == 401
    texts = "\n".join(chain_texts(error))
    assert fragments_of(KEY, texts) == [], texts
    assert "Authorization" not in texts and "Set-Cookie" not in texts
    pickle.loads(pickle.dumps(error))  # the g4f error still travels (to workers, to a parent process)


async def test_a_suppressed_json_error_keeps_no_raw_line(malformed_upstream):
    async with aiohttp.ClientSession() as session, session.post(f"{malformed_upstream.url}/v1/chat/completions") \
            as response:
        with pytest.raises(ResponseError) as caught:
            async for _ in map_stream_errors(sse_stream(response, "Upstream"), "Upstream"):
                pass
    error = caught.value
    assert isinstance(error.__context__, ValueError)  # the JSONDecodeError, suppressed (from None)
    assert error.__suppress_context__
    assert fragments_of(KEY, "\n".join(chain_texts(error))) == []
    # The message quotes an excerpt of the line, on purpose; the context keeps nothing of it.
    assert "a" * 50 not in "\n".join(chain_texts(error.__context__))


def test_sanitize_exception_cleans_the_whole_chain_in_place():
    import json

    try:
        try:
            json.loads(f'{{"key": "{KEY}" broken')
        except ValueError as inner:
            try:
                raise UnicodeDecodeError("utf-8", b"\xff" + KEY.encode(), 0, 1, "invalid start byte") \
                    from inner
            except UnicodeDecodeError:
                raise RuntimeError(f"failed for {KEY}") from None
    except RuntimeError as exc:
        error = exc
    assert fragments_of(KEY, "\n".join(chain_texts(error)))  # the attack: all of it is there
    assert sanitize_exception(error) is error
    assert fragments_of(KEY, "\n".join(chain_texts(error))) == []
    assert isinstance(error.__context__, UnicodeDecodeError)
    assert isinstance(error.__context__.__cause__, json.JSONDecodeError)
    assert error.__context__.__cause__.doc == ""


async def test_a_chain_through_the_api_server_shows_nothing(unauthorized, caplog):
    """The server answers an upstream failure from the g4f error alone, and logs nothing raw."""
    caplog.set_level(logging.DEBUG)

    class Raw(Groq):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            async with aiohttp.ClientSession() as session, map_transport_errors("Raw"), session.get(
                    unauthorized.url, headers={"Authorization": f"Bearer {KEY}"}) as response:
                response.raise_for_status()
            yield "never"

    with registered(Raw):
        app = create_app(api_keys=())
        async with aiohttp.ClientSession() as session:
            from g4f.testing.server import LocalServer

            async with LocalServer(app) as server, session.post(
                    f"{server.url}/v1/chat/completions",
                    json={"model": "m", "provider": "Raw", "messages": [{"role": "user", "content": "hi"}]}) \
                    as response:
                answer = await response.text()
    assert response.status in (401, 502)
    assert fragments_of(KEY, answer + caplog.text) == []


def test_many_secrets_mask_only_what_is_theirs():
    """With 50 keys registered, ordinary text is untouched and a cut key is masked (how fast this
    runs is measured in bench/, see docs/security.md)."""
    for n in range(50):
        register_secret(f"gsk_speedCheck{n:02d}Kd3Hq5Jw8Rt6Wy1Mz7Pv4Ns2Lx9Qb")
    text = "HTTP 401: Invalid API Key provided; see the documentation for authentication failures. " * 12
    assert redact(text) == text
    assert redact(text + " gsk_speedCheck07Kd3Hq5Jw").endswith(" ***")



async def test_a_request_cannot_register_ordinary_text_as_a_secret(api, echo):
    """A request's api_key is registered (an upstream may echo it): only a key-shaped one, or a
    client could mask words in every later message and log line ("internal server error")."""
    server, session = await api()
    for key in ("internal server error", "x" * 600, "tab\tkey-0123456789"):
        async with session.post(f"{server.url}/v1/chat/completions", json={
                "model": "m", "provider": "Echo", "api_key": key,
                "messages": [{"role": "user", "content": "hi"}]}) as response:
            assert response.status == 400 and (await response.json())["error"]["param"] == "api_key"
    assert redact("internal server error") == "internal server error"
