"""The OpenAI-shaped objects the client returns: ``ChatCompletion``, ``ChatCompletionChunk``, ...

They read like the openai SDK's (``completion.choices[0].message.content``,
``chunk.choices[0].delta.content``, ``completion.usage.total_tokens``) and add ``provider`` and
``conversation``. They are plain classes with ``__slots__`` rather than pydantic models: a long
stream builds one chunk per token, so building one must cost next to nothing.

They also speak pydantic's dialect as gpt4free's stubs do: ``model_dump()``, ``model_dump_json()``
and ``model_construct(...)``, the latter with gpt4free's signatures
(``ChatCompletionChunk.model_construct(content, finish_reason, completion_id, created)``,
``ChatCompletionDelta.model_construct(Reasoning("..."))``, ...); ``UsageModel``,
``ToolCallModel`` and ``ToolFunctionModel`` are gpt4free's names of ``Usage``, ``ToolCall`` and
``ToolCallFunction``.

``to_dict()`` (also ``model_dump()``) gives the JSON shape OpenAI sends; g4f's additions
(``reasoning``, ``images``, ``provider``, ``conversation``, ...) appear only when set. Thinking
text is ``reasoning`` (gpt4free's, Groq's and OpenRouter's name) and ``reasoning_content``
(DeepSeek's, vLLM's and LiteLLM's): the same text under both names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from typing_extensions import Self

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
    "ToolCallModel",
    "ToolFunctionModel",
    "Usage",
    "UsageModel",
    "preview_parts",
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


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def _slot_names(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in cls.__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name not in names:
                names.append(name)
    return tuple(names)


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

    def model_dump(self, *, exclude_none: bool = False, include: Iterable[str] | None = None,
                   exclude: Iterable[str] | None = None, **_: Any) -> dict[str, Any]:
        """pydantic's name for :meth:`to_dict` (``include``/``exclude``: top-level field names)."""
        data = self.to_dict()
        if include is not None:
            wanted = set(include)
            data = {key: value for key, value in data.items() if key in wanted}
        if exclude is not None:
            unwanted = set(exclude)
            data = {key: value for key, value in data.items() if key not in unwanted}
        return _without_none(data) if exclude_none else data

    def model_dump_json(self, *, indent: int | None = None, exclude_none: bool = False, **options: Any) -> str:
        import json

        return json.dumps(self.model_dump(exclude_none=exclude_none, **options), ensure_ascii=False, indent=indent)

    @classmethod
    def model_construct(cls, **fields: Any) -> Self:
        """An instance with ``fields`` set and every other field None, as pydantic builds one
        without validation (the classes below take gpt4free's arguments instead)."""
        instance = object.__new__(cls)
        for name in _slot_names(cls):
            object.__setattr__(instance, name, fields.pop(name, None))
        for name in fields:
            if not hasattr(cls, name):  # class-level constants (``object``, ``index``) are not stored
                raise TypeError(f"{cls.__name__} has no field {name!r}")
        return instance

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


def _token(reasoning: Any) -> str | None:
    """The text of a ``Reasoning`` event (or of a list of them, joined), or ``reasoning`` as it is."""
    if reasoning is None or isinstance(reasoning, str):
        return reasoning
    if isinstance(reasoning, list):
        return "".join(filter(None, (_token(item) for item in reasoning))) or None
    if hasattr(reasoning, "token"):  # a Reasoning event: its token (None for a status line)
        token = reasoning.token
        return token if token is None else str(token)
    return str(reasoning)


class ToolCallFunction(_Stub):
    """The function a tool call invokes; ``arguments`` is a JSON string, as OpenAI sends it."""

    __slots__ = ("arguments", "name")
    _fields = ("name", "arguments")

    def __init__(self, name: str | None, arguments: str | None = "") -> None:
        self.name = name
        self.arguments = arguments

    @classmethod
    def model_construct(cls, name: str | None = None, arguments: Any = "", **_: Any) -> Self:
        if arguments is not None and not isinstance(arguments, str):
            import json

            arguments = json.dumps(arguments, ensure_ascii=False)
        return cls(name, arguments)


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
        return cls(data.get("id"), ToolCallFunction.model_construct(function.get("name"), function.get("arguments")),
                   data.get("type") or "function", index)

    @classmethod
    def model_construct(cls, function: Any = None, index: int | None = 0, id: str | None = None,
                        type: str = "function", **_: Any) -> Self:
        """gpt4free's ``ToolCallModel.model_construct(**call)``: ``function`` may be a dict."""
        if not isinstance(function, ToolCallFunction):
            function = ToolCallFunction.model_construct(**(function or {}))
        return cls(id, function, type or "function", index)


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
        if not name.startswith("__"):  # copy and pickle probe dunders before ``extra`` is set
            try:
                return object.__getattribute__(self, "extra")[name]
            except (AttributeError, KeyError):
                pass
        raise AttributeError(name)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), **self.extra}

    @classmethod
    def from_event(cls, event: Any) -> Usage:
        data = event.to_dict()
        return cls(**data)

    @classmethod
    def model_construct(cls, prompt_tokens: int = 0, completion_tokens: int = 0,
                        total_tokens: int | None = None, **extra: Any) -> Self:
        """gpt4free's ``UsageModel.model_construct(...)``; the total is the sum when not given."""
        return cls(prompt_tokens or 0, completion_tokens or 0, total_tokens,
                   **{key: value for key, value in extra.items() if value is not None})


