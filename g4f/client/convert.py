"""Turn a provider's stream (text deltas and events) into OpenAI-shaped chunks or one completion.

This is on the hot path of every streamed answer: a text delta becomes one chunk and nothing
else happens, in particular the answer so far is never rebuilt. Events map as follows:

* ``str`` → ``delta.content`` (cut at a stop word when ``stop`` is given, and after
  ``max_tokens`` text chunks when the provider ignored ``max_tokens``);
* ``Reasoning(token)`` → ``delta.reasoning`` and ``delta.reasoning_content`` (the same text);
* ``ToolCalls`` → ``delta.tool_calls`` (with ``index``); finish reason ``tool_calls``;
* ``ImagePreview`` → ``delta.images`` entries marked ``preview: true`` (with ``progress``);
* ``ImageResponse`` → markdown in ``delta.content`` and ``delta.images`` (``image_url`` parts);
* ``Logprobs`` → ``choices[0].logprobs`` of the text chunk that follows;
* ``CompletionInfo`` → the upstream's ``id`` and ``system_fingerprint`` on every chunk;
* ``Usage``, ``FinishReason``, ``JsonConversation``, ``TitleGeneration`` → the last chunk;
* ``ProviderInfo`` → the ``provider`` and ``model`` of every chunk that follows.

One loop (:func:`answer_stream`) and one set of rules (:class:`Answer`) serve every door; what a
chunk *is* depends on the door: :class:`ChunkAnswer` makes the client's objects
(:mod:`g4f.client.stubs`), :class:`CompletionAnswer` gathers one ``ChatCompletion``, and the API
server's ``WireAnswer`` (:mod:`g4f.api.sse`) writes SSE bytes straight from the text.

When the client cuts the answer itself (a stop word, or ``max_tokens`` text chunks from a
provider that ignored both), the rest of the stream is still read, without its text, for at most
:data:`DRAIN_ITEMS` items and :data:`DRAIN_SECONDS` seconds: the usage, the conversation and the
title come at its end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar

from ..errors import BadRequestError
from ..providers.response import (
    CompletionInfo,
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
    preview_parts,
)

__all__ = [
    "DRAIN_ITEMS",
    "DRAIN_SECONDS",
    "Answer",
    "ChunkAnswer",
    "CompletionAnswer",
    "answer_stream",
    "as_conversation",
    "collect_completion",
    "image_parts",
    "iter_chunks",
    "max_tokens_of",
    "new_completion_id",
]

logger = logging.getLogger("g4f")

#: After the client cut an answer, read at most this many more items of the stream...
DRAIN_ITEMS = 1024
#: ... for at most this many seconds, looking for the usage, conversation and title at its end.
DRAIN_SECONDS = 1.0

# Short local names keep the chunk-building lines readable.
_Chunk, _Choice, _Delta = ChatCompletionChunk, ChatCompletionDeltaChoice, ChatCompletionDelta


def new_completion_id() -> str:
    return f"chatcmpl-{os.urandom(16).hex()}"


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


def max_tokens_of(kwargs: Mapping[str, Any]) -> int | None:
    """The request's cap on the answer's length (``max_completion_tokens`` or ``max_tokens``)."""
    for name in ("max_completion_tokens", "max_tokens"):
        value = kwargs.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _merged(pending: Logprobs | None, event: Logprobs) -> Logprobs:
    if pending is None:
        return event
    return Logprobs([*(pending.content or ()), *(event.content or ())] or None,
                    [*(pending.refusal or ()), *(event.refusal or ())] or None)


def _logprobs_dict(event: Logprobs | None) -> dict[str, Any] | None:
    return None if event is None else {"content": event.content, "refusal": event.refusal}


class Answer:
    """The rules of one answer: who answers, what each event becomes, what the last chunk carries.

    Subclasses decide what a chunk is: :meth:`text` (the hot path: a text delta, one chunk) and
    :meth:`_chunk` (any other delta) return one, :meth:`_last` the finishing chunk and
    :meth:`_usage_chunk` OpenAI's ``include_usage`` chunk. ``include_usage``: None puts the usage
    on the finishing chunk (gpt4free's client does); True sends it as OpenAI does, in a last
    chunk with empty ``choices``; False leaves it out.
    """

    __slots__ = ("cap", "capped", "conversation", "created", "cutter", "fingerprint", "finish", "id", "include_usage",
                 "logprobs", "model", "provider", "role", "title", "tool_calls", "usage", "wrote_content")

    def __init__(self, model: str, provider: str | None = None, stop: list[str] | None = None,
                 completion_id: str | None = None, max_tokens: int | None = None,
                 include_usage: bool | None = None) -> None:
        self.id = completion_id or self._new_id()
        self.created = int(time.time())
        self.model = model
        self.provider = provider
        self.fingerprint: str | None = None
        self.cutter = StopCutter(stop) if stop else None
        #: The answer is cut after this many text chunks (a provider that ignored max_tokens).
        self.cap = max_tokens
        self.capped = False
        self.include_usage = include_usage
        self.role: str | None = "assistant"  # until the first chunk is made
        self.logprobs: Logprobs | None = None  # waiting for the text they belong to
        self.finish: str | None = None
        self.usage: Usage | None = None
        self.conversation: JsonConversation | None = None
        self.title: str | None = None
        self.wrote_content = False
        self.tool_calls = 0

    def _new_id(self) -> str:
        """The answer's id until the upstream names one (every chunk carries it)."""
        return new_completion_id()

    # -- what a chunk is (subclasses) --------------------------------------------------------------
    def text(self, text: str) -> Any:
        raise NotImplementedError

    def _chunk(self, delta: ChatCompletionDelta) -> Any:
        raise NotImplementedError

    def _last(self, delta: ChatCompletionDelta, finish: str, usage: Usage | None) -> Any:
        raise NotImplementedError

    def _usage_chunk(self) -> Any:
        raise NotImplementedError

    def retarget(self) -> None:
        """Who answers (provider, model, id or fingerprint) changed: chunks from now on say so."""

    # -- events ------------------------------------------------------------------------------------
    def _take_role(self) -> str | None:
        role, self.role = self.role, None
        return role

    def _take_logprobs(self) -> dict[str, Any] | None:
        logprobs, self.logprobs = self.logprobs, None
        return _logprobs_dict(logprobs)

    def event(self, event: ResponseType) -> list[Any]:
        handler = self._handlers.get(type(event))
        if handler is None:  # a subclass of an event type, or an event the client does not show
            handler = next((h for kind, h in self._handlers.items() if isinstance(event, kind)), None)
            if handler is None:
                return []
        return handler(self, event)

    def _reasoning(self, event: Reasoning) -> list[Any]:
        if not event.token:
            return []
        return [self._chunk(_Delta.of(None, self._take_role(), reasoning=event.token))]

    def _tool_calls(self, event: ToolCalls) -> list[Any]:
        calls = [ToolCall.from_dict(call, self.tool_calls + index) for index, call in enumerate(event.calls)]
        self.tool_calls += len(calls)
        return [self._chunk(_Delta.of(None, self._take_role(), tool_calls=calls))]

    def _preview(self, event: ImagePreview) -> list[Any]:
        parts = preview_parts(event.urls, event.alt, event.options.get("progress"))
        return [self._chunk(_Delta.of(None, self._take_role(), images=parts))]

    def _images(self, event: ImageResponse) -> list[Any]:
        held = self.cutter.flush() if self.cutter is not None else ""
        markdown = ("\n\n" if self.wrote_content or held else "") + event.to_markdown()
        self.wrote_content = True
        return [self._chunk(_Delta.of(held + markdown, self._take_role(), images=image_parts(event)))]

    def _provider_info(self, event: ProviderInfo) -> list[Any]:
        self.provider = event.name or self.provider
        self.model = event.model or self.model
        self.retarget()
        return []

    def _completion_info(self, event: CompletionInfo) -> list[Any]:
        if self.role is not None and event.id:  # nothing sent yet: the upstream's id is the answer's
            self.id = event.id
        self.fingerprint = event.system_fingerprint or self.fingerprint
        self.retarget()
        return []

    def _logprobs(self, event: Logprobs) -> list[Any]:
        self.logprobs = _merged(self.logprobs, event)
        return []

    def _usage(self, event: UsageEvent) -> list[Any]:
        self.usage = Usage.from_event(event)
        return []

    def _finish_reason(self, event: FinishReason) -> list[Any]:
        self.finish = event.reason
        return []

    def _conversation(self, event: JsonConversation) -> list[Any]:
        self.conversation = event
        return []

    def _title(self, event: TitleGeneration) -> list[Any]:
        self.title = event.title
        return []

    def _login(self, event: RequestLogin) -> list[Any]:
        logger.info("%s: log in at %s", event.label, event.login_url)
        return []

    _handlers: ClassVar[dict[type, Callable[[Any, Any], list[Any]]]] = {}

    #: What is still worth reading after the client cut the answer: the answer's metadata.
    _AFTER_CUT: ClassVar[tuple[type, ...]] = (UsageEvent, JsonConversation, TitleGeneration, RequestLogin)

    # -- the end -----------------------------------------------------------------------------------
    async def drain(self, events: AsyncIterator[Any]) -> None:
        """Read the rest of a stream the client cut, without its text: keep what its end reports
        (usage, conversation, title), within :data:`DRAIN_ITEMS` items and :data:`DRAIN_SECONDS`."""
        try:
            await _within(DRAIN_SECONDS, self._read_rest(events))
        except TimeoutError:
            pass
        except Exception as exc:  # noqa: BLE001 - the answer the caller gets is complete already
            logger.debug("g4f: reading the rest of a stream cut by the client failed: %r", exc)
        # Capped: a text past the cap came (the upstream went on past max_tokens), so "length";
        # a stop word: "stop", whatever the upstream says of the text it sent after it.
        self.finish = "length" if self.capped else "stop"

    async def _read_rest(self, events: AsyncIterator[Any]) -> None:
        # One deadline for the whole rest (one timer), not one per item; the text is dropped.
        count = 0
        async for item in events:
            if isinstance(item, ResponseType) and isinstance(item, self._AFTER_CUT):
                self.event(item)
            count += 1
            if count >= DRAIN_ITEMS:
                return

    def last_chunks(self) -> list[Any]:
        """What is still held back by the stop-word cutter, then the finishing chunk (and the
        usage chunk with ``include_usage=True``)."""
        chunks = []
        if self.cutter is not None and not self.cutter.stopped:
            held = self.cutter.flush()
            if held:
                chunks.append(self.text(held))
        finish = self.finish or ("tool_calls" if self.tool_calls else "stop")
        usage = self.usage if self.include_usage is None else None
        chunks.append(self._last(_Delta(None, self._take_role()), finish, usage))
        if self.include_usage:
            chunks.append(self._usage_chunk())
        return chunks


Answer._handlers = {
    Reasoning: Answer._reasoning,
    ToolCalls: Answer._tool_calls,
    ImagePreview: Answer._preview,
    ImageResponse: Answer._images,
    ProviderInfo: Answer._provider_info,
    CompletionInfo: Answer._completion_info,
    Logprobs: Answer._logprobs,
    UsageEvent: Answer._usage,
    FinishReason: Answer._finish_reason,
    Conversation: Answer._conversation,
    JsonConversation: Answer._conversation,
    TitleGeneration: Answer._title,
    RequestLogin: Answer._login,
}


if sys.version_info >= (3, 11):
    async def _within(seconds: float, work: Awaitable[None]) -> None:
        async with asyncio.timeout(seconds):
            await work
else:  # pragma: no cover - Python 3.10
    async def _within(seconds: float, work: Awaitable[None]) -> None:
        try:
            await asyncio.wait_for(work, seconds)
        except asyncio.TimeoutError:
            raise TimeoutError from None


class ChunkAnswer(Answer):
    """Chunks as the client's objects (:class:`~g4f.client.stubs.ChatCompletionChunk`)."""

    __slots__ = ()

    def text(self, text: str) -> ChatCompletionChunk:
        self.wrote_content = True
        if self.role is None and self.logprobs is None:  # nearly every chunk
            return _Chunk(self.id, self.created, self.model, [_Choice(_Delta(text))], self.provider,
                          self.fingerprint)
        delta = _Delta(text, self._take_role())
        return _Chunk(self.id, self.created, self.model, [_Choice(delta, None, self._take_logprobs())],
                      self.provider, self.fingerprint)

    def _chunk(self, delta: ChatCompletionDelta) -> ChatCompletionChunk:
        return _Chunk(self.id, self.created, self.model, [_Choice(delta)], self.provider, self.fingerprint)

    def _last(self, delta: ChatCompletionDelta, finish: str, usage: Usage | None) -> ChatCompletionChunk:
        return _Chunk.last(self.id, self.created, self.model, [_Choice(delta, finish)], self.provider, usage,
                           self.conversation, self.title, self.fingerprint)

    def _usage_chunk(self) -> ChatCompletionChunk:
        return _Chunk.last(self.id, self.created, self.model, [], self.provider, self.usage,
                           system_fingerprint=self.fingerprint)


class CompletionAnswer(Answer):
    """Gathers the whole answer; :meth:`completion` gives it as one ``ChatCompletion``.
    (The chunk methods return None: nothing is built per delta.)"""

    __slots__ = ("_calls", "_logprob_content", "_pictures", "_refusal", "_texts", "_thoughts")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._texts: list[str] = []
        self._thoughts: list[str] = []
        self._calls: list[ToolCall] = []
        self._pictures: list[dict[str, Any]] = []
        self._logprob_content: list[Any] = []
        self._refusal: list[Any] = []

    def text(self, text: str) -> None:
        self.wrote_content = True
        self._texts.append(text)
        if self.logprobs is not None:
            self._keep_logprobs()

    def _keep_logprobs(self) -> None:
        logprobs, self.logprobs = self.logprobs, None
        if logprobs is not None:
            self._logprob_content.extend(logprobs.content or ())
            self._refusal.extend(logprobs.refusal or ())

    def _chunk(self, delta: ChatCompletionDelta) -> None:
        if delta.content:
            self._texts.append(delta.content)
        if delta.reasoning:
            self._thoughts.append(delta.reasoning)
        if delta.tool_calls:
            self._calls.extend(ToolCall(call.id, call.function, call.type) for call in delta.tool_calls)
        if delta.images:
            self._pictures.extend(part for part in delta.images if not part.get("preview"))  # the final images

    def _last(self, delta: ChatCompletionDelta, finish: str, usage: Usage | None) -> None:
        self._keep_logprobs()
        self.finish = finish

    def _usage_chunk(self) -> None:
        return None

    def _new_id(self) -> str:
        return ""  # made in completion() only if the upstream named none (one getrandom call less)

    def completion(self) -> ChatCompletion:
        content = "".join(self._texts) if self._texts or not self._calls else None
        message = ChatCompletionMessage(content, reasoning="".join(self._thoughts) if self._thoughts else None,
                                        tool_calls=self._calls or None, images=self._pictures or None)
        logprobs = {"content": self._logprob_content or None, "refusal": self._refusal or None} \
            if self._logprob_content or self._refusal else None
        usage = self.usage if self.include_usage is not False else None
        return ChatCompletion(self.id or new_completion_id(), self.created, self.model,
                              [ChatCompletionChoice(message, self.finish, logprobs=logprobs)], usage, self.provider,
                              self.conversation, self.title, self.fingerprint)


async def answer_stream(events: AsyncIterator[Any], answer: Answer) -> AsyncIterator[Any]:
    """The chunks of ``answer`` for a provider's stream; the last one carries the finish reason.

    When the client cuts the answer (a stop word, or the ``max_tokens`` cap), the text stops at
    once and the rest of the stream is drained (:meth:`Answer.drain`) before the finishing chunk;
    the provider's stream (and its upstream response) is closed in every case.
    """
    text, cutter, left = answer.text, answer.cutter, answer.cap
    cut = False
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
            if left is not None:
                # The cap cuts at the first text past it: an upstream that honoured max_tokens
                # ends by itself (its finish reason and usage come as they are, nothing to drain).
                if left <= 0:
                    cut = answer.capped = True
                    break
                left -= 1
            if cutter is None:
                if item:
                    yield text(item)  # the hot path: a text delta becomes one chunk
            else:
                piece = cutter.feed(item)
                if piece:
                    yield text(piece)
                if cutter.stopped:
                    cut = True
                    break
        if cut:
            await answer.drain(events)
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    for chunk in answer.last_chunks():
        yield chunk


def iter_chunks(
    events: AsyncIterator[Any],
    model: str,
    provider: str | None = None,
    stop: list[str] | None = None,
    completion_id: str | None = None,
    *,
    max_tokens: int | None = None,
    include_usage: bool | None = None,
) -> AsyncIterator[ChatCompletionChunk]:
    """OpenAI-shaped chunks for a provider's stream; the last one carries the finish reason.

    Stops reading the provider's text as soon as a stop word is found, or after ``max_tokens``
    text chunks (``finish_reason="length"``) when the provider did not stop by itself.
    """
    return answer_stream(events, ChunkAnswer(model, provider, stop, completion_id, max_tokens, include_usage))


async def collect_completion(
    events: AsyncIterator[Any],
    model: str,
    provider: str | None = None,
    stop: list[str] | None = None,
    completion_id: str | None = None,
    *,
    max_tokens: int | None = None,
) -> ChatCompletion:
    """The whole answer as one ``ChatCompletion`` (the same rules as :func:`iter_chunks`)."""
    answer = CompletionAnswer(model, provider, stop, completion_id, max_tokens)
    async for _ in answer_stream(events, answer):
        pass
    return answer.completion()
