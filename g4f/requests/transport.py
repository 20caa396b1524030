"""One place where HTTP backend exceptions become g4f errors.

aiohttp and curl_cffi each have their own exception trees; callers of g4f only ever see
:mod:`g4f.errors`. Wrap any request and its stream in ``map_transport_errors(provider)``.
Neither backend is imported here: an exception is recognised by the module it comes from.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TypeVar

from ..errors import G4FError, NetworkError, ResponseError, TimeoutError
from ..secrets import redact, sanitize_exception
from .status import error_for_status

__all__ = ["map_stream_errors", "map_transport_error", "map_transport_errors"]

T = TypeVar("T")

# curl error codes: https://curl.se/libcurl/c/libcurl-errors.html
_CURL_TIMEOUT = {28}
_CURL_CUT_SHORT = {18, 56, 92}  # partial file, receive error (reset mid-body), HTTP/2 stream error
_CURL_MALFORMED = {8, 61}  # a reply curl cannot parse (a header without a colon), a body it cannot decode
_AIOHTTP_CUT_SHORT = ("ClientPayloadError", "TransferEncodingError", "ContentLengthError", "PayloadEncodingError")
_CURL_CUT_SHORT_NAMES = ("IncompleteRead", "ChunkedEncodingError", "ContentDecodingError")


def map_transport_error(exc: BaseException, provider: str | None = None) -> G4FError | None:
    """The g4f error for a backend exception, or None if ``exc`` is not a transport error.

    The most specific error wins: a timeout is a :class:`TimeoutError` whichever backend raised
    it, a body cut short is a :class:`ResponseError` (never a shorter answer), an HTTP error
    status raised by the backend itself goes through :func:`error_for_status`, and every other
    backend exception is a :class:`NetworkError`.
    """
    if isinstance(exc, G4FError):
        return None
    module = type(exc).__module__
    if isinstance(exc, (asyncio.TimeoutError, builtins.TimeoutError)):
        return TimeoutError(f"timed out: {_detail(exc)}", provider=provider)
    if module.startswith("aiohttp"):
        return _map_aiohttp(exc, provider)
    if module.startswith("curl_cffi"):
        return _map_curl(exc, provider)
    if isinstance(exc, builtins.ConnectionError):
        return NetworkError(_detail(exc), provider=provider)
    return None


def _map_aiohttp(exc: BaseException, provider: str | None) -> G4FError:
    names = {klass.__name__ for klass in type(exc).__mro__}
    if names & set(_AIOHTTP_CUT_SHORT):
        return ResponseError(f"the stream was cut short: {_detail(exc)}", provider=provider)
    if "ClientResponseError" in names and _parser_failed(exc):
        # aiohttp's own parser refused the response (a header line without a colon, a bad status
        # line) and says so as a 400: the upstream never answered 400, its answer is malformed.
        message = str(getattr(exc, "message", "") or "").splitlines()
        detail = redact(message[0].strip().rstrip(":")) if message else type(exc).__name__
        return ResponseError(f"the upstream's response is malformed ({detail[:200]})", provider=provider)
    if "ClientResponseError" in names and isinstance(getattr(exc, "status", None), int):
        if "ContentTypeError" in names:
            return ResponseError(f"unexpected content type: {_detail(exc)}", provider=provider)
        if exc.status >= 400:  # type: ignore[attr-defined]
            return _status_error(exc, exc.status, getattr(exc, "headers", None), provider)  # type: ignore[attr-defined]
    if "ServerDisconnectedError" in names:
        return NetworkError("the server closed the connection", provider=provider)
    if names & {"InvalidURL", "NonHttpUrlClientError"}:
        return NetworkError(f"invalid URL: {_detail(exc)}", provider=provider)
    return NetworkError(_detail(exc), provider=provider)


def _parser_failed(exc: BaseException) -> bool:
    cause = exc.__cause__
    return cause is not None and any(klass.__name__ == "HttpProcessingError" for klass in type(cause).__mro__)


def _map_curl(exc: BaseException, provider: str | None) -> G4FError:
    names = {klass.__name__ for klass in type(exc).__mro__}
    code = getattr(exc, "code", None)
    if code in _CURL_TIMEOUT or "Timeout" in names:
        return TimeoutError(f"timed out: {_detail(exc)}", provider=provider)
    if code in _CURL_MALFORMED or (code == 56 and "chunk" in str(exc).lower()):  # invalid chunked encoding
        return ResponseError(f"the upstream's response is malformed ({_detail(exc)})", provider=provider)
    if code in _CURL_CUT_SHORT or names & set(_CURL_CUT_SHORT_NAMES):
        return ResponseError(f"the stream was cut short: {_detail(exc)}", provider=provider)
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if "HTTPError" in names and isinstance(status, int) and status >= 400:
        return _status_error(exc, status, getattr(response, "headers", None), provider)
    return NetworkError(_detail(exc), provider=provider)


def _status_error(exc: BaseException, status: int, headers: object, provider: str | None) -> G4FError:
    return error_for_status(status, headers if isinstance(headers, Mapping) else None, b"", provider=provider)


def _detail(exc: BaseException) -> str:
    name = type(exc).__name__
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a half-built backend exception must not hide the real error
        text = ""
    if not text:
        return name
    text = redact(f"{name}: {text}")  # redacted before it is cut: no part of a secret is left
    return text if len(text) <= 300 else text[:300] + "..."


async def map_stream_errors(stream: AsyncIterable[T], provider: str | None = None) -> AsyncIterator[T]:
    """Pass ``stream`` on; a backend exception it raises becomes a g4f error naming ``provider``.

    The unified interface wraps every provider's stream in this, so even a provider that calls
    aiohttp without :func:`map_transport_errors` never lets an aiohttp exception reach the user.
    """
    try:
        async for item in stream:
            yield item
    except Exception as exc:
        mapped = map_transport_error(exc, provider)
        # Raw headers and bodies never ride along in __cause__ / __context__ (g4f.secrets).
        sanitize_exception(exc)
        if mapped is None:
            raise
        raise mapped from exc
    finally:
        # A caller that stops early closes this wrapper; the provider's stream closes with it.
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


@asynccontextmanager
async def map_transport_errors(provider: str | None = None) -> AsyncIterator[None]:
    """Re-raise backend exceptions raised inside the block as g4f errors (chained)."""
    try:
        yield
    except Exception as exc:
        mapped = map_transport_error(exc, provider)
        sanitize_exception(exc)  # raw headers and bodies never ride along in the chain (g4f.secrets)
        if mapped is None:
            raise
        raise mapped from exc
