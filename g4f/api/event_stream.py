"""Send a stream of events as server-sent events, the way every streamed route of the server does.

The first event is awaited before anything is sent: an error before it (no credentials, rate
limited, unknown model) is an ordinary error answer with its status. An error after it is told
in the stream (``error_event``), never hidden behind a shorter answer; a client that went away is
logged at debug level. Writes are batched by :class:`~g4f.api.sse.CoalescingWriter`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from aiohttp import web

from ..errors import G4FError
from ..requests.jsonlib import dumps
from .sse import CoalescingWriter

__all__ = ["named_event", "send_events"]

logger = logging.getLogger("g4f")

T = TypeVar("T")

_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def named_event(name: str, data: Any) -> bytes:
    """One SSE event with an ``event:`` name (the Responses and Anthropic APIs name theirs)."""
    return b"event: " + name.encode() + b"\ndata: " + dumps(data) + b"\n\n"


def _client_gone(exc: BaseException) -> bool:
    # g4f's NetworkError and TimeoutError are OSErrors too, but they are the upstream failing.
    return (isinstance(exc, (ConnectionError, OSError)) and not isinstance(exc, G4FError)) or \
        type(exc).__name__ == "ClientConnectionResetError"


async def send_events(request: web.Request, events: AsyncIterator[T], encode: Callable[[T], bytes],
                      error_event: Callable[[Exception], bytes], end: bytes = b"") -> web.StreamResponse:
    """Write ``events`` (each through ``encode``), then ``end``; see the module docstring."""
    try:
        first = await events.__anext__()
    except BaseException:
        await _aclose(events)
        raise
    response = web.StreamResponse(headers=_HEADERS)
    await response.prepare(request)
    writer = CoalescingWriter(response)
    try:
        writer.write(encode(first))
        async for item in events:
            writer.write(encode(item))
            if writer.backlogged:
                await writer.drain()
        if end:
            writer.write(end)
    except asyncio.CancelledError:
        await writer.abort()
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is told to the client (or it went away)
        if _client_gone(exc):
            logger.debug("g4f api: the client went away during a stream")
        else:
            try:
                writer.write(error_event(exc))
            except Exception:  # noqa: BLE001 - a client that went away cannot be told anything
                logger.debug("g4f api: the client went away before the error event")
    finally:
        await _aclose(events)
        await writer.close()
    return response


async def _aclose(events: Any) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()
