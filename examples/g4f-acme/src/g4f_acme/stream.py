"""Acme Stream: a provider for an API of its own, written as an async generator.

The Acme Stream API takes ``POST {base}/generate`` with ``X-Acme-Key`` and a JSON body
``{"model", "prompt", "temperature"?, "max_tokens"?}`` and answers NDJSON, one event a line:
``{"event": "thinking", "text"}``, ``{"event": "token", "text"}``, ``{"event": "error", "message"}``
and, last, ``{"event": "done", "finish_reason", "usage": {"input", "output"}}``. Errors are HTTP
statuses with ``{"detail": "..."}`` bodies.

What g4f gives the provider: the shared HTTP session, NDJSON parsing, HTTP statuses and transport
failures as typed errors (``g4f.errors``), and the events it yields.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from g4f.errors import MissingAuthError, ResponseError
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.helper import format_prompt
from g4f.providers.response import FinishReason, ProviderInfo, Reasoning, Usage
from g4f.secrets import register_secret
from g4f.typing import AsyncResult, Messages

__all__ = ["AcmeStream"]

logger = logging.getLogger("g4f_acme")

#: Keyword arguments the Acme Stream API understands; others are logged and not sent.
SENT_ARGUMENTS = ("temperature", "max_tokens")


class AcmeStream(AsyncGeneratorProvider, ProviderModelMixin):
    label = "Acme Stream"
    url = "https://stream.acme.example"
    login_url = "https://stream.acme.example/account"
    api_base: ClassVar[str] = "https://stream.acme.example/api"
    api_key_env = "ACME_API_KEY"
    working = True
    needs_auth = True
    default_model = "acme-stream-1"
    models: ClassVar[list[str]] = ["acme-stream-1", "acme-stream-1-think"]
    model_aliases: ClassVar[dict[str, str]] = {"acme-think": "acme-stream-1-think"}

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        api_key: str | None = None,
        base_url: str | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        # aiohttp loads on first use, not when g4f imports this module.
        from g4f.requests import get_session, map_transport_errors, ndjson_stream, raise_for_status

        name = cls.get_name()
        model = cls.get_model(model)
        api_key = cls.get_api_key(api_key)
        if not api_key:
            raise MissingAuthError(f"no API key; {cls.credential_hint()}", provider=name)
        register_secret(api_key)  # masked in every g4f error and log line from now on
        payload: dict[str, Any] = {"model": model, "prompt": format_prompt(messages)}
        payload.update({key: kwargs.pop(key) for key in SENT_ARGUMENTS if kwargs.get(key) is not None})
        if kwargs:
            logger.debug("%s: not sent (the API has no such parameters): %s", name, sorted(kwargs))
        session = await get_session()
        async with map_transport_errors(name), session.post(
            f"{(base_url or cls.api_base).rstrip('/')}/generate",
            json=payload,
            headers={"X-Acme-Key": api_key},
            proxy=proxy,
        ) as response:
            await raise_for_status(response, name, model)
            yield ProviderInfo(name, model, cls.get_label(), cls.url)
            async for event in ndjson_stream(response, name):
                kind = event.get("event")
                if kind == "token":
                    yield event["text"]
                elif kind == "thinking":
                    yield Reasoning(event["text"])
                elif kind == "error":
                    raise ResponseError(f"the answer failed: {event.get('message')}", provider=name)
                elif kind == "done":
                    usage = event.get("usage") or {}
                    yield Usage(usage.get("input", 0), usage.get("output", 0))
                    yield FinishReason(event.get("finish_reason") or "stop")
                    return
        # NDJSON has no terminator of its own: without "done", the answer was cut short.
        raise ResponseError("the stream ended before its done event: the answer is incomplete", provider=name)
