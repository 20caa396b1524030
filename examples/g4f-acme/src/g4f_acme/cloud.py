"""Acme Cloud: an OpenAI-compatible API, so the provider is a declaration and nothing else."""

from __future__ import annotations

from types import MappingProxyType

from g4f.Provider.template import OpenaiTemplate

__all__ = ["AcmeCloud"]


class AcmeCloud(OpenaiTemplate):
    label = "Acme Cloud"
    url = "https://cloud.acme.example"
    login_url = "https://cloud.acme.example/keys"
    api_base = "https://api.acme.example/v1"
    api_base_env = "ACME_API_BASE"  # point it elsewhere (a proxy, a test replica) without code
    api_key_env = "ACME_API_KEY"
    working = True
    needs_auth = True
    default_model = "acme-chat"
    fallback_models = ("acme-chat", "acme-chat-mini")
    model_aliases = MappingProxyType({"acme": "acme-chat", "acme-mini": "acme-chat-mini"})
