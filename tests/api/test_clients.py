"""Other clients, unchanged, against ``g4f api``: langchain-openai with ``use_responses_api=True``
and LiteLLM (``litellm.completion`` and ``litellm.responses``), streamed and not, tools included,
all on 127.0.0.1 (the real Groq provider on its replica behind the server).

LiteLLM is kept off the network: no telemetry, its model-cost map is read from the package
(``LITELLM_LOCAL_MODEL_COST_MAP``) instead of fetched when it is imported, and the tokenizer it
counts llama tokens with is not downloaded from Hugging Face (``HF_HUB_OFFLINE``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from g4f.errors import ResponseError
from g4f.testing.openai_replica import Fault, Reply

from ..client.scripted import registered, scripted

MODEL = "llama-3.3-70b-versatile"
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


@pytest.fixture(scope="session")
def litellm_module() -> Any:
    """LiteLLM, imported once and offline."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ["LITELLM_TELEMETRY"] = "False"
    # LiteLLM counts a llama model's tokens with a Hugging Face tokenizer, which it would download.
    os.environ["HF_HUB_OFFLINE"] = "1"
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    # A model LiteLLM does not know is "faked" when streamed through litellm.responses (one
    # non-streamed request, replayed as events); declaring it streams for real, as a user would.
    # Its mode stays "chat": with mode "responses", litellm.completion would go to /v1/responses
    # too. ("scripted" is the model the scripted providers are asked for.)
    streams = {"litellm_provider": "openai", "mode": "chat", "supports_native_streaming": True}
    litellm.register_model({f"openai/{MODEL}": streams, "openai/scripted": streams})
    return litellm


@pytest.fixture
async def litellm(litellm_module: Any) -> Any:
    """LiteLLM for one test; the HTTP clients it caches for the test's loop are closed after it."""
    yield litellm_module
    await litellm_module.close_litellm_async_clients()


@pytest.fixture
async def base_url(api, groq_upstream) -> str:
    """The server's API root; the model resolves to Groq (the only provider with credentials)."""
    server, _ = await api()
    return f"{server.url}/v1"


# -- langchain-openai --------------------------------------------------------------------------------
@pytest.fixture
async def http_client() -> Any:
    """The HTTP client LangChain's model uses here, closed with the test's loop (LangChain's own
    default is cached across loops)."""
    import httpx

    async with httpx.AsyncClient() as client:
        yield client


def _chat_model(base_url: str, http_client: Any) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=MODEL, base_url=base_url, api_key="unused", use_responses_api=True, max_retries=0,
                      http_async_client=http_client)


async def test_langchain_invoke_and_stream(base_url, groq_upstream, http_client):
    model = _chat_model(base_url, http_client)
    answer = await model.ainvoke("Hello LangChain")
    assert answer.text == "You said: Hello LangChain"
    assert answer.response_metadata["id"].startswith("resp_")  # /v1/responses answered
    assert answer.usage_metadata["input_tokens"] > 0 and answer.usage_metadata["output_tokens"] > 0
    assert groq_upstream.last_request.body["messages"][-1] == {"role": "user", "content": "Hello LangChain"}
    chunks = [chunk async for chunk in model.astream("Stream LangChain")]
    assert "".join(chunk.text for chunk in chunks) == "You said: Stream LangChain" and len(chunks) > 2


@pytest.mark.parametrize("stream", [False, True])
async def test_langchain_tool_loop(base_url, groq_upstream, http_client, stream):
    from langchain_core.messages import HumanMessage, ToolMessage

    model = _chat_model(base_url, http_client).bind_tools([WEATHER])
    groq_upstream.replies.append(Reply(tool_calls=[{"id": "call_9", "name": "get_weather",
                                                    "arguments": '{"city": "Lima"}'}]))
    question = HumanMessage("Weather in Lima?")
    if stream:
        message = None
        async for chunk in model.astream([question]):
            message = chunk if message is None else message + chunk
    else:
        message = await model.ainvoke([question])
    [call] = message.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Lima"}
    groq_upstream.replies.append(Reply(content="It is mild in Lima."))
    answer = await model.ainvoke([question, message, ToolMessage("mild, 19 C", tool_call_id=call["id"])])
    assert answer.text == "It is mild in Lima."
    sent = groq_upstream.last_request.body["messages"]
    assert sent[-1] == {"role": "tool", "tool_call_id": "call_9", "content": "mild, 19 C"}
    assert sent[-2]["tool_calls"][0]["function"]["name"] == "get_weather"


async def test_langchain_sees_upstream_errors(base_url, groq_upstream, http_client):
    import openai

    groq_upstream.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(openai.RateLimitError):
        await _chat_model(base_url, http_client).ainvoke("Hi")


# -- LiteLLM -------------------------------------------------------------------------------------------
async def test_litellm_completion(litellm, base_url, groq_upstream):
    response = await litellm.acompletion(model=f"openai/{MODEL}", api_base=base_url, api_key="unused",
                                         messages=[{"role": "user", "content": "Hello LiteLLM"}])
    assert response.choices[0].message.content == "You said: Hello LiteLLM"
    assert response.usage.total_tokens > 0
    assert response.id.startswith("chatcmpl-")  # /v1/chat/completions answered (the upstream's id), not /v1/responses
    stream = await litellm.acompletion(model=f"openai/{MODEL}", api_base=base_url, api_key="unused", stream=True,
                                       messages=[{"role": "user", "content": "Stream LiteLLM"}])
    chunks = [chunk async for chunk in stream]
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "You said: Stream LiteLLM"
    assert chunks[0].id.startswith("chatcmpl-")
    assert groq_upstream.last_request.body["stream"] is True


