"""Shared fixtures. The plugin-author fixtures (``g4f.testing.fixtures``) isolate every test's
config folder and credentials and serve replicas on loopback; this file only adds the state
that the framework itself keeps per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.replicas.groq import GroqReplica

pytest_plugins = ["g4f.testing.fixtures"]


@pytest.fixture
def isolated_config(g4f_isolated: str) -> Path:
    """The test's empty config folder (``$G4F_CONFIG_DIR``, set by ``g4f_isolated``), as a Path."""
    return Path(g4f_isolated)


@pytest.fixture(autouse=True)
def isolated_state():
    """Providers registered, health learned and model lists fetched in one test do not leak
    into the next."""
    from g4f.Provider.template._model_list import model_cache
    from g4f.providers import history
    from g4f.providers.health import health
    from g4f.providers.registry import registry

    snapshot = registry.snapshot()
    health.reset()
    model_cache.clear()
    history.clear()  # conversations recovered from one test's history are not another's
    yield
    registry.restore(snapshot)
    health.reset()
    model_cache.clear()
    history.clear()


@pytest.fixture
def serve(local_server):
    """``await serve(app)``: the kit's ``local_server`` (aiohttp apps on 127.0.0.1, random port)."""
    return local_server


@pytest.fixture
async def groq() -> AsyncIterator[GroqReplica]:
    """A running Groq replica; point providers at ``groq.base_url``."""
    async with GroqReplica() as replica:
        yield replica
