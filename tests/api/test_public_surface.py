"""The API server's public names, and that neither the server nor the client loads with ``import g4f``."""

from __future__ import annotations

import subprocess
import sys

import g4f.api


def test_public_names():
    assert sorted(g4f.api.__all__) == sorted(
        ["create_app", "run_api", "serve", "ServerSettings", "DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_MAX_BODY_SIZE"])
    assert (g4f.api.DEFAULT_HOST, g4f.api.DEFAULT_PORT) == ("127.0.0.1", 1337)
    for name in g4f.api.__all__:
        assert getattr(g4f.api, name) is not None


def test_import_g4f_loads_neither_the_server_nor_the_client():
    code = "import sys, g4f; print([m for m in ('g4f.api', 'g4f.client', 'g4f.cli', 'aiohttp') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
