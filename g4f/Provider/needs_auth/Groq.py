"""Groq: open models on LPUs behind an OpenAI-compatible API (``GROQ_API_KEY``, ``GROQ_BASE_URL``).

Groq retires models (``mixtral-8x7b-32768`` in 2025-03, ``llama-3.3-70b-versatile`` in 2026-08);
their names stay accepted here and are sent as they are, and Groq's answer for one (HTTP 400
``model_decommissioned``) is ``ModelNotFoundError`` naming the models Groq lists now.
"""

from __future__ import annotations

from types import MappingProxyType

from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["Groq"]


class Groq(OpenaiTemplate):
    label = "Groq"
    url = "https://console.groq.com/playground"
    login_url = "https://console.groq.com/keys"
    api_base = "https://api.groq.com/openai/v1"
    api_base_env = "GROQ_BASE_URL"  # the groq SDK's: the host, g4f adds /openai/v1 as the SDK does
    api_key_env = "GROQ_API_KEY"
    working = True
    needs_auth = True
    supports_vision = False
    #: Groq's compound systems search the web by themselves: ``web_search: true`` is honoured by them.
    search_models = ("groq/compound", "groq/compound-mini")
    stream_usage = False  # Groq reports usage in x_groq.usage of the last chunk anyway
    default_model = "openai/gpt-oss-120b"
    fallback_models = (
        # Current models first: auto-selection without a model and the hints prefer them.
        "openai/gpt-oss-120b",
        "openai/gpt-oss-20b",
        "llama-3.1-8b-instant",
        "qwen/qwen3-32b",
        "moonshotai/kimi-k2-instruct",
        "meta-llama/llama-4-scout-17b-16e-instruct",
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        "groq/compound",
        "groq/compound-mini",
        # Older names, still accepted and sent as they are (for those Groq retired, its answer
        # becomes ModelNotFoundError naming the current ones).
        "llama-3.3-70b-versatile",
        "deepseek-r1-distill-llama-70b",
        "llama-3.1-70b-versatile",
        "mixtral-8x7b-32768",
        "llama2-70b-4096",
        "gemma2-9b-it",
    )
    model_aliases = MappingProxyType({
        "gpt-oss-120b": "openai/gpt-oss-120b",
        "gpt-oss-20b": "openai/gpt-oss-20b",
        "llama-3.1-8b": "llama-3.1-8b-instant",
        "qwen-3-32b": "qwen/qwen3-32b",
        "kimi-k2": "moonshotai/kimi-k2-instruct",
        "llama-4-scout": "meta-llama/llama-4-scout-17b-16e-instruct",
        "llama-4-maverick": "meta-llama/llama-4-maverick-17b-128e-instruct",
        "llama-3.3-70b": "llama-3.3-70b-versatile",
        "llama-3.1-70b": "llama-3.1-70b-versatile",
        "mixtral-8x7b": "mixtral-8x7b-32768",
        "gemma-2-9b": "gemma2-9b-it",
        "llama2-70b": "llama2-70b-4096",
    })
