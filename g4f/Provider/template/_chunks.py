"""From OpenAI-shaped chunks and completions to g4f events.

Streamed and non-streamed answers yield the same events in the same order: ``CompletionInfo``
(the upstream's completion ``id`` and ``system_fingerprint``, when it sends them), text and
``Reasoning`` as they come (each text preceded by its ``Logprobs`` when the upstream sends them),
then ``ToolCalls`` (fragments assembled per ``index``), ``Usage`` (from ``usage`` or Groq's
``x_groq.usage``, with timings and cost) and ``FinishReason``.

:func:`stream_events` is the hot path: each chunk was parsed once by ``sse_stream``; a bare
content delta costs a few dict lookups and yields the upstream's own ``str`` object. ``usage``,
``x_groq`` and ``error`` are looked for in the other chunks only (the last ones carry them).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from ...errors import ResponseError
from ...providers.response import (
    CompletionInfo,
    FinishReason,
    Logprobs,
    Reasoning,
    ResponseType,
    ToolCalls,
    Usage,
)

__all__ = ["AnswerState", "ToolCallAssembler", "completion_events", "completion_info", "logprobs_event",
           "stream_events"]

_USAGE_COUNTS = frozenset({"prompt_tokens", "completion_tokens", "total_tokens"})


class ToolCallAssembler:
    """Builds complete tool calls from streamed fragments; each ``index`` is a separate call.

    The first fragment of a call brings ``id`` and ``function.name``; later ones bring pieces of
    ``function.arguments`` to concatenate. Upstreams that omit ``index`` start a new call at each
    new ``id``.
    """

    __slots__ = ("_calls", "_last")

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}
        self._last: int | None = None

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, fragments: list[dict[str, Any]]) -> None:
        for fragment in fragments:
            index: int | None = fragment.get("index")
            if index is None:
                new_id = fragment.get("id")
                last = self._calls.get(self._last) if self._last is not None else None
                if last is None or (new_id and new_id != last["id"]):
                    index = len(self._calls)
                else:
                    index = self._last
            assert index is not None
            self._last = index
            call = self._calls.get(index)
            if call is None:
                call = self._calls[index] = {"id": None, "type": "function", "name": [], "arguments": []}
            if fragment.get("id"):
                call["id"] = fragment["id"]
            if fragment.get("type"):
                call["type"] = fragment["type"]
            function = fragment.get("function") or {}
            name = function.get("name")
            if name and (not call["name"] or call["name"][-1] != name):
                call["name"].append(name)
            arguments = function.get("arguments")
            if arguments:
                if not isinstance(arguments, str):  # a few upstreams send an object
                    from ...requests.jsonlib import dumps

                    arguments = dumps(arguments).decode()
                call["arguments"].append(arguments)

    def calls(self) -> list[dict[str, Any]]:
        """The calls in OpenAI's shape, ordered by index."""
        return [
            {"id": call["id"], "type": call["type"],
             "function": {"name": "".join(call["name"]), "arguments": "".join(call["arguments"])}}
            for _, call in sorted(self._calls.items())
        ]


class AnswerState:
    """What an answer reports besides its text: tool calls, usage, finish reason."""

    __slots__ = ("finish_reason", "model", "prices", "provider", "tool_calls", "usage")

    def __init__(self, provider: str, model: str, prices: tuple[float, float] | None = None) -> None:
        self.provider = provider
        self.model = model
        #: Made when the first tool-call fragment comes (most answers have none).
        self.tool_calls: ToolCallAssembler | None = None
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None
        self.prices = prices

    def add_tool_calls(self, fragments: list[dict[str, Any]]) -> None:
        if self.tool_calls is None:
            self.tool_calls = ToolCallAssembler()
        self.tool_calls.add(fragments)

    def final_events(self) -> list[ResponseType]:
        events: list[ResponseType] = []
        if self.tool_calls:
            events.append(ToolCalls(self.tool_calls.calls()))
        if self.usage is not None:
            events.append(self._usage_event(self.usage))
        if self.finish_reason:
            events.append(FinishReason(self.finish_reason))
        return events

    def _usage_event(self, usage: dict[str, Any]) -> Usage:
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        total = usage.get("total_tokens")
        extra = {} if usage.keys() <= _USAGE_COUNTS else {k: v for k, v in usage.items() if k not in _USAGE_COUNTS}
        if self.prices is not None:
            extra["cost"] = (prompt * self.prices[0] + completion * self.prices[1]) / 1_000_000
        return Usage(prompt, completion, int(total) if total is not None else None, **extra)

    def upstream_error(self, error: Any) -> ResponseError:
        if isinstance(error, dict):
            error = error.get("message") or error
        return ResponseError(f"the upstream stopped the answer with an error: {error}", provider=self.provider)


