"""Ollama's OpenAI-compatible endpoint on this machine: no key; another host via ``$OLLAMA_HOST`` (as Ollama reads it)."""

from __future__ import annotations

from ..template.OpenaiTemplate import OpenaiTemplate

__all__ = ["Ollama"]


class Ollama(OpenaiTemplate):
    label = "Ollama"
    url = "https://ollama.com"
    api_base = "http://localhost:11434/v1"
    api_base_env = "OLLAMA_HOST"  # Ollama's: host[:port] or a URL without /v1 (g4f's older OLLAMA_API_BASE wins)
    working = True
    needs_auth = False
    report_cost = False
    max_retries = 0  # a local server that is down stays down: fail over at once
    default_model = "llama3.2"
    fallback_models = ["llama3.2"]
