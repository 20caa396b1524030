"""Shared fixtures: an isolated config folder for every test, and local replica servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from g4f.testing.server import LocalServer

CREDENTIAL_ENV = ("GROQ_API_KEY", "XAI_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "G4F_API_KEY",
                  "G4F_LOGIN_URL", "G4F_COOKIES_DIR")


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    """Every test gets its own empty config folder and no credentials from the environment."""
    config = tmp_path / "g4f-config"
    monkeypatch.setenv("G4F_CONFIG_DIR", str(config))
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture(autouse=True)
def isolated_state():
    """Providers registered and health learned in one test do not leak into the next."""
    from g4f.providers.health import health
    from g4f.providers.registry import registry

    registered = dict(registry._registered)
    health.reset()
    yield
    with registry._lock:
        registry._registered.clear()
        registry._registered.update(registered)
    health.reset()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[web.Application], Awaitable[LocalServer]]]:
    """Start aiohttp apps on 127.0.0.1 (random port); they are stopped after the test."""
    servers: list[LocalServer] = []

    async def start(app: web.Application) -> LocalServer:
        server = await LocalServer(app).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()
