"""pytest fixtures for testing providers against local replicas, without the network.

Enable them in your project's top ``conftest.py``::

    pytest_plugins = ["g4f.testing.fixtures"]

* ``g4f_isolated`` (autouse): every test gets an empty ``G4F_CONFIG_DIR`` and no ``*_API_KEY``
  from the environment, so a developer's real keys and cached logins never leak into a test;
  secrets registered during a test are forgotten when it ends.
* ``openai_replica``: a started :class:`~g4f.testing.openai_replica.OpenAIReplica`; configure it
  per test with ``@pytest.mark.openai_replica(models=[...], api_key=..., flavour=GROQ)``.
* ``openai_replica_factory``: ``await openai_replica_factory(**options)`` starts more of them.
* ``local_server``: ``await local_server(app)`` serves your own aiohttp replica on 127.0.0.1.

Every server is closed when its test ends. Async fixtures need pytest-asyncio.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from g4f import secrets

from .openai_replica import OpenAIReplica
from .server import LocalServer

__all__ = ["g4f_isolated", "local_server", "openai_replica", "openai_replica_factory"]

#: Variables that hold credentials or point g4f at user files, besides every ``*_API_KEY``.
CREDENTIAL_VARIABLES = ("G4F_LOGIN_URL", "G4F_COOKIES_DIR")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "openai_replica(**options): keyword arguments of the openai_replica fixture's OpenAIReplica "
        "(flavour, api_key, models, strict_models)",
    )


@pytest.fixture(autouse=True)
def g4f_isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty config folder for the test and no credentials from the environment; returns the folder.

    Secrets registered during the test (keys, cookies: see :mod:`g4f.secrets`) are forgotten when
    it ends: one test's key would otherwise be masked, in any 8-character run of it, in the
    messages of every later test (a key holding ``upstream`` turns ``upstream connect error``
    into ``*** connect error``), and whether a test passed would depend on which ran before it.
    """
    config = str(tmp_path_factory.mktemp("g4f-config"))
    monkeypatch.setenv("G4F_CONFIG_DIR", config)
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name in CREDENTIAL_VARIABLES:
            monkeypatch.delenv(name)
    registered = secrets.snapshot()
    yield config
    secrets.restore(registered)


@pytest_asyncio.fixture
async def openai_replica_factory() -> AsyncIterator[Callable[..., Awaitable[OpenAIReplica]]]:
    """Start OpenAI-compatible replicas: ``await openai_replica_factory(models=["m"], api_key=None)``."""
    started: list[OpenAIReplica] = []

    async def start(**options: Any) -> OpenAIReplica:
        replica = await OpenAIReplica(**options).start()
        started.append(replica)
        return replica

    yield start
    for replica in reversed(started):
        await replica.close()


@pytest_asyncio.fixture
async def openai_replica(
    request: pytest.FixtureRequest, openai_replica_factory: Callable[..., Awaitable[OpenAIReplica]]
) -> OpenAIReplica:
    """A started OpenAI-compatible replica; ``@pytest.mark.openai_replica(...)`` sets its options."""
    marker = request.node.get_closest_marker("openai_replica")
    return await openai_replica_factory(**(marker.kwargs if marker else {}))


@pytest_asyncio.fixture
async def local_server() -> AsyncIterator[Callable[[Any], Awaitable[LocalServer]]]:
    """Serve aiohttp applications on 127.0.0.1 (random port): ``server = await local_server(app)``."""
    servers: list[LocalServer] = []

    async def start(app: Any) -> LocalServer:
        server = await LocalServer(app).start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        await server.close()
