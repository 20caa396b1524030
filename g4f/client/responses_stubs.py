"""The Responses API's objects as ``client.responses.create(...)`` returns them.

They read like the openai SDK's (``response.output_text``, ``response.output[0].content[0].text``,
``response.usage.input_tokens``, ``event.type``, ``event.delta``) and are light ``__slots__``
classes, like :mod:`g4f.client.stubs`: a stream builds one event per token. ``to_dict()``
(also ``model_dump()``) gives the JSON OpenAI sends, which is what ``POST /v1/responses`` writes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .stubs import _plain, _Stub

__all__ = [
    "OutputItem",
    "Response",
    "ResponseError",
    "ResponseFunctionToolCall",
    "ResponseOutputMessage",
    "ResponseOutputText",
    "ResponseReasoningItem",
    "ResponseReasoningText",
    "ResponseStreamEvent",
    "ResponseUsage",
]


class ResponseOutputText(_Stub):
    """A text part of an output message (``type: "output_text"``)."""

    __slots__ = ("annotations", "logprobs", "text")
    type: ClassVar[str] = "output_text"
    _fields = ("type", "text", "annotations", "logprobs")

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.annotations: list[Any] = []
        self.logprobs: list[Any] = []


class ResponseReasoningText(_Stub):
    """A part of a reasoning item's content (``type: "reasoning_text"``)."""

    __slots__ = ("text",)
    type: ClassVar[str] = "reasoning_text"
    _fields = ("type", "text")

    def __init__(self, text: str = "") -> None:
        self.text = text


class ResponseOutputMessage(_Stub):
    """The assistant's message: ``content`` holds its ``output_text`` parts."""

    __slots__ = ("content", "id", "status")
    type: ClassVar[str] = "message"
    role: ClassVar[str] = "assistant"
    _fields = ("id", "type", "status", "role", "content")

    def __init__(self, id: str, content: list[ResponseOutputText] | None = None,
                 status: str = "in_progress") -> None:
        self.id = id
        self.status = status
        self.content = content if content is not None else []


class ResponseReasoningItem(_Stub):
    """What a thinking model thought (``content`` of ``reasoning_text`` parts; no summary)."""

    __slots__ = ("content", "id", "status", "summary")
    type: ClassVar[str] = "reasoning"
    _fields = ("id", "type", "summary", "content", "status")

    def __init__(self, id: str, content: list[ResponseReasoningText] | None = None,
                 status: str = "in_progress") -> None:
        self.id = id
        self.summary: list[Any] = []
        self.content = content if content is not None else []
        self.status = status


class ResponseFunctionToolCall(_Stub):
    """A call of a function tool; ``arguments`` is a JSON string, ``call_id`` what the
    ``function_call_output`` item answering it names."""

    __slots__ = ("arguments", "call_id", "id", "name", "status")
    type: ClassVar[str] = "function_call"
    _fields = ("id", "type", "call_id", "name", "arguments", "status")

    def __init__(self, id: str, call_id: str, name: str, arguments: str = "", status: str = "in_progress") -> None:
        self.id = id
        self.call_id = call_id
        self.name = name
        self.arguments = arguments
        self.status = status


class ResponseUsage(_Stub):
    """Token counts in the Responses API's names."""

    __slots__ = ("input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details",
                 "total_tokens")
    _fields = ("input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens")

    def __init__(self, input_tokens: int = 0, output_tokens: int = 0, total_tokens: int | None = None,
                 cached_tokens: int = 0, reasoning_tokens: int = 0) -> None:
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.total_tokens = input_tokens + output_tokens if total_tokens is None else total_tokens
        # cache_write_tokens: what the openai SDK's model requires (providers do not report it here)
        self.input_tokens_details = {"cached_tokens": cached_tokens, "cache_write_tokens": 0}
        self.output_tokens_details = {"reasoning_tokens": reasoning_tokens}

    @classmethod
    def from_event(cls, event: Any) -> ResponseUsage:
        """From a :class:`g4f.providers.response.Usage` (chat-completion names and details)."""
        prompt_details = getattr(event, "extra", {}).get("prompt_tokens_details") or {}
        completion_details = getattr(event, "extra", {}).get("completion_tokens_details") or {}
        return cls(event.prompt_tokens, event.completion_tokens, event.total_tokens,
                   _int(prompt_details, "cached_tokens"), _int(completion_details, "reasoning_tokens"))


def _int(details: Any, name: str) -> int:
    value = details.get(name) if isinstance(details, dict) else None
    return value if isinstance(value, int) else 0


class ResponseError(_Stub):
    """Why a response failed (``response.error``)."""

    __slots__ = ("code", "message")
    _fields = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


#: An output item of a response.
OutputItem = ResponseOutputMessage | ResponseReasoningItem | ResponseFunctionToolCall


class Response(_Stub):
    """A whole response, shaped like OpenAI's ``response`` object; ``provider`` names who answered."""

    __slots__ = ("created_at", "error", "id", "incomplete_details", "instructions", "max_output_tokens",
                 "metadata", "model", "output", "parallel_tool_calls", "previous_response_id", "provider",
                 "status", "temperature", "tool_choice", "tools", "top_p", "usage")
    object: ClassVar[str] = "response"
    _fields = ("id", "object", "created_at", "status", "error", "incomplete_details", "instructions",
               "max_output_tokens", "model", "output", "parallel_tool_calls", "previous_response_id",
               "temperature", "tool_choice", "tools", "top_p", "usage", "metadata")
    _optional = ("provider",)

    def __init__(self, id: str, created_at: int, model: str, *, instructions: str | None = None,
                 tools: list[dict[str, Any]] | None = None, tool_choice: Any = "auto",
                 temperature: float | None = None, top_p: float | None = None,
                 max_output_tokens: int | None = None, previous_response_id: str | None = None,
                 metadata: dict[str, Any] | None = None, parallel_tool_calls: bool = True,
                 provider: str | None = None) -> None:
        self.id = id
        self.created_at = created_at
        self.model = model
        self.status = "in_progress"
        self.output: list[OutputItem] = []
        self.error: ResponseError | None = None
        self.incomplete_details: dict[str, Any] | None = None
        self.usage: ResponseUsage | None = None
        self.instructions = instructions
        self.tools = tools if tools is not None else []
        self.tool_choice = tool_choice
        self.temperature = temperature
        self.top_p = top_p
        self.max_output_tokens = max_output_tokens
        self.previous_response_id = previous_response_id
        self.metadata = metadata if metadata is not None else {}
        self.parallel_tool_calls = parallel_tool_calls
        self.provider = provider

    @property
    def output_text(self) -> str:
        """The text of every output message, joined (as the openai SDK's property)."""
        return "".join(part.text for item in self.output if isinstance(item, ResponseOutputMessage)
                       for part in item.content)

    def snapshot(self) -> Response:
        """A copy whose output list no longer changes (what ``response.created`` carries)."""
        copy = Response.__new__(Response)
        for name in Response.__slots__:
            setattr(copy, name, getattr(self, name))
        copy.output = list(self.output)
        return copy


class ResponseStreamEvent(_Stub):
    """One event of a streamed response: ``type``, ``sequence_number`` and the event's fields
    (``delta``, ``item``, ``response``, ``output_index``, ...) as attributes."""

    __slots__ = ("fields", "sequence_number", "type")

    def __init__(self, type: str, sequence_number: int, **fields: Any) -> None:
        self.type = type
        self.sequence_number = sequence_number
        self.fields = fields

    def __getattr__(self, name: str) -> Any:
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "sequence_number": self.sequence_number}
        for name, value in self.fields.items():
            data[name] = _plain(value)
        return data
