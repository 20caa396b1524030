"""Fixtures of the reliability suite: ``upstream`` runs each test once per provider kind."""

from __future__ import annotations

from typing import Any

import pytest

from .upstreams import Upstream, start_grok, start_groq


@pytest.fixture(params=["openai", "grok"])
async def upstream(request: pytest.FixtureRequest, serve: Any, monkeypatch: pytest.MonkeyPatch) -> Upstream:
    if request.param == "openai":
        return await start_groq(serve, monkeypatch)
    return await start_grok(serve, monkeypatch)
