"""A local replica of an OpenAI-compatible chat API, with Groq's flavour built in.

It is a real aiohttp server on 127.0.0.1 speaking the wire format of ``POST /chat/completions``
and ``GET /models``: bearer-key check, SSE chunks ending in ``data: [DONE]``, non-streamed
completions, streamed tool-call fragments, parsed reasoning, JSON mode, ``logprobs`` (with
``top_logprobs``; made up, deterministic), completion ids and ``system_fingerprint``, rate-limit headers and
error bodies ``{"error": {"message", "type", "code"}}``. A provider is pointed at
``replica.base_url`` and cannot tell it from the real service.

Tests script it through three lists::

    async with OpenAIReplica(flavour=GROQ, api_key="gsk_test") as replica:
        replica.replies.append(Reply(content="Hi there"))       # next answers, in order
        replica.faults.append(Fault.rate_limit(retry_after=1))  # next faults, in order
        ...
        assert replica.requests[-1].body["temperature"] == 0.2   # what was received

``POST /images/generations`` answers as OpenAI's images API does (``prompt``, ``model``, ``n``,
``response_format`` ``url`` or ``b64_json``, ``size``): ``n`` copies of :data:`PNG`, as URLs the
replica serves (``GET /generated/<id>.png``) or inline as base64, each with a ``revised_prompt``.

A fault can also be chosen per request with the header ``X-Replica-Fault: <kind> key=value ...``
(``"429"``, ``"http status=503"``, ``"cut after=2"``; see :meth:`Fault.parse`).

Without a scripted reply the answer is made from the request: ``"You said: <last user text>"``
(in JSON mode ``{"you_said": ...}``), with reasoning for models declared ``reasoning``. On a
non-streamed request the stream faults become their nearest equivalent: ``cut``, ``cut_mid_chunk``
and ``malformed`` send half of the JSON body, ``reset`` resets mid-body, ``slow``/``stall`` delay
the answer.

The streaming path is built for throughput (a benchmark pushes hundreds of thousands of chunks
through it): chunks are encoded from byte templates and written in batches of ``WRITE_BATCH``
bytes; a body encoded once with :func:`encode_stream` can be replayed with ``Reply(encoded=...)``.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..requests.jsonlib import dumps, loads
from ._openai_wire import (
    DONE,
    GROQ,
    OPENAI,
    WRITE_BATCH,
    ChunkEncoder,
    Fault,
    Flavour,
    RecordedRequest,
    Reply,
    encode_stream,
    logprobs_for,
    split_words,
    usage_for,
)
from .server import LocalServer

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "FAULT_HEADER",
    "GROQ",
    "OPENAI",
    "PNG",
    "Fault",
    "Flavour",
    "OpenAIReplica",
    "RecordedRequest",
    "Reply",
    "encode_stream",
    "split_words",
]

FAULT_HEADER = "X-Replica-Fault"

_ERRORS: dict[int, tuple[str, str, str | None]] = {  # status -> (message, type, code), Groq's wording
    400: ("Bad request", "invalid_request_error", None),
    403: ("Forbidden: this organization has no access to the resource", "permission_error", "permission_denied"),
    413: ("Request Entity Too Large", "invalid_request_error", "request_too_large"),
    422: ("Unprocessable Entity", "invalid_request_error", None),
    498: ("Flex tier capacity exceeded. This is a known issue and we are working on it.", "flex_tier_error",
          "capacity_exceeded"),
    500: ("Internal Server Error", "internal_server_error", None),
    503: ("Service Unavailable", "internal_server_error", "service_unavailable"),
}

#: The image ``/images/generations`` makes: a valid 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

_HTML_PAGE = (
    "<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>{status} Bad Gateway"
    "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class _Plan:
    """Everything one answer will contain, decided before the first byte is sent."""

    model: str
    pieces: list[str]
    reasoning: list[str]
    tool_calls: list[dict[str, Any]]
    finish_reason: str
    usage: dict[str, Any]
    delay: float = 0.0
    encoded: bytes | None = None


def _error_body(message: str, error_type: str | None, code: str | None) -> bytes:
    return dumps({"error": {"message": message, "type": error_type or "invalid_request_error", "code": code}})


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _has_image(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") in ("image_url", "image", "input_image") for p in content
    )


def _reset(request: web.BaseRequest) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0), as a crashing upstream would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


class OpenAIReplica:
    """An OpenAI-compatible API on loopback; see the module docstring.

    ``models`` are ids or dicts (``id``, ``owned_by``, ``context_window``, ``reasoning``,
    ``vision``). ``api_key=None`` accepts any request (local servers such as Ollama).
    ``strict_models`` answers 404 ``model_not_found`` for a model it does not list. ``retired``
    maps ids the upstream no longer serves to its message for them: they are answered as Groq
    answers a decommissioned model (400 ``model_decommissioned``) and not listed at ``/models``.
    """

    def __init__(
        self,
        *,
        flavour: Flavour = OPENAI,
        api_key: str | None = "sk-replica-key",
        models: Iterable[str | dict[str, Any]] = ("replica-model",),
        strict_models: bool = True,
        retired: Mapping[str, str] | None = None,
    ) -> None:
        self.flavour = flavour
        self.retired: dict[str, str] = dict(retired or {})
        self.api_key = api_key
        self.models: dict[str, dict[str, Any]] = {}
        for model in models:
            info = {"id": model} if isinstance(model, str) else dict(model)
            self.models[info["id"]] = info
        self.strict_models = strict_models
        #: Faults to play, consumed in order by the requests they apply to.
        self.faults: list[Fault] = []
        #: Scripted answers, consumed in order; then ``default_reply``; then an echo.
        self.replies: list[Reply] = []
        self.default_reply: Reply | None = None
        #: Every request received, in order.
        self.requests: list[RecordedRequest] = []
        #: The request ids of answers the client left before their end (it closed the connection).
        self.disconnects: list[str] = []
        self._disconnected = asyncio.Event()
        self._ids = itertools.count(1)
        self._remaining_requests = 14400
        self._server: LocalServer | None = None
        self._root: str | None = None
        self.app = self.make_app()

    # -- lifecycle -----------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        prefix = self.flavour.path_prefix
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post(f"{prefix}/chat/completions", self._chat)
        app.router.add_get(f"{prefix}/models", self._models)
        app.router.add_get(f"{prefix}/models/{{model:.+}}", self._model)
        app.router.add_post(f"{prefix}/images/generations", self._images)
        app.router.add_get("/generated/{name}", self._generated)
        app.router.add_route("*", "/{tail:.*}", self._unknown_url)
        return app

    def attach(self, server_url: str) -> OpenAIReplica:
        """Use the replica's ``app`` served elsewhere (e.g. by the ``serve`` fixture) at ``server_url``."""
        self._root = server_url.rstrip("/")
        return self

    @property
    def url(self) -> str:
        """The server's root, ``http://127.0.0.1:<port>``."""
        if self._root is None:
            raise RuntimeError("the replica is not started")
        return self._root

    @property
    def base_url(self) -> str:
        """What a provider takes as ``base_url``/``api_base`` (root + the flavour's path prefix)."""
        return self.url + self.flavour.path_prefix

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Serve the replica (``port`` 0: a free one, as tests want; ``g4f replica`` picks one)."""
        self._server = await LocalServer(self.app, host, port).start()
        self._root = self._server.url
        return self

    async def close(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- what tests look at --------------------------------------------------------------------
    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    async def wait_for_disconnects(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` clients left an answer early; False after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while len(self.disconnects) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._disconnected.clear()
            try:
                await asyncio.wait_for(self._disconnected.wait(), min(remaining, 0.1))
            except asyncio.TimeoutError:
                pass
        return True

    def _note_disconnect(self, request_id: str) -> None:
        self.disconnects.append(request_id)
        self._disconnected.set()

    @property
    def last_request(self) -> RecordedRequest:
        if not self.requests:
            raise AssertionError("the replica has received no request")
        return self.requests[-1]

    # -- plumbing ------------------------------------------------------------------------------
    def _next_id(self) -> int:
        return next(self._ids)

    def _headers(self, request_id: str) -> dict[str, str]:
        headers = {"x-request-id": request_id}
        if self.flavour.ratelimit_headers:
            self._remaining_requests = max(0, self._remaining_requests - 1)
            headers.update({
                "x-ratelimit-limit-requests": "14400",
                "x-ratelimit-limit-tokens": "18000",
                "x-ratelimit-remaining-requests": str(self._remaining_requests),
                "x-ratelimit-remaining-tokens": "17950",
                "x-ratelimit-reset-requests": "6s",
                "x-ratelimit-reset-tokens": "166ms",
            })
        headers.update(self.flavour.extra_headers)
        return headers

    def _take_fault(self, request: web.Request) -> Fault | None:
        header = request.headers.get(FAULT_HEADER)
        if header:
            return Fault.parse(header)
        for index, fault in enumerate(self.faults):
            if fault.applies_to(request.path):
                if fault.times == 1:
                    del self.faults[index]
                elif fault.times > 1:
                    fault.times -= 1
                return fault
        return None

    def _take_reply(self) -> Reply | None:
        if self.replies:
            reply = self.replies[0]
            if reply.times == 1:
                self.replies.pop(0)
            elif reply.times > 1:
                reply.times -= 1
            return reply
        return self.default_reply

    def _error(self, status: int, headers: dict[str, str], message: str | None = None,
               error_type: str | None = None, code: str | None = None) -> web.Response:
        default_message, default_type, default_code = _ERRORS.get(status, (f"HTTP {status}", "api_error", None))
        body = _error_body(message or default_message, error_type or default_type, code or default_code)
        return web.Response(status=status, body=body, headers=headers, content_type="application/json")

    def _fault_response(self, fault: Fault, headers: dict[str, str], model: str) -> web.Response:
        if fault.kind == "html":
            page = _HTML_PAGE.format(status=fault.status)
            return web.Response(status=fault.status, text=page, headers=headers, content_type="text/html")
        status = fault.status
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
        if status == 401:
            return self._error(401, headers, fault.message or self.flavour.invalid_key_message,
                               "invalid_request_error", fault.code or "invalid_api_key")
        if status == 404:
            return self._model_not_found(model, headers, fault.message)
        if status == 429:
            message = fault.message or (
                f"Rate limit reached for model `{model}` in organization `org_replica` service tier `on_demand` "
                f"on requests per minute (RPM): Limit 30, Used 30, Requested 1. "
                f"Please try again in {fault.retry_after or 2:g}s."
            )
            return self._error(429, headers, message, fault.error_type or "requests", fault.code or "rate_limit_exceeded")
        return self._error(status, headers, fault.message, fault.error_type, fault.code)

    def _model_not_found(self, model: str, headers: dict[str, str], message: str | None = None) -> web.Response:
        message = message or f"The model `{model}` does not exist or you do not have access to it."
        return self._error(404, headers, message, "invalid_request_error", "model_not_found")

    def _check_key(self, request: web.Request, headers: dict[str, str]) -> web.Response | None:
        if self.api_key is None:
            return None
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(401, headers, self.flavour.invalid_key_message, "invalid_request_error",
                               "invalid_api_key")
        return None

    async def _record(self, request: web.Request, fault: Fault | None) -> RecordedRequest:
        raw = await request.read()
        try:
            body = loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(request.method, request.path, dict(request.headers), body, raw, fault)
        self.requests.append(record)
        return record

    # -- routes --------------------------------------------------------------------------------
    async def _unknown_url(self, request: web.Request) -> web.Response:
        await self._record(request, None)
        headers = self._headers(f"req_replica{self._next_id():08d}")
        return self._error(404, headers, f"Unknown request URL: {request.method} {request.path}. "
                           "Please check the URL for typos.", "invalid_request_error", "unknown_url")

    async def _models(self, request: web.Request) -> web.StreamResponse:
        fault = self._take_fault(request)
        await self._record(request, fault)
        headers = self._headers(f"req_replica{self._next_id():08d}")
        denied = self._check_key(request, headers)
        if denied is not None:
            return denied
        if fault is not None:
            if fault.kind == "reset":
                _reset(request)
                return web.Response()
            if fault.kind in ("http", "html"):
                return self._fault_response(fault, headers, "")
            if fault.kind in ("slow", "stall"):
                await self._wait(request, fault.delay)
        data = [self._public(info) for info in self.models.values()]
        return web.json_response({"object": "list", "data": data}, headers=headers, dumps=_dumps_text)

    async def _model(self, request: web.Request) -> web.Response:
        await self._record(request, None)
        headers = self._headers(f"req_replica{self._next_id():08d}")
        denied = self._check_key(request, headers)
        if denied is not None:
            return denied
        model = request.match_info["model"]
        if model not in self.models:
            return self._model_not_found(model, headers)
        return web.json_response(self._public(self.models[model]), headers=headers, dumps=_dumps_text)

    def _public(self, info: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": info["id"],
            "object": "model",
            "created": info.get("created", 1693721698),
            "owned_by": info.get("owned_by", self.flavour.name),
            "active": True,
            "context_window": info.get("context_window", 8192),
            "public_apps": None,
            "max_completion_tokens": info.get("max_completion_tokens", info.get("context_window", 8192)),
        }

    async def _images(self, request: web.Request) -> web.Response:
        fault = self._take_fault(request)
        record = await self._record(request, fault)
        headers = self._headers(f"req_replica{self._next_id():08d}")
        body = record.body if isinstance(record.body, dict) else {}
        if fault is not None and fault.kind in ("http", "html"):
            return self._fault_response(fault, headers, str(body.get("model", "")))
        denied = self._check_key(request, headers)
        if denied is not None:
            return denied
        prompt, n, form = body.get("prompt"), body.get("n", 1), body.get("response_format") or "url"
        if not isinstance(prompt, str) or not prompt:
            return self._error(400, headers, "'prompt' : property 'prompt' is missing", "invalid_request_error")
        if not isinstance(n, int) or not 1 <= n <= 10 or form not in ("url", "b64_json"):
            return self._error(400, headers, "invalid 'n' or 'response_format'", "invalid_request_error")
        model = body.get("model", "")
        if self.strict_models and model not in self.models:
            return self._model_not_found(model, headers)
        import base64

        revised = f"A picture of {prompt}"
        data = [{"b64_json": base64.b64encode(PNG).decode(), "revised_prompt": revised} if form == "b64_json"
                else {"url": f"{self.url}/generated/img-{self._next_id()}.png", "revised_prompt": revised}
                for _ in range(n)]
        return web.json_response({"created": int(time.time()), "data": data}, headers=headers, dumps=_dumps_text)

    async def _generated(self, request: web.Request) -> web.Response:
        await self._record(request, None)
        return web.Response(body=PNG, content_type="image/png")

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        fault = self._take_fault(request)
        record = await self._record(request, fault)
        number = self._next_id()
        request_id = f"req_replica{number:08d}"
        headers = self._headers(request_id)
        if fault is not None and fault.kind == "reset" and fault.after is None:
            _reset(request)
            return web.Response()
        body = record.body
        model = body.get("model", "") if isinstance(body, dict) else ""
        if fault is not None and fault.kind in ("http", "html"):  # a scripted fault wins over the key check
            return self._fault_response(fault, headers, model)
        if fault is not None and fault.kind == "content_type":
            page = "<!doctype html><html><head><title>Sign in to the network</title></head><body></body></html>"
            return web.Response(status=200, text=page, headers=headers, content_type="text/html")
        denied = self._check_key(request, headers)
        if denied is not None:
            return denied
        invalid = self._validate(body, headers)
        if invalid is not None:
            return invalid
        assert isinstance(body, dict)
        plan = self._plan(body, self._take_reply())
        if fault is not None and fault.kind == "slow":
            plan.delay = fault.delay
        completion_id = f"chatcmpl-replica{number:08d}"
        if body.get("stream"):
            return await self._stream(request, headers, plan, body, fault, completion_id, request_id)
        return await self._complete(request, headers, plan, body, fault, completion_id, request_id)

    def _validate(self, body: Any, headers: dict[str, str]) -> web.Response | None:
        def bad(message: str, code: str | None = None) -> web.Response:
            return self._error(400, headers, message, "invalid_request_error", code)

        if not isinstance(body, dict):
            return bad("We could not parse the JSON body of your request. Expected a JSON object.")
        known = self.flavour.known_params
        if known is not None:
            for name in body:
                if name not in known:
                    return bad(f"property '{name}' is unsupported")
        model = body.get("model")
        if not model:
            return bad("'model' : property 'model' is missing")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return bad("'messages' : minimum number of items is 1")
        if model in self.retired:
            return self._error(400, headers, self.retired[model], "invalid_request_error", "model_decommissioned")
        if self.strict_models and model not in self.models:
            return self._model_not_found(model, headers)
        info = self.models.get(model, {})
        if not info.get("vision") and any(_has_image(m.get("content")) for m in messages if isinstance(m, dict)):
            return bad("messages[0].content must be a string", "invalid_message_content")
        if self.flavour.x_groq and isinstance(body.get("n"), int) and body["n"] > 1:
            return bad("'n' : number must be at most 1")
        if "reasoning_format" in body and "include_reasoning" in body:
            return bad("reasoning_format and include_reasoning cannot be used together")
        if body.get("reasoning_format") and not info.get("reasoning"):
            return bad("reasoning_format is not supported with this model")
        response_format = body.get("response_format") or {}
        texts = " ".join(_text_of(m.get("content")) for m in messages if isinstance(m, dict)).lower()
        if response_format.get("type") == "json_object" and "json" not in texts:
            return bad("'messages' must contain the word 'json' in some form, to use 'response_format' "
                           "of type 'json_object'.")
        return None

    def _plan(self, body: dict[str, Any], reply: Reply | None) -> _Plan:
        reply = reply or Reply()
        messages = body["messages"]
        said = next((_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
        model = reply.model or body["model"]
        json_mode = (body.get("response_format") or {}).get("type") in ("json_object", "json_schema")
        if reply.pieces is not None:
            pieces = list(reply.pieces)
        elif reply.content is not None:
            pieces = split_words(reply.content)
        elif reply.tool_calls:
            pieces = []
        elif json_mode:
            pieces = [dumps({"you_said": said}).decode()]
        else:
            pieces = split_words(f"You said: {said}")
        reasoning_text = reply.reasoning
        if reasoning_text is None and self.models.get(body["model"], {}).get("reasoning"):
            reasoning_text = f"The user wrote {said!r}. I will repeat it."
        reasoning = split_words(reasoning_text) if reasoning_text else []
        mode = body.get("reasoning_format") or ("raw" if self.flavour.x_groq else "parsed")
        if body.get("include_reasoning") is False or mode == "hidden" or json_mode:
            reasoning = []
        elif reasoning and mode == "raw":
            pieces = ["<think>", *reasoning, "</think>\n\n", *pieces]
            reasoning = []
        tool_calls = [_normalise_call(i, call) for i, call in enumerate(reply.tool_calls or [])]
        finish = reply.finish_reason or ("tool_calls" if tool_calls else "stop")
        prompt_tokens = sum(len(_text_of(m.get("content")).split()) + 4 for m in messages)
        completion_tokens = len(pieces) + len(reasoning) + sum(len(c["function"]["arguments"]) // 4 + 3
                                                                for c in tool_calls)
        return _Plan(model, pieces, reasoning, tool_calls, finish,
                     usage_for(self.flavour, prompt_tokens, completion_tokens), reply.delay, reply.encoded)

    # -- answers -------------------------------------------------------------------------------
    async def _complete(self, request: web.Request, headers: dict[str, str], plan: _Plan, body: dict[str, Any],
                        fault: Fault | None, completion_id: str, request_id: str) -> web.StreamResponse:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(plan.pieces) if plan.pieces else None}
        if plan.reasoning:
            message[self.flavour.reasoning_field] = "".join(plan.reasoning)
        if plan.tool_calls:
            message["tool_calls"] = plan.tool_calls
        completion: dict[str, Any] = {
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": plan.model,
            "choices": [{"index": 0, "message": message, "finish_reason": plan.finish_reason,
                         "logprobs": {"content": [entry for piece in plan.pieces for entry in logprobs_for(
                             piece, body.get("top_logprobs") or 0)["content"]], "refusal": None}
                         if body.get("logprobs") else None}],
            "usage": plan.usage, "system_fingerprint": "fp_replica",
        }
        if self.flavour.x_groq:
            completion["x_groq"] = {"id": request_id}
            completion["service_tier"] = body.get("service_tier") or "on_demand"
        data = dumps(completion)
        if fault is not None and fault.kind in ("slow", "stall"):
            await self._wait(request, fault.delay)
        if fault is not None and fault.kind in ("cut", "cut_mid_chunk", "malformed", "reset", "stream_error"):
            response = web.StreamResponse(headers=headers)
            response.content_type = "application/json"
            if fault.kind == "reset":
                response.content_length = len(data)
            await response.prepare(request)
            await response.write(data[: len(data) // 2])
            if fault.kind == "reset":
                _reset(request)
                return response
            await response.write_eof()
            return response
        return web.Response(body=data, headers=headers, content_type="application/json")

    def _events(self, plan: _Plan, body: dict[str, Any], encoder: ChunkEncoder, request_id: str) -> Iterator[bytes]:
        yield encoder.first()
        field = self.flavour.reasoning_field
        for piece in plan.reasoning:
            yield encoder.delta({field: piece})
        content = encoder.content
        if body.get("logprobs"):  # each content delta with its logprobs, as OpenAI and llama.cpp send them
            top = body.get("top_logprobs") or 0
            for piece in plan.pieces:
                yield encoder.delta({"content": piece}, logprobs=logprobs_for(piece, top))
        else:
            for piece in plan.pieces:
                yield content(piece)
        for fragment in _fragments(plan.tool_calls):
            yield encoder.delta({"tool_calls": [fragment]})
        yield encoder.delta({}, plan.finish_reason, {"id": request_id, "usage": plan.usage})
        if (body.get("stream_options") or {}).get("include_usage"):
            yield encoder.usage_chunk(plan.usage)
        yield DONE

    async def _stream(self, request: web.Request, headers: dict[str, str], plan: _Plan, body: dict[str, Any],
                      fault: Fault | None, completion_id: str, request_id: str) -> web.StreamResponse:
        response = web.StreamResponse(headers={**headers, "Cache-Control": "no-cache"})
        response.content_type = "text/event-stream"
        response.charset = "utf-8"
        await response.prepare(request)
        try:
            if plan.encoded is not None and fault is None:
                view = memoryview(plan.encoded)
                for start in range(0, len(view), WRITE_BATCH * 2):
                    await response.write(view[start:start + WRITE_BATCH * 2])
                await response.write_eof()
                return response
            encoder = ChunkEncoder(self.flavour, plan.model, completion_id, request_id, int(time.time()))
            fault_at = fault.after if fault is not None and fault.kind != "slow" else None
            batch: list[bytes] = []
            size = 0
            for index, event in enumerate(self._events(plan, body, encoder, request_id)):
                if index == fault_at:
                    if batch:
                        await response.write(b"".join(batch))
                        batch, size = [], 0
                    assert fault is not None
                    if await self._play(request, response, fault, encoder, event):
                        return response
                if plan.delay:
                    await asyncio.sleep(plan.delay)
                    await response.write(event)
                    continue
                batch.append(event)
                size += len(event)
                if size >= WRITE_BATCH:
                    await response.write(b"".join(batch))
                    batch, size = [], 0
            if batch:
                await response.write(b"".join(batch))
            await response.write_eof()
        except ConnectionError:  # the client went away: nothing left to do
            self._note_disconnect(request_id)
        except asyncio.CancelledError:  # the server cancelled the handler: the client went away
            self._note_disconnect(request_id)
            raise
        return response

    async def _play(self, request: web.Request, response: web.StreamResponse, fault: Fault,
                    encoder: ChunkEncoder, pending: bytes) -> bool:
        """Play a stream fault before ``pending``; True when the stream ends here."""
        kind = fault.kind
        if kind == "stall":
            await self._wait(request, fault.delay)
            if request.transport is None or request.transport.is_closing():
                raise ConnectionResetError("the client closed the connection during the stall")
            return False
        if kind == "huge_line":
            head = b'data: {"id":"chatcmpl-huge","choices":[{"index":0,"delta":{"content":"'
            filler = b"a" * (1024 * 1024)
            await response.write(head)
            for start in range(0, fault.size, len(filler)):
                await response.write(filler[: min(len(filler), fault.size - start)])
            await response.write(b'"}}]}\n\n')
            await response.write_eof()
            return True
        if kind == "invalid_utf8":
            await response.write(b'data: {"id":"chatcmpl-bad","choices":[{"index":0,"delta":{"content":"\xff\xfe\xc3("}}]}\n\n')
            return False
        if kind == "malformed":
            await response.write(b'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"x"}\n\n')
            return False
        if kind == "cut":
            await response.write_eof()
        elif kind == "cut_mid_chunk":
            await response.write(pending[: max(1, len(pending) // 2)])
            await response.write_eof()
        elif kind == "reset":
            _reset(request)
        elif kind == "stream_error":
            await response.write(encoder.error_chunk(fault.message or "internal error") + DONE)
            await response.write_eof()
        return True

    @staticmethod
    async def _wait(request: web.Request, seconds: float) -> None:
        """Stay silent for ``seconds``, or until the client hangs up."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            await asyncio.sleep(min(0.02, max(0.0, deadline - time.monotonic())))


