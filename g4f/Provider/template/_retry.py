"""When to try a request again, and how long to wait first.

Only failures before the first output are retried (after it, the caller already holds part of
the answer): HTTP 429 (and Groq's 498), 5xx, and connection errors, including a connection that
broke inside the body (a ``ResponseError`` caused by the transport). A body that ended cleanly but
short, or sent malformed data, is not retried: the upstream said what it meant to say. An upstream's Retry-After is
honoured when it is at most ``max_delay``; a longer one is raised at once, so fallback can move
on to another provider instead of sleeping. Otherwise the wait grows exponentially with jitter.
"""

from __future__ import annotations

import random

from ...errors import G4FError, NetworkError, RateLimitError, ResponseError, ResponseStatusError, TimeoutError

__all__ = ["backoff", "retry_delay"]


def backoff(attempt: int, base: float, max_delay: float) -> float:
    """``base * 2**attempt`` seconds, scaled by a random factor in [0.5, 1) so clients spread out."""
    return min(max_delay, base * (2 ** attempt)) * (0.5 + random.random() / 2)


def retry_delay(
    error: G4FError, attempt: int, *, base: float, max_delay: float, connecting: bool
) -> float | None:
    """Seconds to wait before trying again after ``error``, or None when it must not be retried.

    ``connecting`` says the error came before any response: only then is a timeout retried (a
    read timeout in the middle of an answer is a stalled stream, not a connection problem).
    """
    retry_after = getattr(error, "retry_after", None)
    if isinstance(error, RateLimitError) or (isinstance(error, ResponseStatusError) and error.status >= 500):
        if retry_after is not None:
            return float(retry_after) if retry_after <= max_delay else None
        return backoff(attempt, base, max_delay)
    if isinstance(error, NetworkError) or (connecting and isinstance(error, TimeoutError)):
        return backoff(attempt, base, max_delay)
    if isinstance(error, ResponseError) and _broken_connection(error):
        return backoff(attempt, base, max_delay)
    return None


def _broken_connection(error: ResponseError) -> bool:
    """A cut-short body that the transport reported (reset, truncated chunk), not the upstream's data."""
    cause = error.__cause__
    return cause is not None and not isinstance(cause, G4FError)
