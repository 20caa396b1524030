"""Blocking helpers for scripts: ``Groq().get_response("Hi")`` without writing any asyncio.

They run the provider's async generator on a private event loop in the calling thread (see
:mod:`g4f.providers.asyncio`); inside a running loop they raise ``NestAsyncioError``: use the
async API there.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from ...providers.response import is_text
from ...typing import Messages

__all__ = ["SyncHelpers", "as_messages"]


def as_messages(query: str | Messages) -> Messages:
    """A question becomes a one-message conversation; a message list is taken as it is."""
    if isinstance(query, str):
        return [{"role": "user", "content": query}]
    return list(query)


class SyncHelpers:
    """Mixed into ``OpenaiTemplate``; works on the class and on instances alike."""

    @classmethod
    def get_model_name(cls, model: str | None = None) -> str:
        """The name that would be sent upstream for ``model`` (aliases resolved, default filled in)."""
        return str(cls.get_model(model))  # type: ignore[attr-defined]

    @classmethod
    def get_response(
        cls, query: str | Messages, model: str | None = None, temperature: float | None = 0.5,
        max_tokens: int | None = 1024, **kwargs: Any,
    ) -> dict[str, Any]:
        """The whole answer as an OpenAI-shaped ``chat.completion`` dict (plus ``provider``)."""
        from ...providers.asyncio import run_sync
        from ...providers.base_provider import collect_text

        name = cls.get_model_name(model)
        answer = run_sync(lambda: collect_text(cls.create_async_generator(  # type: ignore[attr-defined]
            name, as_messages(query), stream=False, temperature=temperature, max_tokens=max_tokens, **kwargs)))
        message: dict[str, Any] = {"role": "assistant", "content": str(answer)}
        if answer.reasoning:
            message["reasoning"] = answer.reasoning
        if answer.tool_calls:
            message["tool_calls"] = answer.tool_calls
        info = answer.provider
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": (info.model if info and info.model else name),
            "provider": cls.__name__,
            "choices": [{"index": 0, "message": message, "finish_reason": answer.finish_reason}],
            "usage": answer.usage.to_dict() if answer.usage else None,
        }

    @classmethod
    def get_response_stream(
        cls, query: str | Messages, model: str | None = None, temperature: float | None = 0.5,
        max_tokens: int | None = 1024, **kwargs: Any,
    ) -> Iterator[str]:
        """The answer's text deltas, as they arrive (events are left out)."""
        from ...providers.asyncio import to_sync_iter

        name = cls.get_model_name(model)
        stream = to_sync_iter(lambda: cls.create_async_generator(  # type: ignore[attr-defined]
            name, as_messages(query), stream=True, temperature=temperature, max_tokens=max_tokens, **kwargs))
        return (chunk for chunk in stream if is_text(chunk))

    get_stream_response = get_response_stream
