"""OpenRouter: hundreds of models behind one OpenAI-compatible API (``OPENROUTER_API_KEY``, ``OPENROUTER_BASE_URL``)."""

from __future__ import annotations

from types import MappingProxyType

from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["OpenRouter"]


class OpenRouter(OpenaiTemplate):
    label = "OpenRouter"
    url = "https://openrouter.ai"
    login_url = "https://openrouter.ai/settings/keys"
    api_base = "https://openrouter.ai/api/v1"
    api_base_env = "OPENROUTER_BASE_URL"  # the whole API root, /api/v1 included
    api_key_env = "OPENROUTER_API_KEY"
    working = True
    needs_auth = True
    default_headers = MappingProxyType({"HTTP-Referer": "https://github.com/xtekky/gpt4free", "X-Title": "g4f"})
    default_model = "openai/gpt-4o-mini"
    fallback_models = ("openai/gpt-4o-mini", "openai/gpt-4o", "meta-llama/llama-3.3-70b-instruct",
                       "deepseek/deepseek-r1", "x-ai/grok-3")
    model_aliases = MappingProxyType({
        "gpt-4o-mini": "openai/gpt-4o-mini", "gpt-4o": "openai/gpt-4o", "gpt-4.1": "openai/gpt-4.1",
        "gpt-4.1-mini": "openai/gpt-4.1-mini", "gpt-4.1-nano": "openai/gpt-4.1-nano", "o1": "openai/o1",
        "o3-mini": "openai/o3-mini", "o4-mini": "openai/o4-mini",
    })
