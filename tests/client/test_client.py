"""Client and AsyncClient over in-test providers: every event becomes the OpenAI-shaped field a
user reads, streamed or not."""

from __future__ import annotations

import subprocess
import sys

import pytest

from g4f.client import AsyncClient, ChatCompletion, ChatCompletionChunk, Client
from g4f.client.service import get_model_and_provider
from g4f.errors import (
    BadRequestError,
    NestAsyncioError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    RateLimitError,
)
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import (
    Conversation,
    FinishReason,
    ImagePreview,
    ImageResponse,
    JsonConversation,
    ProviderInfo,
    Reasoning,
    TitleGeneration,
    ToolCalls,
    Usage,
)

from .scripted import last_user_text, registered, scripted

MESSAGES = [{"role": "user", "content": "Hello"}]

Thinker = scripted("Thinker", [
    ProviderInfo("Thinker", "think-1"), Reasoning("let me "), Reasoning(status="searching"), Reasoning("think"),
    "The ", "answer", Usage(5, 2), FinishReason("length"), TitleGeneration("Greeting"),
])


def test_sync_completion_has_openai_shape_and_keeps_reasoning_apart():
    completion = Client().chat.completions.create(model="any", messages=MESSAGES, provider=Thinker)
    assert isinstance(completion, ChatCompletion)
    assert completion.id.startswith("chatcmpl-") and completion.object == "chat.completion"
    message = completion.choices[0].message
    assert (message.role, message.content, message.reasoning_content) == ("assistant", "The answer", "let me think")
    assert completion.choices[0].finish_reason == "length"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) \
        == (5, 2, 7)
    assert (completion.provider, completion.model, completion.title) == ("Thinker", "think-1", "Greeting")


def test_gpt4free_positional_style_and_provider_by_name():
    with registered(Thinker):
        completion = Client().chat.completions.create(MESSAGES, "any", "thinker")
    assert completion.choices[0].message.content == "The answer"


def test_sync_stream_yields_chunks_then_a_finishing_chunk():
    chunks = list(Client(provider=Thinker).chat.completions.create(messages=MESSAGES, model="any", stream=True))
    assert all(isinstance(chunk, ChatCompletionChunk) for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    deltas = [chunk.choices[0].delta for chunk in chunks]
    assert deltas[0].role == "assistant" and all(d.role is None for d in deltas[1:])
    assert "".join(d.content or "" for d in deltas) == "The answer"
    assert "".join(d.reasoning_content or "" for d in deltas) == "let me think"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "length" and last.usage.total_tokens == 7
    assert all(chunk.choices[0].finish_reason is None and chunk.usage is None for chunk in chunks[:-1])
    assert all(chunk.model == "think-1" and chunk.provider == "Thinker" for chunk in chunks)


async def test_async_stream_works_with_and_without_await():
    client = AsyncClient(provider=Thinker)
    direct = [c async for c in client.chat.completions.create(model="m", messages=MESSAGES, stream=True)]
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    awaited = [c async for c in stream]
    text = ["".join(c.choices[0].delta.content or "" for c in chunks) for chunks in (direct, awaited)]
    assert text == ["The answer", "The answer"]


async def test_async_non_stream():
    completion = await AsyncClient().chat.completions.create(model="m", messages=MESSAGES, provider=Thinker)
    assert completion.choices[0].message.content == "The answer"


def closing_provider(pieces):
    """A provider that records whether its stream was closed (the upstream connection released)."""
    state = {"closed": False, "sent": 0}

    class Closing(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            try:
                for piece in pieces:
                    state["sent"] += 1
                    yield piece
            finally:
                state["closed"] = True

    return Closing, state


def test_stop_cuts_a_non_streamed_answer_and_keeps_the_usage_after_it():
    provider, state = closing_provider(["Hello ", "wor", "ld. Then", " more", " and more", Usage(3, 5)])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, stop=["ld."])
    assert completion.choices[0].message.content == "Hello wor"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == 8  # read after the cut, without its text
    assert state == {"closed": True, "sent": 6}


async def test_stop_cuts_a_stream_across_chunk_boundaries():
    provider, state = closing_provider(["Hello S", "T", "OP world", " never", Usage(1, 4)])
    chunks = [c async for c in AsyncClient().chat.completions.create(
        model="m", messages=MESSAGES, provider=provider, stream=True, stop="STOP")]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello "
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage.total_tokens == 5
    assert state["closed"]


def test_stop_is_also_offered_to_the_provider():
    provider = scripted("Plain", ["a"])
    Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, stop=["x"])
    assert provider.calls[-1][2]["stop"] == ["x"]


