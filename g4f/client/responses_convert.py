"""The Responses API on top of a provider's stream: its request turned into chat messages, and
the provider's events turned into Responses objects and stream events.

* :func:`input_messages` turns ``input`` (a string or items: messages, ``function_call``,
  ``function_call_output``, reasoning) and ``instructions`` into chat messages;
  :func:`chat_tools` and :func:`chat_tool_choice` turn function tools into the chat form every
  provider takes. Anything that cannot be honoured is a ``BadRequestError`` naming the field.
* :class:`ResponseBuilder` takes the provider's text deltas and events and returns the events of
  OpenAI's sequence (``response.created``, ``response.in_progress``, ``response.output_item.added``,
  ``response.content_part.added``, ``response.output_text.delta``, ..., ``response.completed``)
  while it fills the :class:`~g4f.client.responses_stubs.Response`.

Events map as follows: text → an output ``message`` item; ``Reasoning(token)`` → a ``reasoning``
item (``reasoning_text`` content); ``ToolCalls`` → one ``function_call`` item each;
``ImageResponse`` → markdown in the message; ``Usage`` → ``usage``; ``FinishReason("length")``
→ status ``incomplete``; ``ProviderInfo`` → ``model`` and ``provider``; the provider's
``Conversation`` is kept for ``previous_response_id``.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import BadRequestError
from ..providers.response import (
    FinishReason,
    ImageResponse,
    JsonConversation,
    ProviderInfo,
    Reasoning,
    ToolCalls,
    Usage,
)
from .responses_stubs import (
    Response,
    ResponseError,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseReasoningText,
    ResponseStreamEvent,
    ResponseUsage,
)

__all__ = ["ResponseBuilder", "chat_tool_choice", "chat_tools", "input_messages", "new_id"]

_ROLES = frozenset({"user", "assistant", "system", "developer"})
_TEXT_PARTS = frozenset({"input_text", "output_text", "text", "refusal"})


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _bad(param: str, message: str) -> BadRequestError:
    return BadRequestError(f"{param}: {message}", param=param)


def _part(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, dict) or not isinstance(part.get("type"), str):
        raise _bad(where, "must be an object with a 'type'")
    kind = part["type"]
    if kind in _TEXT_PARTS:
        text = part.get("text", part.get("refusal"))
        if not isinstance(text, str):
            raise _bad(f"{where}.text", "must be a string")
        return {"type": "text", "text": text}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise _bad(f"{where}.image_url", "must be a URL or a data: URI (file_id is not supported)")
        image: dict[str, Any] = {"url": url}
        if isinstance(part.get("detail"), str):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise _bad(f"{where}.type", f"{kind!r} parts are not supported (input_text and input_image are)")


def _content(content: Any, where: str, role: str) -> Any:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _bad(where, "must be a string or an array of content parts")
    parts = [_part(part, f"{where}[{index}]") for index, part in enumerate(content)]
    if role != "user" and all(part["type"] == "text" for part in parts):
        return "".join(part["text"] for part in parts)  # what every provider takes for these roles
    return parts


def _text_output(output: Any, where: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "".join(_part(part, f"{where}[{index}]").get("text", "") for index, part in enumerate(output))
    raise _bad(where, "must be a string or an array of content parts")


def input_messages(input: Any, instructions: Any = None) -> list[dict[str, Any]]:
    """Chat messages for ``input`` (a string or a list of items), after ``instructions``."""
    messages: list[dict[str, Any]] = []
    if instructions is not None:
        if not isinstance(instructions, str):
            raise _bad("instructions", "must be a string")
        if instructions:
            messages.append({"role": "system", "content": instructions})
    if isinstance(input, str):
        messages.append({"role": "user", "content": input})
        return messages
    if not isinstance(input, list) or not input:
        raise _bad("input", "must be a string or a non-empty array of input items")
    for index, item in enumerate(input):
        where = f"input[{index}]"
        if not isinstance(item, dict):
            raise _bad(where, "must be an object")
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            role = item.get("role")
            if role not in _ROLES:
                raise _bad(f"{where}.role", f"must be one of {', '.join(sorted(_ROLES))}, not {role!r}")
            messages.append({"role": role, "content": _content(item.get("content"), f"{where}.content", role)})
        elif kind == "function_call":
            call_id, name, arguments = item.get("call_id"), item.get("name"), item.get("arguments", "")
            if not isinstance(call_id, str) or not isinstance(name, str) or not isinstance(arguments, str):
                raise _bad(where, "a function_call item needs call_id, name and arguments (strings)")
            call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant":  # this turn's text, then its calls
                last.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str):
                raise _bad(f"{where}.call_id", "must be the call_id of the function_call it answers")
            messages.append({"role": "tool", "tool_call_id": call_id,
                             "content": _text_output(item.get("output"), f"{where}.output")})
        elif kind == "reasoning":
            continue  # what a model thought is not sent back to it
        else:
            raise _bad(f"{where}.type", f"{kind!r} items are not supported (message, function_call, "
                                        "function_call_output and reasoning are)")
    return messages


def chat_tools(tools: Any) -> list[dict[str, Any]] | None:
    """Responses function tools (``{"type": "function", "name", "parameters", ...}``) in chat form."""
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise _bad("tools", "must be an array of tools")
    converted = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict):
            raise _bad(where, "must be an object")
        if tool.get("type") != "function":
            raise _bad(f"{where}.type", f"only function tools are supported, not {tool.get('type')!r}")
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise _bad(f"{where}.name", "must be a non-empty string")
        function = {key: tool[key] for key in ("name", "description", "parameters", "strict")
                    if tool.get(key) is not None}
        converted.append({"type": "function", "function": function})
    return converted or None


def chat_tool_choice(choice: Any) -> Any:
    """``tool_choice`` in chat form: ``auto``/``none``/``required``, or a named function."""
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise _bad("tool_choice", "must be 'auto', 'none', 'required' or {'type': 'function', 'name': ...}")


class ResponseBuilder:
    """Fills ``response`` from a provider's stream and says what happened as stream events.

    ``start()`` gives the opening events; ``feed(item)`` those of one text delta or event (most
    events give none: they fill the response); ``finish()`` closes the open item and gives
    ``response.completed`` (or ``response.incomplete``); ``fail(code, message)`` gives
    ``response.failed``. Items passed in events are copies while they still change.
    """

    def __init__(self, response: Response) -> None:
        self.response = response
        self.conversation: JsonConversation | None = None
        self.finish_reason: str | None = None
        self._sequence = 0
        self._item: ResponseOutputMessage | ResponseReasoningItem | None = None
        self._pieces: list[str] = []
        self._wrote_text = False
        self._item_index = -1

    @property
    def writing_text(self) -> bool:
        """True while an output message is open: :meth:`text_delta` may be used."""
        return type(self._item) is ResponseOutputMessage

    def _event(self, kind: str, **fields: Any) -> ResponseStreamEvent:
        event = ResponseStreamEvent(kind, self._sequence, **fields)
        self._sequence += 1
        return event

    @property
    def _index(self) -> int:
        return len(self.response.output) - 1

    def start(self) -> list[ResponseStreamEvent]:
        return [self._event("response.created", response=self.response.snapshot()),
                self._event("response.in_progress", response=self.response.snapshot())]

    def feed(self, item: Any) -> list[ResponseStreamEvent]:
        if type(item) is str:
            return self.text(item)
        if isinstance(item, Reasoning):
            return self.reasoning(item.token) if item.token else []
        if isinstance(item, ToolCalls):
            return self.tool_calls(item.calls)
        if isinstance(item, ImageResponse):
            markdown = item.to_markdown()
            return self.text(("\n\n" if self._wrote_text else "") + markdown) if markdown else []
        if isinstance(item, Usage):
            self.response.usage = ResponseUsage.from_event(item)
        elif isinstance(item, FinishReason):
            self.finish_reason = item.reason
        elif isinstance(item, JsonConversation):
            self.conversation = item
        elif isinstance(item, ProviderInfo):
            self.response.provider = item.name or self.response.provider
            self.response.model = item.model or self.response.model
        elif isinstance(item, str):  # a str subclass that is no event: text
            return self.text(str(item))
        return []

    # -- items ---------------------------------------------------------------------------------
    def text(self, delta: str) -> list[ResponseStreamEvent]:
        if not delta:
            return []
        events = [] if type(self._item) is ResponseOutputMessage else self._open_message()
        events.append(self.text_delta(delta))
        return events

    def text_delta(self, delta: str) -> ResponseStreamEvent:
        """The event of a text delta while a message is open (the hot path: one event, no list)."""
        self._pieces.append(delta)
        self._wrote_text = True
        sequence = self._sequence
        self._sequence = sequence + 1
        return ResponseStreamEvent("response.output_text.delta", sequence, item_id=self._item.id,  # type: ignore[union-attr]
                                   output_index=self._item_index, content_index=0, delta=delta, logprobs=[])

    def reasoning(self, delta: str) -> list[ResponseStreamEvent]:
        events = [] if isinstance(self._item, ResponseReasoningItem) else self._open_reasoning()
        self._pieces.append(delta)
        assert self._item is not None
        events.append(self._event("response.reasoning_text.delta", item_id=self._item.id,
                                  output_index=self._index, content_index=0, delta=delta))
        return events

    def tool_calls(self, calls: list[dict[str, Any]]) -> list[ResponseStreamEvent]:
        events = self._close()
        for call in calls:
            function = call.get("function") or {}
            arguments = function.get("arguments")
            if not isinstance(arguments, str):
                from ..requests.jsonlib import dumps

                arguments = dumps(arguments if arguments is not None else {}).decode()
            item = ResponseFunctionToolCall(new_id("fc"), call.get("id") or new_id("call"),
                                            str(function.get("name") or ""), arguments, "completed")
            self.response.output.append(item)
            index = self._index
            added = ResponseFunctionToolCall(item.id, item.call_id, item.name, "", "in_progress")
            events += [
                self._event("response.output_item.added", output_index=index, item=added),
                self._event("response.function_call_arguments.delta", item_id=item.id, output_index=index,
                            delta=arguments),
                self._event("response.function_call_arguments.done", item_id=item.id, output_index=index,
                            name=item.name, arguments=arguments),
                self._event("response.output_item.done", output_index=index, item=item),
            ]
        return events

    def _open_message(self) -> list[ResponseStreamEvent]:
        events = self._close()
        item = ResponseOutputMessage(new_id("msg"))
        self.response.output.append(item)
        self._item = item
        index = self._item_index = self._index
        return events + [
            self._event("response.output_item.added", output_index=index,
                        item=ResponseOutputMessage(item.id, [], "in_progress")),
            self._event("response.content_part.added", item_id=item.id, output_index=index, content_index=0,
                        part=ResponseOutputText("")),
        ]

    def _open_reasoning(self) -> list[ResponseStreamEvent]:
        events = self._close()
        item = ResponseReasoningItem(new_id("rs"))
        self.response.output.append(item)
        self._item = item
        index = self._index
        return events + [
            self._event("response.output_item.added", output_index=index,
                        item=ResponseReasoningItem(item.id, [], "in_progress")),
            self._event("response.content_part.added", item_id=item.id, output_index=index, content_index=0,
                        part=ResponseReasoningText("")),
        ]

    def _close(self, status: str = "completed") -> list[ResponseStreamEvent]:
        """End the message or reasoning item being written, with its whole text."""
        item, self._item = self._item, None
        if item is None:
            return []
        text, self._pieces = "".join(self._pieces), []
        index = self.response.output.index(item)
        part: ResponseOutputText | ResponseReasoningText
        if isinstance(item, ResponseOutputMessage):
            part = ResponseOutputText(text)
            item.content = [part]
            done = self._event("response.output_text.done", item_id=item.id, output_index=index, content_index=0,
                               text=text, logprobs=[])
        else:
            part = ResponseReasoningText(text)
            item.content = [part]
            done = self._event("response.reasoning_text.done", item_id=item.id, output_index=index,
                               content_index=0, text=text)
        item.status = status
        return [done,
                self._event("response.content_part.done", item_id=item.id, output_index=index, content_index=0,
                            part=part),
                self._event("response.output_item.done", output_index=index, item=item)]

    # -- the end -----------------------------------------------------------------------------
    def finish(self) -> list[ResponseStreamEvent]:
        """Close the open item; ``response.completed``, or ``response.incomplete`` when the answer
        was cut by the token limit (or a content filter)."""
        reason = self.finish_reason
        incomplete = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(reason or "")
        events = self._close("incomplete" if incomplete else "completed")
        if incomplete:
            self.response.status = "incomplete"
            self.response.incomplete_details = {"reason": incomplete}
        else:
            self.response.status = "completed"
        return [*events, self._event(f"response.{self.response.status}", response=self.response)]

    def fail(self, code: str, message: str) -> ResponseStreamEvent:
        """``response.failed``: the answer broke off after it began (never a shorter answer)."""
        self._item = None
        self._pieces = []
        self.response.status = "failed"
        self.response.error = ResponseError(code, message)
        return self._event("response.failed", response=self.response)

    def assistant_message(self) -> dict[str, Any]:
        """This answer as a chat message, to continue from it (``previous_response_id``)."""
        text = self.response.output_text
        calls = [{"id": item.call_id, "type": "function", "function": {"name": item.name, "arguments": item.arguments}}
                 for item in self.response.output if isinstance(item, ResponseFunctionToolCall)]
        message: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
        if calls:
            message["tool_calls"] = calls
        return message