def completion_info(obj: Any) -> CompletionInfo | None:
    """The upstream's ``id`` and ``system_fingerprint`` of a chunk or completion, if it names them."""
    completion_id, fingerprint = obj.get("id"), obj.get("system_fingerprint")
    completion_id = completion_id if isinstance(completion_id, str) and completion_id else None
    fingerprint = fingerprint if isinstance(fingerprint, str) and fingerprint else None
    if completion_id is None and fingerprint is None:
        return None
    return CompletionInfo(completion_id, fingerprint)


def logprobs_event(logprobs: Any) -> Logprobs | None:
    """``choices[].logprobs`` as an event, when it holds any (``null`` and empty lists do not)."""
    if not isinstance(logprobs, dict):
        return None
    content, refusal = logprobs.get("content"), logprobs.get("refusal")
    if not content and not refusal:
        return None
    return Logprobs(content or None, refusal or None)


async def stream_events(chunks: AsyncIterator[Any], state: AnswerState) -> AsyncGenerator[Any, None]:
    """Text deltas and events from parsed ``chat.completion.chunk`` objects, then the final events."""
    add_tool_calls = state.add_tool_calls
    first = True
    async for chunk in chunks:
        if first:  # every chunk repeats the completion's id and fingerprint: read them once
            first = False
            info = completion_info(chunk)
            if info is not None:
                yield info
        choices = chunk.get("choices")
        if choices:
            choice = choices[0]
            delta = choice.get("delta")
            if delta:
                content = delta.get("content")
                if (content and len(delta) == 1 and choice.get("finish_reason") is None
                        and choice.get("logprobs") is None):
                    yield content  # the common case, a bare content delta: nothing else to look at
                    continue
                logprobs = logprobs_event(choice.get("logprobs"))
                if logprobs is not None:
                    yield logprobs
                reasoning = delta.get("reasoning") or delta.get("reasoning_content")
                if reasoning:
                    yield Reasoning(reasoning)
                if content:
                    yield content
                tool_calls = delta.get("tool_calls")
                if tool_calls:
                    add_tool_calls(tool_calls)
            finish_reason = choice.get("finish_reason")
            if finish_reason:
                state.finish_reason = finish_reason
        x_groq = chunk.get("x_groq")
        if x_groq:
            if x_groq.get("error"):
                raise state.upstream_error(x_groq["error"])
            if x_groq.get("usage"):
                state.usage = x_groq["usage"]
        usage = chunk.get("usage")
        if usage:
            state.usage = usage
        if "error" in chunk:
            raise state.upstream_error(chunk["error"])
    for event in state.final_events():
        yield event


def completion_events(completion: Any, state: AnswerState) -> list[Any]:
    """The events of a non-streamed ``chat.completion``, in the order a stream would give them."""
    if not isinstance(completion, dict):
        raise ResponseError(f"expected a chat.completion object, got {type(completion).__name__}",
                            provider=state.provider)
    if "error" in completion:
        raise state.upstream_error(completion["error"])
    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices:
        raise ResponseError("the completion has no choices", provider=state.provider)
    choice = choices[0]
    message = choice.get("message") or {}
    events: list[Any] = []
    info = completion_info(completion)
    if info is not None:
        events.append(info)
    reasoning = message.get("reasoning") or message.get("reasoning_content")
    if reasoning:
        events.append(Reasoning(reasoning))
    if message.get("content"):
        if choice.get("logprobs"):
            logprobs = logprobs_event(choice["logprobs"])
            if logprobs is not None:
                events.append(logprobs)
        events.append(message["content"])
    if message.get("tool_calls"):
        state.add_tool_calls(message["tool_calls"])
    usage = completion.get("usage") or (completion.get("x_groq") or {}).get("usage")
    if usage:
        state.usage = usage
    state.finish_reason = choice.get("finish_reason")
    events.extend(state.final_events())
    return events
