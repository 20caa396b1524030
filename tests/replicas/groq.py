"""Groq's API as a local replica: the generic OpenAI-compatible replica in Groq's flavour.

Groq serves ``/openai/v1/chat/completions`` and ``/openai/v1/models`` with a bearer key, streams
``x_groq.usage`` in the last chunk, sends ``x-ratelimit-*`` headers on every response, rejects
unknown request properties with a 400 and answers errors as ``{"error": {"message", "type",
"code"}}``. The model table below mirrors Groq's ``/models`` answer (ids, owners, context windows),
with the replica's own flags: ``reasoning`` (answers with reasoning) and ``vision`` (takes images).

Models Groq retired are answered as Groq answers them: HTTP 400, code ``model_decommissioned``,
Groq's message (:data:`GROQ_RETIRED`). One of them is still served by default,
``llama-3.3-70b-versatile`` (retired 2026-08): the suite's tests were written against it as "a Groq
model" (:data:`STILL_SERVED`); ``GroqReplica(retired=GROQ_RETIRED)`` plays Groq exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from g4f.testing.openai_replica import GROQ, OpenAIReplica

__all__ = ["GROQ_KEY", "GROQ_MODELS", "GROQ_RETIRED", "STILL_SERVED", "GroqReplica"]

#: The key the replica accepts (shaped like Groq's ``gsk_`` keys).
GROQ_KEY = "gsk_replicaTestKey0123456789abcdefABCDEF"

GROQ_MODELS: list[dict[str, Any]] = [
    {"id": "llama-3.3-70b-versatile", "owned_by": "Meta", "context_window": 131072, "max_completion_tokens": 32768},
    {"id": "llama-3.1-8b-instant", "owned_by": "Meta", "context_window": 131072, "max_completion_tokens": 131072},
    {"id": "gemma2-9b-it", "owned_by": "Google", "context_window": 8192},
    {"id": "deepseek-r1-distill-llama-70b", "owned_by": "DeepSeek / Meta", "context_window": 131072,
     "reasoning": True},
    {"id": "qwen/qwen3-32b", "owned_by": "Alibaba Cloud", "context_window": 131072, "reasoning": True},
    {"id": "openai/gpt-oss-120b", "owned_by": "OpenAI", "context_window": 131072, "reasoning": True},
    {"id": "openai/gpt-oss-20b", "owned_by": "OpenAI", "context_window": 131072, "reasoning": True},
    {"id": "moonshotai/kimi-k2-instruct", "owned_by": "Moonshot AI", "context_window": 131072},
    {"id": "meta-llama/llama-4-scout-17b-16e-instruct", "owned_by": "Meta", "context_window": 131072,
     "vision": True},
    {"id": "meta-llama/llama-4-maverick-17b-128e-instruct", "owned_by": "Meta", "context_window": 131072,
     "vision": True},
]


def _decommissioned(model: str) -> str:
    return (f"The model `{model}` has been decommissioned and is no longer supported. Please refer to "
            "https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.")


#: Models Groq retired, with the message its API answers them with.
GROQ_RETIRED: dict[str, str] = {
    model: _decommissioned(model)
    for model in ("mixtral-8x7b-32768", "llama-3.1-70b-versatile", "llama2-70b-4096", "llama-3.3-70b-versatile")
}

#: Retired at Groq, still answered by the replica unless ``retired=`` says otherwise (see above).
STILL_SERVED = ("llama-3.3-70b-versatile",)


class GroqReplica(OpenAIReplica):
    """``OpenAIReplica`` configured as Groq: flavour, key, model table and retired models."""

    def __init__(self, *, api_key: str | None = GROQ_KEY, models: Any = None, strict_models: bool = True,
                 retired: Mapping[str, str] | None = None) -> None:
        if retired is None:
            retired = {model: message for model, message in GROQ_RETIRED.items() if model not in STILL_SERVED}
        table = GROQ_MODELS if models is None else models
        super().__init__(flavour=GROQ, api_key=api_key, models=[m for m in table if _id(m) not in retired],
                         strict_models=strict_models, retired=retired)


def _id(model: str | dict[str, Any]) -> str:
    return model if isinstance(model, str) else str(model["id"])
