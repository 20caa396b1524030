"""Fixtures of the security suite: the API server on loopback with a Groq replica behind it that
holds the server's own key, so a test can tell whether an attacker's request spent it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from g4f.api import create_app
from g4f.Provider import Groq

from ..client.conftest import local_servers_absent  # noqa: F401  (autouse here too)
from ..client.scripted import registered, scripted
from ..replicas.groq import GROQ_KEY, GroqReplica

MESSAGES = [{"role": "user", "content": "Hello"}]


@pytest.fixture
async def replica(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GroqReplica]:
    """Groq's replica, holding the server owner's key; ``provider="GroqHere"`` reaches it."""
    async with GroqReplica() as server:
        monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        provider = type("GroqHere", (Groq,), {"api_base": server.base_url, "max_retries": 0})
        with registered(provider):
            yield server


@pytest.fixture
def echo() -> Any:
    provider = scripted("Echo", ["echo"])
    with registered(provider):
        yield provider


@pytest.fixture
async def api(serve: Any) -> AsyncIterator[Any]:
    """``await api(**create_app options)`` → (server, aiohttp session); the session sends what
    a browser or an attacker would (any Host, Origin and Content-Type)."""
    sessions: list[aiohttp.ClientSession] = []

    async def start(**options: Any) -> tuple[Any, aiohttp.ClientSession]:
        server = await serve(create_app(**options))
        session = aiohttp.ClientSession()
        sessions.append(session)
        return server, session

    yield start
    for session in sessions:
        await session.close()


def g4f_command(*args: str, env: dict[str, str] | None = None, config_dir: Any = None) -> subprocess.Popen[str]:
    """``python -m g4f.cli ARGS`` with no API key from the environment unless ``env`` sets one."""
    environment = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    environment.update(env or {})
    if config_dir is not None:
        environment["G4F_CONFIG_DIR"] = str(config_dir)
    return subprocess.Popen([sys.executable, "-m", "g4f.cli", *args], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
