"""How the client turns a provider's stream into an answer: the ``max_tokens`` cap, the bounded
reading after a cut, image previews, logprobs, the upstream's id and fingerprint, and usage as
``stream_options.include_usage`` asks. Over in-test providers, streamed and not."""

from __future__ import annotations

import asyncio

import pytest

from g4f.client import AsyncClient, Client, convert
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import (
    CompletionInfo,
    Conversation,
    FinishReason,
    ImagePreview,
    ImageResponse,
    Logprobs,
    ProviderInfo,
    Reasoning,
    TitleGeneration,
    Usage,
)

from .scripted import scripted

MESSAGES = [{"role": "user", "content": "Hello"}]
WORDS = [f"w{i} " for i in range(10)]


def provider_of(name, create_async_generator, **attributes):
    return type(name, (AsyncGeneratorProvider,), {
        "working": True, "create_async_generator": classmethod(create_async_generator), **attributes})


def recording(items):
    """A provider that records how far its stream was read, whether it was closed, and its keywords."""
    state = {"sent": 0, "closed": False, "kwargs": None}

    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        state["kwargs"] = kwargs
        try:
            for item in items:
                state["sent"] += 1
                yield item
        finally:
            state["closed"] = True

    return provider_of("Recording", create_async_generator), state


def text_of(chunks) -> list[str]:
    return [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]


# -- max_tokens ----------------------------------------------------------------------------------

def test_max_tokens_cuts_a_provider_that_ignores_it():
    provider, state = recording([*WORDS, Usage(2, 10), FinishReason("stop"), Conversation("c1")])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, max_tokens=3)
    assert completion.choices[0].message.content == "w0 w1 w2 "
    assert completion.choices[0].finish_reason == "length"
    # The rest was read for what its end reports, without its text, and the stream closed.
    assert completion.usage.total_tokens == 12 and completion.conversation.conversation_id == "c1"
    assert (state["sent"], state["closed"]) == (13, True)
    assert state["kwargs"]["max_tokens"] == 3  # still offered to the provider


async def test_max_tokens_streamed_is_those_chunks_and_the_final_chunk():
    provider, _ = recording([*WORDS, Usage(2, 10)])
    chunks = [c async for c in AsyncClient().chat.completions.create(
        model="m", messages=MESSAGES, provider=provider, stream=True, max_completion_tokens=4)]
    assert [c.choices[0].delta.content for c in chunks] == ["w0 ", "w1 ", "w2 ", "w3 ", None]
    assert chunks[-1].choices[0].finish_reason == "length" and chunks[-1].usage.total_tokens == 12


def test_max_tokens_counts_text_chunks_only():
    provider = scripted("Thinking", [Reasoning("hmm "), Reasoning("hmm "), "a ", Reasoning("more"), "b ", "c "])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, max_tokens=2)
    message = completion.choices[0].message
    assert (message.content, message.reasoning, completion.choices[0].finish_reason) == ("a b ", "hmm hmm more",
                                                                                        "length")


def test_an_answer_exactly_max_tokens_long_keeps_its_own_finish_reason():
    for tail, finish in (([FinishReason("length")], "length"), ([], "stop"), ([FinishReason("stop")], "stop")):
        provider = scripted("Exact", ["a ", "b ", *tail])
        completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, max_tokens=2)
        assert (completion.choices[0].message.content, completion.choices[0].finish_reason) == ("a b ", finish)


def test_a_provider_that_honours_max_tokens_is_not_cut():
    provider = scripted("Honest", ["a b c", FinishReason("length"), Usage(1, 3)])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, max_tokens=3)
    assert completion.choices[0].message.content == "a b c" and completion.choices[0].finish_reason == "length"


def test_stop_and_max_tokens_together():
    provider = scripted("Both", ["one ", "two ", "STOP ", "three "])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, max_tokens=5,
                                                  stop="STOP")
    assert (completion.choices[0].message.content, completion.choices[0].finish_reason) == ("one two ", "stop")
    provider = scripted("Both", ["one ", "tw", "o ST", "OP"])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, max_tokens=3,
                                                  stop="STOP")
    # The cap bit first, with "ST" held back as the possible start of the stop word: it is text.
    assert (completion.choices[0].message.content, completion.choices[0].finish_reason) == ("one two ST", "length")


# -- reading after a cut is bounded ----------------------------------------------------------------

def endless(first: list[str]):
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        for item in first:
            yield item
        while True:
            yield "more "

    return provider_of("Endless", create_async_generator)


async def test_reading_after_a_cut_stops_after_a_number_of_items(monkeypatch):
    monkeypatch.setattr(convert, "DRAIN_ITEMS", 50)
    provider = endless(["a ", "b "])
    completion = await asyncio.wait_for(AsyncClient().chat.completions.create(
        model="m", messages=MESSAGES, provider=provider, max_tokens=2), 20)
    assert completion.choices[0].message.content == "a b " and completion.choices[0].finish_reason == "length"


async def test_reading_after_a_cut_stops_after_a_time(monkeypatch):
    monkeypatch.setattr(convert, "DRAIN_SECONDS", 0.2)
    closed = asyncio.Event()

    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        try:
            yield "Hello. STOP"
            await asyncio.sleep(60)  # an upstream that stalls after the stop word
            yield Usage(1, 1)
        finally:
            closed.set()

    provider = provider_of("Stalling", create_async_generator)
    chunks = await asyncio.wait_for(_collect(AsyncClient().chat.completions.create(
        model="m", messages=MESSAGES, provider=provider, stream=True, stop="STOP")), 20)
    assert text_of(chunks) == ["Hello. "] and chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is None and closed.is_set()


