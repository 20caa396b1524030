"""The model list and the blocking helpers of OpenaiTemplate, against the Groq replica."""

from __future__ import annotations

import asyncio

import pytest

from g4f.errors import NestAsyncioError
from g4f.Provider.needs_auth.Groq import Groq
from g4f.testing.openai_replica import Fault, Reply
from tests.replicas.groq import GROQ_KEY, GROQ_MODELS

REPLICA_IDS = [m["id"] for m in GROQ_MODELS]


async def test_get_models_async_fetches_with_the_key_and_caches_per_base_url(groq):
    models = await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url)
    assert models == REPLICA_IDS
    assert groq.last_request.path == "/openai/v1/models" and groq.last_request.bearer == GROQ_KEY
    assert await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url) == REPLICA_IDS
    assert len(groq.requests) == 1  # cached
    async with type(groq)() as other:  # another base URL has its own entry
        other.models = {"only-one": {"id": "only-one"}}
        assert await Groq.get_models_async(api_key=GROQ_KEY, base_url=other.base_url) == ["only-one"]
    assert await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url, refresh=True) == REPLICA_IDS
    assert len(groq.requests) == 2


@pytest.mark.parametrize("fault", [Fault.server_error(500, path="/models", times=0),
                                   Fault.unauthorized(path="/models", times=0),
                                   Fault.reset(path="/models", times=0)], ids=["500", "401", "reset"])
async def test_get_models_falls_back_to_the_built_in_list(groq, fault):
    groq.faults.append(fault)
    assert await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url) == list(Groq.fallback_models)
    asked = len(groq.requests)
    # the failure is remembered for a while: the upstream is not asked again at once
    assert await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url) == list(Groq.fallback_models)
    assert len(groq.requests) == asked


async def test_without_a_key_the_model_list_is_the_built_in_one(groq):
    assert await Groq.get_models_async(base_url=groq.base_url) == list(Groq.fallback_models)
    assert groq.requests == []


async def test_sync_get_models_inside_a_loop_never_touches_the_network(groq):
    assert Groq.get_models(api_key=GROQ_KEY, base_url=groq.base_url) == list(Groq.fallback_models)
    assert groq.requests == []
    await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url)
    assert Groq.get_models(base_url=groq.base_url) == REPLICA_IDS  # the fetched list, from the cache


async def test_sync_get_models_without_a_loop_fetches(groq):
    models = await asyncio.to_thread(Groq.get_models, api_key=GROQ_KEY, base_url=groq.base_url)
    assert models == REPLICA_IDS and groq.last_request.bearer == GROQ_KEY


async def test_the_model_list_fetch_does_not_block_the_loop(groq):
    groq.faults.append(Fault.slow(delay=0.2, path="/models"))
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await Groq.get_models_async(api_key=GROQ_KEY, base_url=groq.base_url)
    finally:
        task.cancel()
    assert ticks >= 3


def test_get_model_name_resolves_aliases_and_the_default():
    assert Groq().get_model_name() == "openai/gpt-oss-120b"
    assert Groq.get_model_name("mixtral-8x7b") == "mixtral-8x7b-32768"
    assert Groq().get_model_name("llama2-70b") == "llama2-70b-4096"
    assert Groq.get_model_name("some-new-model") == "some-new-model"


async def test_get_response_returns_an_openai_shaped_completion(groq):
    groq.replies.append(Reply(content="Sure: 42", reasoning="Think first."))

    def script():
        return Groq().get_response("What is 6*7?", model="qwen/qwen3-32b", api_key=GROQ_KEY,
                                   base_url=groq.base_url, reasoning_format="parsed")

    completion = await asyncio.to_thread(script)
    assert completion["object"] == "chat.completion" and completion["provider"] == "Groq"
    assert completion["model"] == "qwen/qwen3-32b"
    choice = completion["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "Sure: 42", "reasoning": "Think first."}
    assert choice["finish_reason"] == "stop"
    assert completion["usage"]["total_tokens"] == completion["usage"]["prompt_tokens"] + 4
    body = groq.last_request.body
    assert (body["temperature"], body["max_tokens"], body["stream"]) == (0.5, 1024, False)


async def test_get_response_stream_and_its_alias_yield_text_only(groq):
    groq.default_reply = Reply(content="one two three", reasoning="hmm", times=0)

    def script(method):
        return list(getattr(Groq(), method)("count", model="qwen/qwen3-32b", api_key=GROQ_KEY,
                                            base_url=groq.base_url, reasoning_format="parsed"))

    for method in ("get_response_stream", "get_stream_response"):
        assert await asyncio.to_thread(script, method) == ["one ", "two ", "three"]
        assert groq.last_request.body["stream"] is True


async def test_sync_helpers_inside_a_running_loop_point_to_the_async_api():
    with pytest.raises(NestAsyncioError, match="create_async"):
        Groq().get_response("hi", api_key=GROQ_KEY)
    with pytest.raises(NestAsyncioError):
        Groq().get_response_stream("hi", api_key=GROQ_KEY)
