"""What the call boundary adds around one provider that lacks something natively.

:func:`~g4f.providers.attempts.guarded` runs a provider through here when :func:`wanted` says
so, and only then (a provider with native tools and no upstream conversations, such as Groq,
takes the plain path: nothing here touches its chunks):

* **Tools in the prompt** (``tool_calling = "prompt"``): the request's ``tools``,
  ``tool_choice`` and ``parallel_tool_calls`` are taken out of the keywords and written into the
  messages (:mod:`g4f.providers.tools.prompt`); the answer's text goes through a
  :class:`~g4f.providers.tools.parse.CallScanner`, so calls come out as ``ToolCalls`` events
  (then ``FinishReason("tool_calls")``) and the rest as text. The loop guard refuses a call made
  :func:`~g4f.providers.tools.max_repeats` times already in the conversation
  (``ResponseError``).
* **Conversations from history** (``supports_conversations``): without an explicit
  ``conversation=``, the one remembered for the request's earlier exchange is continued
  (:mod:`g4f.providers.history`), once (any turn sent continuing it forgets it: the upstream
  has moved on); after a complete answer, the exchange is remembered. A
  remembered conversation that is gone upstream (HTTP 404 before any output) is forgotten and
  the request is sent again as a new conversation, once.

A stream the caller stops reading early (a stop word) is not remembered: the client's copy of
the answer is not the upstream's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from ..errors import ResponseError, ResponseStatusError
from ..typing import Chunk, Message, Messages
from . import history
from .response import FinishReason, ImageResponse, JsonConversation, ToolCalls
from .types import provider_name

__all__ = ["adapted", "wanted"]

logger = logging.getLogger("g4f")

Run = Callable[[Messages, Mapping[str, Any]], AsyncIterator[Chunk]]


def _prompts_tools(provider: Any) -> bool:
    return getattr(provider, "tool_calling", "native") == "prompt"


def wanted(provider: Any) -> bool:
    """Whether ``provider`` is run through :func:`adapted` (a declaration, not the request)."""
    return _prompts_tools(provider) or (bool(getattr(provider, "supports_conversations", False))
                                        and history.enabled())


async def adapted(provider: Any, messages: Messages, kwargs: Mapping[str, Any], run: Run) -> AsyncIterator[Chunk]:
    """``run(messages, kwargs)`` with tools in the prompt and the conversation recovered (see
    the module docstring)."""
    from .tools.prompt import has_tool_turns, join_user_messages, render
    from .tools.request import ToolRequest

    name = provider_name(provider)
    options = dict(kwargs)
    sent: Messages = messages
    tools = None
    salt = ""
    if _prompts_tools(provider):
        tools = ToolRequest.of(options.pop("tools", None), options.pop("tool_choice", None),
                               options.pop("parallel_tool_calls", None), provider=name)
        if tools is not None or has_tool_turns(messages):
            sent = render(messages, tools)
        if tools is not None:
            salt = tools.fingerprint()
    keeps = bool(getattr(provider, "supports_conversations", False)) and history.enabled()
    who = history.scope()
    recalled = await history.recall(name, messages, salt, who) if keeps else None
    if recalled is not None:
        # The upstream conversation moves on with every turn sent to it, answered or failed: the
        # exchange it was remembered for is continued once (regenerating that turn, or a turn
        # after a failed one, starts anew). An explicit conversation= wins over the recovered one.
        await history.forget(recalled.key)
        if options.get("conversation") is not None:
            recalled = None
    answer = _Answer(provider, messages, tools)
    if recalled is not None:
        tail = sent
        while len(tail) > 1 and tail[-1].get("role") == "user" and tail[-2].get("role") == "user":
            tail = [*tail[:-2], join_user_messages(tail[-2], tail[-1])]  # the new turn is one message
        logger.debug("%s: continuing conversation %s recovered from the history", name,
                     getattr(recalled.conversation, "conversation_id", "(state)"))
        stream = run(tail, {**options, "conversation": recalled.conversation})
        try:
            first = await _first(stream)
        except ResponseStatusError as exc:
            if exc.status != 404:
                raise
            logger.info("%s: the recovered conversation is gone upstream (%s); starting a new one", name, exc)
            await history.forget(recalled.key)
            stream, first = run(sent, options), None
    else:
        stream, first = run(sent, options), None
    try:
        if first is not None:
            for item in answer.take(first):
                yield item
        async for chunk in stream:
            for item in answer.take(chunk):
                yield item
        for item in answer.finish():
            yield item
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
    if keeps and answer.conversation is not None:
        await history.remember(name, messages, answer.message(), answer.conversation, salt, who)


async def _first(stream: AsyncIterator[Chunk]) -> Chunk | None:
    """The first chunk of ``stream`` (None when it has none); errors before it are raised here."""
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return None
    except BaseException:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
        raise


class _Answer:
    """One answer on its way out: the calls read from its text, and what the client will send
    back as the assistant's message (to remember the exchange)."""

    def __init__(self, provider: Any, messages: Messages, tools: Any) -> None:
        from .tools.parse import CallScanner

        self.provider = provider_name(provider)
        self.messages = messages
        self.scanner = CallScanner(tools) if tools is not None and tools.choice != "none" else None
        self.text: list[str] = []
        self.calls: list[dict[str, Any]] = []
        self.conversation: JsonConversation | None = None
        self.finish_reason: FinishReason | None = None

    def take(self, chunk: Chunk) -> list[Chunk]:
        if isinstance(chunk, str):
            if self.scanner is None:
                self.text.append(chunk)
                return [chunk]
            return self._pieces(self.scanner.feed(chunk))
        if isinstance(chunk, JsonConversation):
            self.conversation = chunk
        elif isinstance(chunk, ImageResponse):
            self.text.append(f"\n\n{chunk.to_markdown()}")  # as the client shows it (normalized: spaces)
        elif isinstance(chunk, FinishReason) and self.scanner is not None:
            self.finish_reason = chunk  # said at the end, once it is known whether calls were made
            return []
        return [chunk]

    def finish(self) -> list[Chunk]:
        out = self._pieces(self.scanner.flush()) if self.scanner is not None else []
        if self.scanner is not None and self.scanner.rejected:
            logger.debug("%s: left as text (not a valid tool call): %s", self.provider, "; ".join(self.scanner.rejected))
        if self.calls:
            out.append(FinishReason("tool_calls"))
        elif self.finish_reason is not None:
            out.append(self.finish_reason)
        return out

    def _pieces(self, pieces: list[Any]) -> list[Chunk]:
        out: list[Chunk] = []
        for piece in pieces:
            if isinstance(piece, str):
                self.text.append(piece)
                out.append(piece)
                continue
            calls = []
            for call in piece:
                self._guard(call)
                made = {"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
                        "function": {"name": call.name, "arguments": _dumps(call.arguments)}}
                self.calls.append(made)
                calls.append(made)
            out.append(ToolCalls(calls))
        return out

    def _guard(self, call: Any) -> None:
        """The loop guard: the same call made ``max_repeats`` times already is not made again."""
        from .tools.parse import ParsedCall
        from .tools.request import max_repeats

        limit = max_repeats()
        signature = call.signature()
        made = sum(1 for earlier in self._earlier_calls() if earlier == signature)
        made += sum(1 for earlier in self.calls if _signature(earlier) == signature)
        if made >= limit:
            shown = ParsedCall(call.name, call.arguments).signature()[:200]
            raise ResponseError(f"the model called {call.name} with the same arguments {made} times already; stopping "
                                f"the tool loop (the limit is {limit} calls: g4f api --tool-call-repeats, "
                                f"g4f.providers.tools.configure(max_repeats=...)): {shown}", provider=self.provider)

    def _earlier_calls(self) -> list[str]:
        return [_signature(call) for message in self.messages if message.get("role") == "assistant"
                for call in message.get("tool_calls") or [] if isinstance(call, Mapping)]

    def message(self) -> Message:
        """The assistant message the client will send back for this answer."""
        return {"role": "assistant", "content": "".join(self.text) or None, "tool_calls": self.calls or None}


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _signature(call: Mapping[str, Any]) -> str:
    """A call of the history as :meth:`ParsedCall.signature` writes it."""
    import json

    from .tools.parse import ParsedCall

    found = call.get("function")
    function: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            pass
    return ParsedCall(str(function.get("name")), arguments if isinstance(arguments, dict) else {}).signature()
