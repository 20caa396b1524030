"""Run one provider: the part of the call boundary that every provider call goes through.

:func:`guarded` passes a provider only the keywords it can take (a ``conversation`` goes to
providers that ``supports_conversations``, ...), retries with a
:class:`~g4f.providers.retry.RetryPolicy` when one applies (:func:`run_attempts` is the one retry
loop of g4f), maps every transport error (aiohttp, curl_cffi, OSError, timeouts) to the g4f error
tree, and shapes the stream: exactly one ``ProviderInfo`` right before the first output, no
``None`` or ``""`` chunks, and a provider that gives no answer at all is a failure
(``ResponseError``), not an empty string.

"Output" is what the user sees: text, reasoning, tool calls, images (:data:`ANSWER_EVENTS`).
Events that only describe an answer (usage, finish reason, a conversation, a title) are held
until the first output and dropped with a failed attempt, so a retry or the next provider starts
clean. :class:`~g4f.providers.response.RequestLogin` passes at once: the user must see it while
the login runs. :mod:`g4f.providers.call` (resolving and checking a request) sits on top of this.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

from ..errors import ResponseError
from ..typing import AsyncResult, Chunk, Messages
from . import adapt
from .capabilities import refusal
from .response import (
    ImagePreview,
    ImageResponse,
    ProviderInfo,
    Reasoning,
    RequestLogin,
    ResponseType,
    ToolCalls,
)
from .retry import RetryPolicy
from .types import provider_name

__all__ = ["ANSWER_EVENTS", "CAPABILITY_KEYWORDS", "IGNORED_KEYWORDS", "Opened", "guarded", "run_attempts"]

logger = logging.getLogger("g4f")

#: Events that are part of the answer the user sees (besides text).
ANSWER_EVENTS: tuple[type[ResponseType], ...] = (Reasoning, ToolCalls, ImageResponse, ImagePreview)

#: Keywords gpt4free's clients and GUI pass that mean nothing to any provider here: accepted
#: and not passed on (a debug line names them). ``return_conversation`` is one: providers that
#: keep conversations always return theirs.
IGNORED_KEYWORDS = frozenset({
    "return_conversation", "ignore_stream", "ignored", "action", "download_media", "history_disabled",
    "auto_continue", "last_provider", "api_endpoint", "image_name", "conversation_id", "auth_result",
})

#: Keywords passed only to providers that declare the capability named beside them. A request
#: asking for what a provider cannot do was refused before (:mod:`g4f.providers.capabilities`):
#: ``web_search: true`` reaches only providers that search when told to, and a model that
#: searches by itself (``search_models``) needs no keyword.
CAPABILITY_KEYWORDS: Mapping[str, str] = {
    "conversation": "supports_conversations",
    "login": "supports_login",
    "cookies": "supports_cookies",
    "web_search": "supports_web_search",
}
_FILTERED = IGNORED_KEYWORDS | CAPABILITY_KEYWORDS.keys()

_sleep = asyncio.sleep  # the wait between retries (tests record it instead of sleeping)


def _keywords_for(provider: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The keywords ``provider`` may receive (see :data:`CAPABILITY_KEYWORDS`)."""
    if not kwargs.keys() & _FILTERED:
        return dict(kwargs)
    passed: dict[str, Any] = {}
    withheld: list[str] = []
    for key, value in kwargs.items():
        capability = CAPABILITY_KEYWORDS.get(key)
        if key in IGNORED_KEYWORDS or (capability is not None and not getattr(provider, capability, False)):
            if value is not None:
                withheld.append(key)
        else:
            passed[key] = value
    if withheld:
        logger.debug("%s: not passed (the provider does not take them): %s", provider_name(provider),
                     ", ".join(sorted(withheld)))
    return passed


