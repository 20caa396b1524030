"""The events a provider yields between the text deltas of an answer.

A provider's stream is a sequence of ``str`` (text of the answer) and the events below. Events
print as ``""`` so that ``print(chunk, end="")`` over a stream shows the answer; ``Reasoning``
prints as its token, as gpt4free users expect. The answer itself is the ``str`` items alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Self

from .._events import ResponseType, extra_attribute
from ..auth.result import AuthResult  # re-exported: an event defined in the auth layer, imported from here
from .types import provider_name

__all__ = [
    "AuthResult",
    "CompletionInfo",
    "CompletionText",
    "Conversation",
    "FinishReason",
    "ImagePreview",
    "ImageResponse",
    "JsonConversation",
    "Logprobs",
    "ProviderInfo",
    "Reasoning",
    "RequestLogin",
    "ResponseType",
    "TitleGeneration",
    "ToolCalls",
    "Usage",
    "is_text",
]


class Reasoning(ResponseType):
    """Thinking text (``token``) or a thinking status line (``status``), kept apart from the answer."""

    __slots__ = ("status", "token")

    def __init__(self, token: str | None = None, status: str | None = None) -> None:
        self.token = token
        self.status = status

    def __str__(self) -> str:
        return self.token or ""


class ToolCalls(ResponseType):
    """Complete tool calls in OpenAI's shape; streamed fragments are assembled before this is yielded."""

    __slots__ = ("calls",)

    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self.calls = calls

    def get_list(self) -> list[dict[str, Any]]:
        return self.calls


class Usage(ResponseType):
    """Token counts of one completion; extra fields (timings, cost) are kept as attributes."""

    __slots__ = ("completion_tokens", "extra", "prompt_tokens", "total_tokens")

    def __init__(
        self,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        total_tokens: int | None = None,
        **extra: Any,
    ) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.total_tokens = prompt_tokens + completion_tokens if total_tokens is None else total_tokens
        self.extra = extra

    def __getattr__(self, name: str) -> Any:
        return extra_attribute(self, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            **self.extra,
        }


class Logprobs(ResponseType):
    """Log probabilities of the text delta that follows it, in OpenAI's ``choices[].logprobs`` shape
    (``content``: one ``{token, logprob, bytes, top_logprobs}`` per token; ``refusal`` likewise).

    Yielded right before its text (before the whole text of a non-streamed answer), only when the
    upstream sends them (``logprobs=True`` to OpenAI-compatible servers, llama.cpp, vLLM).
    """

    __slots__ = ("content", "refusal")

    def __init__(self, content: list[dict[str, Any]] | None = None,
                 refusal: list[dict[str, Any]] | None = None) -> None:
        self.content = content
        self.refusal = refusal


class CompletionInfo(ResponseType):
    """What the upstream calls its completion: its ``id`` and ``system_fingerprint``.

    Yielded once, before the first text, by providers whose upstream names its completions
    (OpenAI-compatible APIs); the client and the API server then keep the upstream's id rather
    than making one up, and pass the fingerprint through.
    """

    __slots__ = ("id", "system_fingerprint")

    def __init__(self, id: str | None = None, system_fingerprint: str | None = None) -> None:
        self.id = id
        self.system_fingerprint = system_fingerprint


