"""What every provider declares about itself.

A provider is a class whose attributes say what it is (``url``, ``label``), whether it works and
needs credentials, and what it supports. The framework reads these attributes to pick, skip and
describe providers; subclasses declare them and add nothing else unless they must.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from .._environ import getenv
from ..secrets import register_secret
from ..typing import AsyncResult, Messages

__all__ = ["BaseProvider", "Provider", "ProviderType", "provider_name"]


class BaseProvider:
    """Declared attributes shared by every provider kind."""

    #: Display name; defaults to the class name.
    label: ClassVar[str | None] = None
    #: The service's home page.
    url: ClassVar[str | None] = None
    #: Where a user gets credentials (an API key page, a login page).
    login_url: ClassVar[str | None] = None
    #: False marks a provider that is known to be broken: auto-selection skips it.
    working: ClassVar[bool] = False
    #: True when the provider cannot answer without credentials.
    needs_auth: ClassVar[bool] = False
    #: The environment variable that holds the API key, if the provider takes one.
    api_key_env: ClassVar[str | None] = None
    supports_stream: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = True
    supports_message_history: ClassVar[bool] = True
    #: The name of the provider family this one belongs to (e.g. a model-specific variant).
    parent: ClassVar[str | None] = None
    #: True when the upstream keeps conversations itself (grok.com): the provider yields a
    #: ``Conversation`` with every answer and continues one passed back as ``conversation=``.
    #: The call boundary passes ``conversation`` only to providers that declare this.
    supports_conversations: ClassVar[bool] = False
    #: True when credentials may come from a login (``login=False`` forbids starting one).
    supports_login: ClassVar[bool] = False
    #: True when the provider authenticates with the user's cookies (``cookies=``).
    supports_cookies: ClassVar[bool] = False
    #: True when the provider takes images in messages (``image_url`` parts); providers that
    #: do not refuse them (400) rather than drop them.
    supports_vision: ClassVar[bool] = False
    #: True when the provider generates images (``client.images.generate``,
    #: ``POST /v1/images/generations``); a request for images from another is refused (400).
    supports_images: ClassVar[bool] = False
    #: How the provider calls tools (``tools=``): "native" (they are passed to an upstream with
    #: function calling), "prompt" (g4f writes them into the prompt and reads the calls from the
    #: answer: :mod:`g4f.providers.tools`, for web apps without function calling), or None (a
    #: request with tools is refused, 400).
    tool_calling: ClassVar[Literal["native", "prompt"] | None] = "native"
    #: True when the provider searches the web when told to (``web_search=True`` is passed to it:
    #: grok.com's search). Elsewhere ``web_search: true`` is refused (400), except for:
    supports_web_search: ClassVar[bool] = False
    #: Models that search the web by themselves (Groq's ``compound``): ``web_search: true`` is
    #: honoured by them without being passed on.
    search_models: ClassVar[tuple[str, ...]] = ()
    #: The ``response_format`` types the provider enforces (``{"text"}``: none but plain text; a
    #: request for ``json_object`` or ``json_schema`` is refused, 400). None: the upstream takes
    #: ``response_format`` itself and enforces what it supports.
    response_formats: ClassVar[frozenset[str] | None] = None
    #: True for providers made of providers (fallback, auto-selection): the call boundary hands
    #: them its retry policy instead of running them itself (:func:`g4f.providers.attempts.guarded`).
    composite: ClassVar[bool] = False
    #: True when the provider retries by itself under a ``retry_policy=`` it is given (the
    #: OpenAI-compatible template): the call boundary never retries it again.
    accepts_retry_policy: ClassVar[bool] = False

    @classmethod
    def get_name(cls) -> str:
        return cls.__name__

    @classmethod
    def get_label(cls) -> str:
        return cls.label or cls.get_name()

    @classmethod
    def get_api_key(cls, api_key: str | None = None) -> str | None:
        """The key from the argument, else from ``api_key_env``.

        The key is registered as a secret here, where every provider reads it, so it is masked
        in every message, repr and log line from then on.
        """
        key = api_key or (getenv(cls.api_key_env) or None if cls.api_key_env else None)
        if key:
            register_secret(key)
        return key

    @classmethod
    def has_credentials(cls, **kwargs: Any) -> bool:
        """Whether the provider can authenticate, judged without any network call."""
        if not cls.needs_auth:
            return True
        return bool(cls.get_api_key(kwargs.get("api_key")))

    @classmethod
    def credential_hint(cls) -> str:
        """One line telling the user how to give this provider its credentials, in the words of
        the door the call came through (Python arguments, CLI flags, API fields: :mod:`.hints`)."""
        from .hints import key_hint

        return key_hint(cls.api_key_env, cls.login_url)

    @classmethod
    def get_dict(cls) -> dict[str, Any]:
        return {"name": cls.get_name(), "label": cls.get_label(), "url": cls.url}

    @classmethod
    def describe(cls) -> str:
        return f"<provider {cls.get_name()}>"


#: A provider class or instance.
ProviderType = type[BaseProvider] | BaseProvider


@runtime_checkable
class Provider(Protocol):
    """What the framework calls on a provider (a class or an instance): its name, the one
    streaming method every kind offers, and the declared attributes it reads."""

    working: bool
    needs_auth: bool

    def get_name(self) -> str: ...

    def create_async_generator(
        self, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult: ...


def provider_name(provider: object) -> str:
    """The name a provider (class, instance or name) is known by: in errors, health records,
    ``ProviderInfo`` and listings."""
    if isinstance(provider, str):
        return provider
    get_name = getattr(provider, "get_name", None)
    if get_name is not None:
        return str(get_name())
    name = getattr(provider, "__name__", None)
    return name if isinstance(name, str) else type(provider).__name__
