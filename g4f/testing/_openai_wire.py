"""The wire side of :mod:`g4f.testing.openai_replica`: flavours, scripted replies, faults, chunk encoding.

Kept apart from the server so the encoders (the replica's hot path) can be read and benchmarked
on their own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..requests.jsonlib import dumps

__all__ = [
    "DONE",
    "GROQ",
    "OPENAI",
    "ChunkEncoder",
    "Fault",
    "Flavour",
    "RecordedRequest",
    "Reply",
    "encode_stream",
    "logprobs_for",
    "split_words",
    "usage_for",
]

#: Bytes buffered before a write when chunks are not delayed (loopback throughput).
WRITE_BATCH = 32 * 1024

# Groq accepts these request properties and rejects any other with a 400.
GROQ_PARAMS = frozenset(
    ["model", "messages", "stream", "stream_options", "temperature", "max_tokens", "max_completion_tokens", "top_p", "seed", "stop", "n", "presence_penalty", "frequency_penalty", "tools", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_format", "reasoning_effort", "include_reasoning", "user", "service_tier", "logprobs", "top_logprobs", "logit_bias", "functions", "function_call", "metadata", "store", "search_settings", "compound_custom", "include_domains", "exclude_domains", "citation_options", "documents", "disable_tool_validation"]
)


@dataclass(frozen=True)
class Flavour:
    """How one OpenAI-compatible service differs from the others on the wire."""

    name: str
    #: Path of the API below the server's root (``/openai/v1`` for Groq).
    path_prefix: str = "/v1"
    #: Groq's ``x_groq`` object: request id in the first chunk, ``usage`` (or ``error``) in the last.
    x_groq: bool = False
    #: ``x-ratelimit-*`` headers on every response.
    ratelimit_headers: bool = True
    #: The delta / message field that carries parsed reasoning.
    reasoning_field: str = "reasoning_content"
    #: Request properties the service accepts; others get a 400. None accepts anything.
    known_params: frozenset[str] | None = None
    #: Timing fields (``queue_time``, ``prompt_time``, ...) in ``usage``.
    usage_timings: bool = False
    #: Message of the 401 body.
    invalid_key_message: str = "Incorrect API key provided."
    extra_headers: tuple[tuple[str, str], ...] = ()


GROQ = Flavour(
    name="groq",
    path_prefix="/openai/v1",
    x_groq=True,
    reasoning_field="reasoning",
    known_params=GROQ_PARAMS,
    usage_timings=True,
    invalid_key_message="Invalid API Key",
    extra_headers=(("x-groq-region", "dls"), ("via", "1.1 google")),
)
OPENAI = Flavour(name="openai")


@dataclass
class Reply:
    """One scripted answer. Unset fields are made up from the request (an echo of the last message).

    ``pieces`` are the content deltas (default: ``content`` split into words); ``tool_calls`` are
    ``{"id", "name", "arguments"}`` dicts, streamed in fragments and interleaved per index;
    ``encoded`` is a complete SSE body sent as it is (see :func:`encode_stream`); ``delay`` is the
    pause before each chunk; ``times`` is how many requests it answers (0: every one).
    """

    content: str | None = None
    pieces: list[str] | None = None
    reasoning: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str | None = None
    model: str | None = None
    encoded: bytes | None = None
    delay: float = 0.0
    times: int = 1


_FAULT_KINDS = ("http", "html", "malformed", "cut", "cut_mid_chunk", "reset", "slow", "stall", "stream_error",
                "huge_line", "invalid_utf8", "content_type")


@dataclass
class Fault:
    """A failure the replica plays instead of (or in the middle of) a normal answer.

    ``kind``: ``http`` (an error status with a JSON body), ``html`` (an HTML error page),
    ``malformed`` (a line that is not JSON), ``cut`` (the body ends cleanly without ``[DONE]``),
    ``cut_mid_chunk`` (the body ends inside an event), ``reset`` (TCP reset; ``after=None`` resets
    before any response), ``slow`` (``delay`` before every chunk), ``stall`` (``delay`` seconds of
    silence, then the rest), ``stream_error`` (Groq's ``x_groq.error`` in a chunk), ``huge_line`` (one
    event of ``size`` bytes, default 10.5 MB, then the end), ``invalid_utf8`` (an event whose JSON holds
    bytes that are not UTF-8), ``content_type`` (a 200 answer that is an HTML page, as a captive portal
    or a misrouted proxy sends). ``after`` counts
    the events sent before a stream fault (the role chunk is the first: ``after=2`` plays it after
    the first delta). ``path`` limits it to one endpoint (``"*"``: any).
    ``times`` is how many requests it applies to (0: every request).
    """

    kind: str
    status: int = 500
    message: str | None = None
    error_type: str | None = None
    code: str | None = None
    retry_after: float | None = None
    after: int | None = 0
    delay: float = 0.0
    path: str = "/chat/completions"
    times: int = 1
    size: int = 10_500_000

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(_FAULT_KINDS)}")

    @classmethod
    def http(cls, status: int, message: str | None = None, **kwargs: Any) -> Fault:
        return cls("http", status=status, message=message, **kwargs)

    @classmethod
    def rate_limit(cls, retry_after: float | None = 1.0, **kwargs: Any) -> Fault:
        return cls("http", status=429, retry_after=retry_after, **kwargs)

    @classmethod
    def unauthorized(cls, **kwargs: Any) -> Fault:
        return cls("http", status=401, **kwargs)

    @classmethod
    def forbidden(cls, **kwargs: Any) -> Fault:
        return cls("http", status=403, **kwargs)

    @classmethod
    def model_not_found(cls, **kwargs: Any) -> Fault:
        return cls("http", status=404, **kwargs)

    @classmethod
    def server_error(cls, status: int = 500, **kwargs: Any) -> Fault:
        return cls("http", status=status, **kwargs)

    @classmethod
    def bad_gateway(cls, **kwargs: Any) -> Fault:
        return cls("html", status=502, **kwargs)

    @classmethod
    def malformed_line(cls, after: int = 2, **kwargs: Any) -> Fault:
        return cls("malformed", after=after, **kwargs)

    @classmethod
    def cut(cls, after: int = 2, **kwargs: Any) -> Fault:
        return cls("cut", after=after, **kwargs)

    @classmethod
    def cut_mid_chunk(cls, after: int = 2, **kwargs: Any) -> Fault:
        return cls("cut_mid_chunk", after=after, **kwargs)

    @classmethod
    def reset(cls, after: int | None = None, **kwargs: Any) -> Fault:
        return cls("reset", after=after, **kwargs)

    @classmethod
    def slow(cls, delay: float = 0.05, **kwargs: Any) -> Fault:
        return cls("slow", delay=delay, **kwargs)

    @classmethod
    def stall(cls, after: int = 2, seconds: float = 30.0, **kwargs: Any) -> Fault:
        return cls("stall", after=after, delay=seconds, **kwargs)

    @classmethod
    def stream_error(cls, message: str = "internal error during generation", after: int = 2,
                     **kwargs: Any) -> Fault:
        return cls("stream_error", message=message, after=after, **kwargs)

    @classmethod
    def huge_line(cls, size: int = 10_500_000, after: int = 2, **kwargs: Any) -> Fault:
        return cls("huge_line", size=size, after=after, **kwargs)

    @classmethod
    def invalid_utf8(cls, after: int = 2, **kwargs: Any) -> Fault:
        return cls("invalid_utf8", after=after, **kwargs)

    @classmethod
    def wrong_content_type(cls, **kwargs: Any) -> Fault:
        return cls("content_type", **kwargs)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """A fault from ``"<kind> key=value ..."`` (the ``X-Replica-Fault`` header).

        ``"429"``-style bare statuses are accepted as ``http status=429``.
        """
        words = text.split()
        if not words:
            raise ValueError("empty fault")
        kind, options = words[0], dict[str, Any]()
        if kind.isdigit():
            kind, options["status"] = "http", int(kind)
        if kind == "reset":
            options["after"] = None  # a bare reset happens before the response
        for word in words[1:]:
            key, _, value = word.partition("=")
            options[key] = _parse_value(value)
        return cls(kind, **options)

    def applies_to(self, path: str) -> bool:
        return self.path == "*" or path.endswith(self.path)


def _parse_value(value: str) -> Any:
    if value == "none":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


@dataclass
class RecordedRequest:
    """What the replica received: tests assert on it instead of trusting the client."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    fault: Fault | None = None

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    def __repr__(self) -> str:  # a failing test prints it: the key stays out of the output
        body = self.body if not isinstance(self.body, dict) else {k: v for k, v in self.body.items()
                                                                   if k != "messages"}
        auth = "set" if "Authorization" in self.headers else "none"
        return f"RecordedRequest({self.method} {self.path}, auth={auth}, body={body!r}, fault={self.fault!r})"


