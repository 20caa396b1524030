"""Ordered fallback: try one provider after another until one answers.

``IterListProvider(providers, shuffle=True)`` tries each provider in turn. The rules:

* Each provider runs through the call boundary (:func:`g4f.providers.attempts.guarded`), which
  shapes its stream: exactly one ``ProviderInfo`` right before its first output, and no output
  at all (only ``None``, ``""`` or events that carry no answer) is a failure.
* A failure before the first output moves on to the next provider; after it, the error is
  raised, because the caller already holds part of the answer and a second answer appended to
  it would be wrong.
* What counts as a failure, and what as a bug that is raised at once, is decided in one place:
  :func:`g4f.providers.failures.is_provider_failure` (g4f errors, transport errors and the plain
  ``RuntimeError``/``ValueError``/``KeyError``/... of gpt4free-style providers move on;
  ``TypeError``, ``AttributeError``, ... do not).
* When every provider failed: :class:`~g4f.errors.RetryProviderError` with each one's error
  (its type and message); each failure is also logged with its traceback at debug level.

``RetryProvider`` adds a :class:`~g4f.providers.retry.RetryPolicy`: each provider is retried
while it fails transiently, before moving on. The policy is handed down, never applied twice:
one call sends at most ``max_retries + 1`` requests to a provider. Both record every outcome in
:data:`g4f.providers.health.health`, which auto-selection reads.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import RetryProviderError
from ..typing import AsyncResult, Chunk, CreateResult, Messages
from .asyncio import to_sync_iter
from .attempts import guarded
from .failures import is_provider_failure
from .health import ProviderHealth
from .health import health as shared_health
from .response import CompletionText, ProviderInfo
from .retry import RetryPolicy
from .types import BaseProvider, provider_name

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

#: gpt4free's name for :func:`g4f.providers.failures.is_provider_failure`.
is_fallback_error = is_provider_failure


@dataclass(frozen=True)
class Attempt:
    """One provider to try, with the model name to send it."""

    provider: Any
    model: str


def failure_summary(errors: Sequence[tuple[str, BaseException]]) -> str:
    """``"A: NetworkError, B: ResponseStatusError 500"``: the one-line gist of a list of failures."""
    parts = []
    for name, error in errors:
        status = getattr(error, "status", None)
        parts.append(f"{name}: {type(error).__name__}" + (f" {status}" if status else ""))
    return ", ".join(parts)


class _Failed(Exception):
    """The attempt failed before any output; ``error`` says why (internal to this module)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


async def _run_attempt(
    attempt: Attempt, messages: Messages, stream: bool, kwargs: dict[str, Any], health: ProviderHealth,
    policy: RetryPolicy | None,
) -> AsyncGenerator[Chunk, None]:
    """One provider's answer; a failure before its output is raised as ``_Failed``."""
    chunks = guarded(attempt.provider, attempt.model, messages, stream, kwargs, policy)
    started = False
    try:
        async for chunk in chunks:
            if not started and isinstance(chunk, ProviderInfo):
                started = True  # the boundary yields it right before the first output
            yield chunk
    except Exception as exc:
        if is_provider_failure(exc):
            health.record_failure(attempt.provider, exc)
            if not started:
                raise _Failed(exc) from None
        raise
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    health.record_success(attempt.provider)


def _log_failure(name: str, error: BaseException) -> None:
    logger.info("%s failed, trying the next provider: %s: %s", name, type(error).__name__, error)
    logger.debug("%s failed", name, exc_info=(type(error), error, error.__traceback__))


def _give_up(errors: list[tuple[str, BaseException]], skipped: Sequence[tuple[str, BaseException]],
             for_model: str) -> RetryProviderError:
    if not errors and not skipped:
        return RetryProviderError(f"no provider to try{for_model}")
    summary = failure_summary(errors)
    if skipped:  # say what would enable the others: often the most useful part of the line
        summary += (", " if summary else "") + ", ".join(f"{name}: {_short(error, name)}" for name, error in skipped)
    return RetryProviderError(f"no provider answered{for_model}: {summary}", [*errors, *skipped])


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

    ``retry`` is handed to each provider (see :mod:`g4f.providers.retry`). ``skipped`` are
    errors of providers not tried (no credentials, rate limited); they are listed in the final
    ``RetryProviderError`` after the real failures. ``for_model`` (`` for model 'x'``)
    completes its first line.
    """
    health = health or shared_health
    kwargs = kwargs or {}
    errors: list[tuple[str, BaseException]] = []
    for attempt in attempts:
        chunks = _run_attempt(attempt, messages, stream, kwargs, health, retry)
        try:
            async for chunk in chunks:
                yield chunk
            return
        except _Failed as failed:
            name = provider_name(attempt.provider)
            _log_failure(name, failed.error)
            errors.append((name, failed.error))
        finally:
            await chunks.aclose()  # also when the caller stops reading: the provider's stream closes now
    raise _give_up(errors, skipped, for_model)


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
    #: Its members run through the call boundary themselves (see ``g4f.providers.attempts.guarded``).
    composite: ClassVar[bool] = True
    accepts_retry_policy: ClassVar[bool] = True
    supports_conversations: ClassVar[bool] = True  # passed on to the members that do

    def __init__(self, providers: Iterable[Any], shuffle: bool = True, health: ProviderHealth | None = None) -> None:
        self.providers: list[Any] = list(providers)
        if not self.providers:
            raise ValueError("IterListProvider needs at least one provider")
        self.shuffle = shuffle
        self.health = health

    @property
    def policy(self) -> RetryPolicy | None:
        """The retry policy handed to each provider (none: each provider's own)."""
        return None

    def attempts(self, model: str) -> list[Attempt]:
        """The providers to try for ``model``, in the order they will be tried (names looked up)."""
        providers = [_resolve(provider) for provider in self.providers]
        if self.shuffle:
            random.shuffle(providers)
        return [Attempt(provider, model) for provider in providers]

    def create_async_generator(
        self, model: str, messages: Messages, stream: bool = True, *, retry_policy: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        # A policy of our own wins over one handed down: the nearest RetryProvider decides.
        policy = self.policy or retry_policy
        return run_fallback(self.attempts(model), messages, stream, kwargs, health=self.health, retry=policy)

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
        max_delay: float = 20.0,
        health: ProviderHealth | None = None,
    ) -> None:
        super().__init__(providers, shuffle=shuffle, health=health)
        self._policy = RetryPolicy(max_retries=max_retries, backoff=backoff, max_delay=max_delay)

    @property
    def policy(self) -> RetryPolicy:
        return self._policy
