"""``OpenaiTemplate``: any OpenAI-compatible chat API as a declaration.

A provider for such an API declares class attributes only::

    class Groq(OpenaiTemplate):
        url = "https://console.groq.com/playground"
        login_url = "https://console.groq.com/keys"
        api_base = "https://api.groq.com/openai/v1"
        api_key_env = "GROQ_API_KEY"
        working = True
        needs_auth = True
        default_model = "llama-3.3-70b-versatile"

and the template does the rest: the request (parameters pass through, see
:mod:`g4f.Provider.template._request`), streamed and non-streamed answers as the same events,
error mapping, retries, timeouts, the model list and blocking helpers for scripts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import MappingProxyType, TracebackType
from typing import Any, ClassVar

from ..._lazy import LazyImports
from ...errors import BadRequestError, MissingAuthError, ModelNotFoundError, ResponseError, TimeoutError
from ...providers.attempts import Opened, run_attempts
from ...providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ...providers.response import ProviderInfo
from ...providers.retry import RetryPolicy, shared_policy
from ...secrets import register_secret
from ...typing import AsyncResult, Messages
from ._base_url import base_url_from_env
from ._chunks import AnswerState, completion_events, stream_events
from ._request import attach_media, build_headers, build_payload, has_image_input
from ._sync_helpers import SyncHelpers

__all__ = ["OpenaiTemplate"]

logger = logging.getLogger("g4f")


class OpenaiTemplate(SyncHelpers, AsyncGeneratorProvider, ProviderModelMixin):
    """Base of every provider for an OpenAI-compatible ``/chat/completions`` API.

    Keyword arguments of ``create_async_generator`` besides the ones it names are sent in the
    request body as they are (``temperature``, ``max_tokens``, ``tools``, ``response_format``,
    ``reasoning_format``, and whatever the upstream accepts); g4f's own keywords and ``None``
    values are not sent; ``extra_body`` is merged last.
    """

    #: The API root, e.g. ``https://api.groq.com/openai/v1``.
    api_base: ClassVar[str] = ""
    #: An environment variable that, when set, replaces ``api_base`` (local servers).
    api_base_env: ClassVar[str | None] = None
    #: Headers every request of this provider carries (e.g. OpenRouter's ``X-Title``).
    default_headers: ClassVar[Mapping[str, str]] = MappingProxyType({})
    #: False: image parts in messages are refused before any request (``BadRequestError``).
    supports_vision: ClassVar[bool] = True
    #: Ask for a usage chunk at the end of streams (``stream_options.include_usage``).
    stream_usage: ClassVar[bool] = True
    #: Put a cost in ``Usage`` when the catalogue knows the model's prices (off for local servers).
    report_cost: ClassVar[bool] = True
    accepts_unknown_models: ClassVar[bool] = True
    #: Retries happen inside (``retry_policy=``); the call boundary never retries it again.
    accepts_retry_policy: ClassVar[bool] = True
    max_retries: ClassVar[int] = 2
    #: First backoff step in seconds (doubled at each retry, with jitter).
    retry_backoff: ClassVar[float] = 0.5
    #: Longest wait before a retry; a longer Retry-After is raised at once instead.
    max_retry_delay: ClassVar[float] = 20.0
    #: Timeout of a ``/models`` fetch.
    models_timeout: ClassVar[float] = 10.0
    #: Seconds the whole request may take, reading included, when ``timeout=`` is not given
    #: (None: no limit); ``read_timeout=`` bounds the headers and each silence besides.
    request_timeout: ClassVar[float | None] = 600.0
    #: The largest answer read whole, counted decoded (bytes); None: ``$G4F_MAX_BODY_SIZE``,
    #: else 64 MiB (:mod:`g4f.requests.limits`).
    max_body_size: ClassVar[int | None] = None

    # -- where and how -------------------------------------------------------------------------
    @classmethod
    def get_api_base(cls, base_url: str | None = None) -> str:
        """``base_url`` if given, else ``$api_base_env`` if set (read as the tools that define the
        variable read it: :mod:`._base_url`), else ``api_base``; no trailing slash.

        A subclass written for gpt4free declares its root as ``base_url = "https://..."``: that
        class attribute counts as ``api_base``.
        """
        if not base_url and cls.api_base_env:
            base_url = base_url_from_env(cls.api_base_env)
        base: str | None = base_url or cls.api_base
        if not base:  # not getattr() first: a class without the attribute makes it build an error
            declared = getattr(cls, "base_url", None)
            base = declared if isinstance(declared, str) else None
        if not base:
            raise BadRequestError("no API base URL: pass base_url=", provider=cls.get_name())
        return base.rstrip("/")

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """Aliases first, then the default for "" / "auto"; any other name is sent as it is.

        A name the upstream does not serve comes back as its 404, i.e. ``ModelNotFoundError``.
        """
        if not model or model == "auto":
            if not cls.default_model:
                raise ModelNotFoundError("no model given and the provider has no default model",
                                         provider=cls.get_name())
            return cls.default_model
        model = cls.model_aliases.get(model, model)
        if cls.accepts_unknown_models or model in cls.known_models():
            return model
        raise ModelNotFoundError(f"model {model!r} not found; it serves: {', '.join(cls.known_models()[:20])}",
                                 provider=cls.get_name())

    @classmethod
    def _credentials(cls, api_key: str | None) -> str | None:
        key = cls.get_api_key(api_key)
        register_secret(key)
        if cls.needs_auth and not key:
            raise MissingAuthError(f"no API key; {cls.credential_hint()}", provider=cls.get_name())
        return key

    # -- models --------------------------------------------------------------------------------
    @classmethod
    def known_models(cls, base_url: str | None = None) -> list[str]:
        """The models known without a network call: a list fetched earlier, else the built-in one."""
        from ._model_list import model_cache

        try:
            fetched = model_cache.get(cls.get_api_base(base_url))
        except BadRequestError:
            fetched = None
        return fetched if fetched is not None else super().get_models()

    @classmethod
    def serves(cls, model: str) -> bool:
        return model in cls.model_aliases or model in cls.known_models()

    @classmethod
    async def get_models_async(
        cls, api_key: str | None = None, base_url: str | None = None, *, api_base: str | None = None,
        proxy: str | None = None, refresh: bool = False,
    ) -> list[str]:
        """The upstream's ``/models`` (with the key), cached per base URL; ``fallback_models`` on failure."""
        from ._model_list import cached_model_ids

        base = cls.get_api_base(base_url or api_base)
        key = cls.get_api_key(api_key)
        register_secret(key)
        if cls.needs_auth and not key:
            return cls.known_models(base)
        headers = build_headers(key, False, cls.default_headers)
        ids = await cached_model_ids(base, headers, cls.get_name(), refresh=refresh, proxy=proxy,
                                     timeout=cls.models_timeout)
        return ids if ids else cls.known_models(base)

    @classmethod
    def get_models(cls, api_key: str | None = None, base_url: str | None = None, **kwargs: Any) -> list[str]:
        """The model list, without ever blocking an event loop.

        Inside a running loop this never touches the network: it returns the list fetched earlier
        for this base URL, else ``fallback_models`` (``await get_models_async()`` fetches there).
        With no loop running (a script), it fetches ``/models`` now when a key is at hand (or none
        is needed), blocking only the calling thread for at most ``models_timeout`` seconds.
        """
        base_url = base_url or kwargs.get("api_base")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if not cls.needs_auth or cls.get_api_key(api_key):
                from ...providers.asyncio import run_sync

                return run_sync(lambda: cls.get_models_async(api_key, base_url, proxy=kwargs.get("proxy")))
        return cls.known_models(base_url)

    # -- the request ---------------------------------------------------------------------------
    @classmethod
    def retry_policy(cls, max_retries: int | None = None) -> RetryPolicy:
        """The provider's own retry policy (``max_retries``, ``retry_backoff``, ``max_retry_delay``)."""
        return shared_policy(cls.max_retries if max_retries is None else max_retries, cls.retry_backoff,
                             cls.max_retry_delay)

    @classmethod
    def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        api_key: str | None = None,
        base_url: str | None = None,
        proxy: str | None = None,
        timeout: float | None = None,
        *,
        api_base: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        extra_headers: dict[str, str] | None = None,
        extra_body: dict[str, Any] | None = None,
        media: list[Any] | None = None,
        images: list[Any] | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        """Yield the answer's text deltas and events: ``ProviderInfo`` first, then text,
        ``Reasoning``, and at the end ``ToolCalls``, ``Usage`` and ``FinishReason``.

        ``timeout`` bounds the whole request (default ``request_timeout``, 600 s),
        ``connect_timeout`` the connection and ``read_timeout`` (default 120 s) the response
        headers, each silence and the time between two data events of a stream (keep-alive
        comments do not count): past any of them, ``g4f.errors.TimeoutError``. A non-streamed
        answer larger than ``max_body_size`` (decoded) is a ``ResponseError``. Failures before
        the first output are retried under ``retry_policy`` (default: the provider's own, with
        ``max_retries``): 429, 5xx and connection errors; see :mod:`g4f.providers.retry`.
        Nothing is sent before the stream is first read.
        """
        request = _Request(cls, model, messages, stream, api_key, base_url or api_base, kwargs, extra_body,
                           [*(media or []), *(images or [])], (headers, extra_headers), proxy,
                           (timeout if timeout is not None else cls.request_timeout, connect_timeout, read_timeout))
        policy = retry_policy if retry_policy is not None else cls.retry_policy(max_retries)
        return run_attempts(request.attempt, cls, model, policy)

    @classmethod
    def _prepare(
        cls, model: str, messages: Messages, stream: bool, api_key: str | None, base_url: str | None,
        params: dict[str, Any], extra_body: dict[str, Any] | None, media: list[Any],
        *headers: dict[str, str] | None,
    ) -> tuple[str, str, dict[str, Any], dict[str, str]]:
        """Check the request and build it: (model, URL, JSON body, headers). Nothing is sent yet."""
        name = cls.get_name()
        key = cls._credentials(api_key)
        model = cls.get_model(model)
        if media:
            messages = attach_media(messages, media)
        if not cls.supports_vision and has_image_input(messages):
            raise BadRequestError(f"{cls.get_label()} does not accept image input; send text only "
                                  "or choose a provider that supports vision", provider=name)
        url = f"{cls.get_api_base(base_url)}/chat/completions"
        payload = build_payload(model, messages, stream, params, extra_body, cls.stream_usage)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s: POST %s model=%s stream=%s params=%s", name, url, model, stream,
                         sorted(k for k in payload if k not in ("messages", "model", "stream")))
        return model, url, payload, build_headers(key, stream, cls.default_headers, *headers)

    @classmethod
    def _prices(cls, model: str) -> tuple[float, float] | None:
        if not cls.report_cost:
            return None
        row = _deferred.ModelUtils.get(model)
        if row is None or row.input_price is None or row.output_price is None:
            return None
        return (row.input_price, row.output_price)

    @classmethod
    def _open(
        cls, url: str, payload: dict[str, Any], headers: dict[str, str], proxy: str | None,
        timeouts: tuple[float | None, float | None, float | None], model: str,
    ) -> _Exchange:
        """POST the request on the shared session; ``async with`` gives the response once its
        status is OK.

        Transport errors inside the block (reading the body included) come out as g4f errors.
        """
        return _Exchange(cls, url, payload, headers, proxy, timeouts, model)

    @classmethod
    async def _read_json(cls, response: Any, provider: str, watch: Any = None) -> Any:
        # Counted as it is decoded: a gzip bomb stops at the cap, not after inflating it.
        body = await _deferred.read_body(response, cls.max_body_size, provider, watch)
        try:
            return _deferred.loads(body)
        except ValueError:
            from ...requests.status import upstream_message

            kind = getattr(response, "content_type", None) or "no content type"
            shown, _ = upstream_message(body)  # an HTML page becomes its title
            raise ResponseError(f"the answer is not JSON ({kind}): {shown!r}", provider=provider) from None

    @classmethod
    async def _raise_for_status(cls, response: Any, model: str) -> None:
        from ...requests.status import raise_for_status

        try:
            await raise_for_status(response, cls.get_name(), model)
        except ModelNotFoundError as error:
            # A retired or unknown model: say which ones the upstream serves now (its /models, cached).
            from ._model_list import current_models_hint

            hint = await current_models_hint(response, cls.get_name(), model, (cls.default_model, *cls.fallback_models),
                                             cls.models_timeout)
            if not hint:
                raise
            raise ModelNotFoundError(f"{error}; {hint}", provider=cls.get_name(), status=error.status) from None


