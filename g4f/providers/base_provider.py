"""The provider kinds. Each kind implements one method; the base gives it every other path.

* :class:`AbstractProvider`: sync ``create_completion`` (a generator).
* :class:`AsyncProvider`: ``create_async`` returning the whole answer.
* :class:`AsyncGeneratorProvider`: ``create_async_generator`` yielding text and events; the kind
  most providers are, and what the rest of the framework speaks.
* :class:`AsyncAuthedProvider`: an async generator provider whose credentials come from
  ``on_auth_async`` and are cached per provider until the upstream rejects them.

Whatever the kind, every provider offers ``create_async_generator`` (async stream),
``create_completion`` (sync stream) and ``create_async`` (whole answer), and no blocking call
runs on the event loop.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from ..auth.result import AuthResult
from ..errors import MissingAuthError, ModelNotFoundError
from ..typing import AsyncResult, CreateResult, Messages
from .asyncio import iter_in_thread, to_sync_iter
from .response import CompletionText, RequestLogin, ResponseType
from .types import BaseProvider

if TYPE_CHECKING:
    from ..auth.cache import AuthCache

# AuthResult and RequestLogin are re-exported: gpt4free's providers import them from here.
__all__ = [
    "AbstractProvider",
    "AsyncAuthedProvider",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "AuthResult",
    "BaseProvider",
    "ProviderModelMixin",
    "RequestLogin",
    "collect_text",
]

logger = logging.getLogger("g4f")


async def collect_text(stream: AsyncIterator[Any]) -> CompletionText:
    """Join the text items of a stream; the events are kept on the result, never in its text."""
    parts: list[str] = []
    events: list[ResponseType] = []
    async for chunk in stream:
        if isinstance(chunk, ResponseType):
            events.append(chunk)
        elif isinstance(chunk, str):
            parts.append(chunk)
        elif chunk is not None:  # a provider bug: say so rather than drop part of the answer
            raise TypeError(f"a provider yielded {type(chunk).__name__}; expected str or a g4f event")
    return CompletionText("".join(parts), events)


class AbstractProvider(BaseProvider):
    """A provider written as a sync generator: ``create_completion``.

    Its async path runs the generator in a worker thread, one item at a time.
    """

    @classmethod
    @abstractmethod
    def create_completion(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> CreateResult:
        """Yield the answer's text deltas and events."""
        raise NotImplementedError

    @classmethod
    def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult:
        def completion() -> Iterator[Any]:
            # Called in the worker thread, so even a create_completion that does its blocking
            # work before its first yield (or returns a list) never runs on the event loop.
            yield from cls.create_completion(model, messages, stream=stream, **kwargs)

        return iter_in_thread(completion())

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """The whole answer (text only) as one string."""
        kwargs.pop("stream", None)
        return await collect_text(cls.create_async_generator(model, messages, stream=False, **kwargs))


