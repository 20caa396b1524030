"""Groq's API as a local replica: the generic OpenAI-compatible replica in Groq's flavour.

Groq serves ``/openai/v1/chat/completions`` and ``/openai/v1/models`` with a bearer key, streams
``x_groq.usage`` in the last chunk, sends ``x-ratelimit-*`` headers on every response, rejects
unknown request properties with a 400 and answers errors as ``{"error": {"message", "type",
"code"}}``. The model table below mirrors Groq's ``/models`` answer (ids, owners, context windows),
with the replica's own flags: ``reasoning`` (answers with reasoning) and ``vision`` (takes images).
"""

from __future__ import annotations

from typing import Any

from g4f.testing.openai_replica import GROQ, OpenAIReplica

__all__ = ["GROQ_KEY", "GROQ_MODELS", "GroqReplica"]

#: The key the replica accepts (shaped like Groq's ``gsk_`` keys).
GROQ_KEY = "gsk_replicaTestKey0123456789abcdefABCDEF"

GROQ_MODELS: list[dict[str, Any]] = [
    {"id": "llama-3.3-70b-versatile", "owned_by": "Meta", "context_window": 131072, "max_completion_tokens": 32768},
    {"id": "llama-3.1-8b-instant", "owned_by": "Meta", "context_window": 131072, "max_completion_tokens": 131072},
    {"id": "gemma2-9b-it", "owned_by": "Google", "context_window": 8192},
    {"id": "mixtral-8x7b-32768", "owned_by": "Mistral AI", "context_window": 32768},
    {"id": "llama-3.1-70b-versatile", "owned_by": "Meta", "context_window": 131072},
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


class GroqReplica(OpenAIReplica):
    """``OpenAIReplica`` configured as Groq: flavour, key and model table."""

    def __init__(self, *, api_key: str | None = GROQ_KEY, models: Any = None, strict_models: bool = True) -> None:
        super().__init__(flavour=GROQ, api_key=api_key, models=GROQ_MODELS if models is None else models,
                         strict_models=strict_models)