def guarded(
    provider: Any,
    model: str,
    messages: Messages,
    stream: bool,
    kwargs: Mapping[str, Any],
    policy: RetryPolicy | None = None,
    *,
    checked: bool = False,
) -> AsyncResult:
    """Run one provider through the boundary (see the module docstring).

    Providers made of providers (``composite``: fallback, auto-selection) run their members
    through here themselves and get ``policy`` to hand down; providers that retry by themselves
    (``accepts_retry_policy``: the OpenAI-compatible template) get it as ``retry_policy=`` and
    already shape their stream with :func:`run_attempts`; every other provider is run by it.

    A request field the provider cannot honour is refused
    (:func:`~g4f.providers.capabilities.refusal`; ``checked``: :func:`~g4f.providers.call.prepare`
    already did, for the provider it resolved). Providers that call tools through the prompt or
    keep conversations upstream run inside :func:`g4f.providers.adapt.adapted`.
    """
    if getattr(provider, "composite", False):
        options = dict(kwargs) if policy is None else {**kwargs, "retry_policy": policy}
        return provider.create_async_generator(model, messages, stream=stream, **options)  # type: ignore[no-any-return]
    if not checked:
        refused = refusal(provider, model, messages, kwargs)
        if refused is not None:
            return _raise(refused)  # raised when read: fallback moves on to the next provider
    if adapt.wanted(provider):
        return adapt.adapted(provider, messages, kwargs,
                             lambda sent, options: _run(provider, model, sent, stream, options, policy))
    return _run(provider, model, messages, stream, kwargs, policy)


async def _raise(error: Exception) -> AsyncIterator[Chunk]:
    raise error
    yield ""  # pragma: no cover - makes this an async generator


def _run(provider: Any, model: str, messages: Messages, stream: bool, kwargs: Mapping[str, Any],
         policy: RetryPolicy | None) -> AsyncResult:
    options = _keywords_for(provider, kwargs)
    if getattr(provider, "accepts_retry_policy", False):
        if policy is not None:
            options["retry_policy"] = policy
        return provider.create_async_generator(model, messages, stream=stream, **options)  # type: ignore[no-any-return]
    return run_attempts(
        lambda: provider.create_async_generator(model, messages, stream=stream, **options), provider, model, policy)


# What a chunk is, by its type (looked up once per type: one dict look-up per chunk instead of
# up to seven isinstance checks). Before the first output :meth:`_Opening.take` acts on it;
# after it, the kinds in _PASSED_ON and non-empty text are passed on and the rest dropped.
_TEXT, _NONE, _LOGIN, _INFO, _HELD, _REASONING, _OUTPUT = (
    "text", "none", "login", "info", "held", "reasoning", "output")
_kinds: dict[type, str] = {str: _TEXT, type(None): _NONE}
#: The kinds passed on as they are once the output began (``None`` and ``ProviderInfo`` are
#: dropped there, an empty string too).
_PASSED_ON = frozenset({_LOGIN, _HELD, _REASONING, _OUTPUT})


def _kind(chunk: Any, provider: Any) -> str:
    if isinstance(chunk, str):
        kind = _TEXT
    elif isinstance(chunk, RequestLogin):
        kind = _LOGIN
    elif isinstance(chunk, ProviderInfo):
        kind = _INFO
    elif not isinstance(chunk, ANSWER_EVENTS):
        if not isinstance(chunk, ResponseType):
            raise _not_a_chunk(chunk, provider_name(provider))
        kind = _HELD
    elif isinstance(chunk, Reasoning):
        kind = _REASONING
    else:
        kind = _OUTPUT
    _kinds[type(chunk)] = kind
    return kind


class _Opening:
    """What came before the first output of one attempt: the provider's own ``ProviderInfo``
    and the answer-less events to pass on once the output begins."""

    __slots__ = ("first", "held", "info", "provider", "started")

    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self.info: ProviderInfo | None = None
        self.held: list[Any] = []
        self.first: Any = None
        self.started = False

    def take(self, chunk: Any) -> bool:
        """Take one chunk; True when it is the first output."""
        kind = _kinds.get(type(chunk))
        if kind is None:
            kind = _kind(chunk, self.provider)
        if kind is _TEXT:
            if not chunk:
                return False
        elif kind is _HELD:
            self.held.append(chunk)
            return False
        elif kind is _INFO:
            self.info = chunk
            return False
        elif kind is _NONE or kind is _LOGIN:  # a login request is passed at once by the caller
            return False
        elif kind is _REASONING and not (chunk.token or chunk.status):
            return False  # neither thinking text nor a status line: nothing to show, no output
        self.first, self.started = chunk, True
        return True

    def chunks(self, model: str) -> list[Any]:
        """``ProviderInfo`` (the provider's own, else one from its declaration), what was held,
        then the first output."""
        info = self.info if self.info is not None else ProviderInfo.of(self.provider, model)
        return [info, *self.held, self.first]


