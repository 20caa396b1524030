"""POST /v1/responses through the official openai SDK (and raw SSE), and the same through
``AsyncClient().responses`` / ``Client().responses``: text, streaming, function tools, reasoning,
usage, previous_response_id (per API key, Grok's conversation reused), errors before and after
the first event."""

from __future__ import annotations

import json

import aiohttp
import openai
import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import BadRequestError, RateLimitError, ResponseError
from g4f.providers.response import ProviderInfo, Reasoning, Usage
from g4f.testing.openai_replica import Fault, Reply

from ..client.scripted import registered, scripted
from ..replicas.groq import GROQ_KEY, GroqReplica
from .upstreams import replica_in_thread

GROQ = {"provider": "Groq"}
WEATHER = {"type": "function", "name": "get_weather", "description": "The weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

Thinker = scripted("Thinker", [ProviderInfo("Thinker", "think-1"), Reasoning("Let me see."), "Hi ", "there",
                               Usage(4, 2)])
Breaking = scripted("Breaking", ["Half an ans", ResponseError("the upstream stream broke off", provider="Breaking")])


async def test_non_streamed(api, groq_upstream):
    _, client = await api()
    response = await client.responses.create(model="llama-3.3-70b-versatile", input="Hello", extra_body=GROQ)
    assert response.output_text == "You said: Hello"
    assert response.status == "completed" and response.object == "response"
    assert response.id.startswith("resp_") and response.model == "llama-3.3-70b-versatile"
    [message] = response.output
    assert message.type == "message" and message.role == "assistant" and message.status == "completed"
    assert message.content[0].type == "output_text"
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.model_extra["provider"] == "Groq"


async def test_instructions_and_parameters_reach_the_provider(api, groq_upstream):
    _, client = await api()
    await client.responses.create(model="llama-3.3-70b-versatile", input="Hi", instructions="Be brief.",
                                  max_output_tokens=50, temperature=0.2, top_p=0.9, extra_body=GROQ)
    body = groq_upstream.last_request.body
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert (body["max_tokens"], body["temperature"], body["top_p"]) == (50, 0.2, 0.9)


async def test_streamed_event_sequence(api, groq_upstream):
    _, client = await api()
    stream = await client.responses.create(model="llama-3.3-70b-versatile", input="Stream it", stream=True,
                                           extra_body=GROQ)
    events = [event async for event in stream]
    assert [e.type for e in events[:4]] == ["response.created", "response.in_progress",
                                             "response.output_item.added", "response.content_part.added"]
    assert [e.type for e in events[-4:]] == ["response.output_text.done", "response.content_part.done",
                                              "response.output_item.done", "response.completed"]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "You said: Stream it" and len(deltas) > 1
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].response.status == "in_progress" and events[0].response.output == []
    done = events[-1].response
    assert done.status == "completed" and done.output_text == "You said: Stream it" and done.usage.total_tokens > 0
    assert events[-4].text == "You said: Stream it"


