"""Ordered fallback: try one provider after another until one answers.

``IterListProvider(providers, shuffle=True)`` tries each provider in turn. The rules:

* An error before the first output (text, or an event other than ``ProviderInfo``) moves on to
  the next provider; an error after output started is raised, because the caller already holds
  part of the answer and a second answer appended to it would be wrong.
* A provider whose stream ends without any output counts as failed.
* Only upstream and transport failures move on: every :class:`~g4f.errors.G4FError`, and
  ``OSError`` / timeouts / HTTP-library errors that third-party providers let escape. Programming
  errors (``TypeError``, ``AttributeError``, ``KeyError``, ...) are raised at once, since no other
  provider can fix a bug.
* Exactly one ``ProviderInfo(name, model)`` precedes the first text: the provider's own if it
  yields one, else one made from its declared attributes.
* When every provider failed: :class:`~g4f.errors.RetryProviderError` with each one's error.

``RetryProvider`` retries a provider that failed transiently (network, timeout, 5xx, a short
rate limit) with exponential backoff before moving on. Both record every outcome in
:data:`g4f.providers.health.health`, which auto-selection reads.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import (
    G4FError,
    NestAsyncioError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    RetryProviderError,
    TimeoutError,
)
from ..typing import AsyncResult, Chunk, CreateResult, Messages
from .asyncio import to_sync_iter
from .health import ProviderHealth, provider_name
from .health import health as shared_health
from .response import CompletionText, ProviderInfo
from .types import BaseProvider

__all__ = [
    "Attempt",
    "IterListProvider",
    "RetryPolicy",
    "RetryProvider",
    "failure_summary",
    "is_fallback_error",
    "run_fallback",
]

logger = logging.getLogger("g4f")


def is_fallback_error(error: BaseException) -> bool:
    """Whether ``error`` means "this provider could not answer" (so another may be tried)."""
    if isinstance(error, NestAsyncioError):
        return False
    if isinstance(error, (G4FError, OSError, asyncio.TimeoutError)):
        return True
    from ..requests.transport import map_transport_error  # recognises aiohttp/curl_cffi errors by module

    return map_transport_error(error) is not None


@dataclass(frozen=True)
class Attempt:
    """One provider to try, with the model name to send it."""

    provider: Any
    model: str


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry one provider before moving on.

    ``max_retries`` extra tries per provider; waits ``backoff * 2**n`` seconds (at most
    ``max_delay``), or the upstream's ``retry-after`` when it is not longer than ``max_delay``.
    """

    max_retries: int = 2
    backoff: float = 0.5
    max_delay: float = 10.0

    def delay(self, error: BaseException, retry_number: int) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to move on instead."""
        if isinstance(error, RateLimitError):
            if error.retry_after is not None:
                return error.retry_after if error.retry_after <= self.max_delay else None
        elif isinstance(error, ResponseStatusError):
            if error.status < 500:
                return None
        elif isinstance(error, G4FError) and not isinstance(error, (NetworkError, TimeoutError, ResponseError)):
            return None  # credentials, unknown model, missing package: trying again will not help
        return min(self.backoff * (2**retry_number), self.max_delay)


def _info(attempt: Attempt) -> ProviderInfo:
    provider = attempt.provider
    model = attempt.model or getattr(provider, "default_model", "") or None
    aliases = getattr(provider, "model_aliases", None)
    if model and isinstance(aliases, dict):
        model = aliases.get(model, model)
    get_label = getattr(provider, "get_label", None)
    label = get_label() if get_label is not None else None
    return ProviderInfo(provider_name(provider), model, label=label, url=getattr(provider, "url", None))


async def _aclose(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def failure_summary(errors: Sequence[tuple[str, BaseException]]) -> str:
    """``"A: NetworkError, B: ResponseStatusError 500"``: the one-line gist of a list of failures."""
    parts = []
    for name, error in errors:
        status = getattr(error, "status", None)
        parts.append(f"{name}: {type(error).__name__}" + (f" {status}" if status else ""))
    return ", ".join(parts)


async def run_fallback(
    attempts: Iterable[Attempt],
    messages: Messages,
    stream: bool = True,
    kwargs: dict[str, Any] | None = None,
    *,
    health: ProviderHealth | None = None,
    retry: RetryPolicy | None = None,
    skipped: Sequence[tuple[str, BaseException]] = (),
    for_model: str = "",
) -> AsyncGenerator[Chunk, None]:
    """Stream the answer of the first attempt that gives one (the rules are in the module docstring).

    ``skipped`` are errors of providers not tried (no credentials, rate limited); they are listed
    in the final ``RetryProviderError`` after the real failures. ``for_model`` (`` for model 'x'``)
    completes its first line.
    """
    health = health or shared_health
    kwargs = kwargs or {}
    errors: list[tuple[str, BaseException]] = []
    for attempt in attempts:
        name = provider_name(attempt.provider)
        retry_number = 0
        while True:
            started = False
            own_info: ProviderInfo | None = None
            error: BaseException
            chunks = None
            try:
                chunks = attempt.provider.create_async_generator(attempt.model, messages, stream=stream, **kwargs)
                async for chunk in chunks:  # until the first output
                    if isinstance(chunk, ProviderInfo):
                        own_info = chunk
                        continue
                    if isinstance(chunk, str) and not chunk:
                        continue
                    started = True
                    yield own_info if own_info is not None else _info(attempt)
                    yield chunk
                    break
                if started:
                    async for chunk in chunks:  # the rest, passed on as it comes
                        yield chunk
            except Exception as exc:
                if not is_fallback_error(exc):
                    raise
                health.record_failure(attempt.provider, exc)
                if started:
                    raise
                error = exc
            else:
                if started:
                    health.record_success(attempt.provider)
                    return
                error = ResponseError("the provider returned an empty answer", provider=name)
                health.record_failure(attempt.provider, error)
            finally:
                await _aclose(chunks)
            delay = retry.delay(error, retry_number) if retry and retry_number < retry.max_retries else None
            if delay is None:
                logger.info("%s failed, trying the next provider: %s: %s", name, type(error).__name__, error)
                errors.append((name, error))
                break
            retry_number += 1
            logger.info("%s failed (%s); retry %d in %.1f s", name, type(error).__name__, retry_number, delay)
            await asyncio.sleep(delay)
    if not errors and not skipped:
        raise RetryProviderError(f"no provider to try{for_model}")
    summary = failure_summary(errors)
    if skipped:  # say what would enable the others: often the most useful part of the line
        summary += (", " if summary else "") + ", ".join(f"{name}: {_short(error, name)}" for name, error in skipped)
    raise RetryProviderError(f"no provider answered{for_model}: {summary}", [*errors, *skipped])


def _short(error: BaseException, name: str) -> str:
    text = str(error)
    return text[len(name) + 2 :] if text.startswith(f"{name}: ") else text


def _resolve(provider: Any) -> Any:
    if isinstance(provider, str):
        from .registry import registry

        return registry.get(provider)
    return provider


class IterListProvider(BaseProvider):
    """A provider made of providers: tries them in turn (shuffled unless ``shuffle=False``).

    Usable wherever a provider is: ``create_async_generator``, ``create_completion`` and
    ``create_async`` behave as for any provider.
    """

    working: ClassVar[bool] = True
    supports_stream: ClassVar[bool] = True

    def __init__(self, providers: Iterable[Any], shuffle: bool = True, health: ProviderHealth | None = None) -> None:
        self.providers: list[Any] = list(providers)
        if not self.providers:
            raise ValueError("IterListProvider needs at least one provider")
        self.shuffle = shuffle
        self.health = health

    def _retry_policy(self) -> RetryPolicy | None:
        return None

    def attempts(self, model: str) -> list[Attempt]:
        """The providers to try for ``model``, in the order they will be tried (names looked up)."""
        providers = [_resolve(provider) for provider in self.providers]
        if self.shuffle:
            random.shuffle(providers)
        return [Attempt(provider, model) for provider in providers]

    def create_async_generator(self, model: str, messages: Messages, stream: bool = True, **kwargs: Any) -> AsyncResult:
        return run_fallback(
            self.attempts(model), messages, stream, kwargs, health=self.health, retry=self._retry_policy()
        )

    def create_completion(self, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> CreateResult:
        return to_sync_iter(lambda: self.create_async_generator(model, messages, stream=stream, **kwargs))

    async def create_async(self, model: str, messages: Messages, **kwargs: Any) -> CompletionText:
        """The whole answer (text only), with its events (``.provider`` says who answered)."""
        from .base_provider import collect_text

        kwargs.pop("stream", None)
        return await collect_text(self.create_async_generator(model, messages, stream=False, **kwargs))

    def get_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return {"name": type(self).__name__, "providers": [provider_name(p) for p in self.providers]}

    def __repr__(self) -> str:
        names = ", ".join(provider_name(p) for p in self.providers)
        return f"{type(self).__name__}([{names}], shuffle={self.shuffle})"


class RetryProvider(IterListProvider):
    """Like :class:`IterListProvider`, retrying a transiently failing provider before moving on."""

    def __init__(
        self,
        providers: Iterable[Any],
        shuffle: bool = True,
        max_retries: int = 2,
        backoff: float = 0.5,
        max_delay: float = 10.0,
        health: ProviderHealth | None = None,
    ) -> None:
        super().__init__(providers, shuffle=shuffle, health=health)
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.policy = RetryPolicy(max_retries=max_retries, backoff=backoff, max_delay=max_delay)

    def _retry_policy(self) -> RetryPolicy | None:
        return self.policy

