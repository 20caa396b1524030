"""``WireProvider``: an upstream with a wire protocol of its own, as a declaration.

``OpenaiTemplate`` serves every OpenAI-compatible API; this base serves the others. The author
declares where the API is, how its answer is framed and how it authenticates, and writes two
small things that do no I/O::

    class Acme(WireProvider):
        api_base = "https://stream.acme.example/api"
        endpoint = "/generate"
        decoder = "ndjson"                      # or "sse"
        api_key_env = "ACME_API_KEY"
        api_key_header, api_key_prefix = "X-Acme-Key", ""
        parameters = ("temperature", "max_tokens")
        answer_class = AcmeAnswer               # feed(event) -> [text and events]; .complete

        @classmethod
        def build_payload(cls, model, messages, **params):
            return {"model": model, "prompt": format_prompt(messages), **params}

The base does the rest, the same way for every such provider:

* the session: the loop's pooled aiohttp session, or (``impersonate = "chrome"``) the loop's
  pooled curl_cffi session with a browser's TLS fingerprint; never one per request;
* the key (``api_key=``, else ``$api_key_env``; registered as a secret) in ``api_key_header``;
  cookies of a logged-in web app with :class:`~g4f.Provider.template.WireAuthedProvider`;
* HTTP statuses as typed errors (:func:`g4f.requests.raise_for_status`), a web page instead of
  the answer (a login or captive portal) as ``ResponseError``, transport failures as
  ``NetworkError`` / ``ResponseError`` / ``TimeoutError``;
* timeouts: ``read_timeout`` for the response headers, each silence and the time between two
  data events (keep-alives do not count), ``timeout=`` (default ``request_timeout``) for the
  whole request, ``connect_timeout`` for the connection;
* sizes: a body read whole, and what curl_cffi received but nobody read yet, are capped at
  ``max_body_size`` decoded bytes (default 64 MiB, :mod:`g4f.requests.limits`);
* completeness: an answer whose reader never saw its final event raises ``ResponseError``
  (never a shorter answer);
* conversations (``supports_conversations = True``): ``conversation=`` continues one at
  ``continue_endpoint``, and every answer ends with its :class:`Conversation`;
* ids put into a URL are checked against ``id_pattern`` and quoted (:meth:`check_id`).

Keyword arguments the protocol takes are declared in ``parameters`` and reach
``build_payload``; any other one is logged at debug level and not sent.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Literal
from urllib.parse import quote

from ...errors import BadRequestError, MissingAuthError, ResponseError
from ...providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ...providers.response import Conversation, ProviderInfo
from ...typing import AsyncResult, Messages
from ._request import has_image_input
from .WireAnswer import WireAnswer

__all__ = ["WireAnswer", "WireProvider", "WireRequest"]  # WireAnswer is re-exported from its module

logger = logging.getLogger("g4f")


@dataclass(frozen=True)
class WireRequest:
    """One request as the base sends it: where, what, and with which credentials and limits."""

    model: str
    url: str
    payload: Any
    headers: Mapping[str, str]
    cookies: Mapping[str, str] | None = None
    #: A browser to impersonate (curl_cffi); None sends it with aiohttp.
    impersonate: str | None = None
    proxy: str | None = None
    #: Seconds for the whole request, for the connection, and for each silence.
    timeout: float | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    #: The most of a body read whole, or received and not read yet (decoded bytes); None: the default.
    max_body_size: int | None = None


class WireProvider(AsyncGeneratorProvider, ProviderModelMixin):
    """Base of providers for an upstream with its own wire protocol (see the module docstring)."""

    #: The API root; ``base_url=`` or ``$api_base_env`` replace it.
    api_base: ClassVar[str] = ""
    api_base_env: ClassVar[str | None] = None
    #: The path of a request under ``api_base`` (``"/generate"``).
    endpoint: ClassVar[str] = ""
    #: The path that continues a conversation, with ``{conversation_id}`` in it.
    continue_endpoint: ClassVar[str] = ""
    #: How the answer is framed: server-sent events or one JSON value a line.
    decoder: ClassVar[Literal["sse", "ndjson"]] = "ndjson"
    #: Where the API key goes, and what precedes it there.
    api_key_header: ClassVar[str] = "Authorization"
    api_key_prefix: ClassVar[str] = "Bearer "
    #: A browser whose TLS fingerprint to show (curl_cffi), e.g. "chrome"; None: aiohttp.
    impersonate: ClassVar[str | None] = None
    #: Headers every request carries.
    default_headers: ClassVar[Mapping[str, str]] = MappingProxyType({})
    #: The keyword arguments the protocol takes; they reach ``build_payload`` (when not None).
    parameters: ClassVar[tuple[str, ...]] = ()
    #: A protocol of its own has no function calling or enforced JSON unless the author says so
    #: (``tool_calling = "prompt"`` lets g4f call tools through the prompt).
    tool_calling: ClassVar[Literal["native", "prompt"] | None] = None
    response_formats: ClassVar[frozenset[str] | None] = frozenset({"text"})
    #: The reader of one answer (``new_answer`` makes one per request).
    answer_class: ClassVar[type[WireAnswer]] = WireAnswer
    #: What an id must look like to be put into a URL (e.g. a conversation id).
    id_pattern: ClassVar[re.Pattern[str]] = re.compile(r"[A-Za-z0-9_-]{1,128}")
    #: The upstream's name for the event that ends an answer (said when it is missing).
    final_event: ClassVar[str] = "final event"
    #: Seconds of silence allowed (before the headers, between chunks); ``read_timeout=`` overrides.
    read_timeout: ClassVar[float] = 120.0
    #: Seconds the whole request may take; ``timeout=`` overrides (None: no limit).
    request_timeout: ClassVar[float | None] = 600.0
    #: The largest body read whole, and the most received but not read yet, counted decoded
    #: (bytes); None: ``$G4F_MAX_BODY_SIZE``, else 64 MiB (:mod:`g4f.requests.limits`).
    max_body_size: ClassVar[int | None] = None

    # -- what the author writes ------------------------------------------------------------------
    @classmethod
    def build_payload(cls, model: str, messages: Messages, **params: Any) -> Any:
        """The JSON body of a request. ``params`` are the declared ``parameters`` the caller gave
        (and ``conversation_id`` when the provider ``supports_conversations``)."""
        raise NotImplementedError(f"{cls.__name__} must define build_payload")

    @classmethod
    def request_headers(cls) -> Mapping[str, str]:
        """Headers of one request besides ``default_headers`` (e.g. a fresh request id)."""
        return {}

    @classmethod
    def new_answer(cls, model: str, conversation_id: str | None = None) -> WireAnswer:
        """The reader of one answer; by default ``answer_class(provider, model, conversation_id)``."""
        return cls.answer_class(cls.get_name(), model, conversation_id)

    # -- helpers -----------------------------------------------------------------------------------
    @classmethod
    def get_api_base(cls, base_url: str | None = None) -> str:
        """``base_url`` if given, else ``$api_base_env`` if set, else ``api_base``; no trailing slash."""
        if not base_url and cls.api_base_env:
            base_url = os.environ.get(cls.api_base_env)
        base = base_url or cls.api_base
        if not base:
            raise BadRequestError("no API base URL: pass base_url=", provider=cls.get_name())
        return base.rstrip("/")

    @classmethod
    def check_id(cls, value: object, name: str = "id") -> str:
        """``value`` made safe as one URL path segment, or ``BadRequestError``.

        An id that comes from a caller (a conversation to continue) must look like the upstream's
        own (``id_pattern``): anything else could walk the URL elsewhere (``../../account``) with
        the owner's credentials. It is quoted as well, so no character of it can end the segment.
        """
        text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if text is None or cls.id_pattern.fullmatch(text) is None:
            raise BadRequestError(f"{name} {str(value)[:40]!r} is not a valid id (expected {cls.id_pattern.pattern})",
                                  provider=cls.get_name(), status=400)
        return quote(text, safe="")

    @classmethod
    def endpoint_url(cls, path: str, base_url: str | None = None, **ids: object) -> str:
        """``api_base`` + ``path``, its ``{placeholders}`` filled with checked, quoted ids."""
        return cls.get_api_base(base_url) + path.format_map({key: cls.check_id(value, key) for key, value in ids.items()})

    @classmethod
    def conversation_id_of(cls, conversation: Any) -> str | None:
        """The id of a ``conversation=`` (a ``Conversation``, its dict, or any object with a
        ``conversation_id``), checked; None for no conversation."""
        if conversation is None:
            return None
        value = conversation.get("conversation_id") if isinstance(conversation, Mapping) else getattr(
            conversation, "conversation_id", None)
        if not value:
            raise BadRequestError("conversation= has no conversation_id to continue", provider=cls.get_name())
        cls.check_id(value, "conversation_id")
        return str(value)

    @classmethod
    def protocol_params(cls, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The declared ``parameters`` among ``kwargs`` (None values left out); the others are
        logged at debug level, since the upstream would not understand them."""
        unknown = sorted(key for key in kwargs if key not in cls.parameters)
        if unknown:
            logger.debug("%s: the upstream takes no %s; not sent", cls.get_name(), ", ".join(unknown))
        return {key: value for key, value in kwargs.items() if key in cls.parameters and value is not None}

    # -- the request -------------------------------------------------------------------------------
    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        proxy: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        conversation: Any = None,
        return_conversation: bool | None = None,  # gpt4free passes it; conversations are declared instead
        **kwargs: Any,
    ) -> AsyncResult:
        """Yield ``ProviderInfo``, then the answer's text and events (and its ``Conversation``)."""
        key = cls.get_api_key(api_key)
        if cls.needs_auth and not key:
            raise MissingAuthError(f"no API key; {cls.credential_hint()}", provider=cls.get_name())
        headers = {cls.api_key_header: f"{cls.api_key_prefix}{key}"} if key else {}
        request, answer = cls.prepare(
            model, messages, kwargs, conversation=conversation, base_url=base_url, headers=headers, proxy=proxy,
            timeout=timeout, connect_timeout=connect_timeout, read_timeout=read_timeout)
        async for item in cls.respond(request, answer):
            yield item

    @classmethod
    def prepare(
        cls, model: str, messages: Messages, kwargs: Mapping[str, Any], *, conversation: Any = None,
        base_url: str | None = None, headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None, impersonate: str | None = None, proxy: str | None = None,
        timeout: float | None = None, connect_timeout: float | None = None, read_timeout: float | None = None,
    ) -> tuple[WireRequest, WireAnswer]:
        """Build the request and its answer's reader; nothing is sent yet.

        ``kwargs`` are the caller's other keyword arguments (the declared ``parameters`` among
        them go to ``build_payload``); ``headers`` and ``cookies`` are the credentials.
        """
        model = cls.get_model(model)
        if not cls.supports_vision and has_image_input(messages):
            raise BadRequestError(f"{cls.get_label()} does not accept image input; send text only or choose a "
                                  "provider that supports vision", provider=cls.get_name(), param="messages")
        params = cls.protocol_params(kwargs)
        conversation_id = None
        if cls.supports_conversations:
            conversation_id = cls.conversation_id_of(conversation)
            params["conversation_id"] = conversation_id
        elif conversation is not None:
            logger.debug("%s: keeps no conversations; conversation= is not used", cls.get_name())
        if conversation_id is not None:
            url = cls.endpoint_url(cls.continue_endpoint, base_url, conversation_id=conversation_id)
        else:
            url = cls.endpoint_url(cls.endpoint, base_url)
        payload = cls.build_payload(model, messages, **params)
        request = WireRequest(
            model, url, payload, {**cls.default_headers, **(headers or {}), **cls.request_headers()}, cookies,
            impersonate=impersonate or cls.impersonate, proxy=proxy,
            timeout=timeout if timeout is not None else cls.request_timeout, connect_timeout=connect_timeout,
            read_timeout=read_timeout if read_timeout is not None else cls.read_timeout,
            max_body_size=cls.max_body_size)
        return request, cls.new_answer(model, conversation_id)

    @classmethod
    async def respond(cls, request: WireRequest, answer: WireAnswer, on_response: Any = None) -> AsyncResult:
        """Send ``request`` and yield what ``answer`` reads from the response.

        ``on_response(response)`` runs once the headers are in, before the status is checked
        (a web app's rotated cookies are taken there, even from an error response).
        """
        from ...requests.status import raise_for_status
        from ...requests.streams import ndjson_stream, sse_stream

        name = cls.get_name()
        async with _exchange(request, name) as (response, watch):
            if on_response is not None:
                on_response(response)
            await raise_for_status(response, name, request.model)
            content_type = response.headers.get("content-type", "")
            if content_type.startswith("text/html"):  # a login or captive-portal page, not the answer
                raise ResponseError(f"the upstream answered with a web page ({content_type}) instead of the answer",
                                    provider=name)
            yield ProviderInfo.of(cls, request.model)
            # The stall timeout runs between data events: keep-alive comments and blank lines are not answers.
            stall = request.read_timeout
            if watch is not None:  # aiohttp: the timer that timed the headers goes on
                watch.attach(response, "stream")
            events = (sse_stream(response, name, require_done=False, stall_timeout=stall, watch=watch)
                      if cls.decoder == "sse" else ndjson_stream(response, name, stall_timeout=stall, watch=watch))
            async for data in events:
                for event in answer.feed(data):
                    yield event
        if not answer.complete:
            raise ResponseError(f"the answer ended before its {cls.final_event}: it is incomplete", provider=name)
        if cls.supports_conversations:
            if not answer.conversation_id:
                raise ResponseError("the upstream did not say which conversation the answer belongs to",
                                    provider=name)
            yield Conversation(answer.conversation_id)