async def test_the_sdks_stream_helper(api, groq_upstream):
    _, client = await api()
    async with client.responses.stream(model="llama-3.3-70b-versatile", input="Helper", extra_body=GROQ) as stream:
        texts = [event.delta async for event in stream if event.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(texts) == final.output_text == "You said: Helper"


@pytest.mark.parametrize("stream", [False, True])
async def test_function_tool(api, groq_upstream, stream):
    _, client = await api()
    groq_upstream.replies.append(Reply(tool_calls=[{"id": "call_1", "name": "get_weather",
                                                    "arguments": '{"city": "Paris"}'}]))
    result = await client.responses.create(model="llama-3.3-70b-versatile", input="Weather in Paris?",
                                           tools=[WEATHER], tool_choice="auto", stream=stream, extra_body=GROQ)
    if stream:
        events = [event async for event in result]
        types = [e.type for e in events]
        assert "response.function_call_arguments.delta" in types
        done = next(e for e in events if e.type == "response.function_call_arguments.done")
        assert json.loads(done.arguments) == {"city": "Paris"}
        response = events[-1].response
    else:
        response = result
    [call] = response.output
    assert call.type == "function_call" and call.name == "get_weather" and call.call_id == "call_1"
    assert json.loads(call.arguments) == {"city": "Paris"}
    sent = groq_upstream.last_request.body
    assert sent["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "The weather in a city", "parameters": WEATHER["parameters"]}}]
    assert sent["tool_choice"] == "auto"


async def test_a_tool_result_goes_back_as_a_tool_message(api, groq_upstream):
    _, client = await api()
    groq_upstream.replies.append(Reply(tool_calls=[{"id": "call_7", "name": "get_weather",
                                                    "arguments": '{"city": "Oslo"}'}]))
    first = await client.responses.create(model="llama-3.3-70b-versatile", input="Weather in Oslo?",
                                          tools=[WEATHER], extra_body=GROQ)
    call = first.output[0]
    groq_upstream.replies.append(Reply(content="It is sunny in Oslo."))
    second = await client.responses.create(
        model="llama-3.3-70b-versatile", previous_response_id=first.id, tools=[WEATHER], extra_body=GROQ,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"sky": "sunny"}'}])
    assert second.output_text == "It is sunny in Oslo." and second.previous_response_id == first.id
    messages = groq_upstream.last_request.body["messages"]
    assert messages[0] == {"role": "user", "content": "Weather in Oslo?"}
    assert messages[1]["role"] == "assistant" and messages[1]["tool_calls"][0]["id"] == "call_7"
    assert messages[2] == {"role": "tool", "tool_call_id": "call_7", "content": '{"sky": "sunny"}'}


async def test_input_items_resent_by_the_client(api, groq_upstream):
    """A client that keeps the history itself sends messages, calls and outputs as items."""
    _, client = await api()
    await client.responses.create(model="llama-3.3-70b-versatile", extra_body=GROQ, input=[
        {"role": "user", "content": "Weather?"},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city": "Rome"}'},
        {"type": "function_call_output", "call_id": "c1", "output": "hot"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "And tomorrow?"}]},
    ])
    messages = groq_upstream.last_request.body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    assert messages[1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Rome"}'}
    assert messages[3]["content"] == [{"type": "text", "text": "And tomorrow?"}]


async def test_reasoning_items_for_a_thinking_model(api):
    _, client = await api()
    with registered(Thinker):
        response = await client.responses.create(model="m", input="Hi", extra_body={"provider": "Thinker"})
        stream = await client.responses.create(model="m", input="Hi", stream=True, extra_body={"provider": "Thinker"})
        events = [event async for event in stream]
    reasoning, message = response.output
    assert reasoning.type == "reasoning" and reasoning.content[0].text == "Let me see."
    assert message.content[0].text == "Hi there" and response.output_text == "Hi there"
    assert response.model == "think-1" and events[0].response.model == "think-1"
    assert "".join(e.delta for e in events if e.type == "response.reasoning_text.delta") == "Let me see."


async def test_previous_response_id_continues_the_conversation(api, groq_upstream):
    _, client = await api()
    first = await client.responses.create(model="llama-3.3-70b-versatile", input="My name is Ada.",
                                          instructions="Be kind.", extra_body=GROQ)
    second = await client.responses.create(input="What is my name?", previous_response_id=first.id)
    assert second.output_text == "You said: What is my name?"
    assert second.model_extra["provider"] == "Groq"  # the provider and model of the first answer
    assert groq_upstream.last_request.body["messages"] == [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "You said: My name is Ada."},
        {"role": "user", "content": "What is my name?"},  # instructions are not carried over
    ]


async def test_previous_responses_belong_to_their_api_key(api, serve, groq_upstream):
    server, alice = await api(client_key="key-alice", api_keys=("key-alice", "key-bob"))
    bob = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="key-bob", max_retries=0)
    try:
        first = await alice.responses.create(model="llama-3.3-70b-versatile", input="Secret", extra_body=GROQ)
        with pytest.raises(openai.NotFoundError) as caught:
            await bob.responses.create(input="Tell me", previous_response_id=first.id)
        assert caught.value.body["param"] == "previous_response_id"
        assert (await alice.responses.create(input="Again", previous_response_id=first.id)).status == "completed"
        unstored = await alice.responses.create(model="llama-3.3-70b-versatile", input="x", store=False,
                                                extra_body=GROQ)
        with pytest.raises(openai.NotFoundError):
            await alice.responses.create(input="y", previous_response_id=unstored.id)
    finally:
        await bob.close()