class FinishReason(ResponseType):
    """Why the answer ended: ``stop``, ``length``, ``tool_calls``, ``content_filter``, ..."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Images(ResponseType):
    __slots__ = ("alt", "options", "urls")

    def __init__(self, urls: str | list[str], alt: str = "", options: Mapping[str, Any] | None = None) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.alt = alt
        self.options = dict(options or {})

    def to_markdown(self) -> str:
        return "\n".join(f"![{self.alt}]({url})" for url in self.urls)


class ImagePreview(_Images):
    """An image that is still being generated (``options`` may hold ``progress``)."""

    __slots__ = ()


class ImageResponse(_Images):
    """Final generated images."""

    __slots__ = ()


class TitleGeneration(ResponseType):
    """A conversation title chosen by the upstream."""

    __slots__ = ("title",)

    def __init__(self, title: str) -> None:
        self.title = title


class JsonConversation(ResponseType):
    """Provider state needed to continue a conversation; pass it back as ``conversation=``."""

    __slots__ = ("__dict__",)

    def __init__(self, **state: Any) -> None:
        self.__dict__.update(state)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JsonConversation:
        conversation = cls.__new__(cls)
        conversation.__dict__.update(data)
        return conversation

    get_dict = to_dict


class Conversation(JsonConversation):
    """A conversation known by its id (for example Grok's ``conversationId``)."""

    __slots__ = ()

    def __init__(self, conversation_id: str, **state: Any) -> None:
        super().__init__(conversation_id=conversation_id, **state)


class ProviderInfo(ResponseType):
    """Which provider and model answered; yielded before the first text."""

    __slots__ = ("label", "model", "name", "url")

    def __init__(self, name: str, model: str | None = None, label: str | None = None, url: str | None = None):
        self.name = name
        self.model = model
        self.label = label
        self.url = url

    @classmethod
    def of(cls, provider: Any, model: str | None = None) -> ProviderInfo:
        """The info a provider's declared attributes give: its name, label and home page, and
        ``model`` with aliases resolved (the provider's default model when none is given).

        Once per request: no import statement here (one costs about 9,000 instructions a call).
        """
        model = model or getattr(provider, "default_model", "") or None
        aliases = getattr(provider, "model_aliases", None)
        if model and aliases:  # a mapping (the default is an empty MappingProxyType); no ABC check
            get = getattr(aliases, "get", None)
            if get is not None:
                model = get(model, model)
        get_label = getattr(provider, "get_label", None)
        label = get_label() if get_label is not None else None
        return cls(provider_name(provider), model, label, getattr(provider, "url", None))


class RequestLogin(ResponseType):
    """The user must log in; a browser login is starting at ``login_url``."""

    __slots__ = ("label", "login_url")

    def __init__(self, label: str, login_url: str = "") -> None:
        self.label = label
        self.login_url = login_url


_E = TypeVar("_E", bound=ResponseType)


class CompletionText(str):
    """A non-streamed answer: the text itself, with the events that came with it as attributes.

    It *is* a ``str`` (the text items joined, never reasoning), so code that expects a string keeps
    working, while ``.conversation``, ``.usage``, ``.reasoning``, ``.tool_calls``,
    ``.finish_reason`` and ``.provider`` give access to everything else.
    """

    events: list[ResponseType]

    def __new__(cls, text: str, events: Iterable[ResponseType] = ()) -> Self:
        self = super().__new__(cls, text)
        self.events = list(events)
        return self

    def _last(self, kind: type[_E]) -> _E | None:
        for event in reversed(self.events):
            if isinstance(event, kind):
                return event
        return None

    @property
    def conversation(self) -> JsonConversation | None:
        return self._last(JsonConversation)

    @property
    def usage(self) -> Usage | None:
        return self._last(Usage)

    @property
    def provider(self) -> ProviderInfo | None:
        return self._last(ProviderInfo)

    @property
    def finish_reason(self) -> str | None:
        event = self._last(FinishReason)
        return event.reason if event else None

    @property
    def tool_calls(self) -> list[dict[str, Any]] | None:
        event = self._last(ToolCalls)
        return event.calls if event else None

    @property
    def reasoning(self) -> str:
        return "".join(e.token for e in self.events if isinstance(e, Reasoning) and e.token)

    @property
    def images(self) -> list[str]:
        return [url for e in self.events if isinstance(e, ImageResponse) for url in e.urls]


def is_text(chunk: object) -> bool:
    """True for a text delta of the answer (``str`` but not an event)."""
    return isinstance(chunk, str) and not isinstance(chunk, ResponseType)