class AsyncGeneratorProvider(AbstractProvider):
    """A provider written as an async generator: ``create_async_generator``."""

    @classmethod
    @abstractmethod
    def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult:
        """Yield the answer's text deltas (``str``) and events as they arrive."""
        raise NotImplementedError

    @classmethod
    def create_completion(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> CreateResult:
        return to_sync_iter(lambda: cls.create_async_generator(model, messages, stream=stream, **kwargs))


class AsyncProvider(AbstractProvider):
    """A provider that returns the whole answer at once: ``create_async``."""

    supports_stream: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        raise NotImplementedError

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult:
        yield await cls.create_async(model, messages, **kwargs)

    @classmethod
    def create_completion(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> CreateResult:
        return to_sync_iter(lambda: cls.create_async_generator(model, messages, stream=stream, **kwargs))


class ProviderModelMixin:
    """Model names a provider serves, and how a requested name resolves to one of them."""

    default_model: ClassVar[str] = ""
    #: The models the provider is known to serve (without asking the upstream); a tuple.
    models: ClassVar[Sequence[str]] = ()
    #: Other names for models: ``MappingProxyType({"mixtral-8x7b": "mixtral-8x7b-32768"})``.
    model_aliases: ClassVar[Mapping[str, str]] = MappingProxyType({})
    #: Models to offer when the upstream's model list cannot be fetched; a tuple.
    fallback_models: ClassVar[Sequence[str]] = ()
    #: True when names the provider does not list are sent upstream as they are (new models work
    #: the day they ship; the upstream's 404 becomes ModelNotFoundError).
    accepts_unknown_models: ClassVar[bool] = False

    @classmethod
    def get_models(cls, **kwargs: Any) -> list[str]:
        """The models the provider serves, as known without a network call."""
        models = list(cls.models or cls.fallback_models)
        if cls.default_model and cls.default_model not in models:
            models.insert(0, cls.default_model)
        return models

    @classmethod
    def serves(cls, model: str) -> bool:
        """Whether ``model`` (a name or an alias) is one this provider lists."""
        return model in cls.model_aliases or model in cls.get_models()

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """Resolve a requested name: "" or "auto" → the default, an alias → its target.

        Raises ModelNotFoundError, naming the provider and its models, for an unknown name
        (unless the provider ``accepts_unknown_models``).
        """
        if not model or model == "auto":
            if not cls.default_model:
                raise ModelNotFoundError("no model given and the provider has no default model",
                                         provider=cls.__name__)
            return cls.default_model
        if model in cls.model_aliases:
            return cls.model_aliases[model]
        known = cls.get_models(**kwargs)
        if model in known or cls.accepts_unknown_models:
            return model
        listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        raise ModelNotFoundError(f"model {model!r} not found; it serves: {listed}", provider=cls.__name__)


class AsyncAuthedProvider(AsyncGeneratorProvider):
    """An async generator provider with a login step and a cached :class:`AuthResult`.

    Subclasses implement ``on_auth_async`` (yield events such as :class:`RequestLogin`, then one
    ``AuthResult``) and ``create_authed``. The base caches the result in the config folder (mode
    0600), reuses it across calls and processes, and when the upstream rejects a cached result
    (:class:`MissingAuthError` before any output) logs in once more. Credentials passed as
    arguments (``cookies=``, ``api_key=``) always win over the cache.

    ``login=False`` forbids an interactive login for the call: no browser and no other process
    is started (a server must never do that for whoever sent a request). Credentials come from
    the arguments, the cache and credential files alone; when there are none the call raises
    :class:`MissingAuthError` telling to run ``g4f login <provider>`` on that machine.
    """

    needs_auth: ClassVar[bool] = True
    #: Takes ``login=`` (True: may start a browser login; False: never), so a caller such as
    #: the API server knows it can turn logins off.
    supports_login: ClassVar[bool] = True
    supports_cookies: ClassVar[bool] = True

    @classmethod
    @abstractmethod
    def on_auth_async(cls, **kwargs: Any) -> AsyncIterator[Any]:
        """Yield events (e.g. RequestLogin) and finally one AuthResult."""
        raise NotImplementedError

    @classmethod
    @abstractmethod
    def create_authed(
        cls, model: str, messages: Messages, auth_result: AuthResult, **kwargs: Any
    ) -> AsyncResult:
        """Like ``create_async_generator``, with the credentials at hand."""
        raise NotImplementedError

    @classmethod
    def auth_cache(cls) -> AuthCache:
        """This provider's cached credentials (``<config>/auth/<name>.json``)."""
        from ..auth.cache import AuthCache  # imported here to keep provider imports light

        return AuthCache(cls.get_name())

    @classmethod
    def has_credentials(cls, **kwargs: Any) -> bool:
        if kwargs.get("cookies") or cls.get_api_key(kwargs.get("api_key")):
            return True
        return cls.auth_cache().exists()

    @classmethod
    def explicit_credentials(cls, kwargs: dict[str, Any]) -> bool:
        """Whether the caller passed credentials (``cookies=``, ``api_key=``): they win over the cache."""
        return bool(kwargs.get("cookies") or kwargs.get("api_key"))

    @classmethod
    def login_hint(cls) -> str:
        """How to log in when the call may not (``login=False``): a command, not a Python argument."""
        return (f"run `g4f login {cls.get_name().lower()}` on the machine g4f runs on "
                "(it opens a browser there once and caches the credentials)")

    @classmethod
    async def authenticate(cls, save: bool = True, login: bool = True, **kwargs: Any) -> AsyncIterator[Any]:
        """Run ``on_auth_async``: pass its events on, save (``save=True``) and yield its AuthResult last.

        With ``login=False`` it gets ``login=False`` too, may not start a browser login (g4f's
        ``browser_login`` refuses while it runs) and may not ask for one: a ``RequestLogin`` it
        yields ends it with :class:`MissingAuthError` before any browser starts.
        """
        auth_result: AuthResult | None = None
        steps = cls.on_auth_async(login=login, **kwargs)
        try:
            while True:
                try:
                    item = await (steps.__anext__() if login else cls._step_without_login(steps))
                except StopAsyncIteration:
                    break
                if isinstance(item, AuthResult):
                    auth_result = item
                elif isinstance(item, RequestLogin) and not login:
                    raise MissingAuthError(f"{cls.get_label()} needs a login, which is not started here; "
                                           f"{cls.login_hint()}", provider=cls.get_name())
                else:
                    yield item
        finally:
            aclose = getattr(steps, "aclose", None)
            if aclose is not None:
                await aclose()
        if auth_result is None:
            raise MissingAuthError(f"authentication gave no credentials; {cls.credential_hint()}",
                                   provider=cls.get_name())
        if save:
            cls.auth_cache().save(auth_result)
        yield auth_result

    @classmethod
    async def _step_without_login(cls, steps: AsyncIterator[Any]) -> Any:
        from ..auth.nodriver import browser_login_refused

        # Set around each step only: between steps the caller's code runs in this context.
        with browser_login_refused(f"{cls.get_label()} needs a login, which is not started here; {cls.login_hint()}"):
            return await steps.__anext__()

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, *, login: bool = True, **kwargs: Any
    ) -> AsyncResult:
        # Credentials passed by the caller are used as they are and never written to disk.
        explicit = cls.explicit_credentials(kwargs)
        cache = cls.auth_cache()
        auth_result = None if explicit else cache.load()
        # Cached credentials may have expired: they earn one fresh login. Fresh ones do not (a
        # login that is refused at once would be refused again).
        may_refresh = auth_result is not None
        while True:
            if auth_result is None:
                async for item in cls.authenticate(save=not explicit, login=login, **kwargs):
                    if isinstance(item, AuthResult):
                        auth_result = item
                    else:
                        yield item
            assert auth_result is not None
            started = False
            try:
                async for chunk in cls.create_authed(model, messages, auth_result, stream=stream, **kwargs):
                    started = True
                    yield chunk
                return
            except MissingAuthError:
                if started:
                    raise
                if not explicit:
                    cache.invalidate()  # rejected credentials are never kept
                auth_result = None
                if not may_refresh:
                    raise
                may_refresh = False
                logger.info("%s: cached credentials were rejected; logging in again", cls.get_name())
            finally:
                # Cookies the upstream rotated (AuthResult.update_cookies) are kept even when the
                # answer failed or the caller stopped reading: the old ones may no longer work.
                if auth_result is not None and auth_result.dirty and not explicit:
                    cache.save(auth_result)