def _as_g4f_error(exc: Exception, name: str) -> Exception:
    """``exc`` as the g4f error for it when it is a transport error (aiohttp, curl_cffi, OSError,
    timeouts), else ``exc`` itself. Imported here, on the error path: the HTTP layer (and its
    JSON library) stays unloaded until a provider uses it."""
    from ..requests.transport import map_transport_error

    return map_transport_error(exc, name) or exc


async def _retry_or_raise(exc: Exception, name: str, policy: RetryPolicy | None, retries: int) -> None:
    """Wait before the next try, or raise ``exc`` as a g4f error when there is none."""
    error = _as_g4f_error(exc, name)
    delay = policy.delay(error, retries) if policy is not None else None
    if delay is None:
        if error is exc:
            raise exc
        raise error from exc
    logger.info("%s: %s: %s; retry %d of %d in %.2f s", name, type(error).__name__, error, retries + 1,
                policy.max_retries if policy else 0, delay)
    await _sleep(delay)


class Opened:
    """An attempt a coroutine opened (see :func:`run_attempts`): the chunks known at once
    (``head``: ``ProviderInfo``, say), then the stream of the rest, which :func:`run_attempts`
    iterates itself (no generator of the provider's between the answer and the retry loop:
    one fewer step per chunk), and ``close``, awaited once that stream is done with, however it
    ended (the response it reads is released there)."""

    __slots__ = ("close", "head", "rest")

    def __init__(self, head: list[Any], rest: AsyncIterator[Any], close: Callable[[], Awaitable[None]]) -> None:
        self.head = head
        self.rest = rest
        self.close = close


async def run_attempts(
    open_attempt: Callable[[], AsyncIterator[Any] | Awaitable[list[Any] | Opened]],
    provider: Any,
    model: str,
    policy: RetryPolicy | None = None,
) -> AsyncIterator[Chunk]:
    """The stream of ``open_attempt()``, tried again under ``policy`` while nothing was output.

    The one retry loop of g4f, and where a provider's stream is shaped (module docstring).
    ``open_attempt()`` gives an async iterator of chunks, or an awaitable of all of them (a
    non-streamed answer, read whole) or of an :class:`Opened` stream.
    """
    stream: Any = None
    whole: Iterator[Any] | None = None
    close: Callable[[], Awaitable[None]] | None = None
    try:
        retries = 0
        while True:
            opening = _Opening(provider)
            try:
                opened = open_attempt()
                if hasattr(opened, "__aiter__"):
                    stream = opened
                else:
                    got = await opened
                    if isinstance(got, Opened):
                        whole, stream, close = iter(got.head), got.rest, got.close
                    else:
                        whole = iter(got)
                    for chunk in whole:
                        if opening.take(chunk):
                            break
                        if isinstance(chunk, RequestLogin):
                            yield chunk
                if stream is not None and not opening.started:
                    async for chunk in stream:
                        if opening.take(chunk):
                            break
                        if isinstance(chunk, RequestLogin):
                            yield chunk
                if not opening.started:
                    raise ResponseError("the provider returned an empty answer", provider=provider_name(provider))
            except Exception as exc:  # noqa: BLE001 - retried or raised as it is, by the policy's rule
                await _close(stream, close)
                stream = whole = close = None
                await _retry_or_raise(exc, provider_name(provider), policy, retries)
                retries += 1
                continue
            break
        for chunk in opening.chunks(model):
            yield chunk
        if whole is not None:
            for chunk in whole:
                kind = _kinds.get(type(chunk)) or _kind(chunk, provider)
                if kind in _PASSED_ON or (kind is _TEXT and chunk):
                    yield chunk
        if stream is None:
            return
        try:
            async for chunk in stream:
                if type(chunk) is str:  # the hot path: a text delta
                    if chunk:
                        yield chunk
                elif (_kinds.get(type(chunk)) or _kind(chunk, provider)) in _PASSED_ON or (
                        isinstance(chunk, str) and chunk):
                    yield chunk
        except Exception as exc:
            mapped = _as_g4f_error(exc, provider_name(provider))
            if mapped is exc:
                raise
            raise mapped from exc
    finally:
        if stream is not None or close is not None:
            await _close(stream, close)


async def _close(stream: Any, close: Callable[[], Awaitable[None]] | None) -> None:
    try:
        await _aclose(stream)
    finally:
        if close is not None:
            await close()


def _not_a_chunk(chunk: object, name: str) -> TypeError:
    # A provider bug: say so rather than drop part of the answer.
    return TypeError(f"{name} yielded {type(chunk).__name__}; a provider yields str or g4f events")


async def _aclose(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