class _Request:
    """One request of a template provider: built on the first attempt, sent on each.

    Building it (credentials, model, payload) happens when the stream is first read, so a
    mistake is raised there like any other error, and only once however many tries follow.
    """

    __slots__ = ("_args", "_prepared", "_provider", "_proxy", "_timeouts")

    def __init__(self, provider: type[OpenaiTemplate], model: str, messages: Messages, stream: bool,
                 api_key: str | None, base_url: str | None, params: dict[str, Any],
                 extra_body: dict[str, Any] | None, media: list[Any],
                 headers: tuple[dict[str, str] | None, dict[str, str] | None], proxy: str | None,
                 timeouts: tuple[float | None, float | None, float | None]) -> None:
        self._provider = provider
        self._args = (model, messages, stream, api_key, base_url, params, extra_body, media, *headers)
        self._prepared: tuple[str, str, dict[str, Any], dict[str, str]] | None = None
        self._proxy = proxy
        self._timeouts = timeouts

    async def attempt(self) -> Opened | list[Any]:
        """One try: once the headers are in, its ``ProviderInfo`` and the stream of its events,
        which the retry loop reads itself (:class:`Opened`); an upstream that answers with one
        JSON body instead gives all its events at once, and so does a non-streamed request
        whose upstream streams anyway (read to its end here: a failure in it is a failed try,
        retried)."""
        provider = self._provider
        if self._prepared is None:
            self._prepared = provider._prepare(*self._args)
        model, url, payload, headers = self._prepared
        name = provider.get_name()
        state = AnswerState(name, model, provider._prices(model))
        exchange = provider._open(url, payload, headers, self._proxy, self._timeouts, model)
        response = await exchange.__aenter__()
        try:
            info = ProviderInfo(name, model, provider.get_label(), provider.url)
            if _is_event_stream(response):
                exchange.watch.attach(response, "stream")
                events = stream_events(_deferred.sse_stream(response, name, watch=exchange.watch), state)
                if self._args[2]:  # stream=True: the retry loop reads the rest
                    return Opened([info], events, exchange.close)
                try:
                    items: Any = [item async for item in events]
                finally:
                    await events.aclose()
            else:
                items = completion_events(await provider._read_json(response, name, exchange.watch), state)
        except BaseException as exc:
            await exchange.__aexit__(type(exc), exc, exc.__traceback__)  # raises it mapped to a g4f error
            raise
        await exchange.close()
        return [info, *items]


