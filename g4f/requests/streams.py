"""Read a response body as parsed events: SSE (OpenAI-style) or NDJSON (grok.com).

These sit on the hot path: bytes are read as they come, split at the byte level and each event is
parsed once. A stream that ends before its terminator is an error, never a shorter answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, NoReturn

from ..errors import ResponseError
from .body import iter_bytes
from .decoders import NDJSONDecoder, SSEDecoder, excerpt
from .jsonlib import loads
from .limits import StallWatch
from .transport import map_transport_error

__all__ = ["DONE", "iter_bytes", "ndjson_stream", "sse_stream"]  # iter_bytes is re-exported from .body

#: The data of the SSE event that ends an OpenAI-style stream.
DONE = b"[DONE]"


def _not_json(data: bytes, provider: str | None) -> ResponseError:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:  # say so: the excerpt alone would show replacement characters
        return ResponseError(f"upstream sent data that is not valid UTF-8 (at byte {exc.start}): "
                             f"{excerpt(data)!r}", provider=provider)
    return ResponseError(f"upstream sent data that is not JSON: {excerpt(data)!r}", provider=provider)


def _parse(data: bytes, provider: str | None) -> Any:
    try:
        return loads(data)
    except ValueError:
        raise _not_json(data, provider) from None


def _parse_last(data: bytes, provider: str | None, unit: str) -> Any:
    # What is left when the body ends without its final separator: a whole value, or the first
    # half of one (the body stopped mid-event), which is said as such rather than as bad JSON.
    try:
        return loads(data)
    except ValueError:
        error = _not_json(data, provider)
        raise ResponseError(f"the stream ended in the middle of {unit}, so the answer is incomplete "
                            f"({error.message.split(': ', 1)[-1]})", provider=provider) from None


def _event_error(data: bytes, provider: str | None) -> ResponseError:
    try:
        payload = loads(data)
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        message = error.get("message", error) if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = excerpt(data)
    return ResponseError(f"upstream reported an error in the stream: {message}", provider=provider)


async def sse_stream(
    response: Any, provider: str | None = None, *, require_done: bool = True, stall_timeout: float | None = None,
    watch: StallWatch | None = None,
) -> AsyncIterator[Any]:
    """Yield the JSON payload of each server-sent event until ``data: [DONE]``.

    Raises ResponseError for a payload that is not JSON, an ``event: error``, a body cut short by
    the transport, or (when ``require_done``) a stream that ends without ``[DONE]``. With
    ``stall_timeout``, ``TimeoutError`` when no data event came for that long: comments
    (keep-alives) do not count as one (:class:`~g4f.requests.limits.StallWatch`); or ``watch``,
    the one that timed the headers (the request's one timer), in its ``"stream"`` phase.
    """
    decoder = SSEDecoder(provider)
    done = False
    if watch is None and stall_timeout:
        watch = StallWatch(stall_timeout, response, provider)
    try:
        async for chunk in iter_bytes(response):
            if done:
                continue  # drain to EOF so the connection can be reused
            events = decoder.feed(chunk)
            if not events:
                continue
            if watch is not None:
                watch.paused = True
            for event, data in events:
                if event == "error":
                    raise _event_error(data, provider)
                if data == DONE:
                    done = True
                    break
                try:  # _parse, inlined: this line runs once per token
                    value = loads(data)
                except ValueError:
                    raise _not_json(data, provider) from None
                yield value
            if watch is not None:
                watch.paused = False
                watch.last = watch.now()
    except asyncio.CancelledError:
        if watch is not None and watch.caught():
            raise watch.error() from None
        raise
    except Exception as exc:  # noqa: BLE001 - mapped to a g4f error, or re-raised as it is
        _reraise_mapped(exc, provider)
    finally:
        if watch is not None:
            watch.stop()
    if done:
        return
    for event, data in decoder.close():
        if event == "error":
            raise _event_error(data, provider)
        if data == DONE:
            return
        yield _parse_last(data, provider, "an event")
    if require_done:
        raise ResponseError("the stream ended before its [DONE] terminator: the answer is incomplete",
                            provider=provider)


async def ndjson_stream(
    response: Any, provider: str | None = None, *, stall_timeout: float | None = None,
    watch: StallWatch | None = None,
) -> AsyncIterator[Any]:
    """Yield each line of a newline-delimited JSON body, parsed.

    NDJSON has no terminator of its own; the caller decides whether the stream was complete.
    A body cut short by the transport raises ResponseError. With ``stall_timeout``,
    ``TimeoutError`` when no line came for that long (blank lines do not count); or ``watch``, as
    for :func:`sse_stream`.
    """
    decoder = NDJSONDecoder(provider)
    if watch is None and stall_timeout:
        watch = StallWatch(stall_timeout, response, provider)
    try:
        async for chunk in iter_bytes(response):
            lines = decoder.feed(chunk)
            if not lines:
                continue
            if watch is not None:
                watch.paused = True
            for line in lines:
                yield _parse(line, provider)
            if watch is not None:
                watch.paused = False
                watch.last = watch.now()
    except asyncio.CancelledError:
        if watch is not None and watch.caught():
            raise watch.error() from None
        raise
    except Exception as exc:  # noqa: BLE001 - mapped to a g4f error, or re-raised as it is
        _reraise_mapped(exc, provider)
    finally:
        if watch is not None:
            watch.stop()
    for line in decoder.close():
        yield _parse_last(line, provider, "a line")


def _reraise_mapped(exc: Exception, provider: str | None) -> NoReturn:
    # Read errors of either backend surface as g4f errors, whoever called the stream.
    mapped = map_transport_error(exc, provider)
    if mapped is None:
        raise exc
    raise mapped from exc