def split_words(text: str) -> list[str]:
    """``"a b c"`` → ``["a ", "b ", "c"]``: how the replica splits content into deltas."""
    return re.findall(r"\s*\S+\s*|\s+", text) if text else []


class ChunkEncoder:
    """Encodes chunks of one completion from byte templates, so a delta costs one small dumps()."""

    __slots__ = ("content_prefix", "content_suffix", "flavour", "head", "request_id")

    def __init__(self, flavour: Flavour, model: str, completion_id: str, request_id: str, created: int) -> None:
        self.flavour = flavour
        self.request_id = request_id
        self.head = (
            b'{"id":' + dumps(completion_id) + b',"object":"chat.completion.chunk","created":'
            + str(created).encode() + b',"model":' + dumps(model) + b',"system_fingerprint":"fp_replica"'
        )
        self.content_prefix = b"data: " + self.head + b',"choices":[{"index":0,"delta":{"content":'
        self.content_suffix = b'},"logprobs":null,"finish_reason":null}]}\n\n'

    def content(self, piece: str) -> bytes:
        return self.content_prefix + dumps(piece) + self.content_suffix

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None, x_groq: Any = None,
              logprobs: Any = None) -> bytes:
        body = self.head + b',"choices":[{"index":0,"delta":' + dumps(delta) + b',"logprobs":' + dumps(logprobs)
        body += b',"finish_reason":' + dumps(finish_reason) + b"}]"
        if x_groq is not None and self.flavour.x_groq:
            body += b',"x_groq":' + dumps(x_groq)
        return b"data: " + body + b"}\n\n"

    def first(self) -> bytes:
        return self.delta({"role": "assistant", "content": ""}, x_groq={"id": self.request_id})

    def usage_chunk(self, usage: dict[str, Any]) -> bytes:
        return b"data: " + self.head + b',"choices":[],"usage":' + dumps(usage) + b"}\n\n"

    def error_chunk(self, message: str) -> bytes:
        if self.flavour.x_groq:
            return self.delta({}, None, {"id": self.request_id, "error": message})
        return b"data: " + dumps({"error": {"message": message, "type": "server_error", "code": None}}) + b"\n\n"


