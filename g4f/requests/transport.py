"""One place where HTTP backend exceptions become g4f errors.

aiohttp and curl_cffi each have their own exception trees; callers of g4f only ever see
:mod:`g4f.errors`. Wrap any request and its stream in ``map_transport_errors(provider)``.
Neither backend is imported here: an exception is recognised by the module it comes from.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..errors import G4FError, NetworkError, ResponseError, TimeoutError

__all__ = ["map_transport_errors", "map_transport_error"]

# curl error codes: https://curl.se/libcurl/c/libcurl-errors.html
_CURL_TIMEOUT = {28}
_CURL_CUT_SHORT = {18, 92}  # partial file, HTTP/2 stream error


def map_transport_error(exc: BaseException, provider: str | None = None) -> G4FError | None:
    """The g4f error for a backend exception, or None if ``exc`` is not a transport error."""
    if isinstance(exc, G4FError):
        return None
    module = type(exc).__module__
    name = type(exc).__name__
    if isinstance(exc, (asyncio.TimeoutError, builtins.TimeoutError)):
        return TimeoutError(f"timed out: {_detail(exc) or name}", provider=provider)
    if module.startswith("aiohttp"):
        if name in ("ClientPayloadError", "TransferEncodingError", "ContentLengthError"):
            return ResponseError(f"the stream was cut short: {_detail(exc)}", provider=provider)
        if name == "ServerDisconnectedError":
            return NetworkError("the server closed the connection", provider=provider)
        if name in ("InvalidURL", "InvalidUrlClientError", "NonHttpUrlClientError"):
            return NetworkError(f"invalid URL: {_detail(exc)}", provider=provider)
        return NetworkError(f"{name}: {_detail(exc)}", provider=provider)
    if module.startswith("curl_cffi"):
        code = getattr(exc, "code", None)
        if code in _CURL_TIMEOUT:
            return TimeoutError(f"timed out: {_detail(exc)}", provider=provider)
        if code in _CURL_CUT_SHORT:
            return ResponseError(f"the stream was cut short: {_detail(exc)}", provider=provider)
        return NetworkError(f"{name}: {_detail(exc)}", provider=provider)
    if isinstance(exc, builtins.ConnectionError):
        return NetworkError(f"{name}: {_detail(exc)}", provider=provider)
    return None


def _detail(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "..."


@asynccontextmanager
async def map_transport_errors(provider: str | None = None) -> AsyncIterator[None]:
    """Re-raise backend exceptions raised inside the block as g4f errors (chained)."""
    try:
        yield
    except Exception as exc:
        mapped = map_transport_error(exc, provider)
        if mapped is None:
            raise
        raise mapped from exc