@asynccontextmanager
async def _exchange(request: WireRequest, provider: str) -> AsyncIterator[tuple[Any, Any]]:
    """POST ``request`` on the loop's pooled session of the right backend; yields the response
    and, for aiohttp, the :class:`~g4f.requests.limits.StallWatch` that timed its headers (the
    request's one read timer; curl_cffi's ``StreamSession`` times its reads itself).

    Transport errors (connecting, and reading inside the block) come out as g4f errors.
    """
    if request.impersonate:
        from ...requests.curl import StreamSession

        read = request.read_timeout
        session = StreamSession(
            impersonate=request.impersonate, headers=request.headers, cookies=request.cookies, proxy=request.proxy,
            timeout=(request.connect_timeout, read) if request.connect_timeout and read else read,
            total_timeout=request.timeout, provider=provider, max_body_size=request.max_body_size)
        async with session.post(request.url, json=request.payload) as response:
            yield response, None
        return
    from ...requests.aiohttp_session import DEFAULT_READ_TIMEOUT, get_session, make_timeout
    from ...requests.limits import StallWatch, open_watched
    from ...requests.transport import map_transport_errors

    http = await get_session()
    # One timer for the whole-request deadline and the read timeout (the headers within it, then
    # the stream's data events); aiohttp's sock_read would restart at every trickled byte.
    watch = StallWatch(request.read_timeout or DEFAULT_READ_TIMEOUT, None, provider, "headers", total=request.timeout)
    try:
        async with map_transport_errors(provider):
            reply: Any = await open_watched(http.post(
                request.url, json=request.payload, headers=dict(request.headers), cookies=request.cookies or None,
                proxy=request.proxy, timeout=make_timeout(None, request.connect_timeout, watched=True)), watch)
            async with reply:
                yield reply, watch
    finally:
        watch.stop()