DONE = b"data: [DONE]\n\n"


def logprobs_for(piece: str, top: int = 0) -> dict[str, Any]:
    """OpenAI's ``logprobs`` of one content piece (one token), made up but deterministic:
    the piece itself, then ``top - 1`` alternatives."""
    logprob = -round(len(piece) / 10, 3)
    alternatives = [{"token": piece, "logprob": logprob, "bytes": list(piece.encode())}]
    alternatives += [{"token": f"alt{i}", "logprob": logprob - i, "bytes": list(f"alt{i}".encode())}
                     for i in range(1, top)]
    return {"content": [{"token": piece, "logprob": logprob, "bytes": list(piece.encode()),
                         "top_logprobs": alternatives[:top]}], "refusal": None}


def usage_for(flavour: Flavour, prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if flavour.usage_timings:  # deterministic, so streamed and non-streamed answers compare equal
        prompt_time = round(prompt_tokens * 0.0001, 6)
        completion_time = round(completion_tokens * 0.004, 6)
        usage = {"queue_time": 0.01, "prompt_tokens": prompt_tokens, "prompt_time": prompt_time,
                 "completion_tokens": completion_tokens, "completion_time": completion_time,
                 "total_tokens": prompt_tokens + completion_tokens,
                 "total_time": round(prompt_time + completion_time, 6)}
    return usage


def encode_stream(pieces: Iterable[str], model: str = "replica-model", flavour: Flavour = GROQ,
                  finish_reason: str = "stop", prompt_tokens: int = 1) -> bytes:
    """A complete streamed answer as SSE bytes, to replay with ``Reply(encoded=...)``.

    Encoding once and replaying keeps the replica's own cost out of a benchmark.
    """
    encoder = ChunkEncoder(flavour, model, "chatcmpl-replica", "req_replica", int(time.time()))
    parts = [encoder.first()]
    count = 0
    for piece in pieces:
        parts.append(encoder.content(piece))
        count += 1
    usage = usage_for(flavour, prompt_tokens, count)
    parts.append(encoder.delta({}, finish_reason, {"id": "req_replica", "usage": usage}))
    parts.append(DONE)
    return b"".join(parts)

