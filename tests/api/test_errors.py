"""Every error reaches an OpenAI client as OpenAI's JSON error with the right status, so the openai
SDK raises its own exception type; an error during a stream is an error event, then [DONE]."""

from __future__ import annotations

import json
import logging

import aiohttp
import openai
import pytest

from g4f.errors import (
    MissingAuthError,
    ModelNotFoundError,
    NetworkError,
    PaymentRequiredError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    RetryProviderError,
    TimeoutError,
)

from ..client.scripted import registered, scripted

MESSAGES = [{"role": "user", "content": "Hello"}]


def failing(name: str, error: BaseException, before: list | None = None):
    return scripted(name, [*(before or []), error])


async def ask(client, provider: str, stream: bool = False, **kwargs):
    result = await client.chat.completions.create(model="m", messages=MESSAGES, stream=stream,
                                                  extra_body={"provider": provider}, **kwargs)
    if stream:
        return [chunk async for chunk in result]
    return result


@pytest.mark.parametrize("stream", [False, True])
async def test_rate_limit_is_429_with_retry_after(api, stream):
    _, client = await api()
    with (
        registered(failing("Limited", RateLimitError("slow down", provider="Limited", retry_after=6.2))),
        pytest.raises(openai.RateLimitError) as caught,
    ):
        await ask(client, "Limited", stream)
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.body["code"] == "rate_limit_exceeded"
    assert "slow down" in caught.value.message


@pytest.mark.parametrize(("error", "sdk_error", "status"), [
    (MissingAuthError("no API key; set ACME_API_KEY", provider="Acme"), openai.AuthenticationError, 401),
    (PaymentRequiredError("HTTP 402: no credits", provider="Acme", status=402), openai.APIStatusError, 402),
    (ModelNotFoundError("model 'x' not found", provider="Acme"), openai.NotFoundError, 404),
    (ResponseStatusError("HTTP 500: boom", provider="Acme", status=500), openai.InternalServerError, 502),
    (NetworkError("connection refused", provider="Acme"), openai.InternalServerError, 502),
    (ResponseError("the stream ended before [DONE]", provider="Acme"), openai.InternalServerError, 502),
    (TimeoutError("timed out", provider="Acme"), openai.InternalServerError, 504),
])
async def test_provider_errors_map_to_status_and_sdk_type(api, error, sdk_error, status):
    _, client = await api()
    with registered(failing("Acme", error)), pytest.raises(sdk_error) as caught:
        await ask(client, "Acme")
    assert caught.value.status_code == status
    assert caught.value.body["message"] == str(error)
    assert set(caught.value.body) == {"message", "type", "param", "code"}


async def test_every_provider_rate_limited_is_429_with_the_shortest_wait(api):
    error = RetryProviderError("no provider answered", [
        ("A", RateLimitError("A: 429", provider="A", retry_after=30)),
        ("B", RateLimitError("B: 429", provider="B", retry_after=5)),
    ])
    _, client = await api()
    with registered(failing("Fallback", error)), pytest.raises(openai.RateLimitError) as caught:
        await ask(client, "Fallback")
    assert caught.value.response.headers["retry-after"] == "5"


async def test_mixed_fallback_failure_is_502(api):
    error = RetryProviderError("no provider answered", [
        ("A", RateLimitError("A: 429", provider="A")), ("B", NetworkError("B: refused", provider="B"))])
    _, client = await api()
    with registered(failing("Fallback", error)), pytest.raises(openai.InternalServerError) as caught:
        await ask(client, "Fallback")
    assert caught.value.status_code == 502 and "B: NetworkError: refused" in caught.value.message


async def test_unknown_provider_and_unknown_route_are_404(api):
    server, client = await api()
    with pytest.raises(openai.NotFoundError) as caught:
        await ask(client, "NoSuchProvider")
    assert caught.value.body["code"] == "provider_not_found" and "NoSuchProvider" in caught.value.message
    async with aiohttp.ClientSession() as session, session.get(f"{server.url}/v1/nothing-here") as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


