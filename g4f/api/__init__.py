"""An OpenAI-compatible HTTP server (``g4f api``): point any OpenAI client at it.

``GET /v1/models``, ``POST /v1/chat/completions`` (streamed as SSE or not), ``GET /v1/providers``.
Needs aiohttp's server, so it is imported only when used: ``import g4f`` never loads it.
"""

from __future__ import annotations

from .app import create_app
from .server import run_api, serve
from .settings import DEFAULT_HOST, DEFAULT_MAX_BODY_SIZE, DEFAULT_PORT, ServerSettings

__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_BODY_SIZE", "DEFAULT_PORT", "ServerSettings", "create_app", "run_api",
           "serve"]
