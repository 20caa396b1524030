"""When to try a provider again, and how long to wait first: the one retry policy.

The OpenAI-compatible template uses it for its own tries, ``RetryProvider`` hands it to the
providers it wraps, and the call boundary applies it to providers that do not retry by
themselves (:func:`g4f.providers.attempts.run_attempts` is the one loop). Wrapping never
multiplies tries: a provider that accepts a policy (``accepts_retry_policy``) is given it and
is not retried again from outside, so one call sends at most ``max_retries + 1`` requests to a
provider however the providers are nested.

Only failures before the first output are retried: after it, the caller already holds part of
the answer. What is retried:

* HTTP 429 (and Groq's 498) and 5xx; their ``Retry-After`` is honoured when it is at most
  ``max_delay``, and a longer one is raised at once so fallback can move on instead of sleeping;
* connection failures (:class:`~g4f.errors.NetworkError`), timeouts before any response
  (``TimeoutError.connecting``), and a body cut short by the transport (a
  :class:`~g4f.errors.ResponseError` caused by a backend error);
* the plain exceptions of third-party providers (``RuntimeError``, ...), which say nothing
  about whether a new try could help.

Not retried: credentials, unknown models, bad requests, payment, malformed upstream data, an
empty answer, a stall in the middle of an answer, and bugs (:mod:`g4f.providers.failures`).
Otherwise the wait grows exponentially, ``backoff * 2**n`` capped at ``max_delay``, scaled by a
random factor in [0.5, 1) so that many clients spread out.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from ..errors import G4FError, NetworkError, RateLimitError, ResponseError, ResponseStatusError, TimeoutError
from .failures import is_provider_failure

__all__ = ["RetryPolicy", "shared_policy"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` extra tries per provider, with exponential backoff and jitter."""

    max_retries: int = 2
    #: The first wait in seconds (doubled at each retry).
    backoff: float = 0.5
    #: The longest wait; a longer ``Retry-After`` is raised at once instead.
    max_delay: float = 20.0
    #: Scale each wait by a random factor in [0.5, 1) (off: exact waits, for tests).
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if self.backoff < 0 or self.max_delay < 0:
            raise ValueError("backoff and max_delay must not be negative")

    def delay(self, error: BaseException, retry_number: int) -> float | None:
        """Seconds to wait before retry ``retry_number + 1`` after ``error``, or None to stop.

        ``retry_number`` counts the retries made so far (0 before the first one).
        """
        if retry_number >= self.max_retries or not is_provider_failure(error):
            return None
        if isinstance(error, ResponseStatusError):
            if not isinstance(error, RateLimitError) and error.status < 500:
                return None
            if error.retry_after is not None:
                return float(error.retry_after) if error.retry_after <= self.max_delay else None
            return self._backoff(retry_number)
        if isinstance(error, TimeoutError):
            return self._backoff(retry_number) if error.connecting else None
        if isinstance(error, NetworkError) or (isinstance(error, ResponseError) and _broken_connection(error)):
            return self._backoff(retry_number)
        if isinstance(error, G4FError):
            return None  # credentials, unknown model, malformed data: the same again next time
        return self._backoff(retry_number)

    def _backoff(self, retry_number: int) -> float:
        wait = min(self.max_delay, self.backoff * 2.0**retry_number)
        return wait * (0.5 + random.random() / 2) if self.jitter else wait


@functools.lru_cache(maxsize=256)
def shared_policy(max_retries: int, backoff: float, max_delay: float) -> RetryPolicy:
    """The (immutable, shared) policy with these settings: a provider's own policy is asked for
    on every request, and building a frozen dataclass costs about 15,000 instructions."""
    return RetryPolicy(max_retries=max_retries, backoff=backoff, max_delay=max_delay)


def _broken_connection(error: ResponseError) -> bool:
    """A body cut short by the transport (reset, truncated chunk), not by the upstream's data."""
    cause = error.__cause__
    return cause is not None and not isinstance(cause, G4FError)
