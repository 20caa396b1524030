"""Rate limits per API key: ``--rate-limit 60/min`` (requests) and ``--token-limit 10000/min``.

Each POST (the requests that reach a provider) of a key is counted in a sliding window; over the
limit it is refused before any work with 429, ``Retry-After`` and OpenAI's error body
(``{"error": {"type": "requests" | "tokens", "code": "rate_limit_exceeded", ...}}``). Tokens are
the ``usage`` an answer reports (the last one of a stream; ``total_tokens``, else input plus
output tokens), counted when the answer is done: a key over its token limit waits until enough
of them leave the window. A streamed chat completion's usage counts whether or not the client
asked for it (``stream_options.include_usage``): the answer reports it to the meter
(:data:`~g4f.api.sse.USAGE_SEEN`) besides the wire. An answer that reports no usage counts no
tokens.

Requests without an API key (a server that needs none) share one ``anonymous`` limit. The
windows live in the current shared-state backend: this worker, or Redis for every worker and
instance (``--redis``); while Redis is down each worker counts alone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ...requests.jsonlib import loads
from ...shared.limits import RateLimiter
from ..errors import ApiError
from ..settings import ServerSettings
from ..sse import USAGE_SEEN
from .auth import API_KEY_ID

__all__ = ["RateLimits", "install_rate_limits"]

logger = logging.getLogger("g4f")

_USAGE = b'"usage"'


class _Meter:
    """The tokens an answer reports, read from its body or from its SSE events as they are sent."""

    __slots__ = ("input", "output", "total")

    def __init__(self) -> None:
        self.input = self.output = self.total = 0

    @property
    def tokens(self) -> int:
        return self.total or self.input + self.output

    def feed_json(self, body: bytes) -> None:
        if _USAGE in body:
            try:
                self._take(loads(body))
            except ValueError:
                pass

    def feed_usage(self, usage: Any) -> None:
        """A streamed answer's usage, reported by the answer itself (not read from the wire)."""
        self._take({"usage": usage.to_dict()})

    def feed_events(self, data: bytes) -> None:
        if _USAGE not in data:
            return
        for line in data.split(b"\n"):
            if line.startswith(b"data:") and _USAGE in line:
                try:
                    self._take(loads(line[5:]))
                except ValueError:
                    continue

    def _take(self, document: Any, depth: int = 0) -> None:
        """Find ``usage`` objects (``response.usage`` too) and keep the largest counts seen."""
        if not isinstance(document, dict) or depth > 3:
            return
        usage = document.get("usage")
        if isinstance(usage, dict):
            self.total = max(self.total, _count(usage, "total_tokens"))
            self.input = max(self.input, _count(usage, "prompt_tokens") or _count(usage, "input_tokens"))
            self.output = max(self.output, _count(usage, "completion_tokens") or _count(usage, "output_tokens"))
        for value in document.values():
            if isinstance(value, dict) and value is not usage:
                self._take(value, depth + 1)


def _count(usage: dict[str, Any], name: str) -> int:
    value = usage.get(name)
    return value if isinstance(value, int) and value > 0 else 0


_METER: Any = web.RequestKey("g4f_usage_meter", _Meter) if hasattr(web, "RequestKey") else "g4f_usage_meter"


class RateLimits:
    """The middleware and the response hook that enforce ``limiter`` per API key."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self._recording: set[asyncio.Task[None]] = set()

    def install(self, app: web.Application) -> None:
        """Add the middleware (innermost: after the key check) and the hooks it needs."""
        app.middlewares.append(self.middleware)
        if self.limiter.tokens is not None:
            app.on_response_prepare.append(self._on_prepare)
            app.on_cleanup.append(self._finish)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST":
            return await handler(request)
        who = request.get(API_KEY_ID) or "anonymous"
        refusal = await self.limiter.admit(who)
        if refusal is not None:
            raise ApiError(429, refusal.message, refusal.kind, "rate_limit_exceeded",
                           headers={"Retry-After": str(refusal.retry_after_seconds)})
        if self.limiter.tokens is None:
            return await handler(request)
        meter = request[_METER] = _Meter()
        seen = USAGE_SEEN.set(meter.feed_usage)
        try:
            response = await handler(request)
        finally:
            USAGE_SEEN.reset(seen)
        if isinstance(response, web.Response) and isinstance(response.body, (bytes, bytearray)):
            meter.feed_json(bytes(response.body))
        if meter.tokens:  # counted in the background: the answer is not held up by Redis
            task = asyncio.get_running_loop().create_task(self.limiter.record_tokens(who, meter.tokens))
            self._recording.add(task)
            task.add_done_callback(self._recording.discard)
        return response

    async def _on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """A streamed answer: read the usage in its events as they are written."""
        meter = request.get(_METER)
        if meter is None or isinstance(response, web.Response):
            return
        write = response.write

        async def metered_write(data: bytes | bytearray | memoryview) -> None:
            meter.feed_events(bytes(data))
            await write(data)

        setattr(response, "write", metered_write)  # noqa: B010 - an instance attribute, for this answer only

    async def _finish(self, app: web.Application) -> None:
        if self._recording:
            await asyncio.wait(set(self._recording), timeout=2.0)


def install_rate_limits(app: web.Application, settings: ServerSettings) -> RateLimits | None:
    """Enforce ``settings.rate_limit`` and ``settings.token_limit`` in ``app`` (nothing when neither is set)."""
    if settings.rate_limit is None and settings.token_limit is None:
        return None
    limits = RateLimits(RateLimiter(settings.rate_limit, settings.token_limit))
    limits.install(app)
    return limits
