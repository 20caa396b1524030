"""Ollama's OpenAI-compatible endpoint on this machine: no key; another host via ``$OLLAMA_HOST`` (as Ollama reads it)."""

from __future__ import annotations

from ._server import LocalServer

__all__ = ["Ollama"]


class Ollama(LocalServer):
    label = "Ollama"
    url = "https://ollama.com"
    api_base = "http://localhost:11434/v1"
    api_base_env = "OLLAMA_HOST"  # Ollama's: host[:port] or a URL without /v1 (g4f's older OLLAMA_API_BASE wins)
    default_model = "llama3.2"
    fallback_models = ("llama3.2",)
    default_tag = "latest"  # Ollama lists "llama3.2:latest" and answers to "llama3.2"