async def test_the_kept_responses_are_bounded(api, groq_upstream, monkeypatch):
    """Past the store's bound the oldest response is dropped: continuing it is a 404, not an error."""
    from g4f.client import responses
    from g4f.shared.store import Store

    monkeypatch.setattr(responses, "response_store", Store("responses-bound-test", max_entries=2, ttl=60))
    _, client = await api()
    made = [await client.responses.create(model="llama-3.3-70b-versatile", input=f"Turn {turn}", extra_body=GROQ)
            for turn in range(3)]
    with pytest.raises(openai.NotFoundError):
        await client.responses.create(input="Oldest?", previous_response_id=made[0].id)
    assert (await client.responses.create(input="Newest", previous_response_id=made[2].id)).status == "completed"


async def test_grok_continues_its_own_conversation(api, grok_upstream):
    _, client = await api()
    first = await client.responses.create(model="grok-3", input="Hello Grok", extra_body={"provider": "Grok"})
    assert first.output_text == "You said: Hello Grok."
    second = await client.responses.create(input="And now?", previous_response_id=first.id)
    assert second.output_text == "You said: And now?. Turn 2; before that you said: Hello Grok."
    new, continued = grok_upstream.requests
    assert new.path.endswith("/new") and continued.path.endswith("/responses")
    assert continued.payload["message"] == "And now?"  # only the new message: grok.com keeps the rest


@pytest.mark.parametrize(("fault", "error", "status", "kind"), [
    (Fault.rate_limit(retry_after=30), openai.RateLimitError, 429, "rate_limit_error"),
    (Fault.server_error(500), openai.InternalServerError, 502, "upstream_error"),
    (Fault(kind="http", status=401), openai.AuthenticationError, 401, "authentication_error"),
])
@pytest.mark.parametrize("stream", [False, True])
async def test_an_error_before_the_first_event_is_an_error_answer(api, groq_upstream, fault, error, status, kind,
                                                                  stream):
    _, client = await api()
    groq_upstream.faults.append(fault)
    with pytest.raises(error) as caught:
        await client.responses.create(model="llama-3.3-70b-versatile", input="Hi", stream=stream, extra_body=GROQ)
    assert caught.value.status_code == status and caught.value.body["type"] == kind
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "30"


