"""Provider health: which providers failed recently, and for how long to leave them alone.

Fallback learns from every attempt. A provider that fails ``failure_threshold`` times in a row
cools down for ``cooldown`` seconds; one that answers ``429`` with ``retry-after`` cools down for
exactly that long. Auto-selection tries healthy providers first, then those cooling down after
failures (a last resort, so one flaky provider never locks a user out), and skips a rate-limited
provider until the time its upstream asked for has passed.

The state is shared by every event loop and thread of the process (the sync API runs each call
on its own loop), so each update holds a :class:`threading.Lock` for a few dict operations and
never awaits while holding it. The clock is injectable so tests move time without sleeping.

Several processes share it through Redis (``g4f api --redis URL``, :mod:`g4f.shared`): fallback
keeps reading and writing this object synchronously; a listener (:meth:`ProviderHealth.add_listener`)
hears of each change and pushes it in the background, and what other processes learned comes back
through :meth:`ProviderHealth.apply`. So this object is the local mirror of the shared record.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import BadRequestError, ModelNotFoundError, RateLimitError
from .types import provider_name

__all__ = ["HealthEvent", "ProviderHealth", "ProviderState", "health", "provider_name"]

P = TypeVar("P")

#: Errors that say something about the request, not about the provider's health.
_NOT_THE_PROVIDERS_FAULT: tuple[type[BaseException], ...] = (BadRequestError, ModelNotFoundError)


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None


@dataclass
class ProviderState:
    """What is known about one provider: its failure streak and when it may be used again."""

    consecutive_failures: int = 0
    cooldown_until: float = 0.0
    rate_limited: bool = False
    last_error: str = ""


@dataclass(frozen=True)
class HealthEvent:
    """A change recorded by this process: ``kind`` is ``"failure"`` or ``"success"``.

    A failure carries the upstream's ``retry_after`` (None unless it was a 429 that said) and the
    one-line ``summary`` kept as ``last_error``.
    """

    kind: str
    provider: str
    retry_after: float | None = None
    summary: str = ""


HealthListener = Callable[[HealthEvent], None]


class ProviderHealth:
    """Failure streaks and cooldowns per provider name.

    ``failure_threshold`` and ``cooldown`` default to ``$G4F_HEALTH_FAILURES`` (3) and
    ``$G4F_HEALTH_COOLDOWN`` (60 seconds).
    """

    def __init__(
        self,
        failure_threshold: int | None = None,
        cooldown: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = (
            int(_env_float("G4F_HEALTH_FAILURES", 3)) if failure_threshold is None else failure_threshold
        )
        self.cooldown = _env_float("G4F_HEALTH_COOLDOWN", 60.0) if cooldown is None else cooldown
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if self.cooldown < 0:
            raise ValueError("cooldown must not be negative")
        self.clock = clock
        self._states: dict[str, ProviderState] = {}
        self._lock = threading.Lock()
        self._listeners: tuple[HealthListener, ...] = ()

    # -- listeners -------------------------------------------------------------------------
    def add_listener(self, listener: HealthListener) -> None:
        """Call ``listener(event)`` after each change this process records (not after :meth:`apply`).

        It runs in the thread that recorded the change, outside the lock, so it must be quick and
        must not block (the Redis sync only queues the event).
        """
        self._listeners = (*self._listeners, listener)

    def remove_listener(self, listener: HealthListener) -> None:
        self._listeners = tuple(known for known in self._listeners if known is not listener)

    def _notify(self, event: HealthEvent) -> None:
        for listener in self._listeners:
            listener(event)

    # -- recording -------------------------------------------------------------------------
    def record_success(self, provider: Any) -> None:
        """The provider answered: its streak and cooldown are over."""
        name = provider_name(provider)
        with self._lock:
            known = self._states.pop(name, None)
        if known is not None and self._listeners:
            self._notify(HealthEvent("success", name))

    def record_failure(self, provider: Any, error: BaseException) -> None:
        """The provider failed with ``error``; a streak or a rate limit starts a cooldown.

        Errors caused by the request itself (a bad request, a model the provider lacks) are not
        held against the provider.
        """
        if isinstance(error, _NOT_THE_PROVIDERS_FAULT):
            return
        name = provider_name(provider)
        summary = _summary(error, name)
        retry_after = error.retry_after if isinstance(error, RateLimitError) else None
        now = self.clock()
        with self._lock:
            state = self._states.setdefault(name, ProviderState())
            state.consecutive_failures += 1
            state.last_error = summary
            if retry_after is not None and retry_after > 0:
                until = now + retry_after
                state.cooldown_until = max(state.cooldown_until, until)
                state.rate_limited = True
            elif state.consecutive_failures >= self.failure_threshold:
                until = now + self.cooldown
                if until > state.cooldown_until:
                    state.cooldown_until = until
                    state.rate_limited = False
        if self._listeners:
            self._notify(HealthEvent("failure", name, retry_after, summary))

    def reset(self, provider: Any = None) -> None:
        """Forget one provider's record, or every record."""
        with self._lock:
            if provider is None:
                self._states.clear()
            else:
                self._states.pop(provider_name(provider), None)

    def apply(self, provider: Any, state: ProviderState | None, remaining: float = 0.0) -> None:
        """Take a record learned elsewhere (another worker or instance): ``state`` with its
        cooldown ending ``remaining`` seconds from now, or None for no record. Listeners are not told."""
        name = provider_name(provider)
        with self._lock:
            if state is None:
                self._states.pop(name, None)
                return
            self._states[name] = ProviderState(state.consecutive_failures, self.clock() + max(0.0, remaining),
                                               state.rate_limited, state.last_error)

    def snapshot(self) -> dict[str, tuple[ProviderState, float]]:
        """Every record with the seconds left of its cooldown (to share it after an outage)."""
        now = self.clock()
        with self._lock:
            return {name: (ProviderState(**vars(state)), max(0.0, state.cooldown_until - now))
                    for name, state in self._states.items()}

    # -- reading ---------------------------------------------------------------------------
    def state(self, provider: Any) -> ProviderState:
        """A copy of the provider's current record (a fresh one if it has none)."""
        with self._lock:
            state = self._states.get(provider_name(provider))
            return ProviderState(**vars(state)) if state else ProviderState()

    def cooldown_remaining(self, provider: Any) -> float:
        """Seconds until the provider's cooldown ends (0 when it is not cooling down)."""
        with self._lock:
            state = self._states.get(provider_name(provider))
            until = state.cooldown_until if state else 0.0
        return max(0.0, until - self.clock())

    def is_healthy(self, provider: Any) -> bool:
        return self.cooldown_remaining(provider) == 0.0

    def is_rate_limited(self, provider: Any) -> bool:
        """True while the upstream's ``retry-after`` has not passed: the provider must not be called."""
        with self._lock:
            state = self._states.get(provider_name(provider))
            limited = state is not None and state.rate_limited
        return limited and self.cooldown_remaining(provider) > 0

    def describe(self, provider: Any) -> str:
        """Why a provider is held back, for error messages: "rate limited for 25 s (...)"."""
        state = self.state(provider)
        remaining = self.cooldown_remaining(provider)
        if remaining <= 0:
            return "healthy"
        why = "rate limited" if state.rate_limited else f"cooling down after {state.consecutive_failures} failures"
        last = f" (last error: {state.last_error})" if state.last_error else ""
        return f"{why}, {remaining:.0f} s left{last}"

    def order(self, items: Iterable[P], key: Callable[[P], Any] | None = None) -> tuple[list[P], list[P]]:
        """Split providers (or items holding one: ``key`` picks it) into ``(to_try, rate_limited)``.

        ``to_try`` keeps the given order among healthy providers and puts those cooling down after
        failures behind them, soonest recovered first. ``rate_limited`` are skipped for now.
        """
        healthy: list[P] = []
        cooling: list[tuple[float, int, P]] = []
        limited: list[P] = []
        now = self.clock()
        with self._lock:
            for index, provider in enumerate(items):
                state = self._states.get(provider_name(key(provider) if key else provider))
                if state is None or state.cooldown_until <= now:
                    healthy.append(provider)
                elif state.rate_limited:
                    limited.append(provider)
                else:
                    cooling.append((state.cooldown_until, index, provider))
        cooling.sort(key=lambda item: (item[0], item[1]))
        return healthy + [provider for _, _, provider in cooling], limited


def _summary(error: BaseException, name: str) -> str:
    text = str(error)
    if text.startswith(f"{name}: "):
        text = text[len(name) + 2 :]
    text = text.splitlines()[0] if text else ""
    if len(text) > 200:
        text = text[:200] + "..."
    kind = type(error).__name__
    return f"{kind}: {text}" if text else kind


#: The process-wide record every fallback reads and writes.
health = ProviderHealth()
