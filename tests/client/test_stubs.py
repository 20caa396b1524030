"""The client's objects have OpenAI's shape: the openai SDK's own models accept them."""

from __future__ import annotations

import openai.types.chat as oa

import g4f.client
from g4f.client.stubs import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ChatCompletionDeltaChoice,
    ChatCompletionMessage,
    ModelInfo,
    ModelList,
    ToolCall,
    ToolCallFunction,
    Usage,
)
from g4f.providers.response import JsonConversation


def completion() -> ChatCompletion:
    message = ChatCompletionMessage("Hi", reasoning_content="thought",
                                    tool_calls=[ToolCall("call_1", ToolCallFunction("f", '{"a": 1}'))])
    return ChatCompletion("chatcmpl-1", 1700000000, "m", [ChatCompletionChoice(message, "tool_calls")],
                          Usage(3, 4, queue_time=0.1), "Echo", JsonConversation(conversation_id="c1"))


def test_completion_validates_as_the_sdk_model():
    data = completion().to_dict()
    parsed = oa.ChatCompletion.model_validate(data)
    assert parsed.choices[0].message.content == "Hi"
    assert parsed.choices[0].message.tool_calls[0].function.arguments == '{"a": 1}'
    assert parsed.usage.total_tokens == 7
    assert data["provider"] == "Echo" and data["conversation"] == {"conversation_id": "c1"}
    assert data["choices"][0]["message"]["reasoning_content"] == "thought"
    assert data["usage"]["queue_time"] == 0.1


def test_chunk_validates_as_the_sdk_model_and_leaves_unset_delta_fields_out():
    chunk = ChatCompletionChunk("chatcmpl-1", 1700000000, "m",
                                [ChatCompletionDeltaChoice(ChatCompletionDelta("tok"))], "Echo")
    data = chunk.to_dict()
    assert data["choices"][0]["delta"] == {"content": "tok"}
    assert "usage" not in data and "conversation" not in data
    assert oa.ChatCompletionChunk.model_validate(data).choices[0].delta.content == "tok"
    assert chunk.usage is None and chunk.conversation is None and chunk.choices[0].delta.tool_calls is None


def test_rich_delta_and_last_chunk_carry_their_extra_fields():
    delta = ChatCompletionDelta.of(None, "assistant", reasoning_content="r",
                                   tool_calls=[ToolCall("c", ToolCallFunction("f", "{}"), index=0)])
    last = ChatCompletionChunk.last("id", 1, "m", [ChatCompletionDeltaChoice(delta, "stop")], "P", Usage(1, 1),
                                    JsonConversation(x=1), "A title")
    data = last.to_dict()
    assert data["choices"][0]["delta"] == {
        "role": "assistant", "reasoning_content": "r",
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}, "index": 0}],
    }
    assert data["usage"]["total_tokens"] == 2 and data["conversation"] == {"x": 1} and data["title"] == "A title"
    assert isinstance(last, ChatCompletionChunk) and isinstance(delta, ChatCompletionDelta)
    assert oa.ChatCompletionChunk.model_validate(data).usage.total_tokens == 2


def test_repr_equality_and_model_dump():
    assert repr(ChatCompletionDelta.of("x")).startswith("ChatCompletionDelta(")
    assert ChatCompletionDelta.of("x") == ChatCompletionDelta("x")
    assert completion().model_dump() == completion().to_dict()
    assert '"content": "Hi"' in completion().model_dump_json()


def test_tool_call_from_dict_serializes_object_arguments():
    call = ToolCall.from_dict({"id": "c", "function": {"name": "f", "arguments": {"city": "Paris"}}})
    assert call.function.arguments == '{"city": "Paris"}' and call.type == "function"


def test_model_list_reads_like_the_sdk_page():
    models = ModelList([ModelInfo("a", "org", ["P"]), ModelInfo("b")])
    assert [m.id for m in models] == ["a", "b"] == models.ids() and len(models) == 2
    assert models.to_dict() == {"object": "list", "data": [
        {"id": "a", "object": "model", "created": 0, "owned_by": "org", "providers": ["P"]},
        {"id": "b", "object": "model", "created": 0, "owned_by": ""},
    ]}


def test_public_surface():
    assert sorted(g4f.client.__all__) == sorted(
        name for name in dir(g4f.client) if not name.startswith("_") and name not in (
            "annotations", "client", "service", "stubs", "convert", "stop", "catalog")
    )
    for name in ("Client", "AsyncClient", "ChatCompletion", "ChatCompletionChunk", "ChatCompletionMessage",
                 "ChatCompletionDelta", "Usage", "get_model_and_provider"):
        assert name in g4f.client.__all__