#: What a request needs from g4f's HTTP layer and catalogue, imported on the first request: not
#: at module level (aiohttp alone costs more to import than the whole provider), and not as import
#: statements in the methods (each costs about 2 µs per request on the hot path).
_deferred = LazyImports(
    ModelUtils="g4f.models", get_session="g4f.requests.aiohttp_session",
    make_timeout="g4f.requests.aiohttp_session", dumps="g4f.requests.jsonlib", loads="g4f.requests.jsonlib",
    sse_stream="g4f.requests.streams", read_body="g4f.requests.limits", StallWatch="g4f.requests.limits",
    open_watched="g4f.requests.limits",
    DEFAULT_READ_TIMEOUT="g4f.requests.aiohttp_session",
)


def _is_event_stream(response: Any) -> bool:
    # ``response.content_type`` without its parser: only the media type matters here.
    media_type = response.headers.get("Content-Type", "").partition(";")[0]
    return bool(media_type.strip().lower() == "text/event-stream")


class _Exchange:
    """The ``async with`` of ``OpenaiTemplate._open``.

    A class rather than a generator-based context manager wrapped around ``map_transport_errors``
    (a second one): it runs once per request, and every await of a request passed through both
    generators. Errors are mapped as ``map_transport_errors`` does: on entering, inside the block
    (reading the body) and on leaving.
    """

    __slots__ = ("_args", "_provider", "_request", "watch")

    def __init__(self, provider: type[OpenaiTemplate], *args: Any) -> None:
        self._provider = provider
        self._args = args
        self._request: Any = None
        self.watch: Any = None

    async def __aenter__(self) -> Any:
        url, payload, headers, proxy, timeouts, model = self._args
        session = await _deferred.get_session()
        # One timer for the request's deadlines (StallWatch): the whole request's, and the read
        # timeout: the headers within it, then each silence of the body ("body"), or of the event
        # stream once the reader attaches it there. aiohttp keeps the connect timeout.
        watch = self.watch = _deferred.StallWatch(timeouts[2] or _deferred.DEFAULT_READ_TIMEOUT, None,
                                                  self._provider.get_name(), "headers", total=timeouts[0])
        try:
            self._request = session.post(url, data=_deferred.dumps(payload), headers=headers, proxy=proxy,
                                         timeout=_deferred.make_timeout(None, timeouts[1], watched=True))
            response = await _deferred.open_watched(self._request, watch)
        except Exception as exc:
            watch.stop()
            mapped = self._mapped(exc)
            if isinstance(mapped, TimeoutError):
                mapped.connecting = True  # no response began: trying again may help
            if mapped is exc:
                raise
            raise mapped from exc
        if response.status >= 400:
            try:
                await self._provider._raise_for_status(response, model)
            except BaseException as exc:
                await self.__aexit__(type(exc), exc, exc.__traceback__)
                raise
        return response

    def _mapped(self, exc: BaseException) -> BaseException:
        from ...requests.transport import map_transport_error

        return map_transport_error(exc, self._provider.get_name()) or exc

    async def close(self) -> None:
        """Release the response (its stream was read to its end, or abandoned)."""
        await self.__aexit__(None, None, None)

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> bool:
        self.watch.stop()
        try:
            await self._request.__aexit__(exc_type, exc, traceback)
        except Exception as error:
            mapped = self._mapped(error)
            if mapped is error:
                raise
            raise mapped from error
        if isinstance(exc, Exception):
            mapped = self._mapped(exc)
            if mapped is not exc:
                raise mapped from exc
        return False
