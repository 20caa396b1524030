"""A local replica of the Acme Stream API: what the real service speaks, on 127.0.0.1.

It checks the key (401), knows its models (404), streams NDJSON events ending with ``done`` and
plays the faults a test asks for (``replica.fault``, for the next request): ``"rate_limit"`` (429
with Retry-After), ``"cut"`` (the body ends without ``done``), ``"malformed"`` (a line that is not
JSON), ``"error"`` (an error event mid-answer).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

KEY = "acme-replica-key-4a1b2c3d"
MODELS = ("acme-stream-1", "acme-stream-1-think")


class AcmeStreamReplica:
    def __init__(self) -> None:
        self.fault: str | None = None
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""  # set by the test once the server runs

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/generate", self.generate)
        return app

    async def generate(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("X-Acme-Key") != KEY:
            return web.json_response({"detail": "Invalid API key"}, status=401)
        body = await request.json()
        self.requests.append(body)
        fault, self.fault = self.fault, None
        if fault == "rate_limit":
            return web.json_response({"detail": "Too many requests"}, status=429,
                                     headers={"Retry-After": "7"})
        if body.get("model") not in MODELS:
            return web.json_response({"detail": f"Unknown model {body.get('model')}"}, status=404)
        words = f"You said: {body['prompt']}".split(" ")
        events: list[Any] = []
        if body["model"].endswith("-think"):
            events.append({"event": "thinking", "text": "The user wants an echo."})
        events += [{"event": "token", "text": word + " "} for word in words[:-1]] + [
            {"event": "token", "text": words[-1]}
        ]
        if fault == "error":
            events.insert(2, {"event": "error", "message": "model overloaded"})
        if fault != "cut":
            usage = {"input": 5, "output": len(words)}
            events.append({"event": "done", "finish_reason": "stop", "usage": usage})
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        for index, event in enumerate(events):
            broken = fault == "malformed" and index == 2
            await response.write(b"{not json\n" if broken else json.dumps(event).encode() + b"\n")
        await response.write_eof()
        return response
