"""OpenaiTemplate against the Groq replica: requests, events, streaming and non-streaming alike."""

from __future__ import annotations

import json
import logging

import pytest

import g4f
from g4f.errors import BadRequestError, MissingAuthError
from g4f.Provider.needs_auth.Groq import Groq
from g4f.providers.response import FinishReason, ProviderInfo, Reasoning, ToolCalls, Usage, is_text
from g4f.testing.openai_replica import Reply
from tests.replicas.groq import GROQ_KEY

MESSAGES = [{"role": "user", "content": "hello big world"}]


async def collect(replica, model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True, provider=Groq, **kw):
    kw.setdefault("api_key", GROQ_KEY)
    kw.setdefault("base_url", replica.base_url)
    return [item async for item in provider.create_async_generator(model, messages, stream=stream, **kw)]


def text_of(items):
    return "".join(item for item in items if is_text(item))


def summary(items):
    """What a user sees of an answer, independent of how it was chunked."""
    return {
        "info": [(i.name, i.model) for i in items if isinstance(i, ProviderInfo)],
        "text": text_of(items),
        "reasoning": "".join(i.token for i in items if isinstance(i, Reasoning)),
        "tools": [i.calls for i in items if isinstance(i, ToolCalls)],
        "usage": [i.to_dict() for i in items if isinstance(i, Usage)],
        "finish": [i.reason for i in items if isinstance(i, FinishReason)],
        "order": [type(i).__name__ for i in items if not is_text(i) and not isinstance(i, Reasoning)],
    }


async def test_stream_yields_provider_info_first_then_text_usage_and_finish(groq):
    items = await collect(groq)
    assert isinstance(items[0], ProviderInfo)
    assert (items[0].name, items[0].model) == ("Groq", "llama-3.3-70b-versatile")
    assert text_of(items) == "You said: hello big world"
    assert [i for i in items if is_text(i)] == ["You ", "said: ", "hello ", "big ", "world"]
    usage = next(i for i in items if isinstance(i, Usage))
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (7, 5, 12)
    assert usage.queue_time == 0.01 and usage.total_time == pytest.approx(0.0207)
    assert usage.cost == pytest.approx((7 * 0.59 + 5 * 0.79) / 1e6)
    assert isinstance(items[-1], FinishReason) and items[-1].reason == "stop"
    body = groq.last_request.body
    assert body["stream"] is True and body["model"] == "llama-3.3-70b-versatile"
    assert groq.last_request.headers["Accept"] == "text/event-stream"


@pytest.mark.parametrize("reply", [
    Reply(content="Plain answer here."),
    Reply(content="Let me check.", tool_calls=[{"id": "call_a", "name": "weather", "arguments": {"city": "Paris"}},
                                               {"id": "call_b", "name": "time", "arguments": {"tz": "CET"}}]),
], ids=["text", "tools"])
@pytest.mark.parametrize("model", ["llama-3.3-70b-versatile", "qwen/qwen3-32b"])
async def test_stream_and_non_stream_give_the_same_events(groq, reply, model):
    groq.default_reply = Reply(**{**reply.__dict__, "times": 0})
    extra = {"reasoning_format": "parsed"} if model.startswith("qwen") else {}
    streamed = await collect(groq, model, stream=True, **extra)
    whole = await collect(groq, model, stream=False, **extra)
    assert groq.requests[-1].body["stream"] is False
    assert summary(streamed) == summary(whole)
    assert len([i for i in streamed if is_text(i)]) > 1  # really streamed in pieces
    if model.startswith("qwen"):
        assert summary(whole)["reasoning"]