async def test_litellm_completion_with_a_tool(litellm, base_url, groq_upstream):
    groq_upstream.replies.append(Reply(tool_calls=[{"id": "call_3", "name": "get_weather",
                                                    "arguments": '{"city": "Kyiv"}'}]))
    response = await litellm.acompletion(model=f"openai/{MODEL}", api_base=base_url, api_key="unused",
                                         tools=[WEATHER], messages=[{"role": "user", "content": "Weather?"}])
    [call] = response.choices[0].message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Kyiv"}
    assert response.choices[0].finish_reason == "tool_calls"


async def test_litellm_responses(litellm, base_url, groq_upstream):
    response = await litellm.aresponses(model=f"openai/{MODEL}", api_base=base_url, api_key="unused",
                                        input="Hello Responses")
    assert response.output[0].content[0].text == "You said: Hello Responses"
    assert response.usage.input_tokens > 0 and response.id.startswith("resp_")
    stream = await litellm.aresponses(model=f"openai/{MODEL}", api_base=base_url, api_key="unused",
                                      input="Stream Responses", stream=True)
    events = [event async for event in stream]
    deltas = [event.delta for event in events if str(getattr(event.type, "value", event.type)).endswith(
        "output_text.delta")]
    assert "".join(deltas) == "You said: Stream Responses"
    assert str(getattr(events[-1].type, "value", events[-1].type)) == "response.completed"
    assert groq_upstream.last_request.body["stream"] is True
    follow = await litellm.aresponses(model=f"openai/{MODEL}", api_base=base_url, api_key="unused",
                                      input="And then?", previous_response_id=response.id)
    assert follow.output[0].content[0].text == "You said: And then?"
    assert len(groq_upstream.last_request.body["messages"]) == 3


async def test_litellm_sees_errors_as_its_own_types(litellm, base_url, groq_upstream):
    groq_upstream.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(litellm.RateLimitError):
        await litellm.acompletion(model=f"openai/{MODEL}", api_base=base_url, api_key="unused", num_retries=0,
                                  messages=[{"role": "user", "content": "Hi"}])


# -- errors, streamed and not, before the answer and in the middle of it -----------------------------
Breaking = scripted("Breaking", ["Half an ans", ResponseError("the upstream stream broke off", provider="Breaking")])


async def test_langchain_stream_errors(base_url, groq_upstream, http_client):
    """Before the first event: the SDK's status error; after it (``response.failed``): an error,
    never a shorter answer."""
    import openai
    from langchain_openai import ChatOpenAI

    groq_upstream.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(openai.RateLimitError):
        [chunk async for chunk in _chat_model(base_url, http_client).astream("Hi")]
    breaking = ChatOpenAI(model="m", base_url=base_url, api_key="unused", use_responses_api=True, max_retries=0,
                          http_async_client=http_client, extra_body={"provider": "Breaking"})
    seen = []
    # LangChain raises a ValueError holding the response.failed event's error
    with registered(Breaking), pytest.raises(ValueError, match="server_error.*broke off"):
        async for chunk in breaking.astream("Hi"):
            seen.append(chunk.text)
    assert "".join(seen) == "Half an ans"


# LiteLLM's own code warns (pydantic, about a TypedDict of its own) when it reads an error chunk.
@pytest.mark.filterwarnings("ignore:Item 'index' on TypedDict class:UserWarning")
async def test_litellm_stream_errors(litellm, base_url, groq_upstream):
    groq_upstream.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(litellm.RateLimitError):
        stream = await litellm.acompletion(model=f"openai/{MODEL}", api_base=base_url, api_key="unused", stream=True,
                                           num_retries=0, messages=[{"role": "user", "content": "Hi"}])
        [chunk async for chunk in stream]
    # an error event after the first chunks: LiteLLM's MidStreamFallbackError (a ServiceUnavailableError)
    with registered(Breaking), pytest.raises(litellm.ServiceUnavailableError, match="broke off"):
        stream = await litellm.acompletion(model="openai/m", api_base=base_url, api_key="unused", stream=True,
                                           num_retries=0, messages=[{"role": "user", "content": "Hi"}],
                                           extra_body={"provider": "Breaking"})
        [chunk async for chunk in stream]


@pytest.mark.parametrize("stream", [False, True])
async def test_litellm_responses_errors(litellm, base_url, groq_upstream, stream):
    groq_upstream.faults.append(Fault.rate_limit(retry_after=30))
    with pytest.raises(litellm.RateLimitError):
        answer = await litellm.aresponses(model=f"openai/{MODEL}", api_base=base_url, api_key="unused",
                                          input="Hi", stream=stream, num_retries=0)
        if stream:
            [event async for event in answer]


async def test_litellm_responses_stream_broken_off(litellm, base_url, groq_upstream):
    """``response.failed`` after the first deltas: LiteLLM raises (its MidStreamFallbackError)."""
    seen = []
    with registered(Breaking), pytest.raises(litellm.ServiceUnavailableError, match="broke off"):
        stream = await litellm.aresponses(model="openai/scripted", api_base=base_url, api_key="unused", input="Hi",
                                          stream=True, num_retries=0, extra_body={"provider": "Breaking"})
        async for event in stream:
            seen.append(str(getattr(event.type, "value", event.type)))
    assert "response.output_text.delta" in seen and "response.completed" not in seen