@pytest.mark.parametrize(("body", "param", "says"), [
    ({"messages": []}, "messages", "non-empty"),
    ({"model": "m"}, "messages", "non-empty"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role", "must be one of"),
    ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content", "string or an array"),
    ({"messages": MESSAGES, "temperature": 9}, "temperature", "between 0 and 2"),
    ({"messages": MESSAGES, "max_tokens": "many"}, "max_tokens", "integer"),
    ({"messages": MESSAGES, "stream": "yes"}, "stream", "boolean"),
    ({"messages": MESSAGES, "n": 2}, "n", "n=1"),
    ({"messages": MESSAGES, "stop": [1]}, "stop", "strings"),
    ({"messages": MESSAGES, "tools": [{"type": "function"}]}, "tools[0]", "function"),
    ({"messages": MESSAGES, "base_url": "http://evil.test"}, "base_url", "unrecognized"),
    ({"messages": MESSAGES, "proxy": "http://evil.test"}, "proxy", "unrecognized"),
])
async def test_invalid_requests_are_400_saying_what_is_wrong(api, body, param, says):
    _, client = await api()
    with pytest.raises(openai.BadRequestError) as caught:
        await client.post("/chat/completions", body=body, cast_to=object)
    assert caught.value.status_code == 400
    assert caught.value.body["param"] == param
    assert says in caught.value.message


async def test_body_that_is_not_json_is_400(api):
    server, _ = await api()
    async with aiohttp.ClientSession() as session:
        for data in (b"{not json", b"[1, 2]", b""):
            async with session.post(f"{server.url}/v1/chat/completions", data=data,
                                    headers={"Content-Type": "application/json"}) as response:
                assert response.status == 400
                assert (await response.json())["error"]["type"] == "invalid_request_error"


async def test_body_over_the_limit_is_413(api):
    _, client = await api(max_body_size=2000)
    with pytest.raises(openai.APIStatusError) as caught:
        await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x" * 5000}])
    assert caught.value.status_code == 413 and "2000 bytes" in caught.value.message


async def test_bugs_are_500_without_details_and_are_logged(api, caplog):
    _, client = await api()
    with (
        registered(failing("Buggy", TypeError("secret internals"))),
        caplog.at_level(logging.ERROR, logger="g4f"),pytest.raises(openai.InternalServerError) as caught
    ):
        await ask(client, "Buggy")
    assert caught.value.status_code == 500 and caught.value.body["message"] == "internal server error"
    assert "TypeError" in caplog.text and "secret internals" in caplog.text


async def test_a_providers_own_exception_is_an_upstream_failure(api):
    # A gpt4free-style provider's plain exception is its upstream failing (g4f.providers.failures).
    _, client = await api()
    with (
        registered(failing("Plain", ZeroDivisionError("no tokens"))),
        pytest.raises(openai.APIStatusError) as caught,
    ):
        await ask(client, "Plain")
    assert caught.value.status_code == 502 and caught.value.body["type"] == "upstream_error"
    assert caught.value.body["message"] == "the provider failed: ZeroDivisionError: no tokens"


async def test_error_during_a_stream_is_an_error_event_then_done(api):
    _, client = await api()
    cut = failing("Cut", ResponseError("the stream was cut short", provider="Cut"), before=["Partial ", "answer"])
    with registered(cut):
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True,
                                                      extra_body={"provider": "Cut"})
        received = []
        with pytest.raises(openai.APIError) as caught:
            async for chunk in stream:
                received.append(chunk.choices[0].delta.content)
        assert received == ["Partial ", "answer"]
        assert "cut short" in caught.value.message and caught.value.body["code"] == "upstream_failed"


async def test_error_event_on_the_wire(api):
    server, _ = await api()
    late = failing("Late", RateLimitError("too fast", provider="Late", retry_after=2), before=["a"])
    with registered(late):
        body = {"messages": MESSAGES, "stream": True, "provider": "Late"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{server.url}/v1/chat/completions", json=body) as response,
        ):
            assert response.status == 200
            events = [e for e in (await response.read()).decode().split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    error = json.loads(events[-2][len("data: "):])["error"]
    assert error["type"] == "rate_limit_error" and "too fast" in error["message"]