async def _collect(stream):
    return [chunk async for chunk in stream]


async def test_an_error_after_the_cut_does_not_fail_the_answer():
    from g4f.errors import ResponseError

    provider = scripted("Broken", ["a ", "b STOP", "c ", ResponseError("cut short", provider="Broken")])
    completion = await AsyncClient().chat.completions.create(model="m", messages=MESSAGES, provider=provider,
                                                             stop="STOP")
    assert completion.choices[0].message.content == "a b " and completion.choices[0].finish_reason == "stop"


# -- image previews --------------------------------------------------------------------------------

PAINTING = ["Drawing.", ImagePreview("https://img.test/p1.jpg", "a cat", {"progress": 50}),
            ImagePreview("https://img.test/p2.jpg", "a cat", {"progress": 100}),
            ImageResponse("https://img.test/final.jpg", alt="a cat")]


def test_image_previews_are_chunks_the_final_image_replaces():
    chunks = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=scripted("P", PAINTING),
                                                   stream=True))
    previews = [part for c in chunks for part in c.choices[0].delta.images or [] if part.get("preview")]
    assert [(p["image_url"]["url"], p["progress"], p["alt"]) for p in previews] == [
        ("https://img.test/p1.jpg", 50, "a cat"), ("https://img.test/p2.jpg", 100, "a cat")]
    preview_chunks = [c for c in chunks if any(p.get("preview") for p in c.choices[0].delta.images or [])]
    assert all(c.choices[0].delta.content is None for c in preview_chunks)  # no text for OpenAI clients
    final = [part for c in chunks for part in c.choices[0].delta.images or [] if not part.get("preview")]
    assert [p["image_url"]["url"] for p in final] == ["https://img.test/final.jpg"]
    assert "".join(text_of(chunks)) == "Drawing.\n\n![a cat](https://img.test/final.jpg)"


def test_a_non_streamed_answer_has_the_final_images_only():
    message = Client().chat.completions.create(model="m", messages=MESSAGES,
                                               provider=scripted("P", PAINTING)).choices[0].message
    assert [part["image_url"]["url"] for part in message.images] == ["https://img.test/final.jpg"]
    assert "p1.jpg" not in message.content


# -- logprobs, id, fingerprint -----------------------------------------------------------------------

def scored(token: str) -> Logprobs:
    return Logprobs([{"token": token, "logprob": -0.25, "bytes": list(token.encode()), "top_logprobs": []}])


SCORED = [CompletionInfo("chatcmpl-upstream-1", "fp_abc"), scored("Hi"), "Hi", scored(" you"), " you"]


def test_logprobs_ride_on_their_text_chunk():
    chunks = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=scripted("S", SCORED),
                                                   stream=True))
    assert [(c.choices[0].delta.content, c.choices[0].logprobs["content"][0]["token"])
            for c in chunks[:-1]] == [("Hi", "Hi"), (" you", " you")]
    assert chunks[-1].choices[0].logprobs is None
    assert {c.id for c in chunks} == {"chatcmpl-upstream-1"} and {c.system_fingerprint for c in chunks} == {"fp_abc"}


def test_logprobs_id_and_fingerprint_non_streamed():
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=scripted("S", SCORED))
    assert [t["token"] for t in completion.choices[0].logprobs["content"]] == ["Hi", " you"]
    assert (completion.id, completion.system_fingerprint) == ("chatcmpl-upstream-1", "fp_abc")
    data = completion.to_dict()
    assert data["system_fingerprint"] == "fp_abc" and data["choices"][0]["logprobs"]["content"][1]["logprob"] == -0.25


def test_without_an_upstream_id_the_client_makes_one():
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=scripted("S", ["x"]))
    assert completion.id.startswith("chatcmpl-") and len(completion.id) > 20 and completion.system_fingerprint is None
    assert "system_fingerprint" not in completion.to_dict()


# -- usage -------------------------------------------------------------------------------------------

Metered = scripted("Metered", [ProviderInfo("Metered", "m-1"), "a", "b", Usage(3, 2), TitleGeneration("T")])


def test_usage_on_the_last_chunk_by_default_as_gpt4free():
    chunks = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=Metered, stream=True))
    assert chunks[-1].usage.total_tokens == 5 and chunks[-1].choices[0].finish_reason == "stop"


def test_include_usage_as_openai_sends_it():
    chunks = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=Metered, stream=True,
                                                   stream_options={"include_usage": True}))
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 5 and chunks[-1].model == "m-1"
    assert chunks[-2].choices[0].finish_reason == "stop" and chunks[-2].title == "T"
    assert all(c.usage is None for c in chunks[:-1])
    none = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=Metered, stream=True,
                                                 stream_options={"include_usage": False}))
    assert all(c.usage is None for c in none) and none[-1].choices[0].finish_reason == "stop"


@pytest.mark.parametrize("value", [0, -1, True, "3"])
def test_a_max_tokens_that_is_no_cap_cuts_nothing(value):
    assert convert.max_tokens_of({"max_tokens": value}) is None
    assert convert.max_tokens_of({"max_tokens": 7, "max_completion_tokens": 3}) == 3
