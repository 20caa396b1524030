"""The client's objects have OpenAI's shape: the openai SDK's own models accept them."""

from __future__ import annotations

import openai.types.chat as oa
import pytest

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
    delta = ChatCompletionDelta.of(None, "assistant", reasoning="r",
                                   tool_calls=[ToolCall("c", ToolCallFunction("f", "{}"), index=0)])
    last = ChatCompletionChunk.last("id", 1, "m", [ChatCompletionDeltaChoice(delta, "stop")], "P", Usage(1, 1),
                                    JsonConversation(x=1), "A title")
    data = last.to_dict()
    assert data["choices"][0]["delta"] == {
        "role": "assistant", "reasoning": "r", "reasoning_content": "r",
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
    import types

    assert sorted(g4f.client.__all__) == sorted(
        name for name, value in vars(g4f.client).items()
        if not name.startswith("_") and name != "annotations" and not isinstance(value, types.ModuleType)
    )
    for name in ("Client", "AsyncClient", "ChatCompletion", "ChatCompletionChunk", "ChatCompletionMessage",
                 "ChatCompletionDelta", "Usage", "get_model_and_provider", "Image", "ImagesResponse", "Response",
                 "ResponseStreamEvent"):
        assert name in g4f.client.__all__


# -- gpt4free's dialect ----------------------------------------------------------------------------

def test_delta_model_construct_takes_text_or_reasoning_as_gpt4free():
    from g4f.providers.response import Reasoning

    delta = ChatCompletionDelta.model_construct(Reasoning("thinking..."))
    assert (delta.role, delta.content, delta.reasoning, delta.reasoning_content) == (
        "assistant", None, "thinking...", "thinking...")
    assert delta.model_dump() == {"role": "assistant", "reasoning": "thinking...", "reasoning_content": "thinking..."}
    text = ChatCompletionDelta.model_construct("Hello")
    assert (text.role, text.content, text.reasoning) == ("assistant", "Hello", None)
    assert ChatCompletionDelta.model_construct(Reasoning(status="searching")).reasoning is None


def test_delta_model_construct_takes_tool_calls():
    from g4f.providers.response import ToolCalls

    delta = ChatCompletionDelta.model_construct(ToolCalls([
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]))
    assert delta.content is None and delta.tool_calls[0].function.arguments == '{"x": 1}'
    assert delta.tool_calls[0].index == 0


def test_chunk_and_completion_model_construct_take_gpt4free_arguments():
    from g4f.client.stubs import UsageModel

    chunk = ChatCompletionChunk.model_construct("tok", None, "abc123", 1700000000)
    assert (chunk.id, chunk.object, chunk.created, chunk.choices[0].delta.content) == (
        "chatcmpl-abc123", "chat.completion.chunk", 1700000000, "tok")
    chunk.provider, chunk.model = "P", "m"  # gpt4free's client sets these afterwards
    assert oa.ChatCompletionChunk.model_validate(chunk.model_dump()).choices[0].delta.content == "tok"
    last = ChatCompletionChunk.model_construct(None, "stop", "abc123", 1700000000,
                                               usage=UsageModel.model_construct(completion_tokens=2, total_tokens=2))
    assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens == 2

    completion = ChatCompletion.model_construct("Hi", "stop", "abc123", 1700000000,
                                                usage=UsageModel.model_construct(3, 4), conversation={"k": 1})
    completion.model = "m"
    assert completion.choices[0].message.content == "Hi" and completion.usage.total_tokens == 7
    assert completion.model_dump()["conversation"] == {"k": 1}
    assert oa.ChatCompletion.model_validate(completion.model_dump()).id == "chatcmpl-abc123"


def test_message_model_construct_joins_reasoning_events():
    from g4f.client.stubs import ToolCallModel
    from g4f.providers.response import Reasoning

    message = ChatCompletionMessage.model_construct("Answer", [Reasoning("a "), Reasoning(status="s"), Reasoning("b")])
    assert (message.role, message.content, message.reasoning, message.reasoning_content) == (
        "assistant", "Answer", "a b", "a b")
    calls = ChatCompletionMessage.model_construct(None, tool_calls=[
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]).tool_calls
    assert isinstance(calls[0], ToolCallModel) and calls[0].function.name == "f"


def test_other_model_construct_signatures():
    from g4f.client.stubs import ToolCallModel, ToolFunctionModel, UsageModel

    assert UsageModel is Usage and ToolCallModel is ToolCall and ToolFunctionModel is ToolCallFunction
    usage = Usage.model_construct(prompt_tokens=1, completion_tokens=2, prompt_tokens_details={"cached_tokens": 0})
    assert usage.model_dump() == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3,
                                  "prompt_tokens_details": {"cached_tokens": 0}}
    call = ToolCall.model_construct(id="c", type="function", function={"name": "f", "arguments": [1]})
    assert (call.index, call.function.arguments) == (0, "[1]")
    choice = ChatCompletionChoice.model_construct(ChatCompletionMessage("x"), "stop")
    assert (choice.index, choice.finish_reason) == (0, "stop")
    delta_choice = ChatCompletionDeltaChoice.model_construct(ChatCompletionDelta("x"), None)
    assert (delta_choice.index, delta_choice.delta.content) == (0, "x")
    model = ModelInfo.model_construct(id="m", owned_by="org")  # pydantic's keyword form
    assert model.to_dict() == {"id": "m", "object": "model", "created": None, "owned_by": "org"}
    with pytest.raises(TypeError, match="no field 'colour'"):
        ModelInfo.model_construct(id="m", colour="red")


def test_model_dump_options():
    data = completion().model_dump(exclude_none=True)
    assert "logprobs" not in data["choices"][0]
    assert completion().model_dump(include={"id", "model"}) == {"id": "chatcmpl-1", "model": "m"}
    assert "usage" not in completion().model_dump(exclude={"usage"})
    assert completion().model_dump_json(indent=2).startswith('{\n  "id"')


def test_reasoning_under_both_names_in_messages_and_deltas():
    message = ChatCompletionMessage("Hi", reasoning="why")
    assert message.to_dict()["reasoning"] == message.to_dict()["reasoning_content"] == "why"
    parsed = oa.ChatCompletionMessage.model_validate(message.to_dict())
    assert parsed.model_extra == {"reasoning": "why", "reasoning_content": "why"}
    assert ChatCompletionMessage("Hi", reasoning_content="same").reasoning == "same"
    delta = ChatCompletionDelta.of(None, "assistant", reasoning="r")
    assert delta.reasoning_content == "r" and ChatCompletionDelta("x").reasoning_content is None
