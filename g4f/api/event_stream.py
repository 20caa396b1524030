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


async def send_events(request: web.Request, events: AsyncIterator[T], encode: Callable[[T], bytes] | None,
                      error_event: Callable[[Exception], bytes], end: bytes = b"") -> web.StreamResponse:
    """Write ``events`` (each through ``encode``; ``None``: they are bytes already), then ``end``;
    see the module docstring.

    The headers and the first event leave in one write as soon as the first event is in (the
    time to the first token); what follows is batched, and the last batch leaves with the end
    of the body (one write for a short answer's rest, its ``end`` and the chunked terminator).
    """
    try:
        first = await events.__anext__()
    except BaseException:
        await _aclose(events)
        raise
    response = web.StreamResponse(headers=_HEADERS)
    await response.prepare(request)
    writer: CoalescingWriter | None = None
    try:
        await response.write(encode(first) if encode is not None else first)  # type: ignore[arg-type]
        writer = CoalescingWriter(response)
        write = writer.write
        if encode is None:
            async for item in events:
                write(item)  # type: ignore[arg-type]
                if writer.backlogged:
                    await writer.drain()
        else:
            async for item in events:
                write(encode(item))
                if writer.backlogged:
                    await writer.drain()
        if end:
            write(end)
    except asyncio.CancelledError:
        if writer is not None:
            await writer.abort()
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is told to the client (or it went away)
        if _client_gone(exc):
            logger.debug("g4f api: the client went away during a stream")
        else:
            try:
                if writer is None:
                    writer = CoalescingWriter(response)
                writer.write(error_event(exc))
            except Exception:  # noqa: BLE001 - a client that went away cannot be told anything
                logger.debug("g4f api: the client went away before the error event")
    finally:
        await _aclose(events)
        if writer is not None:
            await writer.close()
    return response


async def _aclose(events: Any) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()
