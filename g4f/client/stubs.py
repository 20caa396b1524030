"""The OpenAI-shaped objects the client returns: ``ChatCompletion``, ``ChatCompletionChunk``, ...

They read like the openai SDK's (``completion.choices[0].message.content``,
``chunk.choices[0].delta.content``, ``completion.usage.total_tokens``) and add ``provider`` and
``conversation``. They are plain classes with ``__slots__`` rather than pydantic models: a long
stream builds one chunk per token, so building one must cost next to nothing.

``to_dict()`` (also ``model_dump()``) gives the JSON shape OpenAI sends; g4f's additions
(``reasoning_content``, ``images``, ``provider``, ``conversation``, ...) appear only when set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

__all__ = [
    "ChatCompletion",
    "ChatCompletionChoice",
    "ChatCompletionChunk",
    "ChatCompletionDelta",
    "ChatCompletionDeltaChoice",
    "ChatCompletionMessage",
    "ModelInfo",
    "ModelList",
    "ToolCall",
    "ToolCallFunction",
    "Usage",
]


def _plain(value: Any) -> Any:
    if isinstance(value, _Stub):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None and not isinstance(value, type):
        return to_dict()
    return value


class _Stub:
    """Shared behaviour: ``to_dict`` in declaration order, equality by value, a readable repr."""

    __slots__ = ()
    #: Fields always present in ``to_dict`` (None included, as OpenAI sends ``null``).
    _fields: ClassVar[tuple[str, ...]] = ()
    #: Fields present in ``to_dict`` only when set (g4f's additions, optional OpenAI fields).
    _optional: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {name: _plain(getattr(self, name)) for name in self._fields}
        for name in self._optional:
            value = getattr(self, name)
            if value is not None:
                data[name] = _plain(value)
        return data

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """The openai SDK's (pydantic's) name for :meth:`to_dict`."""
        return self.to_dict()

    def model_dump_json(self, **_: Any) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Stub) or _public_name(other) != _public_name(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{_public_name(self)}({fields})"


def _public_name(stub: _Stub) -> str:
    # Private subclasses (_FullDelta, _LastChunk) only add slots; show the public class.
    for klass in type(stub).__mro__:
        if not klass.__name__.startswith("_"):
            return klass.__name__
    return type(stub).__name__


class ToolCallFunction(_Stub):
    """The function a tool call invokes; ``arguments`` is a JSON string, as OpenAI sends it."""

    __slots__ = ("arguments", "name")
    _fields = ("name", "arguments")

    def __init__(self, name: str | None, arguments: str | None = "") -> None:
        self.name = name
        self.arguments = arguments


class ToolCall(_Stub):
    """One tool call; ``index`` is set in streamed deltas, where OpenAI numbers the calls."""

    __slots__ = ("function", "id", "index", "type")
    _fields = ("id", "type", "function")
    _optional = ("index",)

    def __init__(self, id: str | None, function: ToolCallFunction, type: str = "function",
                 index: int | None = None) -> None:
        self.id = id
        self.type = type
        self.function = function
        self.index = index

    @classmethod
    def from_dict(cls, data: dict[str, Any], index: int | None = None) -> ToolCall:
        function = data.get("function") or {}
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str):
            import json

            arguments = json.dumps(arguments, ensure_ascii=False)
        return cls(data.get("id"), ToolCallFunction(function.get("name"), arguments),
                   data.get("type") or "function", index)


class Usage(_Stub):
    """Token counts; extra fields an upstream reports (timings, cost) are kept as attributes."""

    __slots__ = ("completion_tokens", "extra", "prompt_tokens", "total_tokens")
    _fields = ("prompt_tokens", "completion_tokens", "total_tokens")

    def __init__(self, prompt_tokens: int = 0, completion_tokens: int = 0, total_tokens: int | None = None,
                 **extra: Any) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.total_tokens = prompt_tokens + completion_tokens if total_tokens is None else total_tokens
        self.extra = extra

    def __getattr__(self, name: str) -> Any:
        try:
            return self.extra[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), **self.extra}

    @classmethod
    def from_event(cls, event: Any) -> Usage:
        data = event.to_dict()
        return cls(**data)


class ChatCompletionMessage(_Stub):
    """The answer of a non-streamed completion."""

    __slots__ = ("content", "images", "reasoning_content", "role", "tool_calls")
    _fields = ("role", "content")
    _optional = ("reasoning_content", "tool_calls", "images")

    def __init__(self, content: str | None, role: str = "assistant", reasoning_content: str | None = None,
                 tool_calls: list[ToolCall] | None = None,
                 images: list[dict[str, Any]] | None = None) -> None:
        self.role = role
        self.content = content
        self.reasoning_content = reasoning_content
        self.tool_calls = tool_calls
        self.images = images


class ChatCompletionChoice(_Stub):
    __slots__ = ("finish_reason", "index", "logprobs", "message")
    _fields = ("index", "message", "finish_reason", "logprobs")

    def __init__(self, message: ChatCompletionMessage, finish_reason: str | None, index: int = 0) -> None:
        self.index = index
        self.message = message
        self.finish_reason = finish_reason
        self.logprobs = None


class ChatCompletion(_Stub):
    """A whole answer, shaped like OpenAI's ``chat.completion`` object."""

    __slots__ = ("choices", "conversation", "created", "id", "model", "provider", "title", "usage")
    object: ClassVar[str] = "chat.completion"
    _fields = ("id", "object", "created", "model", "choices", "usage")
    _optional = ("provider", "conversation", "title")

    def __init__(self, id: str, created: int, model: str, choices: list[ChatCompletionChoice],
                 usage: Usage | None = None, provider: str | None = None, conversation: Any = None,
                 title: str | None = None) -> None:
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.provider = provider
        self.conversation = conversation
        self.title = title


