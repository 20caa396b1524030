"""Anthropic's Messages API in g4f's terms: the request as chat messages, the provider's events as
Anthropic's message and stream events, errors in Anthropic's format.

* :func:`parse_request` checks a ``POST /v1/messages`` body (Anthropic's fields only) and turns
  ``system`` and ``messages`` (text, image, ``tool_use``, ``tool_result`` and thinking blocks)
  into chat messages, ``tools`` into function tools and ``tool_choice`` into its chat form.
* :class:`MessageBuilder` turns text deltas and events into content blocks: text → ``text``,
  ``Reasoning(token)`` → ``thinking``, ``ToolCalls`` → ``tool_use`` (arguments as
  ``input_json_delta``), images → markdown text; ``Usage`` → ``usage``; the finish reason →
  ``stop_reason`` (``end_turn``, ``max_tokens``, ``tool_use``, ``stop_sequence``).
* :func:`error_body` gives ``{"type": "error", "error": {"type", "message"}}`` with Anthropic's
  status for an error the server answers.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..client.stop import StopCutter
from ..providers.response import FinishReason, ImageResponse, ProviderInfo, Reasoning, ToolCalls, Usage
from .errors import ApiError
from .request_fields import Check, any_value, array, boolean, checked, integer, number, obj, string

__all__ = ["MessageBuilder", "MessagesRequest", "error_body", "error_type", "parse_request"]

#: Anthropic's error type for each status (https://docs.anthropic.com/en/api/errors).
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
               403: "permission_error", 404: "not_found_error", 413: "request_too_large",
               429: "rate_limit_error", 500: "api_error", 504: "timeout_error", 529: "overloaded_error"}
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use",
                 "content_filter": "refusal"}


def error_type(status: int) -> str:
    if status in ERROR_TYPES:
        return ERROR_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def error_body(error: ApiError) -> tuple[int, dict[str, Any]]:
    """Anthropic's status and body for ``error``: a server that is full (503) is ``overloaded_error``
    (529), the status Anthropic's clients back off on."""
    status = 529 if error.status == 503 else error.status
    return status, {"type": "error", "error": {"type": error_type(status), "message": error.message}}


def _bad(param: str, message: str) -> ApiError:
    return ApiError(400, f"{param}: {message}", "invalid_request_error", "invalid_value", param)


