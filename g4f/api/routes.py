"""The OpenAI-compatible routes: chat completions (streamed or not), models and providers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from ..client import AsyncClient
from ..client.catalog import list_models_async, list_providers_async
from ..errors import G4FError
from ..requests.jsonlib import loads
from .errors import ApiError, to_api_error
from .responses import json_response
from .sse import DONE, CoalescingWriter, WireAnswer, event, with_provider
from .validation import parse_chat_request

__all__ = ["routes"]

logger = logging.getLogger("g4f")
routes = web.RouteTableDef()
# No request may start a browser or any process on the server's machine: a provider that would
# log in interactively answers "run `g4f login ...`" instead (``login=False``).
_client = AsyncClient(login=False)


async def _read_json(request: web.Request) -> Any:
    body = await request.read()  # raises 413 past the application's client_max_size
    if not body:
        raise ApiError(400, "the request has no body; send a JSON object", code="invalid_body")
    try:
        return loads(body)
    except ValueError:
        raise ApiError(400, "the request body is not valid JSON", code="invalid_json") from None


@routes.post("/v1/chat/completions")
@routes.post("/chat/completions")
async def chat_completions(request: web.Request) -> web.StreamResponse:
    chat = parse_chat_request(await _read_json(request))
    provider = chat.provider
    answered_before = (chat.conversation or {}).get("provider")
    if provider is None and isinstance(answered_before, str):
        provider = answered_before  # the conversation continues with whoever answered before
    call = _client.chat.completions.request(
        messages=chat.messages, model=chat.model, provider=provider, stream=chat.stream, stop=chat.stop,
        conversation=chat.conversation, **chat.options)
    if not chat.stream:
        completion = await call.completion()
        return json_response(with_provider(completion.to_dict(), completion.provider))
    # The provider's events become SSE bytes directly (WireAnswer): no chunk object per token.
    return await _stream(request, call.chunks(WireAnswer, include_usage=chat.include_usage))


async def _stream(request: web.Request, chunks: Any) -> web.StreamResponse:
    """Send the answer's SSE events (bytes). An error before the first one is an ordinary error
    answer (with its status); one after it is an error event, then ``[DONE]``."""
    try:
        first = await chunks.__anext__()
    except BaseException:
        await chunks.aclose()
        raise
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
    })
    await response.prepare(request)
    writer = CoalescingWriter(response)
    write = writer.write
    try:
        write(first)
        async for chunk in chunks:
            write(chunk)
            if writer.backlogged:
                await writer.drain()
        writer.write(DONE)
    except asyncio.CancelledError:
        await writer.abort()
        raise
    except Exception as exc:  # noqa: BLE001 - any failure mid-stream becomes the stream's error event
        # g4f's NetworkError and TimeoutError are ConnectionError/OSError too, but they are the
        # upstream failing, which the client must be told about (not a client that went away).
        client_gone = isinstance(exc, (ConnectionError, OSError)) and not isinstance(exc, G4FError)
        if client_gone or type(exc).__name__ == "ClientConnectionResetError":
            logger.debug("g4f api: the client went away during a stream")
        else:
            try:
                writer.write(event(to_api_error(exc).body()) + DONE)
            except Exception:  # noqa: BLE001 - the client is gone; nothing is left to tell it
                logger.debug("g4f api: the client went away before the error event")
    finally:
        await chunks.aclose()
        await writer.close()
    return response


@routes.get("/v1/models")
@routes.get("/models")
async def models(request: web.Request) -> web.Response:
    found = await list_models_async()
    return json_response({"object": "list", "data": [model.to_dict() for model in found]})


@routes.get("/v1/models/{model}")
async def model(request: web.Request) -> web.Response:
    wanted = request.match_info["model"]
    for found in await list_models_async():
        if found.id == wanted:
            return json_response(found.to_dict())
    raise ApiError(404, f"model {wanted!r} not found", code="model_not_found", param="model")


@routes.get("/v1/providers")
async def providers(request: web.Request) -> web.Response:
    rows = await list_providers_async()
    return json_response({"object": "list", "data": [row.to_dict() for row in rows]})


@routes.get("/v1/providers/{provider}")
async def provider(request: web.Request) -> web.Response:
    wanted = request.match_info["provider"].lower()
    for row in await list_providers_async():
        if row.name.lower() == wanted:
            return json_response(row.to_dict())
    raise ApiError(404, f"no provider named {request.match_info['provider']!r}", code="provider_not_found",
                   param="provider")