def remembering(model, messages, kwargs):
    """Answers with how many turns it has seen in its conversation state."""
    conversation = kwargs.get("conversation")
    turn = (conversation.turn if conversation is not None else 0) + 1
    return [f"turn {turn}: {last_user_text(messages)}", Conversation(f"conv-{turn}", turn=turn)]


def test_conversation_passed_back_continues():
    provider = scripted("Remembering", remembering, supports_conversations=True)
    client = Client(provider=provider)
    first = client.chat.completions.create(model="m", messages=MESSAGES)
    assert first.choices[0].message.content == "turn 1: Hello"
    assert isinstance(first.conversation, Conversation) and first.conversation.conversation_id == "conv-1"
    second = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "again"}],
                                            conversation=first.conversation)
    assert second.choices[0].message.content == "turn 2: again"
    assert provider.calls[-1][2]["conversation"] is first.conversation
    # The JSON form (as the API server sends it) works too.
    third = client.chat.completions.create(model="m", messages=MESSAGES, conversation=second.to_dict()["conversation"])
    assert third.choices[0].message.content == "turn 3: Hello"
    assert isinstance(provider.calls[-1][2]["conversation"], Conversation)


def test_streamed_conversation_is_on_the_last_chunk():
    provider = scripted("Remembering", remembering, supports_conversations=True)
    chunks = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, stream=True))
    assert chunks[-1].conversation.conversation_id == "conv-1"
    assert all(chunk.conversation is None for chunk in chunks[:-1])


CALLS = [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}},
         {"id": "call_2", "type": "function", "function": {"name": "time", "arguments": "{}"}}]


def test_tool_calls_non_streamed():
    provider = scripted("Tools", [ToolCalls(CALLS)])
    completion = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider,
                                                  tools=[{"type": "function", "function": {"name": "weather"}}])
    message = completion.choices[0].message
    assert message.content is None
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls] == [
        ("call_1", "weather", '{"city": "Paris"}'), ("call_2", "time", "{}")]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert provider.calls[-1][2]["tools"][0]["function"]["name"] == "weather"


def test_tool_calls_streamed_carry_their_index():
    provider = scripted("Tools", [ToolCalls(CALLS)])
    chunks = list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, stream=True))
    calls = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    assert [(c.index, c.function.name) for c in calls] == [(0, "weather"), (1, "time")]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_images_become_markdown_and_structured_parts():
    provider = scripted("Painter", ["Here it is.", ImagePreview("https://x/preview.jpg"),
                                    ImageResponse(["https://x/a.jpg", "https://x/b.jpg"], alt="a cat")])
    message = Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider).choices[0].message
    assert message.content == "Here it is.\n\n![a cat](https://x/a.jpg)\n![a cat](https://x/b.jpg)"
    assert [part["image_url"]["url"] for part in message.images] == ["https://x/a.jpg", "https://x/b.jpg"]
    assert "preview" not in message.content


def test_client_defaults_reach_the_provider_and_calls_override_them():
    provider = scripted("Keyed", ["ok"])
    client = Client(provider=provider, api_key="sk-default-123456", proxy="http://127.0.0.1:9")
    client.chat.completions.create(model="m", messages=MESSAGES, temperature=0.2)
    assert provider.calls[-1][2] | {"temperature": 0.2} == provider.calls[-1][2]
    assert provider.calls[-1][2]["api_key"] == "sk-default-123456"
    assert provider.calls[-1][2]["proxy"] == "http://127.0.0.1:9"
    client.chat.completions.create(model="m", messages=MESSAGES, api_key="sk-call-7890123")
    assert provider.calls[-1][2]["api_key"] == "sk-call-7890123"
    assert "sk-default" not in repr(client)


