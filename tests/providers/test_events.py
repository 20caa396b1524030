"""Events: how they print, what they carry, and that a non-streamed answer is its text alone."""

from __future__ import annotations

import copy
import pickle

import pytest

from g4f.providers import response
from g4f.providers.base_provider import collect_text
from g4f.providers.response import (
    AuthResult,
    CompletionInfo,
    CompletionText,
    Conversation,
    FinishReason,
    ImagePreview,
    ImageResponse,
    JsonConversation,
    Logprobs,
    ProviderInfo,
    Reasoning,
    RequestLogin,
    ResponseType,
    TitleGeneration,
    ToolCalls,
    Usage,
    is_text,
)
from g4f.secrets import redact

TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}

EVENTS = [
    Reasoning(status="Thinking..."),
    ToolCalls([TOOL_CALL]),
    Usage(prompt_tokens=12, completion_tokens=3),
    FinishReason("stop"),
    ImagePreview("https://assets.grok.com/users/1/img.jpg", "a cat", {"progress": 50}),
    ImageResponse(["https://assets.grok.com/users/1/img.jpg"], "a cat"),
    TitleGeneration("Cats"),
    JsonConversation(conversation_id="c-1", parent="r-2"),
    Conversation("c-1"),
    ProviderInfo("Groq", "llama-3.3-70b-versatile", "Groq", "https://console.groq.com"),
    RequestLogin("Grok", "https://accounts.x.ai/sign-in"),
    AuthResult(cookies={"sso": "sso-cookie-value-123"}, api_key="xai-key-value-456"),
    Logprobs([{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]),
    CompletionInfo("chatcmpl-1", "fp_1"),
]


def test_every_event_type_of_the_design_is_covered():
    event_types = {
        name for name in response.__all__
        if isinstance(getattr(response, name), type) and issubclass(getattr(response, name), ResponseType)
    }
    assert event_types - {"ResponseType"} == {type(event).__name__ for event in EVENTS}


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_events_print_as_empty_string(event):
    assert str(event) == ""
    assert f"{event}" == ""
    assert isinstance(event, ResponseType)
    assert not is_text(event)


def test_reasoning_prints_its_token():
    assert str(Reasoning("Let me think")) == "Let me think"
    assert str(Reasoning(status="Thinking...")) == ""
    assert Reasoning("a").to_dict() == {"token": "a", "status": None}


def test_printing_a_stream_shows_answer_and_thinking_only():
    chunks = [ProviderInfo("Groq"), Reasoning("hmm. "), "Hello", Usage(1, 1), " world", FinishReason("stop")]
    assert "".join(str(chunk) for chunk in chunks) == "hmm. Hello world"


def test_fields():
    usage = Usage(prompt_tokens=10, completion_tokens=5, queue_time=0.01)
    assert usage.total_tokens == 15
    assert usage.queue_time == 0.01
    assert usage.to_dict() == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "queue_time": 0.01}
    assert Usage(1, 2, total_tokens=4).total_tokens == 4
    with pytest.raises(AttributeError):
        _ = usage.cost
    assert ToolCalls([TOOL_CALL]).get_list() == [TOOL_CALL]
    assert FinishReason("length").reason == "length"
    preview = ImagePreview("u1", "alt", {"progress": 50})
    assert (preview.urls, preview.alt, preview.options) == (["u1"], "alt", {"progress": 50})
    assert ImageResponse(["u1", "u2"], "x").to_markdown() == "![x](u1)\n![x](u2)"
    assert TitleGeneration("T").title == "T"
    info = ProviderInfo("Groq", "m")
    assert (info.name, info.model) == ("Groq", "m")
    login = RequestLogin("Grok", "https://login")
    assert (login.label, login.login_url) == ("Grok", "https://login")


def test_conversation_round_trips_through_a_dict():
    conversation = Conversation("c-1", response_id="r-9")
    assert conversation.conversation_id == "c-1"
    assert conversation.to_dict() == {"conversation_id": "c-1", "response_id": "r-9"}
    again = JsonConversation.from_dict(conversation.to_dict())
    assert again.response_id == "r-9"
    assert isinstance(conversation, JsonConversation)


def test_events_compare_by_value():
    assert Usage(1, 2) == Usage(1, 2)
    assert Usage(1, 2) != Usage(2, 2)
    assert Reasoning("a") != FinishReason("a")


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_events_survive_copy_and_pickle(event):
    for clone in (copy.copy(event), copy.deepcopy(event), pickle.loads(pickle.dumps(event))):
        assert type(clone) is type(event)
        assert clone.to_dict() == event.to_dict()


def test_auth_result_repr_masks_every_secret():
    auth = AuthResult(
        cookies={"sso": "sso-secret-cookie-1", "sso-rw": "sso-rw-secret-2"},
        headers={"Authorization": "Bearer header-secret-3", "User-Agent": "Mozilla/5.0"},
        api_key="api-secret-key-4",
        user_agent="Mozilla/5.0",
    )
    text = repr(auth)
    for secret in ("sso-secret-cookie-1", "sso-rw-secret-2", "header-secret-3", "api-secret-key-4"):
        assert secret not in text
        assert secret not in str(auth)
        assert redact(f"leaked {secret}") == "leaked ***"  # registered: masked in errors and logs
    assert "sso=***" in text and "sso-rw=***" in text and "api_key=***" in text
    assert auth.user_agent == "Mozilla/5.0"
    assert AuthResult.from_dict(auth.to_dict()).cookies == auth.cookies


def test_auth_result_update_cookies_marks_it_dirty():
    auth = AuthResult(cookies={"sso": "old-cookie-value"})
    assert not auth.dirty
    auth.update_cookies({"sso": "old-cookie-value"})
    assert not auth.dirty
    auth.update_cookies({"sso": "rotated-cookie-value"})
    assert auth.dirty
    assert auth.cookies["sso"] == "rotated-cookie-value"
    assert redact("rotated-cookie-value") == "***"


async def _stream(*chunks):
    for chunk in chunks:
        yield chunk


async def test_completion_text_is_the_text_items_alone():
    answer = await collect_text(_stream(
        ProviderInfo("Groq", "m"), Reasoning("thinking hard"), Reasoning(status="Done"), "Hel", "lo",
        ToolCalls([TOOL_CALL]), ImageResponse("https://img"), Usage(5, 2), FinishReason("stop"),
        Conversation("c-7"), TitleGeneration("Greeting"),
    ))
    assert answer == "Hello"
    assert type(answer) is CompletionText and isinstance(answer, str)
    assert answer.reasoning == "thinking hard"
    assert answer.usage.total_tokens == 7
    assert answer.finish_reason == "stop"
    assert answer.tool_calls == [TOOL_CALL]
    assert answer.provider.name == "Groq"
    assert answer.conversation.conversation_id == "c-7"
    assert answer.images == ["https://img"]


async def test_completion_text_of_an_answer_without_events():
    answer = await collect_text(_stream("just text"))
    assert answer == "just text"
    assert answer.usage is None and answer.finish_reason is None and answer.reasoning == ""
