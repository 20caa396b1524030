"""The errors g4f raises. Every one is a :class:`G4FError`::

    G4FError
    ├── MissingAuthError              no or invalid credentials (HTTP 401/403)
    ├── MissingRequirementsError      an optional package is not installed (also an ImportError)
    ├── ModelNotFoundError            the provider does not serve the model (also HTTP 404 for a model)
    ├── ProviderNotFoundError         no provider has that name
    ├── ProviderNotWorkingError       the provider is marked as not working
    ├── ResponseStatusError           any other HTTP error status; carries ``status``
    │   ├── BadRequestError           HTTP 400/413/422: the request was refused as invalid
    │   │   ├── StreamNotSupportedError   (gpt4free) the provider cannot stream
    │   │   └── ModelNotAllowedError      (gpt4free) the model is not allowed here
    │   ├── PaymentRequiredError      HTTP 402
    │   ├── RateLimitError            HTTP 429 (and Groq's 498 "over capacity"); carries ``retry_after``
    │   └── CloudflareError           (gpt4free) a Cloudflare challenge instead of the answer
    ├── ResponseError                 malformed or cut-short upstream data
    │   ├── ConversationLimitError    (gpt4free) the web app's conversation is full
    │   └── NoMediaResponseError      (gpt4free) a media request answered without media
    ├── NetworkError                  the connection failed or was reset (also a ConnectionError)
    ├── TimeoutError                  connect or read timeout, stalled stream (also builtins.TimeoutError)
    ├── NestAsyncioError              the sync API was called inside a running event loop
    ├── RetryProviderError            every candidate provider failed; carries each error
    │   └── RetryNoProviderError      (gpt4free) there was no provider to try
    ├── NoValidHarFileError           no usable HAR/credential file was found
    ├── VersionNotFoundError          the latest version could not be looked up
    └── ProviderException             (gpt4free) any other provider failure

The errors marked (gpt4free) are gpt4free's names, kept so that code catching them runs: g4f
raises none of them itself, a gpt4free-style plugin may.

Every error carries ``provider`` (the provider's name, or None) and, for HTTP errors, ``status``.
Messages are passed through :func:`g4f.secrets.redact`, so they never contain a registered key or
cookie value.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .secrets import redact

__all__ = [
    "BadRequestError",
    "CloudflareError",
    "ConversationLimitError",
    "G4FError",
    "MissingAuthError",
    "MissingRequirementsError",
    "ModelNotAllowedError",
    "ModelNotFoundError",
    "NestAsyncioError",
    "NetworkError",
    "NoMediaResponseError",
    "NoValidHarFileError",
    "PaymentRequiredError",
    "ProviderException",
    "ProviderNotFoundError",
    "ProviderNotWorkingError",
    "RateLimitError",
    "ResponseError",
    "ResponseStatusError",
    "RetryNoProviderError",
    "RetryProviderError",
    "StreamNotSupportedError",
    "TimeoutError",
    "VersionNotFoundError",
]


class G4FError(Exception):
    """Base class of every error raised by g4f."""

    def __init__(self, message: str = "", *, provider: str | None = None, status: int | None = None) -> None:
        message = redact(str(message))
        if provider and not message.startswith(f"{provider}:"):
            message = f"{provider}: {message}" if message else provider
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status

    def __str__(self) -> str:
        # Redacted again when shown: a secret may have been registered after the error was made.
        return redact(super().__str__())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # keep errors picklable with their keyword-only fields
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[G4FError], state: dict[str, Any]) -> G4FError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class MissingAuthError(G4FError):
    """Raised when credentials are missing, invalid or expired (HTTP 401/403).

    ``hints`` maps provider names to one line each on how to give them credentials (set by
    auto-selection when no provider has any; empty otherwise).
    """

    hints: Mapping[str, str]

    def __init__(self, message: str = "", *, provider: str | None = None, status: int | None = None,
                 hints: Mapping[str, str] | None = None) -> None:
        super().__init__(message, provider=provider, status=status)
        self.hints = dict(hints or {})


class MissingRequirementsError(G4FError, ImportError):
    """Raised when a feature needs an optional package that is not installed."""


class ModelNotFoundError(G4FError):
    """Raised when a provider does not serve the requested model."""


class ProviderNotFoundError(G4FError):
    """Raised when no provider is registered under the requested name."""


class ProviderNotWorkingError(G4FError):
    """Raised when the requested provider is marked as not working."""


class ResponseStatusError(G4FError):
    """Raised for an HTTP error status that has no more specific error.

    ``retry_after`` is the number of seconds the upstream asked to wait (its ``Retry-After``
    header, which 503s carry too), or None.
    """

    status: int
    retry_after: float | None

    def __init__(self, message: str = "", *, provider: str | None = None, status: int = 0,
                 retry_after: float | None = None) -> None:
        super().__init__(message, provider=provider, status=status)
        self.retry_after = retry_after


class BadRequestError(ResponseStatusError):
    """Raised when the request is refused as invalid: by g4f before anything is sent (``status``
    0), or by the upstream (HTTP 400, 413, 422). ``param`` names the field at fault, when known.
    """

    param: str | None

    def __init__(self, message: str = "", *, provider: str | None = None, status: int = 0,
                 param: str | None = None) -> None:
        super().__init__(message, provider=provider, status=status)
        self.param = param


class PaymentRequiredError(ResponseStatusError):
    """Raised when the upstream asks for payment or credits (HTTP 402)."""


class RateLimitError(ResponseStatusError):
    """Raised when the upstream rate-limits the caller (HTTP 429) or is over capacity (Groq's 498).

    ``retry_after`` is the number of seconds the upstream asked to wait, or None.
    """

    def __init__(
        self,
        message: str = "",
        *,
        provider: str | None = None,
        status: int = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status=status, retry_after=retry_after)


class ResponseError(G4FError):
    """Raised when upstream data is malformed or a stream ends before its terminator."""


class NetworkError(G4FError, builtins.ConnectionError):
    """Raised when a connection cannot be made or is reset before the answer began."""


_timeout_bases: tuple[type, ...] = (G4FError, builtins.TimeoutError)
if sys.version_info < (3, 11):  # asyncio.TimeoutError became builtins.TimeoutError in 3.11
    import asyncio

    _timeout_bases += (asyncio.TimeoutError,)


class TimeoutError(*_timeout_bases):  # type: ignore[misc]
    """Raised when connecting or reading takes longer than the configured timeout.

    ``connecting`` is True when no response had begun (the connection or the response headers
    took too long): only then is trying again likely to help.
    """

    connecting: bool = False


class NestAsyncioError(G4FError, RuntimeError):
    """Raised when the synchronous API is called from inside a running event loop."""


class RetryProviderError(G4FError):
    """Raised when every candidate provider failed.

    ``exceptions`` maps each provider's name to the error it raised, in the order they were tried.
    """

    def __init__(
        self,
        message: str = "",
        exceptions: dict[str, BaseException] | Sequence[tuple[str, BaseException]] | None = None,
        *,
        provider: str | None = None,
    ) -> None:
        items = list(exceptions.items()) if isinstance(exceptions, dict) else list(exceptions or [])
        self.exceptions: dict[str, BaseException] = dict(items)
        if items:
            lines = [f"{name}: {type(exc).__name__}: {_short(exc, name)}" for name, exc in items]
            message = f"{message}\n" + "\n".join(f"  - {line}" for line in lines) if message else "\n".join(lines)
        super().__init__(message, provider=provider)


def _short(exc: BaseException, name: str) -> str:
    text = str(exc)
    if text.startswith(f"{name}: "):
        text = text[len(name) + 2 :]
    return text or "(no message)"


class NoValidHarFileError(G4FError):
    """Raised when no usable HAR or credential file was found."""


class VersionNotFoundError(G4FError):
    """Raised when the latest published version cannot be looked up (for example offline)."""


# -- gpt4free's other names ----------------------------------------------------------------------
class StreamNotSupportedError(BadRequestError):
    """Raised by gpt4free-style providers that cannot stream (g4f streams with every provider)."""


class ModelNotAllowedError(BadRequestError):
    """Raised by gpt4free-style providers when the model is not allowed for them or the key."""


class CloudflareError(ResponseStatusError):
    """Raised by gpt4free-style providers for a Cloudflare challenge page instead of the answer."""


class ConversationLimitError(ResponseError):
    """Raised by gpt4free-style providers when a web app's conversation reached its limit."""


class NoMediaResponseError(ResponseError):
    """Raised by gpt4free-style providers for a media request answered without any media."""


class RetryNoProviderError(RetryProviderError):
    """Raised by gpt4free's fallback when there was no provider to try."""


class ProviderException(G4FError):
    """Raised by gpt4free-style providers for any other failure (gpt4free's catch-all)."""