def _provider(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise _bad(name, "must be a provider name")
    return value


def _system(name: str, value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for index, block in enumerate(value):
            if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
                raise _bad(f"{name}[{index}]", "must be a text block")
            texts.append(block["text"])
        return "\n\n".join(texts)
    raise _bad(name, "must be a string or an array of text blocks")


def _stop_sequences(name: str, value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise _bad(name, "must be an array of strings")
    return value


FIELDS: dict[str, Check] = {
    "model": string,
    "messages": array,
    "max_tokens": integer(1),
    "system": _system,
    "stop_sequences": _stop_sequences,
    "stream": boolean,
    "temperature": number(0, 1),
    "top_p": number(0, 1),
    "top_k": integer(0),
    "tools": array,
    "tool_choice": obj,
    "metadata": obj,
    "thinking": obj,
    "service_tier": string,
    "container": any_value,
    "provider": _provider,
}


@dataclass
class MessagesRequest:
    """A checked request: chat ``messages`` and the options for the provider call."""

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    provider: str | None = None
    stop: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)


def _image(block: dict[str, Any], where: str) -> dict[str, Any]:
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "base64" and isinstance(source, dict) and isinstance(source.get("data"), str):
        url = f"data:{source.get('media_type') or 'image/png'};base64,{source['data']}"
    elif kind == "url" and isinstance(source, dict) and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        raise _bad(f"{where}.source", "must be {'type': 'base64', 'media_type', 'data'} or {'type': 'url', 'url'}")
    return {"type": "image_url", "image_url": {"url": url}}


def _tool_result_text(content: Any, where: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for index, block in enumerate(content):
            if not isinstance(block, dict) or block.get("type") != "text":
                raise _bad(f"{where}[{index}]", "a tool result holds text blocks here (images are not supported)")
            texts.append(str(block.get("text", "")))
        return "\n".join(texts)
    raise _bad(where, "must be a string or an array of text blocks")


def _message(message: Any, where: str) -> list[dict[str, Any]]:
    """One Anthropic message as chat messages (tool results become ``tool`` messages first)."""
    if not isinstance(message, dict):
        raise _bad(where, "must be an object with 'role' and 'content'")
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise _bad(f"{where}.role", f"must be 'user' or 'assistant', not {role!r}")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    if not isinstance(content, list):
        raise _bad(f"{where}.content", "must be a string or an array of content blocks")
    results: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for index, block in enumerate(content):
        at = f"{where}.content[{index}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text" and isinstance(block.get("text"), str):
            parts.append({"type": "text", "text": block["text"]})
        elif kind == "image" and role == "user":
            parts.append(_image(block, at))
        elif kind == "tool_result" and role == "user":
            assert isinstance(block, dict)
            if not isinstance(block.get("tool_use_id"), str):
                raise _bad(f"{at}.tool_use_id", "must be the id of the tool_use it answers")
            text = _tool_result_text(block.get("content"), f"{at}.content")
            results.append({"role": "tool", "tool_call_id": block["tool_use_id"],
                            "content": f"Error: {text}" if block.get("is_error") else text})
        elif kind == "tool_use" and role == "assistant":
            assert isinstance(block, dict)
            if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                raise _bad(at, "a tool_use block needs an id and a name")
            calls.append({"id": block["id"], "type": "function", "function": {
                "name": block["name"], "arguments": json.dumps(block.get("input") or {}, ensure_ascii=False)}})
        elif kind in ("thinking", "redacted_thinking") and role == "assistant":
            continue  # what the model thought before is not sent back to it
        else:
            raise _bad(f"{at}.type", f"{kind!r} blocks are not supported in {role} messages")
    chat: list[dict[str, Any]] = list(results)
    if role == "assistant":
        text = "".join(part["text"] for part in parts)
        if text or calls:
            reply: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                reply["tool_calls"] = calls
            chat.append(reply)
    elif parts:
        only_text = all(part["type"] == "text" for part in parts)
        chat.append({"role": "user", "content": "".join(p["text"] for p in parts) if only_text else parts})
    return chat


def _tools(tools: list[Any]) -> list[dict[str, Any]]:
    converted = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict):
            raise _bad(where, "must be an object")
        if tool.get("type") not in (None, "custom"):
            raise _bad(f"{where}.type", f"server tools ({tool.get('type')!r}) are not supported; declare client "
                                        "tools with name, description and input_schema")
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise _bad(f"{where}.name", "must be a non-empty string")
        function = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
        if isinstance(tool.get("description"), str):
            function["description"] = tool["description"]
        converted.append({"type": "function", "function": function})
    return converted


def _tool_choice(choice: dict[str, Any]) -> tuple[Any, bool | None]:
    kind = choice.get("type")
    parallel = False if choice.get("disable_parallel_tool_use") else None
    if kind == "auto":
        return "auto", parallel
    if kind == "any":
        return "required", parallel
    if kind == "none":
        return "none", None
    if kind == "tool" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}, parallel
    raise _bad("tool_choice", "must be {'type': 'auto' | 'any' | 'none'} or {'type': 'tool', 'name': ...}")


def parse_request(body: Any) -> MessagesRequest:
    """A :class:`MessagesRequest` from a decoded body; raises :class:`ApiError` (400)."""
    fields = checked(body, FIELDS)
    for required in ("model", "messages", "max_tokens"):
        if required not in fields:
            raise _bad(required, "Field required")
    messages: list[dict[str, Any]] = []
    if fields.get("system"):
        messages.append({"role": "system", "content": fields["system"]})
    if not fields["messages"]:
        raise _bad("messages", "must hold at least one message")
    for index, message in enumerate(fields["messages"]):
        messages += _message(message, f"messages[{index}]")
    options: dict[str, Any] = {"max_tokens": fields["max_tokens"]}
    for name in ("temperature", "top_p", "top_k"):
        if name in fields:
            options[name] = fields[name]
    if fields.get("tools"):
        options["tools"] = _tools(fields["tools"])
    if "tool_choice" in fields:
        choice, parallel = _tool_choice(fields["tool_choice"])
        options["tool_choice"] = choice
        if parallel is not None:
            options["parallel_tool_calls"] = parallel
    user = (fields.get("metadata") or {}).get("user_id")
    if isinstance(user, str):
        options["user"] = user
    return MessagesRequest(fields["model"], messages, bool(fields.get("stream")), fields.get("provider"),
                           list(fields.get("stop_sequences") or []), options)


class MessageBuilder:
    """Builds one Anthropic message from a provider's stream and says so as stream events
    (``(event name, data)`` pairs): ``start()``, ``feed(item)`` per delta or event, ``finish()``.

    Stop sequences are cut here (also when split across deltas): the text ends before the first
    one, ``stop_reason`` is ``stop_sequence`` and ``done`` tells the caller to stop reading.
    """

    def __init__(self, model: str, stop: list[str]) -> None:
        self.id = f"msg_{uuid.uuid4().hex}"
        self.model = model
        self.content: list[dict[str, Any]] = []
        self.usage = {"input_tokens": 0, "output_tokens": 0}
        self.finish_reason: str | None = None
        self.stop_sequence: str | None = None
        self.done = False
        self._stop = stop
        self._cutter = StopCutter(stop) if stop else None
        self._seen = ""  # the text so far, kept only to name the stop sequence found
        self._open: dict[str, Any] | None = None
        self._pieces: list[str] = []

    def message(self, final: bool = True) -> dict[str, Any]:
        """The message object (``final=False``: as ``message_start`` shows it, still empty)."""
        return {"id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": self.content if final else [],
                "stop_reason": self.stop_reason if final else None,
                "stop_sequence": self.stop_sequence if final else None,
                "usage": dict(self.usage)}

    @property
    def stop_reason(self) -> str:
        if self.stop_sequence is not None:
            return "stop_sequence"
        reason = _STOP_REASONS.get(self.finish_reason or "", None)
        if reason is None:
            reason = "tool_use" if any(block["type"] == "tool_use" for block in self.content) else "end_turn"
        return reason

    def start(self) -> list[tuple[str, dict[str, Any]]]:
        return [("message_start", {"type": "message_start", "message": self.message(final=False)}),
                ("ping", {"type": "ping"})]

    def feed(self, item: Any) -> list[tuple[str, dict[str, Any]]]:
        if self.done:
            return []
        if type(item) is str:
            return self._text(item)
        if isinstance(item, Reasoning):
            return self._delta("thinking", item.token) if item.token else []
        if isinstance(item, ToolCalls):
            return self._tool_uses(item.calls)
        if isinstance(item, ImageResponse):
            markdown = item.to_markdown()
            return self._text(("\n\n" if self.content or self._pieces else "") + markdown) if markdown else []
        if isinstance(item, Usage):
            self.usage_from(item)
        elif isinstance(item, FinishReason):
            self.finish_reason = item.reason
        elif isinstance(item, ProviderInfo):
            self.model = item.model or self.model
        return []

    def usage_from(self, event: Usage) -> None:
        """Take the usage an event reports (also after a stop sequence, when the text is done)."""
        self.usage = {"input_tokens": event.prompt_tokens, "output_tokens": event.completion_tokens}

    def _text(self, text: str) -> list[tuple[str, dict[str, Any]]]:
        if self._cutter is None:
            return self._delta("text", text)
        self._seen = (self._seen + text)[-4 * max(len(word) for word in self._stop):]
        shown = self._cutter.feed(text)
        events = self._delta("text", shown) if shown else []
        if self._cutter.stopped:
            self.stop_sequence = min((word for word in self._stop if word in self._seen),
                                     key=self._seen.find, default=self._stop[0])
            self.done = True
        return events

    def _delta(self, kind: str, text: str) -> list[tuple[str, dict[str, Any]]]:
        events = [] if self._open is not None and self._open["type"] == kind else self._close()
        if self._open is None:
            block = {"type": "text", "text": ""} if kind == "text" else {"type": "thinking", "thinking": "",
                                                                            "signature": ""}
            self._open = block
            self.content.append(block)
            events.append(("content_block_start", {"type": "content_block_start", "index": len(self.content) - 1,
                                                   "content_block": dict(block)}))
        self._pieces.append(text)
        delta = {"type": "text_delta", "text": text} if kind == "text" else {"type": "thinking_delta",
                                                                              "thinking": text}
        events.append(("content_block_delta", {"type": "content_block_delta", "index": len(self.content) - 1,
                                               "delta": delta}))
        return events

    def _close(self) -> list[tuple[str, dict[str, Any]]]:
        block, self._open = self._open, None
        if block is None:
            return []
        text, self._pieces = "".join(self._pieces), []
        block["text" if block["type"] == "text" else "thinking"] = text
        return [("content_block_stop", {"type": "content_block_stop", "index": self.content.index(block)})]

    def _tool_uses(self, calls: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        events = self._close()
        for call in calls:
            function = call.get("function") or {}
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                try:
                    parsed = json.loads(arguments) if arguments.strip() else {}
                except ValueError:
                    parsed = {"arguments": arguments}  # not JSON: kept whole rather than lost
            else:
                parsed = arguments if isinstance(arguments, dict) else {}
            block = {"type": "tool_use", "id": call.get("id") or f"toolu_{uuid.uuid4().hex[:24]}",
                     "name": str(function.get("name") or ""), "input": parsed}
            self.content.append(block)
            index = len(self.content) - 1
            events += [
                ("content_block_start", {"type": "content_block_start", "index": index,
                                         "content_block": {**block, "input": {}}}),
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {
                    "type": "input_json_delta", "partial_json": json.dumps(parsed, ensure_ascii=False)}}),
                ("content_block_stop", {"type": "content_block_stop", "index": index}),
            ]
        return events

    def finish(self) -> list[tuple[str, dict[str, Any]]]:
        events = []
        if self._cutter is not None and not self._cutter.stopped:
            held = self._cutter.flush()  # text held back as a possible start of a stop sequence
            if held:
                events = self._delta("text", held)
        events += self._close()
        return [*events,
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": self.stop_reason,
                                                                      "stop_sequence": self.stop_sequence},
                                   "usage": dict(self.usage)}),
                ("message_stop", {"type": "message_stop"})]
