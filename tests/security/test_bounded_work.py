"""Issue 14, points 5 and 6: bounded work per request.

A body just under the size limit can hold ~480,000 tiny messages, each of which the server used
to parse, validate and pass on; a value nested 600 deep (within the JSON parser's own limit) made
the encoder fail with a 500. Now the body is measured before it is parsed: more messages than
``max_messages`` (2,048) or deeper than ``max_json_depth`` (64) is a 400 that names the limit
and its flag, and more than ``max_in_flight`` (256) requests at once get a 503 with
``Retry-After``. (The memory figure is measured in ``test_memory.py``.)
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai
import pytest

from g4f.api.body import DEFAULT_MAX_JSON_DEPTH, check_json, parse_json
from g4f.api.errors import ApiError
from g4f.api.settings import ServerSettings
from g4f.providers.base_provider import AsyncGeneratorProvider

from ..client.scripted import registered
from .conftest import MESSAGES

CHAT = "/v1/chat/completions"


def nested(depth: int, leaf: Any = 1, key: str | None = None) -> Any:
    """A value ``depth`` containers deep (arrays, or objects under ``key``)."""
    value = leaf
    for _ in range(depth):
        value = {key: value} if key else [value]
    return value


def body_depth(body: Any) -> int:
    depth, level = 0, [body]
    while level:
        depth += 1
        level = [child for value in level if isinstance(value, (list, dict))
                 for child in (value.values() if isinstance(value, dict) else value)
                 if isinstance(child, (list, dict))]
    return depth


async def post(session, url, body) -> tuple[int, dict[str, Any], Any]:
    async with session.post(url + CHAT, data=json.dumps(body), headers={"Content-Type": "application/json"}) as r:
        return r.status, dict(r.headers), await r.json(content_type=None)


# --- point 6: nesting --------------------------------------------------------------------------

DEEP_600 = {
    "metadata": {"note": nested(600)},
    "tools": [{"type": "function", "function": {"name": "f", "parameters": nested(600, key="properties")}}],
    "content part": None,  # built in the test: a message whose content part nests 600 deep
}


@pytest.mark.parametrize("where", list(DEEP_600))
async def test_a_value_nested_600_deep_is_a_400_not_a_500(api, replica, where):
    server, session = await api()
    body: dict[str, Any] = {"model": "llama-3.3-70b-versatile", "provider": "GroqHere", "messages": MESSAGES}
    if where == "content part":
        body["messages"] = [{"role": "user", "content": [{"type": "text", "text": "hi", "extra": nested(600)}]}]
    else:
        body[where] = DEEP_600[where]
    status, _, answer = await post(session, server.url, body)
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "json_too_deep" and error["type"] == "invalid_request_error"
    assert "64" in error["message"] and "--max-json-depth" in error["message"]
    assert replica.chat_requests == []


async def test_nesting_up_to_the_limit_is_served(api, replica):
    server, session = await api()
    body = {"model": "llama-3.3-70b-versatile", "provider": "GroqHere", "messages": MESSAGES}
    body["metadata"] = {"note": nested(DEFAULT_MAX_JSON_DEPTH - 2)}
    assert body_depth(body) == DEFAULT_MAX_JSON_DEPTH
    status, _, answer = await post(session, server.url, body)
    assert status == 200, answer
    body["metadata"] = {"note": nested(DEFAULT_MAX_JSON_DEPTH - 1)}
    status, _, answer = await post(session, server.url, body)
    assert status == 400 and answer["error"]["code"] == "json_too_deep"


async def test_the_depth_limit_is_configurable(api, echo):
    server, session = await api(max_json_depth=8)
    body = {"model": "m", "provider": "Echo", "messages": MESSAGES, "metadata": {"a": nested(6)}}
    assert body_depth(body) == 8
    assert (await post(session, server.url, body))[0] == 200
    body["metadata"] = {"a": nested(7)}
    status, _, answer = await post(session, server.url, body)
    assert status == 400 and "8" in answer["error"]["message"]


# --- point 5: message count --------------------------------------------------------------------

async def test_more_messages_than_the_cap_are_refused_before_anything_runs(api, echo):
    server, session = await api()
    status, _, answer = await post(session, server.url, {"model": "m", "provider": "Echo",
                                                        "messages": MESSAGES * 2049})
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "too_many_messages" and error["param"] == "messages"
    assert "2048" in error["message"] and "--max-messages" in error["message"]
    assert echo.calls == []
    status, _, answer = await post(session, server.url, {"model": "m", "provider": "Echo",
                                                        "messages": MESSAGES * 2048})
    assert status == 200, answer


async def test_the_message_cap_is_configurable(api, echo):
    server, session = await api(max_messages=3)
    assert (await post(session, server.url, {"model": "m", "provider": "Echo", "messages": MESSAGES * 3}))[0] == 200
    status, _, answer = await post(session, server.url, {"model": "m", "provider": "Echo", "messages": MESSAGES * 4})
    assert status == 400 and answer["error"]["code"] == "too_many_messages" and "3" in answer["error"]["message"]


async def test_too_many_json_values_are_refused(api, echo):
    """``[{},{},...]`` anywhere in a body amplifies 20x in memory once parsed: counted first."""
    server, session = await api(max_json_values=1000)
    body = {"model": "m", "provider": "Echo", "messages": MESSAGES, "metadata": {"k": [{}] * 2000}}
    status, _, answer = await post(session, server.url, body)
    assert status == 400 and answer["error"]["code"] == "too_many_json_values", answer
    assert "--max-json-values" in answer["error"]["message"]
    assert echo.calls == []


# --- the pre-parse check on its own --------------------------------------------------------------

def _limits(**fields: Any) -> ServerSettings:
    return ServerSettings(**fields)


CASES = {
    "deep": (b'{"messages": [' + b"[" * 100 + b"]" * 100 + b"]}", "json_too_deep"),
    "brackets in a string": (b'{"a": "' + b"[" * 100 + b'"}', None),
    "after an escaped quote": (b'{"a": "\\"' + b"[" * 100 + b'"}', None),
    "after an escaped backslash": (b'{"a": "\\\\", "b": [' + b"[" * 100 + b"]" * 100 + b"]}", "json_too_deep"),
    "2049 messages": (b'{"messages": [' + b"{}," * 2048 + b"{}]}", "too_many_messages"),
    "2048 messages": (b'{"messages": [' + b"{}," * 2047 + b"{}]}", None),
    "commas in strings": (b'{"messages": [' + b'"a,b,c",' * 2047 + b'"x"]}', None),
    "nested messages": (b'{"a": {"messages": [' + b"{}," * 2048 + b"{}]}}", None),
    "items of items": (b'{"messages": [[' + b"{}," * 2048 + b"{}]]}", None),
    "Responses API input": (b'{"input": [' + b"{}," * 2048 + b"{}]}", "too_many_messages"),
    "another array": (b'{"other": [' + b"{}," * 2048 + b"{}]}", None),
    "too many values": (b'{"a": [' + b"0," * 200_000 + b"0]}", "too_many_json_values"),
    "too many strings": (b'{"a": [' + b'"",' * 300_000 + b'""]}', "too_many_json_values"),
    "a string never ends": (b'{"a": "' + b"\\\"" * 50_000, "invalid_json"),
}


@pytest.mark.parametrize("body, code", CASES.values(), ids=CASES.keys())
def test_check_json(body, code):
    settings = _limits()
    if code is None:
        check_json(body, settings)
        return
    with pytest.raises(ApiError) as caught:
        check_json(body, settings)
    assert caught.value.status == 400 and caught.value.code == code


def test_the_count_is_exact_once_parsed():
    """An escaped key ("m\\u0065ssages") is only known once parsed: counted then, before any use."""
    body = b'{"m\\u0065ssages": [' + b"{}," * 2048 + b"{}]}"
    check_json(body, _limits())
    with pytest.raises(ApiError) as caught:
        parse_json(body, _limits())
    assert caught.value.code == "too_many_messages"
    assert parse_json(b'{"messages": [' + b"{}," * 2047 + b"{}]}", _limits())["messages"] == [{}] * 2048


def test_check_json_accepts_what_json_accepts():
    body = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a \"quoted\" [x]"}]}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            "temperature": 0.5, "stream": True, "stop": None, "unicode": "\u00e9\u4e2d\U0001f600"}
    check_json(json.dumps(body).encode(), _limits())
    check_json(json.dumps(body, ensure_ascii=False, indent=2).encode(), _limits())


# --- in-flight requests ------------------------------------------------------------------------

class Gate(AsyncGeneratorProvider):
    """Answers once the test opens the gate; counts who is waiting."""

    working = True
    gate: asyncio.Event
    waiting = 0

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        cls.waiting += 1
        try:
            await cls.gate.wait()
        finally:
            cls.waiting -= 1
        yield "done"


async def test_requests_beyond_the_in_flight_cap_get_503_with_retry_after(api):
    Gate.gate, Gate.waiting = asyncio.Event(), 0
    with registered(Gate):
        server, session = await api(max_in_flight=2)
        body = {"model": "m", "provider": "Gate", "messages": MESSAGES}
        running = [asyncio.create_task(post(session, server.url, body)) for _ in range(2)]
        for _ in range(500):
            if Gate.waiting == 2:
                break
            await asyncio.sleep(0.01)
        assert Gate.waiting == 2
        status, headers, answer = await post(session, server.url, body)
        assert status == 503, answer
        assert answer["error"]["code"] == "server_overloaded" and "--max-in-flight" in answer["error"]["message"]
        assert int(headers["Retry-After"]) >= 1
        async with session.get(server.url + "/v1/models") as response:  # every route counts
            assert response.status == 503
        Gate.gate.set()
        assert [status for status, _, _ in await asyncio.gather(*running)] == [200, 200]
        assert (await post(session, server.url, body))[0] == 200  # the slots are given back


async def test_the_openai_sdk_retries_a_503_after_retry_after(api):
    Gate.gate, Gate.waiting = asyncio.Event(), 0
    with registered(Gate):
        server, _ = await api(max_in_flight=1)
        client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=3)
        try:
            first = asyncio.create_task(client.chat.completions.create(
                model="m", messages=MESSAGES, extra_body={"provider": "Gate"}))
            for _ in range(500):
                if Gate.waiting == 1:
                    break
                await asyncio.sleep(0.01)
            second = asyncio.create_task(client.chat.completions.create(
                model="m", messages=MESSAGES, extra_body={"provider": "Gate"}))
            await asyncio.sleep(0.2)
            Gate.gate.set()
            results = await asyncio.gather(first, second)
            assert [r.choices[0].message.content for r in results] == ["done", "done"]
        finally:
            await client.close()
