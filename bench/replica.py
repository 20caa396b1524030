"""A fast OpenAI-compatible replica for the benchmark: pre-encoded SSE over raw asyncio.

The point is to keep the server out of the client's measurements. It runs in its own process
(``python bench/replica.py`` prints ``READY <port>``), speaks HTTP/1.1 with keep-alive, and
answers every request with bytes encoded once and cached, so its cost per event is nothing but
the kernel's copy. What it speaks is what api.groq.com speaks:

* ``POST <prefix>/chat/completions`` with ``"stream": true``: ``text/event-stream``, chunked
  transfer encoding, one ``data: {chat.completion.chunk}`` event per HTTP chunk (as a real
  upstream flushes each token), Groq's ``x_groq`` id on the first chunk and usage on the last,
  then ``data: [DONE]``. Without ``stream``: one ``chat.completion`` JSON body.
* ``GET <prefix>/models``: the model list.
* The answer has ``max_tokens`` tokens (``finish_reason: "length"``), else ``--default-tokens``.
  A path prefix ``/c/<n>`` (``http://127.0.0.1:port/c/200000/v1``) overrides it, for clients
  that cannot pass ``max_tokens`` through.
* Missing ``Authorization`` is a 401 with OpenAI's error body, as upstream.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys

__all__ = ["ReplicaProtocol", "encode_completion", "encode_stream", "main"]

WORDS = [" the", " quick", " brown", " fox", " jumps", " over", " a", " lazy", " dog", ".", " Hello",
         " world", ",", " and", " then", " some"]
CREATED = 1_732_000_000
CHUNK_ID = "chatcmpl-bench0000000000000000000"
_PREFIX = re.compile(rb"^/c/(\d+)")

_cache: dict[tuple[str, int, bool], bytes] = {}


def _chunk(model: str, delta: dict, finish: str | None = None, x_groq: dict | None = None) -> bytes:
    obj = {"id": CHUNK_ID, "object": "chat.completion.chunk", "created": CREATED, "model": model,
           "system_fingerprint": "fp_bench000", "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                             "finish_reason": finish}]}
    if x_groq is not None:
        obj["x_groq"] = x_groq
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def _http_chunk(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def _usage(n: int) -> dict:
    return {"prompt_tokens": 12, "completion_tokens": n, "total_tokens": 12 + n}


def encode_stream(model: str, n: int) -> bytes:
    """The whole chunked body of a stream of ``n`` content deltas, encoded once."""
    parts = [_http_chunk(_chunk(model, {"role": "assistant", "content": ""}, x_groq={"id": "req_bench"}))]
    for i in range(n):
        parts.append(_http_chunk(_chunk(model, {"content": WORDS[i % len(WORDS)]})))
    usage = _usage(n)
    parts.append(_http_chunk(_chunk(model, {}, "length", x_groq={"id": "req_bench", "usage": {
        **usage, "queue_time": 0.01, "prompt_time": 0.001, "completion_time": 0.1, "total_time": 0.111}})))
    parts.append(_http_chunk(b"data: [DONE]\n\n"))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def encode_completion(model: str, n: int) -> bytes:
    text = "".join(WORDS[i % len(WORDS)] for i in range(n))
    obj = {"id": CHUNK_ID, "object": "chat.completion", "created": CREATED, "model": model,
           "system_fingerprint": "fp_bench000",
           "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                        "finish_reason": "length"}],
           "usage": _usage(n), "x_groq": {"id": "req_bench"}}
    return json.dumps(obj, separators=(",", ":")).encode()


def _head(status: str, content_type: bytes, extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 " + status.encode() + b"\r\ncontent-type: " + content_type +
            b"\r\nx-ratelimit-limit-requests: 14400\r\nx-ratelimit-remaining-requests: 14399\r\n"
            b"x-request-id: req_bench\r\n" + extra)


def _body_response(status: str, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return _head(status, content_type, b"content-length: %d\r\n\r\n" % len(body)) + body


_SSE_HEAD = _head("200 OK", b"text/event-stream", b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n")
_MODELS = json.dumps({"object": "list", "data": [
    {"id": m, "object": "model", "created": CREATED, "owned_by": "bench", "active": True, "context_window": 131072}
    for m in ("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "bench-model")]}).encode()


def _error(status: str, message: str, code: str) -> bytes:
    body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": code}}).encode()
    return _body_response(status, body)


class ReplicaProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; bodies by Content-Length."""

    default_tokens = 20

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            method, path, _ = head[0].split(b" ", 2)
            if b"transfer-encoding" in headers:
                self.transport.write(_error("411 Length Required", "send a Content-Length", "length_required"))
                self.transport.close()
                return
            self.transport.write(self.respond(method, path, headers, body))
            if headers.get(b"connection", b"").lower() == b"close":
                self.transport.close()
                return

    def respond(self, method: bytes, path: bytes, headers: dict[bytes, bytes], body: bytes) -> bytes:
        if not headers.get(b"authorization", b"").startswith(b"Bearer "):
            return _error("401 Unauthorized", "Invalid API Key", "invalid_api_key")
        prefix = _PREFIX.match(path)
        if method == b"GET" and path.endswith(b"/models"):
            return _body_response("200 OK", _MODELS)
        if method != b"POST" or not path.endswith(b"/chat/completions"):
            return _error("404 Not Found", "Unknown request URL", "unknown_url")
        try:
            request = json.loads(body)
        except ValueError:
            return _error("400 Bad Request", "the body is not JSON", "invalid_json")
        model = request.get("model") or "llama-3.3-70b-versatile"
        n = int(prefix.group(1)) if prefix else int(request.get("max_tokens") or self.default_tokens)
        stream = bool(request.get("stream"))
        key = (model, n, stream)
        cached = _cache.get(key)
        if cached is None:
            cached = _SSE_HEAD + encode_stream(model, n) if stream else _body_response(
                "200 OK", encode_completion(model, n))
            _cache[key] = cached
        return cached

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(ReplicaProtocol, host, port, backlog=4096, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    async with server:
        # Stop when the parent closes our stdin (or dies): no orphan servers.
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        await reader.read()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--default-tokens", type=int, default=20)
    args = parser.parse_args(argv)
    ReplicaProtocol.default_tokens = args.default_tokens
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