def _dumps_text(obj: Any) -> str:
    return dumps(obj).decode()


def _normalise_call(index: int, call: dict[str, Any]) -> dict[str, Any]:
    if "function" in call:
        function = dict(call["function"])
    else:
        function = {"name": call["name"], "arguments": call.get("arguments", "")}
    if not isinstance(function.get("arguments"), str):
        function["arguments"] = dumps(function["arguments"]).decode()
    return {"id": call.get("id") or f"call_replica{index}", "type": "function", "function": function}


def _fragments(calls: list[dict[str, Any]], size: int = 8) -> Iterator[dict[str, Any]]:
    """Tool calls as streamed: a head (index, id, name) then argument pieces, interleaved by index."""
    def pieces(index: int, call: dict[str, Any]) -> Iterator[dict[str, Any]]:
        function = call["function"]
        yield {"index": index, "id": call["id"], "type": "function",
               "function": {"name": function["name"], "arguments": ""}}
        arguments = function["arguments"]
        for start in range(0, len(arguments), size):
            yield {"index": index, "function": {"arguments": arguments[start:start + size]}}

    streams = [pieces(i, call) for i, call in enumerate(calls)]
    for group in itertools.zip_longest(*streams):
        for fragment in group:
            if fragment is not None:
                yield fragment
