"""Fixtures for provider tests: Groq's replica, started per test, and a clean model-list cache."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from g4f.Provider.template._model_list import model_cache
from tests.replicas.groq import GroqReplica


@pytest.fixture(autouse=True)
def _fresh_model_cache() -> None:
    model_cache.clear()


@pytest.fixture
async def groq() -> AsyncIterator[GroqReplica]:
    """A running Groq replica; point providers at ``groq.base_url``."""
    async with GroqReplica() as replica:
        yield replica
