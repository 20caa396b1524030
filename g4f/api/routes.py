"""The OpenAI-compatible routes: chat completions (streamed or not), models and providers."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from ..client import AsyncClient
from ..client.catalog import list_models_async, list_providers_async
from ..requests.jsonlib import loads
from .errors import ApiError, to_api_error
from .event_stream import send_events
from .responses import json_response
from .sse import DONE, WireAnswer, event, with_provider
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
    return await send_events(request, chunks, None, lambda exc: event(to_api_error(exc).body()) + DONE, DONE)


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

