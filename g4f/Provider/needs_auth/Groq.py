"""Groq: open models on LPUs behind an OpenAI-compatible API (``GROQ_API_KEY``, ``GROQ_BASE_URL``)."""

from __future__ import annotations

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
    stream_usage = False  # Groq reports usage in x_groq.usage of the last chunk anyway
    default_model = "llama-3.3-70b-versatile"
    fallback_models = [
        "llama-3.3-70b-versatile",
        "llama-3.1-70b-versatile",
        "llama-3.1-8b-instant",
        "mixtral-8x7b-32768",
        "gemma2-9b-it",
        "openai/gpt-oss-120b",
        "openai/gpt-oss-20b",
        "qwen/qwen3-32b",
        "deepseek-r1-distill-llama-70b",
        "moonshotai/kimi-k2-instruct",
        "meta-llama/llama-4-scout-17b-16e-instruct",
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        "groq/compound",
        "groq/compound-mini",
    ]
    model_aliases = {
        "mixtral-8x7b": "mixtral-8x7b-32768",
        "llama2-70b": "llama2-70b-4096",
        "llama-3.3-70b": "llama-3.3-70b-versatile",
        "llama-3.1-70b": "llama-3.1-70b-versatile",
        "llama-3.1-8b": "llama-3.1-8b-instant",
        "gemma-2-9b": "gemma2-9b-it",
        "gpt-oss-120b": "openai/gpt-oss-120b",
        "gpt-oss-20b": "openai/gpt-oss-20b",
        "qwen-3-32b": "qwen/qwen3-32b",
        "kimi-k2": "moonshotai/kimi-k2-instruct",
        "llama-4-scout": "meta-llama/llama-4-scout-17b-16e-instruct",
        "llama-4-maverick": "meta-llama/llama-4-maverick-17b-128e-instruct",
    }