async def test_parameters_pass_through_to_the_upstream(groq):
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
    params = {"temperature": 0.2, "max_tokens": 50, "max_completion_tokens": 60, "top_p": 0.9, "seed": 7, "stop": ["\n\n"], "n": 1,
                  "presence_penalty": 0.1, "frequency_penalty": 0.3, "tools": tools, "tool_choice": "auto",
                  "parallel_tool_calls": True, "user": "user-1", "service_tier": "on_demand",
                  "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}}
    await collect(groq, **params)
    body = groq.last_request.body
    for key, value in params.items():
        assert body[key] == value, key
    await collect(groq, "qwen/qwen3-32b", reasoning_format="parsed", reasoning_effort="none",
                  extra_body={"metadata": {"trace": "abc"}, "temperature": 0.0}, temperature=1.5)
    body = groq.last_request.body
    assert (body["reasoning_format"], body["reasoning_effort"]) == ("parsed", "none")
    assert body["metadata"] == {"trace": "abc"} and body["temperature"] == 0.0  # extra_body wins
    await collect(groq, "openai/gpt-oss-20b", include_reasoning=False)
    assert groq.last_request.body["include_reasoning"] is False


async def test_framework_keywords_and_none_values_are_not_sent_and_are_logged(groq, caplog):
    # Through the call boundary (every door): g4f's own keywords never reach the upstream.
    with caplog.at_level(logging.DEBUG, logger="g4f"):
        stream = await g4f.ChatCompletion.create_async(
            "llama-3.3-70b-versatile", MESSAGES, provider=Groq, stream=True, api_key=GROQ_KEY,
            base_url=groq.base_url, conversation={"conversation_id": "c-1"}, web_search=False,  # true: refused (400)
            return_conversation=True, temperature=None, seed=3)
        assert text_of([item async for item in stream]) == "You said: hello big world"
    body = groq.last_request.body
    assert not {"web_search", "return_conversation", "conversation", "temperature"} & set(body)
    assert body["seed"] == 3
    assert "conversation, return_conversation, web_search" in caplog.text


async def test_a_parameter_the_upstream_refuses_is_a_bad_request_quoting_it(groq):
    with pytest.raises(BadRequestError, match="property 'frobnicate' is unsupported") as info:
        await collect(groq, frobnicate=1)
    assert info.value.status == 400 and "Groq" in str(info.value)


async def test_api_base_is_a_synonym_of_base_url(groq):
    items = await collect(groq, base_url=None, api_base=groq.base_url + "/")
    assert text_of(items) == "You said: hello big world"


async def test_parallel_tool_call_fragments_are_assembled_per_index(groq):
    calls = [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
             {"id": "call_2", "name": "get_time", "arguments": {"timezone": "Europe/Paris"}},
             {"id": "call_3", "name": "noop", "arguments": "{}"}]
    groq.replies.append(Reply(tool_calls=calls))
    items = await collect(groq, tools=[{"type": "function", "function": {"name": "get_weather"}}])
    fragments = groq.last_request  # the replica streamed >1 fragment per call; the provider got whole calls
    assert fragments.body["tools"]
    (event,) = [i for i in items if isinstance(i, ToolCalls)]
    assert [c["id"] for c in event.calls] == ["call_1", "call_2", "call_3"]
    assert [c["function"]["name"] for c in event.calls] == ["get_weather", "get_time", "noop"]
    assert json.loads(event.calls[0]["function"]["arguments"]) == {"city": "Paris", "unit": "celsius"}
    assert json.loads(event.calls[1]["function"]["arguments"]) == {"timezone": "Europe/Paris"}
    assert all(c["type"] == "function" for c in event.calls)
    assert items[-1].reason == "tool_calls" and text_of(items) == ""


async def test_parsed_reasoning_becomes_reasoning_events_never_text(groq):
    items = await collect(groq, "qwen/qwen3-32b", reasoning_format="parsed")
    reasoning = "".join(i.token for i in items if isinstance(i, Reasoning))
    assert reasoning == "The user wrote 'hello big world'. I will repeat it."
    assert text_of(items) == "You said: hello big world"
    first_text = next(n for n, i in enumerate(items) if is_text(i))
    assert all(n < first_text for n, i in enumerate(items) if isinstance(i, Reasoning))


async def test_raw_reasoning_stays_in_the_text_as_the_upstream_sent_it(groq):
    items = await collect(groq, "deepseek-r1-distill-llama-70b", reasoning_format="raw")
    assert text_of(items).startswith("<think>The user wrote") and not any(isinstance(i, Reasoning) for i in items)


async def test_json_mode_answers_json(groq):
    messages = [{"role": "user", "content": "Reply in JSON: ping"}]
    for stream in (True, False):
        items = await collect(groq, messages=messages, stream=stream, response_format={"type": "json_object"})
        assert json.loads(text_of(items)) == {"you_said": "Reply in JSON: ping"}


async def test_json_mode_without_the_word_json_is_refused_with_groqs_message(groq):
    with pytest.raises(BadRequestError, match="must contain the word 'json'"):
        await collect(groq, response_format={"type": "json_object"})


async def test_missing_key_fails_before_any_request(groq):
    with pytest.raises(MissingAuthError, match="GROQ_API_KEY"):
        await collect(groq, api_key=None)
    assert groq.requests == []


async def test_key_from_the_environment(groq, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    await collect(groq, api_key=None)
    assert groq.last_request.bearer == GROQ_KEY


async def test_text_deltas_are_the_upstreams_own_pieces(groq):
    pieces = [f"w{i} " for i in range(2000)]
    groq.replies.append(Reply(pieces=pieces))
    items = await collect(groq)
    assert [i for i in items if is_text(i)] == pieces  # one yield per delta, nothing re-joined


async def test_requests_go_through_the_proxy(groq):
    """The replica doubles as an HTTP proxy: the upstream's host does not even resolve."""
    items = await collect(groq, base_url="http://api.groq.invalid/openai/v1", proxy=groq.url, max_retries=0)
    assert text_of(items) == "You said: hello big world"
    assert groq.last_request.headers["Host"] == "api.groq.invalid"
    models = await Groq.get_models_async(api_key=GROQ_KEY, base_url="http://api.groq.invalid/openai/v1",
                                         proxy=groq.url)
    assert "qwen/qwen3-32b" in models and groq.last_request.path == "/openai/v1/models"


async def test_asking_for_several_choices_is_refused_rather_than_mixed(groq):
    with pytest.raises(BadRequestError, match="n=2") as info:
        await g4f.ChatCompletion.create_async("llama-3.3-70b-versatile", MESSAGES, provider=Groq, n=2,
                                              api_key=GROQ_KEY, base_url=groq.base_url)
    assert info.value.param == "n"
    assert groq.requests == []


async def test_leaving_a_stream_early_closes_the_upstream_connection(groq):
    groq.replies.append(Reply(pieces=["word "] * 50, delay=0.01))
    stream = Groq.create_async_generator("llama-3.3-70b-versatile", MESSAGES, api_key=GROQ_KEY,
                                         base_url=groq.base_url)
    async for item in stream:
        if is_text(item):
            break
    await stream.aclose()
    assert await groq.wait_for_disconnects(1, timeout=10)


async def test_a_non_streamed_request_whose_upstream_streams_anyway_is_read_whole_or_fails():
    """Some OpenAI-compatible servers stream whatever ``stream`` says. A non-streamed request
    then reads the stream to its end inside its try: the same events as a JSON answer, and a
    stream cut short is an error, never a shorter answer."""
    from aiohttp import web

    from g4f.errors import ResponseError
    from g4f.testing.server import LocalServer

    chunks = [{"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta,
                                                                           "finish_reason": finish}]}
              for delta, finish in (({"role": "assistant"}, None), ({"content": "Hello "}, None),
                                    ({"content": "there"}, None), ({}, "stop"))]
    asked: list[bool] = []

    async def completions(request: web.Request) -> web.StreamResponse:
        asked.append((await request.json())["stream"])
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        cut = request.path.startswith("/cut/")  # ends after two events, without [DONE]
        for chunk in chunks[:2] if cut else chunks:
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        if not cut:
            await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    app.router.add_post("/cut/v1/chat/completions", completions)

    async def ask(path: str) -> list:
        return [item async for item in Groq.create_async_generator(
            "llama-3.3-70b-versatile", MESSAGES, stream=False, api_key=GROQ_KEY, base_url=f"{server.url}{path}")]

    async with LocalServer(app) as server:
        items = await ask("/v1")
        with pytest.raises(ResponseError, match=r"\[DONE\]"):
            await ask("/cut/v1")
    assert asked[0] is False
    assert text_of(items) == "Hello there"
    assert isinstance(items[0], ProviderInfo) and sum(isinstance(item, ProviderInfo) for item in items) == 1
    assert isinstance(items[-1], FinishReason) and items[-1].reason == "stop"
