"""``POST /v1/messages``: Anthropic's Messages API over every provider.

Claude-style clients (the ``anthropic`` SDK, tools built on it) point their base URL at the
server; the key goes in ``x-api-key`` (or ``Authorization: Bearer``), ``anthropic-version`` is
accepted and not needed. The request is turned into chat messages (:mod:`.anthropic_wire`) and
sent through the call boundary like every other route (``prepare`` then ``Call.events``: retries,
error mapping, one stream shape; never a browser: ``login=False``).

Streamed, the answer is Anthropic's event sequence (``message_start``, ``ping``,
``content_block_start`` / ``_delta`` / ``_stop``, ``message_delta`` with ``stop_reason`` and
``usage``, ``message_stop``); an error before the first event is an error answer, one after it an
``error`` event that ends the stream. Errors are in Anthropic's format with its statuses
(:func:`~g4f.api.anthropic_wire.error_body`): the errors middleware renders every error of these
paths that way, the key check's 401 and the rate limiter's 429 included.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ..client.convert import DRAIN_ITEMS, DRAIN_SECONDS
from ..providers.call import prepare
from ..providers.response import Usage
from .anthropic_wire import MessageBuilder, MessagesRequest, error_body, parse_request
from .body import read_json
from .errors import ApiError, to_api_error
from .event_stream import named_event, send_events
from .responses import json_response

__all__ = ["MESSAGES_PATHS", "anthropic_error_response", "routes"]

logger = logging.getLogger("g4f")
routes = web.RouteTableDef()

#: The paths whose errors are answered in Anthropic's format.
MESSAGES_PATHS = frozenset({"/v1/messages", "/messages", "/v1/messages/count_tokens"})


def anthropic_error_response(error: ApiError) -> web.Response:
    """``error`` as Anthropic sends it (the errors middleware uses this for :data:`MESSAGES_PATHS`)."""
    status, body = error_body(error)
    return json_response(body, status, error.headers)


def _call(request: MessagesRequest, stream: bool) -> Any:
    # No request may start a browser or a process on the server's machine (login=False).
    options = dict(request.options)
    if request.stop:
        options["stop"] = request.stop  # the upstream may stop by itself; the text is cut here either way
    return prepare(request.model, request.messages, request.provider, stream=stream, login=False, **options)


async def _events(builder: MessageBuilder, events: AsyncIterator[Any]) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    try:
        first = await events.__anext__()  # an error before any output is an error answer
        fed = builder.feed(first)  # ProviderInfo: message_start names the model that answers
        for event in [*builder.start(), *fed]:
            yield event
        if not builder.done:
            async for item in events:
                for event in builder.feed(item):
                    yield event
                if builder.done:
                    break
        if builder.done:  # a stop sequence: the rest is read for its usage only
            await _read_usage(builder, events)
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    for event in builder.finish():
        yield event


async def _read_usage(builder: MessageBuilder, events: AsyncIterator[Any]) -> None:
    """After the text was cut at a stop sequence the upstream ignored, the rest of the stream is
    read without its text for the usage at its end: at most ``DRAIN_ITEMS`` items within
    ``DRAIN_SECONDS`` (the limits the chat completions route keeps after such a cut; one timer)."""
    async def read() -> None:
        count = 0
        async for item in events:
            if isinstance(item, Usage):
                builder.usage_from(item)
            count += 1
            if count >= DRAIN_ITEMS:
                return

    try:
        await asyncio.wait_for(read(), DRAIN_SECONDS)
    except asyncio.TimeoutError:
        return
    except Exception as exc:  # noqa: BLE001 - the message the client gets is complete already
        logger.debug("g4f api: reading the rest of a stream cut at a stop sequence failed: %r", exc)


def _encode(event: tuple[str, dict[str, Any]]) -> bytes:
    return named_event(*event)


def _error_event(exc: Exception) -> bytes:
    _, body = error_body(to_api_error(exc))
    return named_event("error", body)


@routes.post("/v1/messages")
@routes.post("/messages")
async def create_message(request: web.Request) -> web.StreamResponse:
    parsed = parse_request(await read_json(request))
    call = _call(parsed, parsed.stream)
    builder = MessageBuilder(call.model, parsed.stop)
    events = _events(builder, call.events())
    if parsed.stream:
        return await send_events(request, events, _encode, _error_event)
    async for _ in events:
        pass
    return json_response(builder.message())


@routes.post("/v1/messages/count_tokens")
async def count_tokens(request: web.Request) -> web.Response:
    """An estimate (about four characters a token): providers do not count tokens before answering."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_body")
    parsed = parse_request({**body, "max_tokens": 1})
    from ..providers.helper import message_text

    characters = sum(len(message_text(message.get("content"))) for message in parsed.messages)
    characters += sum(len(str(tool)) for tool in parsed.options.get("tools", []))
    return json_response({"input_tokens": max(1, characters // 4)})
