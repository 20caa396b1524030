"""Turn a provider's stream (text deltas and events) into OpenAI-shaped chunks or one completion.

This is on the hot path of every streamed answer: a text delta becomes one chunk and nothing
else happens, in particular the answer so far is never rebuilt. Events map as follows:

* ``str`` → ``delta.content`` (cut at a stop word when ``stop`` is given);
* ``Reasoning(token)`` → ``delta.reasoning_content``;
* ``ToolCalls`` → ``delta.tool_calls`` (with ``index``); finish reason ``tool_calls``;
* ``ImageResponse`` → markdown in ``delta.content`` and ``delta.images`` (``image_url`` parts);
* ``Usage``, ``FinishReason``, ``JsonConversation``, ``TitleGeneration`` → the last chunk;
* ``ProviderInfo`` → the ``provider`` and ``model`` of every chunk that follows.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from ..errors import BadRequestError
from ..providers.response import (
    Conversation,
    FinishReason,
    ImageResponse,
    JsonConversation,
    ProviderInfo,
    Reasoning,
    RequestLogin,
    ResponseType,
    TitleGeneration,
    ToolCalls,
)
from ..providers.response import Usage as UsageEvent
from .stop import StopCutter
from .stubs import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ChatCompletionDeltaChoice,
    ChatCompletionMessage,
    ToolCall,
    Usage,
)

__all__ = ["as_conversation", "collect_completion", "image_parts", "iter_chunks", "new_completion_id"]

logger = logging.getLogger("g4f")

# Short local names keep the chunk-building lines readable.
_Chunk, _Choice, _Delta = ChatCompletionChunk, ChatCompletionDeltaChoice, ChatCompletionDelta


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def as_conversation(value: Any) -> JsonConversation | None:
    """A ``conversation`` passed back by a caller: the object itself, or its JSON form (a dict)."""
    if value is None or isinstance(value, JsonConversation):
        return value
    if isinstance(value, Mapping):
        cls = Conversation if "conversation_id" in value else JsonConversation
        return cls.from_dict(value)
    raise BadRequestError(
        f"conversation must be an object (as returned with the answer), not {type(value).__name__}")


def image_parts(event: ImageResponse) -> list[dict[str, Any]]:
    """Images as OpenAI-style ``image_url`` content parts (the structured form of the markdown)."""
    return [{"type": "image_url", "image_url": {"url": url}, "alt": event.alt} for url in event.urls]


async def iter_chunks(
    events: AsyncIterator[Any],
    model: str,
    provider: str | None = None,
    stop: list[str] | None = None,
    completion_id: str | None = None,
) -> AsyncIterator[ChatCompletionChunk]:
    """OpenAI-shaped chunks for a provider's stream; the last one carries the finish reason.

    Stops reading the provider (and closes its stream) as soon as a stop word is found.
    """
    cid = completion_id or new_completion_id()
    created = int(time.time())
    cutter = StopCutter(stop) if stop else None
    role: str | None = "assistant"
    finish: str | None = None
    usage: Usage | None = None
    conversation: JsonConversation | None = None
    title: str | None = None
    wrote_content = False
    tool_calls = 0
    try:
        async for event in events:
            if type(event) is not str:
                if not isinstance(event, ResponseType):
                    if not isinstance(event, str):
                        logger.debug("ignoring a stream item of type %s", type(event).__name__)
                        continue
                    event = str(event)  # a str subclass that is not an event: text
                else:
                    if isinstance(event, Reasoning):
                        if event.token:
                            delta = _Delta.of(None, role, reasoning_content=event.token)
                            yield _Chunk(cid, created, model, [_Choice(delta)], provider)
                            role = None
                    elif isinstance(event, ToolCalls):
                        calls = [ToolCall.from_dict(call, tool_calls + index)
                                 for index, call in enumerate(event.calls)]
                        tool_calls += len(calls)
                        yield _Chunk(cid, created, model, [_Choice(_Delta.of(None, role, tool_calls=calls))],
                                     provider)
                        role = None
                    elif isinstance(event, ImageResponse):
                        held = cutter.flush() if cutter is not None else ""
                        markdown = ("\n\n" if wrote_content or held else "") + event.to_markdown()
                        delta = _Delta.of(held + markdown, role, images=image_parts(event))
                        yield _Chunk(cid, created, model, [_Choice(delta)], provider)
                        role = None
                        wrote_content = True
                    elif isinstance(event, ProviderInfo):
                        provider = event.name or provider
                        model = event.model or model
                    elif isinstance(event, UsageEvent):
                        usage = Usage.from_event(event)
                    elif isinstance(event, FinishReason):
                        finish = event.reason
                    elif isinstance(event, JsonConversation):
                        conversation = event
                    elif isinstance(event, TitleGeneration):
                        title = event.title
                    elif isinstance(event, RequestLogin):
                        logger.info("%s: log in at %s", event.label, event.login_url)
                    # ImagePreview: an image still being drawn; the final ImageResponse carries it.
                    continue
            # The hot path: a text delta becomes one chunk.
            if cutter is not None:
                event = cutter.feed(event)
            if event:
                yield _Chunk(cid, created, model, [_Choice(_Delta(event, role))], provider)
                role = None
                wrote_content = True
            if cutter is not None and cutter.stopped:
                finish = "stop"
                break
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    if cutter is not None and not cutter.stopped:
        held = cutter.flush()
        if held:
            yield _Chunk(
                cid, created, model, [_Choice(_Delta(held, role))], provider)
            role = None
    if finish is None:
        finish = "tool_calls" if tool_calls else "stop"
    yield _Chunk.last(
        cid, created, model, [_Choice(_Delta(None, role), finish)], provider,
        usage, conversation, title)


async def collect_completion(
    events: AsyncIterator[Any],
    model: str,
    provider: str | None = None,
    stop: list[str] | None = None,
    completion_id: str | None = None,
) -> ChatCompletion:
    """The whole answer as one ``ChatCompletion`` (the same mapping as :func:`iter_chunks`)."""
    content: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[ToolCall] = []
    images: list[dict[str, Any]] = []
    last: ChatCompletionChunk | None = None
    async for chunk in iter_chunks(events, model, provider, stop, completion_id):
        delta = chunk.choices[0].delta
        if delta.content:
            content.append(delta.content)
        if delta.reasoning_content:
            reasoning.append(delta.reasoning_content)
        if delta.tool_calls:
            for call in delta.tool_calls:
                tool_calls.append(ToolCall(call.id, call.function, call.type))
        if delta.images:
            images.extend(delta.images)
        last = chunk
    assert last is not None  # iter_chunks always ends with a finishing chunk
    message = ChatCompletionMessage(
        "".join(content) if content or not tool_calls else None,
        reasoning_content="".join(reasoning) if reasoning else None,
        tool_calls=tool_calls or None,
        images=images or None,
    )
    return ChatCompletion(
        last.id, last.created, last.model, [ChatCompletionChoice(message, last.choices[0].finish_reason)],
        last.usage, last.provider, last.conversation, last.title)