class ChatCompletionDelta(_Stub):
    """What one streamed chunk adds to the answer.

    A text delta holds ``role`` and ``content`` only (the other fields read as None at no cost
    per chunk); a delta with reasoning, tool calls or images is built with :meth:`of`.
    """

    __slots__ = ("content", "role")
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    images: list[dict[str, Any]] | None = None
    _fields = ("role", "content")
    _optional = ("reasoning_content", "tool_calls", "images")

    def __init__(self, content: str | None = None, role: str | None = None) -> None:
        self.role = role
        self.content = content

    @staticmethod
    def of(content: str | None = None, role: str | None = None, reasoning_content: str | None = None,
           tool_calls: list[ToolCall] | None = None,
           images: list[dict[str, Any]] | None = None) -> ChatCompletionDelta:
        """A delta with any of the fields set."""
        delta = _FullDelta(content, role)
        delta.reasoning_content = reasoning_content
        delta.tool_calls = tool_calls
        delta.images = images
        return delta

    def to_dict(self) -> dict[str, Any]:
        # OpenAI leaves unset delta fields out entirely.
        return {k: v for k, v in super().to_dict().items() if v is not None}


class _FullDelta(ChatCompletionDelta):
    __slots__ = ("images", "reasoning_content", "tool_calls")


class ChatCompletionDeltaChoice(_Stub):
    __slots__ = ("delta", "finish_reason")
    #: g4f answers with one choice, so its index is always 0.
    index: int = 0
    logprobs: Any = None
    _fields = ("index", "delta", "finish_reason", "logprobs")

    def __init__(self, delta: ChatCompletionDelta, finish_reason: str | None = None) -> None:
        self.delta = delta
        self.finish_reason = finish_reason


class ChatCompletionChunk(_Stub):
    """One piece of a streamed answer, shaped like OpenAI's ``chat.completion.chunk``.

    The last chunk carries ``finish_reason`` and, when known, ``usage``, ``conversation`` and
    ``title`` (built with :meth:`last`); on the others these read as None.
    """

    __slots__ = ("choices", "created", "id", "model", "provider")
    object: ClassVar[str] = "chat.completion.chunk"
    usage: Usage | None = None
    conversation: Any = None
    title: str | None = None
    _fields = ("id", "object", "created", "model", "choices")
    _optional = ("usage", "provider", "conversation", "title")

    def __init__(self, id: str, created: int, model: str, choices: list[ChatCompletionDeltaChoice],
                 provider: str | None = None) -> None:
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.provider = provider

    @staticmethod
    def last(id: str, created: int, model: str, choices: list[ChatCompletionDeltaChoice],
             provider: str | None = None, usage: Usage | None = None, conversation: Any = None,
             title: str | None = None) -> ChatCompletionChunk:
        """The finishing chunk, with what is known once the answer is complete."""
        chunk = _LastChunk(id, created, model, choices, provider)
        chunk.usage = usage
        chunk.conversation = conversation
        chunk.title = title
        return chunk


class _LastChunk(ChatCompletionChunk):
    __slots__ = ("conversation", "title", "usage")


class ModelInfo(_Stub):
    """One model as ``/v1/models`` lists it; ``providers`` names who serves it."""

    __slots__ = ("context_length", "created", "id", "owned_by", "providers")
    object: ClassVar[str] = "model"
    _fields = ("id", "object", "created", "owned_by")
    _optional = ("providers", "context_length")

    def __init__(self, id: str, owned_by: str = "", providers: list[str] | None = None,
                 context_length: int | None = None, created: int = 0) -> None:
        self.id = id
        self.created = created
        self.owned_by = owned_by
        self.providers = providers
        self.context_length = context_length


class ModelList(_Stub):
    """``client.models.list()``: iterate it, or read ``.data`` as with the openai SDK."""

    __slots__ = ("data",)
    object: ClassVar[str] = "list"
    _fields = ("object", "data")

    def __init__(self, data: Sequence[ModelInfo]) -> None:
        self.data = list(data)

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def ids(self) -> list[str]:
        return [model.id for model in self.data]
