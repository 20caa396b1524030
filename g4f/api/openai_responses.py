"""``POST /v1/responses``: OpenAI's Responses API over every provider.

The body is checked here (known fields only), then ``AsyncClient().responses.create`` does the
rest through the call boundary (:mod:`g4f.client.responses`). Streamed, the answer is the
Responses event sequence as named SSE events (``event: response.output_text.delta``); an error
before the first event is an ordinary error answer (status and OpenAI's error body), one after it
is a ``response.failed`` event carrying the error, which ends the stream.

``previous_response_id`` continues a response made with the same API key (``request[API_KEY_ID]``;
one ``anonymous`` owner when the server needs no key); an id unknown to that key is a 404.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..client import AsyncClient
from ..client.responses_stubs import ResponseStreamEvent
from ..errors import BadRequestError
from ..requests.jsonlib import dumps
from .body import read_json
from .errors import ApiError, to_api_error
from .event_stream import named_event, send_events
from .middleware.auth import API_KEY_ID
from .request_fields import (
    Check,
    array,
    boolean,
    checked,
    integer,
    number,
    obj,
    string,
    string_or_array,
)
from .responses import json_response

__all__ = ["FIELDS", "EventEncoder", "routes"]

routes = web.RouteTableDef()
# No request may start a browser or a process on the server's machine (``login=False``).
_client = AsyncClient(login=False)


def _tool_choice(name: str, value: Any) -> Any:
    if value in ("auto", "none", "required") or isinstance(value, dict):
        return value
    raise ApiError(400, f"{name}: must be 'auto', 'none', 'required' or an object", param=name)


def _provider(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name}: must be a provider name", param=name)
    return value


def _background(name: str, value: Any) -> Any:
    if value is True:
        raise ApiError(400, "background: background responses are not supported; stream instead", param=name)
    return value


#: The fields a request may hold, each with its check. Fields OpenAI documents that change
#: nothing here (``include``, ``truncation``, ``prompt_cache_key``, ...) are accepted.
FIELDS: dict[str, Check] = {
    "model": string,
    "input": string_or_array,
    "instructions": string,
    "tools": array,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": boolean,
    "stream": boolean,
    "stream_options": obj,
    "previous_response_id": string,
    "max_output_tokens": integer(1),
    "temperature": number(0, 2),
    "top_p": number(0, 1),
    "store": boolean,
    "metadata": obj,
    "text": obj,
    "reasoning": obj,
    "user": string,
    "service_tier": string,
    "background": _background,
    "include": array,
    "truncation": string,
    "prompt_cache_key": string,
    "safety_identifier": string,
    "max_tool_calls": integer(1),
    "top_logprobs": integer(0),
    "provider": _provider,
}
#: Accepted and not passed on (they describe OpenAI's own service).
_NOT_PASSED = ("stream_options", "include", "truncation", "prompt_cache_key", "safety_identifier",
               "service_tier", "max_tool_calls", "top_logprobs", "background")


def _event(event: ResponseStreamEvent) -> bytes:
    return named_event(event.type, event.to_dict())


_TEXT_DELTA = "response.output_text.delta"
_TEXT_HEAD = b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":'


class EventEncoder:
    """SSE bytes of a stream's events. A text delta (nearly every event) is the same JSON each
    time but for its number and its text: its bytes are built from a cached middle part."""

    __slots__ = ("_item", "_middle")

    def __init__(self) -> None:
        self._item: tuple[Any, Any] | None = None
        self._middle = b""

    def encode(self, event: ResponseStreamEvent) -> bytes:
        if event.type != _TEXT_DELTA:
            return _event(event)
        fields = event.fields
        item = (fields["item_id"], fields["output_index"])
        if item != self._item:
            self._item = item
            self._middle = (b',"item_id":' + dumps(item[0]) + b',"output_index":' + str(item[1]).encode()
                            + b',"content_index":0,"delta":')
        return (_TEXT_HEAD + str(event.sequence_number).encode() + self._middle + dumps(fields["delta"])
                + b',"logprobs":[]}\n\n')


@routes.post("/v1/responses")
@routes.post("/responses")
async def create_response(request: web.Request) -> web.StreamResponse:
    fields = checked(await read_json(request), FIELDS)
    if "input" not in fields:
        raise ApiError(400, "input: is required (a string or an array of input items)", param="input")
    for name in _NOT_PASSED:
        fields.pop(name, None)
    stream = bool(fields.pop("stream", False))
    owner = request.get(API_KEY_ID) or "anonymous"
    try:
        result = _client.responses.create(stream=stream, owner=owner, **fields)
        if not stream:
            response = await result
            return json_response(response.to_dict())

        def failed(exc: Exception) -> bytes:
            error = to_api_error(exc)
            # OpenAI's codes for a response that failed are a closed set (the SDK's models check
            # them): a rate limit, else a server error; the message says what happened.
            code = "rate_limit_exceeded" if error.status == 429 else "server_error"
            return _event(result.failed(code, error.message))

        return await send_events(request, aiter(result), EventEncoder().encode, failed)
    except BadRequestError as exc:
        if exc.param == "previous_response_id":  # OpenAI's answer for a response it does not have
            raise ApiError(404, exc.message, "invalid_request_error", "response_not_found",
                           "previous_response_id") from None
        raise
