"""The version: one source, read without the network; the latest one only on demand."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from aiohttp import web

import g4f
from g4f.errors import VersionNotFoundError
from g4f.version import utils


def test_current_version_is_the_installed_one():
    try:
        assert installed_version("g4f") == g4f.__version__  # one source for the package metadata too
    except PackageNotFoundError:  # running from a source tree that is not installed
        pass
    assert utils.current_version == g4f.__version__
    assert g4f.version.utils.current_version == g4f.__version__
    assert all(part.isdigit() for part in g4f.__version__.split(".")[:2])


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_latest_version_offline_raises(monkeypatch, closed_port):
    monkeypatch.setenv("G4F_PYPI_URL", f"http://127.0.0.1:{closed_port}/pypi/g4f/json")
    with pytest.raises(VersionNotFoundError, match="latest g4f version"):
        _ = utils.latest_version


def pypi_app(status: int = 200, body: object = None) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        if body is None:
            return web.json_response({"info": {"name": "g4f", "version": "9.8.7"}, "releases": {}}, status=status)
        return web.Response(text=str(body), status=status)

    app = web.Application()
    app.router.add_get("/pypi/g4f/json", handler)
    return app


async def test_latest_version_from_the_index(serve, monkeypatch):
    server = await serve(pypi_app())
    monkeypatch.setenv("G4F_PYPI_URL", f"{server.url}/pypi/g4f/json")
    assert await asyncio.to_thread(lambda: utils.latest_version) == "9.8.7"


@pytest.mark.parametrize(("status", "body"), [(500, "oops"), (200, "not json"), (200, '{"info": {}}')])
async def test_latest_version_bad_answers_raise(serve, monkeypatch, status, body):
    server = await serve(pypi_app(status, body))
    monkeypatch.setenv("G4F_PYPI_URL", f"{server.url}/pypi/g4f/json")
    with pytest.raises(VersionNotFoundError):
        await asyncio.to_thread(lambda: utils.latest_version)


def test_import_never_asks_for_the_latest_version(closed_port):
    # Pointing the index at a closed port would make an import-time lookup fail or hang; the
    # import must not even load an HTTP client.
    code = (
        "import sys, g4f, g4f.version\n"
        "assert 'urllib.request' not in sys.modules and 'http.client' not in sys.modules, 'network at import'\n"
        "print(g4f.version.utils.current_version)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
        cwd=Path(__file__).parent.parent,
        env={"G4F_PYPI_URL": f"http://127.0.0.1:{closed_port}/", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == g4f.__version__
