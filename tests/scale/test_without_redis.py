"""Without ``--redis`` nothing changes: no Redis import, no shared state; bad options are one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import asyncio, sys
import g4f
assert "redis" not in sys.modules and "g4f.shared" not in sys.modules, "import g4f loaded them"
from aiohttp import ClientSession, web
from g4f.api import ServerSettings, create_app
from g4f.shared import current_backend

async def main():
    settings = ServerSettings(port=0, rate_limit=__import__("g4f.shared", fromlist=["RateLimit"]).RateLimit.parse("5/min"))
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/v1/models") as response:
            assert response.status == 200
        for _ in range(6):
            async with session.post(f"http://127.0.0.1:{port}/v1/chat/completions", json={}) as response:
                last = response.status
    await runner.cleanup()
    print(current_backend().name, last)

asyncio.run(main())
loaded = sorted(name for name in sys.modules if name == "redis" or name.startswith(("redis.", "cryptography")))
print(loaded)
"""


def test_a_server_without_redis_never_imports_it(tmp_path):
    env = {**os.environ, "G4F_CONFIG_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("G4F_REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", PROBE], check=False, capture_output=True, text=True, timeout=120, env=env,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    backend, refused = result.stdout.splitlines()[0].split()
    assert backend == "local" and refused == "429"  # limits work, counted in the process
    assert result.stdout.splitlines()[1] == "[]"


def run_cli(capsys, monkeypatch, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``g4f api ARGS`` in this process (every case here stops before anything is bound)."""
    from g4f.cli import main

    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    try:
        status = main(["api", *args])
    except SystemExit as exit:  # argparse's own errors
        status = int(exit.code or 0)
    return status, capsys.readouterr().err


@pytest.mark.parametrize(("args", "expected"), [
    (("--workers", "0"), "--workers must be at least 1"),
    (("--redis", "ftp://user:hunter2-secret-pass@host/0"), "is not a Redis URL"),
    (("--redis", "redis://:hunter2-secret-pass@"), "names no host"),
    (("--redis", "redis://localhost:6379", "--redis-timeout", "0"), "--redis-timeout must be"),
    (("--rate-limit", "lots"), "is not a rate"),
    (("--token-limit", "0/min"), "at least 1"),
])
def test_a_bad_option_is_refused_in_words_that_show_no_password(args, expected, capsys, monkeypatch):
    status, stderr = run_cli(capsys, monkeypatch, "--port", "1", *args)
    assert status != 0
    assert expected in stderr
    assert "hunter2-secret-pass" not in stderr and "Traceback" not in stderr


def test_a_short_secret_key_is_refused_without_showing_it(capsys, monkeypatch):
    status, stderr = run_cli(capsys, monkeypatch, "--port", "1", "--redis", "redis://127.0.0.1:1/0",
                             env={"G4F_SECRET_KEY": "short-key"})
    assert status == 1
    assert "G4F_SECRET_KEY must be at least 16 characters" in stderr and "short-key" not in stderr