class ChatCompletionMessage(_Stub):
    """The answer of a non-streamed completion."""

    __slots__ = ("content", "images", "reasoning", "role", "tool_calls")
    _fields = ("role", "content")
    _optional = ("reasoning", "reasoning_content", "tool_calls", "images")

    def __init__(self, content: str | None, role: str = "assistant", reasoning: str | None = None,
                 tool_calls: list[ToolCall] | None = None, images: list[dict[str, Any]] | None = None,
                 *, reasoning_content: str | None = None) -> None:
        self.role = role
        self.content = content
        self.reasoning = reasoning if reasoning is not None else reasoning_content
        self.tool_calls = tool_calls
        self.images = images

    @property
    def reasoning_content(self) -> str | None:
        """The thinking text under DeepSeek's and vLLM's name (the same as ``reasoning``)."""
        return self.reasoning

    @classmethod
    def model_construct(cls, content: Any = None, reasoning: Any = None,
                        tool_calls: list[Any] | None = None, **fields: Any) -> Self:
        """gpt4free's: ``reasoning`` may be a list of ``Reasoning`` events (their text is joined)."""
        calls = [call if isinstance(call, ToolCall) else ToolCall.model_construct(**call) for call in tool_calls] \
            if tool_calls else None
        return cls(content, fields.get("role") or "assistant", _token(reasoning), calls, fields.get("images"))


class ChatCompletionChoice(_Stub):
    __slots__ = ("finish_reason", "index", "logprobs", "message")
    _fields = ("index", "message", "finish_reason", "logprobs")

    def __init__(self, message: ChatCompletionMessage, finish_reason: str | None, index: int = 0,
                 logprobs: dict[str, Any] | None = None) -> None:
        self.index = index
        self.message = message
        self.finish_reason = finish_reason
        self.logprobs = logprobs

    @classmethod
    def model_construct(cls, message: ChatCompletionMessage, finish_reason: str | None = None,  # type: ignore[override]  # gpt4free's
                        **_: Any) -> Self:
        return cls(message, finish_reason)


class ChatCompletion(_Stub):
    """A whole answer, shaped like OpenAI's ``chat.completion`` object."""

    __slots__ = ("choices", "conversation", "created", "id", "model", "provider", "system_fingerprint", "title",
                 "usage")
    object: ClassVar[str] = "chat.completion"
    _fields = ("id", "object", "created", "model", "choices", "usage")
    _optional = ("system_fingerprint", "provider", "conversation", "title")

    def __init__(self, id: str | None, created: int | None, model: str | None, choices: list[ChatCompletionChoice],
                 usage: Usage | None = None, provider: str | None = None, conversation: Any = None,
                 title: str | None = None, system_fingerprint: str | None = None) -> None:
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.provider = provider
        self.conversation = conversation
        self.title = title
        self.system_fingerprint = system_fingerprint

    @classmethod
    def model_construct(
        cls, content: Any = None, finish_reason: str | None = None, completion_id: str | None = None,
        created: int | None = None, tool_calls: list[Any] | None = None, usage: Usage | None = None,
        conversation: Any = None, reasoning: Any = None, **_: Any,
    ) -> Self:
        """gpt4free's signature: the answer's text, finish reason and completion id (``chatcmpl-<id>``)."""
        message = ChatCompletionMessage.model_construct(content, reasoning, tool_calls)
        return cls(f"chatcmpl-{completion_id}" if completion_id else None, created, None,
                   [ChatCompletionChoice(message, finish_reason)], usage, None, conversation)


