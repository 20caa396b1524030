"""Chat completions keep what the upstream sends: the openai SDK → ``g4f api`` → an
OpenAI-compatible provider (a template declaration) → the OpenAI-compatible replica, all on
127.0.0.1. Usage as ``stream_options.include_usage`` asks, logprobs, ``system_fingerprint``, the
upstream's completion id, the sampling parameters local servers take, and the usage of an answer
the client cut itself (a stop word or ``max_tokens`` the upstream ignored)."""

from __future__ import annotations

import json

import aiohttp
import openai
import pytest

from g4f.Provider.template import OpenaiTemplate
from g4f.testing.openai_replica import OpenAIReplica, Reply

from ..client.scripted import registered, scripted

MESSAGES = [{"role": "user", "content": "Say hello"}]
WORDS = "one two three four five six seven eight"


@pytest.fixture
async def upstream():
    """The replica (OpenAI's flavour: it takes any parameter, ignores ``stop`` and ``max_tokens``)
    and a provider named ``Upstream`` that is nothing but its declaration."""
    async with OpenAIReplica(api_key="sk-upstream-0123456789", models=["local-model"]) as replica:
        provider = type("Upstream", (OpenaiTemplate,), {
            "api_base": replica.base_url, "api_key_env": "UPSTREAM_API_KEY", "needs_auth": True, "working": True,
            "default_model": "local-model", "max_retries": 0, "report_cost": False})
        with registered(provider):
            yield replica


@pytest.fixture
async def client(api, upstream, monkeypatch):
    monkeypatch.setenv("UPSTREAM_API_KEY", "sk-upstream-0123456789")
    _, sdk = await api()
    return sdk


def create(sdk: openai.AsyncOpenAI, **kwargs):
    return sdk.chat.completions.create(model="local-model", messages=MESSAGES,
                                       extra_body={"provider": "Upstream", **kwargs.pop("extra_body", {})}, **kwargs)


async def test_include_usage_is_openais_last_chunk(client, upstream):
    upstream.replies.append(Reply(content=WORDS))
    stream = await create(client, stream=True, stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]
    *answer, last = chunks
    assert "".join(c.choices[0].delta.content or "" for c in answer) == WORDS
    assert answer[-1].choices[0].finish_reason == "stop" and all(c.usage is None for c in answer)
    assert last.choices == [] and last.usage.completion_tokens == 8
    assert last.usage.total_tokens == last.usage.prompt_tokens + 8
    assert upstream.chat_requests[-1].body["stream_options"] == {"include_usage": True}


async def test_without_include_usage_no_usage_in_the_stream(client, upstream):
    for options in ({}, {"stream_options": {"include_usage": False}}):
        upstream.replies.append(Reply(content=WORDS))
        chunks = [chunk async for chunk in await create(client, stream=True, **options)]
        assert all(c.usage is None and c.choices for c in chunks)
        assert chunks[-1].choices[0].finish_reason == "stop"


async def test_include_usage_on_the_wire(api, upstream, monkeypatch):
    """OpenAI's exact shape: ``"usage": null`` on every chunk, then ``choices: []`` with the usage."""
    monkeypatch.setenv("UPSTREAM_API_KEY", "sk-upstream-0123456789")
    server, _ = await api()
    upstream.replies.append(Reply(content="a b"))
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/v1/chat/completions", json={
            "model": "local-model", "messages": MESSAGES, "stream": True, "provider": "Upstream",
            "stream_options": {"include_usage": True}}) as response:
        body = (await response.read()).decode()
    events = [json.loads(block[6:]) for block in body.split("\n\n") if block and block != "data: [DONE]"]
    assert body.endswith("data: [DONE]\n\n")
    assert all("usage" in e and e["usage"] is None for e in events[:-1])
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] == 2


async def test_stream_options_are_checked(client):
    with pytest.raises(openai.BadRequestError, match="stream_options.include_usage"):
        await create(client, stream=True, stream_options={"include_usage": "yes"})
    with pytest.raises(openai.BadRequestError, match="stream_options.sneaky"):
        await create(client, stream=True, stream_options={"sneaky": True})


async def test_logprobs_streamed_and_not(client, upstream):
    upstream.replies.append(Reply(content="Hello world"))
    completion = await create(client, logprobs=True, top_logprobs=2)
    tokens = completion.choices[0].logprobs.content
    assert [t.token for t in tokens] == ["Hello ", "world"]
    assert tokens[0].logprob == -0.6 and [alt.token for alt in tokens[0].top_logprobs] == ["Hello ", "alt1"]
    assert upstream.chat_requests[-1].body["logprobs"] is True

    upstream.replies.append(Reply(content="Hello world"))
    chunks = [c async for c in await create(client, stream=True, logprobs=True, top_logprobs=1)]
    scored = [(c.choices[0].delta.content, c.choices[0].logprobs) for c in chunks if c.choices[0].delta.content]
    assert [(text, logprobs.content[0].token) for text, logprobs in scored] == [("Hello ", "Hello "),
                                                                                  ("world", "world")]


