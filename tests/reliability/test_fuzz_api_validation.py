"""Fuzzing the API server from the outside: whatever a client sends, the answer is a 4xx with an
OpenAI error body (or a 200 for a request that happens to be valid), never a 500.

tests/api/test_validation.py fuzzes the JSON fields of a chat request; this file sends what a
broken or hostile client sends on the wire: arbitrary bytes, bodies that are not UTF-8, deeply
nested JSON, wrong content types, arbitrary ``Authorization`` headers (the server has a key),
mutated valid requests, and unknown paths and methods. The server runs as ``g4f api`` would, in
its own thread and event loop, and is checked to be healthy afterwards.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g4f.api import create_app
from g4f.testing.server import LocalServer

from ..client.scripted import registered, scripted

KEY = "fuzz-server-key-0123456789"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = {"model": "fuzz-model", "provider": "ReliabilityEcho", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    started, stop = threading.Event(), threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        async with LocalServer(create_app(api_key=KEY)) as local:
            box["address"] = (local.host, local.port)
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)

    with registered(scripted("ReliabilityEcho", ["fine"])):
        thread = threading.Thread(target=lambda: asyncio.run(serve()))
        thread.start()
        assert started.wait(20)
        try:
            yield box["address"]
        finally:
            stop.set()
            thread.join(20)


def send(address: tuple[str, int], method: str, path: str, body: bytes | None = None,
         headers: dict[str, Any] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*address, timeout=20)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def check_refused(status: int, body: bytes, allow_ok: bool = False) -> None:
    assert status != 500 and status < 500, (status, body[:300])
    if allow_ok and status == 200:
        return
    assert 400 <= status < 500, (status, body[:300])
    error = json.loads(body)["error"]
    assert error["message"] and error["type"], error


def authorized(content_type: str = "application/json") -> dict[str, Any]:
    return {"Authorization": f"Bearer {KEY}", "Content-Type": content_type}


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                                 "multipart/form-data; boundary=x", "", "application/json; charset=latin-1"]))
def test_arbitrary_bytes_are_a_4xx(server, body, content_type) -> None:
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    status, answer = send(server, "POST", "/v1/chat/completions", body, authorized(content_type))
    check_refused(status, answer, allow_ok=isinstance(decoded, dict))


@FUZZ
@given(st.integers(1, 5000), st.sampled_from(["[", '{"a":']))
def test_deeply_nested_json_is_a_4xx(server, depth, opener) -> None:
    closer = "]" if opener == "[" else "}"
    inner = opener * depth + "1" + closer * depth
    body = json.dumps({**VALID, "messages": "@"}).replace('"@"', inner).encode()
    status, answer = send(server, "POST", "/v1/chat/completions", body, authorized())
    check_refused(status, answer)


@FUZZ
@given(st.binary(max_size=60), st.sampled_from(["Bearer ", "bearer ", "Basic ", "", "Bearer  "]))
def test_any_authorization_header_is_a_401_or_accepted(server, token, scheme) -> None:
    value = scheme.encode() + token.replace(b"\r", b"").replace(b"\n", b"")
    headers = {"Authorization": value, "Content-Type": "application/json"}
    status, answer = send(server, "POST", "/v1/chat/completions", json.dumps(VALID).encode(), headers)
    if status == 400 and answer.startswith(b"Invalid header value char"):
        return  # refused by the HTTP parser itself (control characters), before g4f sees it
    assert status == 401, (status, answer[:300])
    assert json.loads(answer)["error"]["type"] == "authentication_error"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(st.sampled_from(sorted({*VALID, "stream", "stop", "tools", "temperature", "messages", "conversation",
                               "response_format", "tool_choice", "max_tokens", "n"})),
       json_values, st.booleans())
def test_a_valid_request_with_one_field_broken_is_a_4xx_or_answered(server, field, value, stream) -> None:
    body = {**VALID, "stream": stream, field: value}
    if field == "messages" and isinstance(value, list):
        body["messages"] = [value]  # a message that is itself arbitrary
    data = json.dumps(body, allow_nan=True).encode()  # NaN and Infinity too: JSON parsers differ on them
    status, answer = send(server, "POST", "/v1/chat/completions", data, authorized())
    check_refused(status, answer, allow_ok=True)


@FUZZ
@given(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
       st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="#?%"), max_size=30))
def test_unknown_paths_and_methods_are_a_4xx(server, method, tail) -> None:
    path = "/v1/" + tail
    status, answer = send(server, method, path, b"{}" if method in ("POST", "PUT", "PATCH") else None, authorized())
    known = {("POST", "/v1/chat/completions"), ("GET", "/v1/models"), ("GET", "/v1/providers")}
    if (method, path) in known or (method == "GET" and path.startswith(("/v1/models/", "/v1/providers/"))):
        assert status < 500, (status, answer[:300])
        return
    check_refused(status, answer)


def test_the_server_is_healthy_after_the_fuzzing(server) -> None:
    status, answer = send(server, "POST", "/v1/chat/completions", json.dumps(VALID).encode(), authorized())
    assert status == 200 and json.loads(answer)["choices"][0]["message"]["content"] == "fine"
