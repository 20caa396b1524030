"""Issue 14, point 5, the figure: eight concurrent bodies at the size limit, each holding ~550,000
tiny messages, took a ``g4f api`` process from 70 MB to 1.6 GB RSS (all answered 200).

Now each is refused with a 400 before it is parsed (too many values, or messages), and the server's peak RSS rises by at most
300 MB (the bodies themselves are 160 MB). Measured on a real ``g4f api`` process: its peak RSS
(``VmHWM``, reset through ``/proc/<pid>/clear_refs`` after a warm-up) minus its RSS before.
Run ``python -m tests.security.test_memory`` to print the figures.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from g4f.api.settings import DEFAULT_MAX_BODY_SIZE

from ..client.conftest import closed_port
from .conftest import g4f_command

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(),
                                                   reason="peak RSS is read from Linux's /proc")]

BODIES = 8
LIMIT_MB = 300


def tiny_messages_body(size: int = DEFAULT_MAX_BODY_SIZE - 1024) -> tuple[bytes, int]:
    """A chat body just under ``size`` bytes of ``{"role": "user", "content": "hi"}`` messages."""
    head, item, tail = b'{"model": "m", "messages": [', b'{"role": "user", "content": "hello"}, ', b"{}]}"
    count = (size - len(head) - len(tail)) // len(item)
    return head + item * count + tail, count + 1


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


async def _post_all(port: int, body: bytes) -> list[tuple[int, dict[str, Any]]]:
    async with aiohttp.ClientSession() as session:
        async def post() -> tuple[int, dict[str, Any]]:
            async with session.post(f"http://127.0.0.1:{port}/v1/chat/completions", data=io.BytesIO(body),
                                    headers={"Content-Type": "application/json"}) as response:
                return response.status, await response.json()
        return await asyncio.gather(*(post() for _ in range(BODIES)))


def measure(config_dir: str) -> dict[str, Any]:
    """Start ``g4f api``, send the bodies at once, return the figures (bytes) and the answers."""
    port = closed_port()
    process = g4f_command("api", "--port", str(port), "--no-gui", config_dir=config_dir)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()
            try:
                asyncio.run(_get(port))
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        body, messages = tiny_messages_body()
        asyncio.run(_post_all(port, b'{"model": "m", "messages": []}'))  # warm up the whole path once
        before = _status(process.pid, "VmRSS")
        Path(f"/proc/{process.pid}/clear_refs").write_text("5")  # the peak starts again from now
        started = time.perf_counter()
        answers = asyncio.run(_post_all(port, body))
        elapsed = time.perf_counter() - started
        peak = _status(process.pid, "VmHWM")
    finally:
        process.terminate()
        process.communicate(timeout=30)
    return {"before": before, "peak": peak, "rise": peak - before, "messages": messages,
            "body_size": len(body), "answers": answers, "seconds": elapsed}


async def _get(port: int) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/v1/models") as response:
        await response.read()


def test_eight_bodies_at_the_size_limit_raise_rss_by_at_most_300_mb(tmp_path):
    figures = measure(str(tmp_path))
    for status, answer in figures["answers"]:
        assert status == 400 and answer["error"]["code"] in ("too_many_messages", "too_many_json_values"), answer
    assert figures["messages"] > 450_000
    assert figures["rise"] <= LIMIT_MB * 1024 * 1024, figures


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        result = measure(directory)
    mb = 1024 * 1024
    print(json.dumps({"bodies": BODIES, "messages_each": result["messages"], "body_bytes": result["body_size"],
                      "rss_before_mb": round(result["before"] / mb), "rss_peak_mb": round(result["peak"] / mb),
                      "rise_mb": round(result["rise"] / mb), "statuses": [s for s, _ in result["answers"]],
                      "seconds": round(result["seconds"], 2), "pid_python": sys.version.split()[0],
                      "cpus": os.cpu_count()}, indent=2))
