"""Rate limits: ``60/min`` as a value, and the limiter that enforces them per API key.

A limit is a count per period (``RateLimit.parse("60/min")``). Requests are counted in a sliding
window: a request is let through when fewer than ``count`` were let through in the last
``period`` seconds, else it waits until the oldest of them leaves the window (that wait is its
``Retry-After``). Tokens are counted after the answer (the ``usage`` it reports): a key that used
``count`` tokens in the last ``period`` seconds waits until enough of them leave the window.

The counting happens in the current :mod:`backend <g4f.shared.store>`: this process alone, or
every worker and instance on one Redis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .store import current_backend

__all__ = ["RateLimit", "RateLimiter", "Refusal"]

_UNITS = {
    "s": 1.0, "sec": 1.0, "second": 1.0,
    "m": 60.0, "min": 60.0, "minute": 60.0,
    "h": 3600.0, "hour": 3600.0,
    "d": 86400.0, "day": 86400.0,
}
_FORMAT = re.compile(r"^\s*(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*([a-z]+?)s?\s*$")
_NAMES = {1.0: "s", 60.0: "min", 3600.0: "hour", 86400.0: "day"}


@dataclass(frozen=True)
class RateLimit:
    """``count`` per ``period`` seconds."""

    count: int
    period: float

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a rate limit must allow at least 1")
        if not self.period > 0:
            raise ValueError("a rate limit's period must be positive")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"60/min"``, ``"10000/min"``, ``"5/s"``, ``"100/hour"``, ``"1000/day"``, ``"30/10s"``."""
        match = _FORMAT.match(text.lower())
        if not match or match.group(3) not in _UNITS:
            raise ValueError(f"{text!r} is not a rate: write COUNT/UNIT, e.g. 60/min, 5/s, 1000/hour, 30/10s")
        count, multiple, unit = match.groups()
        period = _UNITS[unit] * (float(multiple) if multiple else 1.0)
        return cls(int(count), period)

    def __str__(self) -> str:
        name = _NAMES.get(self.period)
        return f"{self.count}/{name}" if name else f"{self.count}/{self.period:g}s"


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: ``kind`` is ``"requests"`` or ``"tokens"``."""

    kind: str
    limit: RateLimit
    retry_after: float

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds to wait (what ``Retry-After`` says): never 0, so a client does wait."""
        return max(1, math.ceil(self.retry_after))

    @property
    def message(self) -> str:
        return (f"rate limit reached for {self.kind}: {self.limit} for this API key; "
                f"try again in {self.retry_after_seconds} s")


class RateLimiter:
    """Enforce ``requests`` and ``tokens`` limits per caller (an API key's id, or ``"anonymous"``)."""

    def __init__(self, requests: RateLimit | None = None, tokens: RateLimit | None = None) -> None:
        self.requests = requests
        self.tokens = tokens

    async def admit(self, who: str) -> Refusal | None:
        """Count one request of ``who``; a :class:`Refusal` when it must wait (then it is not counted)."""
        backend = current_backend()
        if self.tokens is not None:
            decision = await backend.check_usage(f"tok:{who}", self.tokens.count, self.tokens.period)
            if not decision.allowed:
                return Refusal("tokens", self.tokens, decision.retry_after)
        if self.requests is not None:
            decision = await backend.acquire(f"req:{who}", self.requests.count, self.requests.period)
            if not decision.allowed:
                return Refusal("requests", self.requests, decision.retry_after)
        return None

    async def record_tokens(self, who: str, tokens: int) -> None:
        """Count the tokens an answer to ``who`` used."""
        if self.tokens is not None and tokens > 0:
            await current_backend().add_usage(f"tok:{who}", tokens, self.tokens.period)
