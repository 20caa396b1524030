"""Ollama's OpenAI-compatible endpoint on this machine: no key; another host via base_url= or ``$OLLAMA_API_BASE``."""

from __future__ import annotations

from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["Ollama"]


class Ollama(OpenaiTemplate):
    label = "Ollama"
    url = "https://ollama.com"
    api_base = "http://localhost:11434/v1"
    api_base_env = "OLLAMA_API_BASE"
    working = True
    needs_auth = False
    report_cost = False
    max_retries = 0  # a local server that is down stays down: fail over at once
    default_model = "llama3.2"
    fallback_models = ["llama3.2"]