class ChatCompletionDelta(_Stub):
    """What one streamed chunk adds to the answer.

    A text delta holds ``role`` and ``content`` only (the other fields read as None at no cost
    per chunk); a delta with reasoning, tool calls or images is built with :meth:`of`.
    """

    __slots__ = ("content", "role")
    reasoning: str | None = None
    tool_calls: list[ToolCall] | None = None
    images: list[dict[str, Any]] | None = None
    _fields = ("role", "content")
    _optional = ("reasoning", "reasoning_content", "tool_calls", "images")

    def __init__(self, content: str | None = None, role: str | None = None) -> None:
        self.role = role
        self.content = content

    @property
    def reasoning_content(self) -> str | None:
        """The thinking text under DeepSeek's and vLLM's name (the same as ``reasoning``)."""
        return self.reasoning

    @staticmethod
    def of(content: str | None = None, role: str | None = None, reasoning: str | None = None,
           tool_calls: list[ToolCall] | None = None, images: list[dict[str, Any]] | None = None,
           *, reasoning_content: str | None = None) -> ChatCompletionDelta:
        """A delta with any of the fields set."""
        delta = _FullDelta(content, role)
        delta.reasoning = reasoning if reasoning is not None else reasoning_content
        delta.tool_calls = tool_calls
        delta.images = images
        return delta

    @classmethod
    def model_construct(cls, content: Any = None, **_: Any) -> ChatCompletionDelta:
        """gpt4free's: ``content`` is text, a ``Reasoning`` (then ``reasoning`` holds its token
        and ``content`` is None) or ``ToolCalls``; the role is always ``assistant``."""
        if content is None or isinstance(content, str):
            return cls(content, "assistant")
        calls = getattr(content, "calls", None)
        if isinstance(calls, list):
            return cls.of(None, "assistant", tool_calls=[
                ToolCall.model_construct(**{"index": index, **call}) for index, call in enumerate(calls)])
        return cls.of(None, "assistant", _token(content))

    def to_dict(self) -> dict[str, Any]:
        # OpenAI leaves unset delta fields out entirely.
        return {k: v for k, v in super().to_dict().items() if v is not None}


class _FullDelta(ChatCompletionDelta):
    __slots__ = ("images", "reasoning", "tool_calls")


class ChatCompletionDeltaChoice(_Stub):
    __slots__ = ("delta", "finish_reason", "logprobs")
    #: g4f answers with one choice, so its index is always 0.
    index: int = 0
    _fields = ("index", "delta", "finish_reason", "logprobs")

    def __init__(self, delta: ChatCompletionDelta, finish_reason: str | None = None,
                 logprobs: dict[str, Any] | None = None) -> None:
        self.delta = delta
        self.finish_reason = finish_reason
        self.logprobs = logprobs

    @classmethod
    def model_construct(cls, delta: ChatCompletionDelta, finish_reason: str | None = None,  # type: ignore[override]  # gpt4free's
                        **_: Any) -> Self:
        return cls(delta, finish_reason)


class ChatCompletionChunk(_Stub):
    """One piece of a streamed answer, shaped like OpenAI's ``chat.completion.chunk``.

    The last chunk carries ``finish_reason`` and, when known, ``usage``, ``conversation`` and
    ``title`` (built with :meth:`last`); on the others these read as None.
    """

    __slots__ = ("choices", "created", "id", "model", "provider", "system_fingerprint")
    object: ClassVar[str] = "chat.completion.chunk"
    usage: Usage | None = None
    conversation: Any = None
    title: str | None = None
    _fields = ("id", "object", "created", "model", "choices")
    _optional = ("system_fingerprint", "usage", "provider", "conversation", "title")

    def __init__(self, id: str | None, created: int | None, model: str | None,
                 choices: list[ChatCompletionDeltaChoice], provider: str | None = None,
                 system_fingerprint: str | None = None) -> None:
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.provider = provider
        self.system_fingerprint = system_fingerprint

    @staticmethod
    def last(id: str | None, created: int | None, model: str | None, choices: list[ChatCompletionDeltaChoice],
             provider: str | None = None, usage: Usage | None = None, conversation: Any = None,
             title: str | None = None, system_fingerprint: str | None = None) -> ChatCompletionChunk:
        """The finishing chunk, with what is known once the answer is complete."""
        chunk = _LastChunk(id, created, model, choices, provider, system_fingerprint)
        chunk.usage = usage
        chunk.conversation = conversation
        chunk.title = title
        return chunk

    @classmethod
    def model_construct(
        cls, content: Any = None, finish_reason: str | None = None, completion_id: str | None = None,
        created: int | None = None, usage: Usage | None = None, conversation: Any = None, **_: Any,
    ) -> ChatCompletionChunk:
        """gpt4free's signature: ``content`` as :meth:`ChatCompletionDelta.model_construct` takes it."""
        choices = [ChatCompletionDeltaChoice(ChatCompletionDelta.model_construct(content), finish_reason)]
        chunk_id = f"chatcmpl-{completion_id}" if completion_id else None
        if usage is None and conversation is None:
            return cls(chunk_id, created, None, choices)
        return cls.last(chunk_id, created, None, choices, None, usage, conversation)


class _LastChunk(ChatCompletionChunk):
    __slots__ = ("conversation", "title", "usage")


def preview_parts(urls: Sequence[str], alt: str, progress: Any = None) -> list[dict[str, Any]]:
    """An image still being drawn, as ``delta.images`` entries: the ``image_url`` part OpenAI-style
    clients already read (unknown keys are ignored by them), marked ``preview: true``, with the
    upstream's ``progress`` (percent) when it sends one. The final images replace them."""
    parts: list[dict[str, Any]] = []
    for url in urls:
        part: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}, "alt": alt, "preview": True}
        if progress is not None:
            part["progress"] = progress
        parts.append(part)
    return parts


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


#: gpt4free's names of the same classes.
UsageModel = Usage
ToolCallModel = ToolCall
ToolFunctionModel = ToolCallFunction