async def test_no_logprobs_unless_the_upstream_sends_them(client, upstream):
    upstream.replies.append(Reply(content="Hello world"))
    completion = await create(client)
    assert completion.choices[0].logprobs is None
    upstream.replies.append(Reply(content="Hello world"))
    assert all(c.choices[0].logprobs is None for c in [c async for c in await create(client, stream=True)])


async def test_the_upstreams_id_and_system_fingerprint_are_kept(client, upstream):
    upstream.replies.append(Reply(content="Hi"))
    completion = await create(client)
    assert completion.id.startswith("chatcmpl-replica") and completion.system_fingerprint == "fp_replica"
    upstream.replies.append(Reply(content="Hi there"))
    chunks = [c async for c in await create(client, stream=True)]
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-replica")
    assert chunks[0].id != completion.id
    assert all(c.system_fingerprint == "fp_replica" for c in chunks)


SAMPLING = {"top_k": 40, "min_p": 0.05, "typical_p": 0.9, "repetition_penalty": 1.1, "repeat_penalty": 1.1,
            "repeat_last_n": 64, "mirostat": 2, "mirostat_tau": 5.0, "mirostat_eta": 0.1, "tfs_z": 1.0,
            "n_probs": 3, "penalize_nl": False, "min_tokens": 2, "stop_token_ids": [2]}


async def test_sampling_parameters_of_local_servers_pass_through(client, upstream):
    await create(client, extra_body=SAMPLING, presence_penalty=0.5)
    received = upstream.chat_requests[-1].body
    assert {name: received[name] for name in SAMPLING} == SAMPLING and received["presence_penalty"] == 0.5


@pytest.mark.parametrize(("fields", "named"), [
    ({"base_url": "http://elsewhere.test/v1"}, "base_url"),
    ({"top_kk": 3}, "top_kk"),
    ({"top_k": "many"}, "top_k"),
    ({"mirostat": 3}, "mirostat"),
    ({"min_p": 1.5}, "min_p"),
])
async def test_other_fields_and_bad_values_are_still_refused(client, upstream, fields, named):
    with pytest.raises(openai.BadRequestError, match=named) as caught:
        await create(client, extra_body=fields)
    assert caught.value.body["param"] == named
    assert upstream.chat_requests == []


async def test_usage_kept_when_the_client_cuts_at_a_stop_word(client, upstream):
    """The replica ignores ``stop``: the client cuts the text and still reads the usage after it."""
    upstream.replies.append(Reply(content=WORDS))
    completion = await create(client, stop=["four"])
    assert completion.choices[0].message.content == "one two three "
    assert completion.choices[0].finish_reason == "stop" and completion.usage.completion_tokens == 8

    upstream.replies.append(Reply(content=WORDS))
    chunks = [c async for c in await create(client, stream=True, stop="four",
                                            stream_options={"include_usage": True})]
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == "one two three "
    assert chunks[-2].choices[0].finish_reason == "stop" and chunks[-1].usage.completion_tokens == 8


async def test_max_tokens_caps_an_upstream_that_ignores_it(client, upstream):
    """Counted in text chunks: a streamed upstream sends one per token; a non-streamed one sends
    the whole text at once, which no cap of chunks cuts."""
    upstream.replies.append(Reply(content=WORDS))
    chunks = [c async for c in await create(client, stream=True, max_completion_tokens=2)]
    texts = [c.choices[0].delta.content for c in chunks]
    assert texts == ["one ", "two ", None] and chunks[-1].choices[0].finish_reason == "length"
    assert upstream.chat_requests[-1].body["max_completion_tokens"] == 2  # still asked of the upstream

    upstream.replies.append(Reply(content=WORDS))
    completion = await create(client, max_tokens=3)
    assert completion.choices[0].message.content == WORDS and completion.choices[0].finish_reason == "stop"


async def test_max_tokens_caps_a_web_provider_streamed_and_not(client):
    """A provider that streams one word per chunk whatever it is asked (as web providers do)."""
    from g4f.providers.response import Usage

    wordy = scripted("Wordy", [*(f"{word} " for word in WORDS.split()), Usage(4, 8)])
    with registered(wordy):
        completion = await client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=3,
                                                          extra_body={"provider": "Wordy"})
        assert completion.choices[0].message.content == "one two three "
        assert completion.choices[0].finish_reason == "length" and completion.usage.total_tokens == 12
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=3, stream=True,
                                                      stream_options={"include_usage": True},
                                                      extra_body={"provider": "Wordy"})
        chunks = [c async for c in stream]
    assert [c.choices[0].delta.content for c in chunks[:-1]] == ["one ", "two ", "three ", None]
    assert chunks[-2].choices[0].finish_reason == "length" and chunks[-1].usage.total_tokens == 12