def test_other_client_keywords_are_defaults_for_every_request():
    provider = scripted("Based", ["ok"])
    client = Client(provider=provider, base_url="http://127.0.0.1:9/v1", timeout=5)
    client.chat.completions.create(model="m", messages=MESSAGES)
    assert (provider.calls[-1][2]["base_url"], provider.calls[-1][2]["timeout"]) == ("http://127.0.0.1:9/v1", 5)
    client.chat.completions.create(model="m", messages=MESSAGES, timeout=1)
    assert provider.calls[-1][2]["timeout"] == 1


def test_mistakes_raise_typed_errors_before_any_request():
    provider = scripted("Never", ["x"])
    client = Client(provider=provider)
    with pytest.raises(ProviderNotFoundError, match="no provider named 'NoSuchProvider'"):
        client.chat.completions.create(model="m", messages=MESSAGES, provider="NoSuchProvider")
    with pytest.raises(BadRequestError, match="messages"):
        client.chat.completions.create(model="m", messages="Hello")
    with pytest.raises(BadRequestError, match="n=3"):
        client.chat.completions.create(model="m", messages=MESSAGES, n=3)
    with pytest.raises(ProviderNotWorkingError):
        client.chat.completions.create(model="m", messages=MESSAGES, provider=scripted("Broken", [], working=False))
    assert provider.calls == []


def test_upstream_errors_arrive_typed_streamed_or_not():
    provider = scripted("Limited", [RateLimitError("slow down", provider="Limited", retry_after=3)])
    with pytest.raises(RateLimitError) as caught:
        Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider)
    assert caught.value.retry_after == 3
    with pytest.raises(RateLimitError):
        list(Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider, stream=True))


async def test_sync_client_inside_a_running_loop_points_to_async_client():
    with pytest.raises(NestAsyncioError, match="AsyncClient"):
        Client(provider=Thinker).chat.completions.create(model="m", messages=MESSAGES)


def test_models_list_of_a_provider_and_of_everything():
    provider = scripted("Lister", [], models=["small", "large"], default_model="small",
                        get_models=classmethod(lambda cls, **kw: ["small", "large"]))
    assert Client().models.list(provider=provider).ids() == ["small", "large"]
    everything = Client().models.list()
    row = next(m for m in everything if m.id == "llama-3.3-70b-versatile")
    assert "Groq" in row.providers and row.context_length


async def test_async_models_list():
    provider = scripted("Lister", [], get_models=classmethod(lambda cls, **kw: ["only"]))
    assert (await AsyncClient(provider=provider).models.list()).ids() == ["only"]


def test_service_resolves_like_the_core():
    model, provider = get_model_and_provider("m", Thinker, stream=True)
    assert (model, provider) == ("m", Thinker)
    with pytest.raises(ProviderNotFoundError):
        get_model_and_provider("m", "NoSuchProvider", False)


def test_import_is_cheap():
    code = ("import sys, g4f.client; "
            "print(sorted(m for m in ('aiohttp', 'curl_cffi', 'g4f.api', 'g4f.Provider.needs_auth.Groq') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_events_between_text_never_become_text():
    provider = scripted("Odd", ["a", JsonConversation(k=1), "b"])
    assert Client().chat.completions.create(model="m", messages=MESSAGES, provider=provider) \
        .choices[0].message.content == "ab"


def test_without_a_provider_auto_selection_picks_one_that_serves_the_model():
    only = scripted("OnlyServer", ["auto-selected"], serves=classmethod(lambda cls, model: model == "only-model"))
    with registered(only):
        completion = Client().chat.completions.create(model="only-model", messages=MESSAGES)
    assert completion.choices[0].message.content == "auto-selected"
    assert completion.provider == "OnlyServer"


def test_without_a_provider_or_key_the_error_says_which_key_to_set():
    from g4f.errors import MissingAuthError

    with pytest.raises(MissingAuthError, match="GROQ_API_KEY"):
        Client().chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES)
