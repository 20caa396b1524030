"""The one retry policy: what is retried, how long to wait, and that wrapping never multiplies tries."""

from __future__ import annotations

import pytest

from g4f.errors import (
    BadRequestError,
    MissingAuthError,
    ModelNotFoundError,
    NestAsyncioError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)
from g4f.providers.retry import RetryPolicy

POLICY = RetryPolicy(max_retries=2, backoff=0.5, max_delay=20)


def connect_timeout() -> TimeoutError:
    error = TimeoutError("x")
    error.connecting = True
    return error


def test_backoff_grows_exponentially_with_jitter():
    policy = RetryPolicy(max_retries=10, backoff=0.5, max_delay=100)
    for attempt in range(4):
        delays = {policy.delay(NetworkError("x"), attempt) for _ in range(50)}
        assert all(0.25 * 2 ** attempt <= d < 0.5 * 2 ** attempt for d in delays)  # type: ignore[operator]
        assert len(delays) > 1
    assert RetryPolicy(max_retries=20, backoff=0.5, max_delay=4).delay(NetworkError("x"), 10) < 4  # type: ignore[operator]
    assert RetryPolicy(jitter=False).delay(NetworkError("x"), 1) == 1.0


def test_which_errors_are_retried():
    def delay(error: BaseException) -> float | None:
        return POLICY.delay(error, 0)

    assert delay(RateLimitError("x", retry_after=3)) == 3
    assert delay(RateLimitError("x", retry_after=30)) is None  # beyond the cap: raised at once
    assert delay(ResponseStatusError("x", status=503, retry_after=2)) == 2  # a 503's Retry-After counts too
    assert 0.25 <= delay(RateLimitError("x")) < 0.5  # type: ignore[operator]
    assert 0.25 <= delay(ResponseStatusError("x", status=503)) < 0.5  # type: ignore[operator]
    assert 0.25 <= delay(NetworkError("x")) < 0.5  # type: ignore[operator]
    assert 0.25 <= delay(connect_timeout()) < 0.5  # type: ignore[operator]
    assert delay(TimeoutError("x")) is None  # a stalled answer is not retried
    assert 0.25 <= delay(RuntimeError("a plugin's upstream failed")) < 0.5  # type: ignore[operator]
    for error in (BadRequestError("x", status=400), MissingAuthError("x"), ModelNotFoundError("x"),
                  ResponseError("x"), ResponseStatusError("x", status=404), TypeError("bug"),
                  AttributeError("bug"), NestAsyncioError("misuse")):
        assert delay(error) is None
    cut_by_transport = ResponseError("the stream was cut short")
    cut_by_transport.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert 0.25 <= delay(cut_by_transport) < 0.5  # type: ignore[operator]


def test_no_more_than_max_retries():
    assert POLICY.delay(NetworkError("x"), 1) is not None
    assert POLICY.delay(NetworkError("x"), 2) is None
    assert RetryPolicy(max_retries=0).delay(NetworkError("x"), 0) is None


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError, match="backoff"):
        RetryPolicy(backoff=-1)
