"""The API server on 127.0.0.1 (random port) with the official openai SDK as its client."""

from __future__ import annotations

import openai
import pytest

from g4f.api import create_app

from ..client.conftest import local_servers_absent  # noqa: F401  (autouse here too)
from .upstreams import grok_upstream, groq_upstream, xai_upstream  # noqa: F401  (Groq, xAI, grok.com replicas)


@pytest.fixture
async def api(serve):
    """``await api(**create_app kwargs)`` → (server, openai.AsyncOpenAI pointed at it)."""
    clients: list[openai.AsyncOpenAI] = []

    async def start(client_key: str = "unused", **app_options):
        server = await serve(create_app(**app_options))
        client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key=client_key, max_retries=0, timeout=30)
        clients.append(client)
        return server, client

    yield start
    for client in clients:
        await client.close()