async def test_an_error_after_the_first_event_is_response_failed(api):
    server, client = await api()
    with registered(Breaking):
        stream = await client.responses.create(model="m", input="Hi", stream=True,
                                               extra_body={"provider": "Breaking"})
        events = [event async for event in stream]
    assert events[-1].type == "response.failed"
    failed = events[-1].response
    assert failed.status == "failed" and "broke off" in failed.error.message
    assert failed.error.code == "server_error"  # one of OpenAI's codes for a failed response
    assert not any(e.type == "response.completed" for e in events)
    body_json = {"model": "m", "input": "Hi", "stream": True, "provider": "Breaking"}
    with registered(Breaking):  # the wire: named events, the last one failed
        async with aiohttp.ClientSession() as session, session.post(f"{server.url}/v1/responses",
                                                                    json=body_json) as answer:
            body = (await answer.read()).decode()
    blocks = [block for block in body.split("\n\n") if block]
    assert blocks[0].startswith("event: response.created\ndata: ")
    assert blocks[-1].startswith("event: response.failed\ndata: ")
    from openai.types.responses import ResponseFailedEvent

    failed_event = ResponseFailedEvent.model_validate_json(blocks[-1].split("data: ", 1)[1])  # strictly, as the SDK's
    assert "broke off" in failed_event.response.error.message


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "m", "input": "x", "tools": [{"type": "web_search"}]}, "tools[0].type"),
    ({"model": "m", "input": "x", "frobnicate": 1}, "frobnicate"),
    ({"model": "m"}, "input"),
    ({"model": "m", "input": [{"type": "item_reference", "id": "x"}]}, "input[0].type"),
    ({"model": "m", "input": "x", "temperature": 5}, "temperature"),
])
async def test_refused_requests(api, body, param):
    server, _ = await api()
    async with aiohttp.ClientSession() as session, session.post(
            f"{server.url}/v1/responses", json={**body, "provider": "Groq"}) as answer:
        assert answer.status == 400
        error = (await answer.json())["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"


async def test_python_async_client(groq_upstream):
    client = AsyncClient(provider="Groq")
    response = await client.responses.create(model="llama-3.3-70b-versatile", input="From Python")
    assert response.output_text == "You said: From Python" and response.provider == "Groq"
    stream = client.responses.create(model="llama-3.3-70b-versatile", input="Streamed", stream=True)
    types = [event.type async for event in await stream]
    assert types[0] == "response.created" and types[-1] == "response.completed"
    follow = await client.responses.create(input="Next", previous_response_id=response.id)
    assert follow.output_text == "You said: Next"
    assert response.to_dict()["output"][0]["content"][0] == {"type": "output_text", "text": "You said: From Python",
                                                              "annotations": [], "logprobs": []}


async def test_python_async_client_errors(groq_upstream):
    client = AsyncClient(provider="Groq")
    with pytest.raises(BadRequestError) as caught:
        client.responses.create(model="m", input="x", tools=[{"type": "file_search"}])
    assert caught.value.param == "tools[0].type"
    with pytest.raises(BadRequestError, match="previous_response_id"):
        await client.responses.create(input="x", previous_response_id="resp_never")
    groq_upstream.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(RateLimitError):
        await client.responses.create(model="llama-3.3-70b-versatile", input="Hi")
    with registered(Breaking):  # an error after the start is raised, not hidden behind a shorter answer
        stream = client.responses.create(model="m", input="Hi", stream=True, provider="Breaking")
        seen = []
        with pytest.raises(ResponseError, match="broke off"):
            async for event in stream:
                seen.append(event.type)
    assert seen[0] == "response.created"


def test_python_sync_client():
    with replica_in_thread(GroqReplica) as replica:
        client = Client(provider="Groq", api_key=GROQ_KEY, base_url=replica.base_url)
        response = client.responses.create(model="llama-3.3-70b-versatile", input="Blocking")
        assert response.output_text == "You said: Blocking"
        deltas = [e.delta for e in client.responses.create(model="llama-3.3-70b-versatile", input="Sync stream",
                                                          stream=True) if e.type == "response.output_text.delta"]
        assert "".join(deltas) == "You said: Sync stream"
        assert client.responses.create(input="Again", previous_response_id=response.id).status == "completed"


def test_the_text_delta_fast_path_writes_the_same_event():
    from g4f.api.openai_responses import EventEncoder, _event
    from g4f.client.responses_stubs import ResponseStreamEvent

    encoder = EventEncoder()
    for number, (item, index, text) in enumerate([("msg_a", 0, "Hi"), ("msg_a", 0, ' "quoted"\n'), ("msg_b", 2, "é")]):
        event = ResponseStreamEvent("response.output_text.delta", number, item_id=item, output_index=index,
                                    content_index=0, delta=text, logprobs=[])
        fast, generic = encoder.encode(event), _event(event)
        assert fast.split(b"\n", 1)[0] == generic.split(b"\n", 1)[0] == b"event: response.output_text.delta"
        assert json.loads(fast.split(b"data: ", 1)[1]) == json.loads(generic.split(b"data: ", 1)[1])
        assert fast.endswith(b"}\n\n")


async def test_the_objects_validate_as_the_sdks_models():
    """What ``AsyncClient().responses`` returns is what the openai SDK's models accept."""
    from openai.types.responses import Response as SdkResponse
    from openai.types.responses import ResponseStreamEvent as SdkEvent
    from pydantic import TypeAdapter

    from g4f.client import Response, ResponseStreamEvent
    from g4f.providers.response import ToolCalls

    caller = scripted("Caller", [ProviderInfo("Caller", "think-1"), Reasoning("Let me see."), "Hi ", "there",
                                 ToolCalls([{"id": "call_1", "type": "function",
                                             "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]),
                                 Usage(4, 2)])
    with registered(caller):
        stream = AsyncClient().responses.create(model="m", input="Hi", stream=True, provider="Caller",
                                                tools=[WEATHER])
        events = [event async for event in stream]
    assert all(isinstance(event, ResponseStreamEvent) for event in events)
    adapter = TypeAdapter(SdkEvent)
    parsed = [adapter.validate_python(event.to_dict()) for event in events]
    assert [event.type for event in parsed] == [event.type for event in events]
    final = events[-1].response
    assert isinstance(final, Response)
    sdk = SdkResponse.model_validate(final.to_dict())
    assert sdk.output_text == "Hi there" and sdk.usage.total_tokens == 6
    assert [item.type for item in sdk.output] == ["reasoning", "message", "function_call"]
    assert "response.function_call_arguments.delta" in [event.type for event in parsed]
