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
from collections.abc import AsyncIterator, Callable, Mapping
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


class _Answer:
    """The state of one answer being turned into chunks: who answers, what the last chunk carries.

    Text deltas go through :meth:`text` (the hot path: one chunk, nothing else); events through
    :meth:`event`, which returns the chunks they make (most make none, they fill the last chunk).
    """

    __slots__ = ("conversation", "created", "cutter", "finish", "id", "model", "provider", "role", "title",
                 "tool_calls", "usage", "wrote_content")

    def __init__(self, model: str, provider: str | None, stop: list[str] | None, completion_id: str | None) -> None:
        self.id = completion_id or new_completion_id()
        self.created = int(time.time())
        self.model = model
        self.provider = provider
        self.cutter = StopCutter(stop) if stop else None
        self.role: str | None = "assistant"
        self.finish: str | None = None
        self.usage: Usage | None = None
        self.conversation: JsonConversation | None = None
        self.title: str | None = None
        self.wrote_content = False
        self.tool_calls = 0

    def _chunk(self, delta: ChatCompletionDelta) -> ChatCompletionChunk:
        self.role = None
        return _Chunk(self.id, self.created, self.model, [_Choice(delta)], self.provider)

    def text(self, text: str) -> ChatCompletionChunk:
        self.wrote_content = True
        chunk = _Chunk(self.id, self.created, self.model, [_Choice(_Delta(text, self.role))], self.provider)
        self.role = None
        return chunk

    def event(self, event: ResponseType) -> list[ChatCompletionChunk]:
        handler = _EVENT_HANDLERS.get(type(event))
        if handler is None:  # a subclass of an event type, or an event the client does not show
            handler = next((h for kind, h in _EVENT_HANDLERS.items() if isinstance(event, kind)), None)
            if handler is None:
                return []  # ImagePreview: an image still being drawn; the final ImageResponse carries it
        return handler(self, event)

    def _reasoning(self, event: Reasoning) -> list[ChatCompletionChunk]:
        if not event.token:
            return []
        return [self._chunk(_Delta.of(None, self.role, reasoning_content=event.token))]

    def _tool_calls(self, event: ToolCalls) -> list[ChatCompletionChunk]:
        calls = [ToolCall.from_dict(call, self.tool_calls + index) for index, call in enumerate(event.calls)]
        self.tool_calls += len(calls)
        return [self._chunk(_Delta.of(None, self.role, tool_calls=calls))]

    def _images(self, event: ImageResponse) -> list[ChatCompletionChunk]:
        held = self.cutter.flush() if self.cutter is not None else ""
        markdown = ("\n\n" if self.wrote_content or held else "") + event.to_markdown()
        self.wrote_content = True
        return [self._chunk(_Delta.of(held + markdown, self.role, images=image_parts(event)))]

    def _provider_info(self, event: ProviderInfo) -> list[ChatCompletionChunk]:
        self.provider = event.name or self.provider
        self.model = event.model or self.model
        return []

    def _usage(self, event: UsageEvent) -> list[ChatCompletionChunk]:
        self.usage = Usage.from_event(event)
        return []

    def _finish_reason(self, event: FinishReason) -> list[ChatCompletionChunk]:
        self.finish = event.reason
        return []

    def _conversation(self, event: JsonConversation) -> list[ChatCompletionChunk]:
        self.conversation = event
        return []

    def _title(self, event: TitleGeneration) -> list[ChatCompletionChunk]:
        self.title = event.title
        return []

    def _login(self, event: RequestLogin) -> list[ChatCompletionChunk]:
        logger.info("%s: log in at %s", event.label, event.login_url)
        return []

    def last_chunks(self) -> list[ChatCompletionChunk]:
        """What is still held back by the stop-word cutter, then the finishing chunk."""
        chunks = []
        if self.cutter is not None and not self.cutter.stopped:
            held = self.cutter.flush()
            if held:
                chunks.append(self.text(held))
        finish = self.finish or ("tool_calls" if self.tool_calls else "stop")
        chunks.append(_Chunk.last(self.id, self.created, self.model, [_Choice(_Delta(None, self.role), finish)],
                                  self.provider, self.usage, self.conversation, self.title))
        return chunks


_EVENT_HANDLERS: dict[type, Callable[[_Answer, Any], list[ChatCompletionChunk]]] = {
    Reasoning: _Answer._reasoning,
    ToolCalls: _Answer._tool_calls,
    ImageResponse: _Answer._images,
    ProviderInfo: _Answer._provider_info,
    UsageEvent: _Answer._usage,
    FinishReason: _Answer._finish_reason,
    Conversation: _Answer._conversation,
    JsonConversation: _Answer._conversation,
    TitleGeneration: _Answer._title,
    RequestLogin: _Answer._login,
}


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
    answer = _Answer(model, provider, stop, completion_id)
    text, cutter = answer.text, answer.cutter
    try:
        async for item in events:
            if type(item) is not str:
                if isinstance(item, ResponseType):
                    for chunk in answer.event(item):
                        yield chunk
                    continue
                if not isinstance(item, str):  # the call boundary lets only text and events through
                    continue
                item = str(item)  # a str subclass that is not an event: text
            if cutter is None:
                if item:
                    yield text(item)  # the hot path: a text delta becomes one chunk
                continue
            item = cutter.feed(item)
            if item:
                yield text(item)
            if cutter.stopped:
                answer.finish = "stop"
                break
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    for chunk in answer.last_chunks():
        yield chunk


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
