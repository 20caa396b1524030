"""Acme Stream: a provider for an API of its own, as a declaration on ``WireProvider``.

The Acme Stream API takes ``POST {base}/generate`` with ``X-Acme-Key`` and a JSON body
``{"model", "prompt", "temperature"?, "max_tokens"?}`` and answers NDJSON, one event a line:
``{"event": "thinking", "text"}``, ``{"event": "token", "text"}``, ``{"event": "error", "message"}``
and, last, ``{"event": "done", "finish_reason", "usage": {"input", "output"}}``. Errors are HTTP
statuses with ``{"detail": "..."}`` bodies.

What the provider says: where the API is, that it answers NDJSON, where the key goes, which
parameters it takes, the body of a request (``build_payload``) and how to read its events
(:class:`AcmeAnswer`, no I/O). What g4f does: the pooled HTTP session, the key (``api_key=`` or
``$ACME_API_KEY``, kept out of every message), HTTP statuses and transport failures as typed
errors (``g4f.errors``), timeouts, and the rule that an answer without its ``done`` event is an
error rather than a shorter answer.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from g4f.errors import ResponseError
from g4f.Provider.template import WireAnswer, WireProvider
from g4f.providers.helper import format_prompt
from g4f.providers.response import FinishReason, Reasoning, Usage
from g4f.typing import Messages

__all__ = ["AcmeAnswer", "AcmeStream"]


class AcmeAnswer(WireAnswer):
    """One Acme Stream event in, the text and events it stands for out."""

    def feed(self, event: Any) -> list[Any]:
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "token":
            return [event["text"]]
        if kind == "thinking":
            return [Reasoning(event["text"])]
        if kind == "error":
            raise ResponseError(f"the answer failed: {event.get('message')}", provider=self.provider)
        if kind == "done":
            self.complete = True
            usage = event.get("usage") or {}
            return [Usage(usage.get("input", 0), usage.get("output", 0)), FinishReason(event.get("finish_reason") or "stop")]
        return []


class AcmeStream(WireProvider):
    label = "Acme Stream"
    url = "https://stream.acme.example"
    login_url = "https://stream.acme.example/account"
    api_base = "https://stream.acme.example/api"
    endpoint = "/generate"
    decoder = "ndjson"
    api_key_env = "ACME_API_KEY"
    api_key_header = "X-Acme-Key"
    api_key_prefix = ""
    parameters = ("temperature", "max_tokens")
    answer_class = AcmeAnswer
    final_event = "done event"
    working = True
    needs_auth = True
    default_model = "acme-stream-1"
    models = ("acme-stream-1", "acme-stream-1-think")
    model_aliases = MappingProxyType({"acme-think": "acme-stream-1-think"})

    @classmethod
    def build_payload(cls, model: str, messages: Messages, **params: Any) -> dict[str, Any]:
        return {"model": model, "prompt": format_prompt(messages), **params}
