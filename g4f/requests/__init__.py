"""g4f's HTTP layer.

* ``get_session()``: the shared aiohttp session of the running loop (the default backend).
* ``StreamSession``: curl_cffi with browser impersonation, for web apps.
* ``sse_stream`` / ``ndjson_stream``: parse a response body into events.
* ``raise_for_status`` / ``error_for_status``: HTTP errors as g4f errors.
* ``aclose()``: close the pooled sessions of the running loop.

Attributes are imported on first use, so ``import g4f.requests`` loads neither aiohttp nor curl_cffi.
"""

from __future__ import annotations

from typing import Any

from .._lazy import load_lazy

__all__ = [
    "NDJSONDecoder",
    "SSEDecoder",
    "StreamResponse",
    "StreamSession",
    "aclose",
    "close_sessions",
    "error_for_status",
    "get_session",
    "iter_bytes",
    "make_timeout",
    "map_stream_errors",
    "map_transport_errors",
    "ndjson_stream",
    "parse_retry_after",
    "raise_for_status",
    "sse_stream",
]

_WHERE = {
    "aclose": ".closing",
    "StreamSession": ".curl",
    "StreamResponse": ".curl",
    "get_session": ".aiohttp_session",
    "close_sessions": ".aiohttp_session",
    "make_timeout": ".aiohttp_session",
    "sse_stream": ".streams",
    "ndjson_stream": ".streams",
    "iter_bytes": ".body",
    "raise_for_status": ".status",
    "error_for_status": ".status",
    "parse_retry_after": ".status",
    "map_transport_errors": ".transport",
    "map_stream_errors": ".transport",
    "SSEDecoder": ".decoders",
    "NDJSONDecoder": ".decoders",
}


def __getattr__(name: str) -> Any:
    return load_lazy(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return sorted(__all__)
