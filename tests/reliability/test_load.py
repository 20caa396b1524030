"""Load: the API server holds 200 concurrent streaming clients for 30 s against an upstream that
fails at random on 10% of its requests.

Three processes, as in production: the Groq replica (slow answers, random faults), the API server
as ``g4f api`` runs it, and this test's 200 clients. Every answer must be complete (the whole text,
then ``[DONE]``) or a typed error (an OpenAI error body, or an error event then ``[DONE]``); the
server's memory must be flat from the first 10 s to the end. The figures are printed (run with
``-s``) and recorded in docs/reliability.md.

Nothing sleeps to let the processes get somewhere: the test waits, with a bound, for what they
say (the replica's ``READY <port>``, the server's ``g4f API on ...`` line, printed once it
listens) and for the state it measures (the server's sockets closing after the last answer).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

import aiohttp
import pytest

from g4f.requests.decoders import SSEDecoder

from ..client.conftest import closed_port
from .load_processes import ANSWER

CLIENTS = 200
DURATION = 30.0
ROOT = Path(__file__).resolve().parents[2]
#: Error types an answer may carry (g4f.api.errors): anything else is not a typed error.
TYPED = {"upstream_error", "rate_limit_error", "authentication_error", "invalid_request_error"}


def start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["GROQ_API_KEY"] = "gsk_replicaTestKey0123456789abcdefABCDEF"
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.load_processes", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Output:
    """What a process prints (stdout and stderr), read by threads as it comes.

    Reading it all also keeps the pipes from filling up (a process blocked on a full pipe would
    look like a hang), and it explains a failure.
    """

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._open = 2
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._open -= 1
            self._changed.notify_all()

    def _find(self, prefix: str, timeout: float) -> str | None:
        def found() -> str | None:
            return next((line for line in self.lines if line.startswith(prefix)), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None or not self._open, timeout)
            return found()

    async def wait_for(self, prefix: str, timeout: float) -> str:
        """The first line starting with ``prefix``; fails if none comes within ``timeout`` s."""
        line = await asyncio.to_thread(self._find, prefix, timeout)
        assert line is not None, f"no line {prefix!r} within {timeout} s; the process said:\n{self.tail()}"
        return line

    def tail(self) -> str:
        return "".join(self.lines)[-2000:]


async def settled(measure: Callable[[], int], limit: int, timeout: float) -> int:
    """``measure()`` once it is at most ``limit``, or its value after ``timeout`` s (then above it)."""
    deadline = time.monotonic() + timeout
    value = measure()
    while value > limit and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        value = measure()
    return value


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def one_answer(session: aiohttp.ClientSession, url: str) -> tuple[str, float]:
    """('complete' | 'error:<type>' | a description of what went wrong, seconds)."""
    body = {"model": "llama-3.3-70b-versatile", "provider": "GroqLoad", "stream": True,
            "messages": [{"role": "user", "content": "Count to forty"}]}
    started = time.monotonic()
    async with session.post(f"{url}/v1/chat/completions", json=body) as response:
        if response.status != 200:
            error = (await response.json()).get("error", {})
            kind = error.get("type")
            ok = kind in TYPED and error.get("message") and 400 <= response.status < 600 and response.status != 500
            return (f"error:{kind}" if ok else f"BAD status {response.status}: {error}"), time.monotonic() - started
        decoder = SSEDecoder()
        text: list[str] = []
        error_event = None
        done = False
        async for chunk in response.content.iter_any():
            for _, data in decoder.feed(chunk):
                if data == b"[DONE]":
                    done = True
                    continue
                event = json.loads(data)
                if "error" in event:
                    error_event = event["error"]
                    continue
                for choice in event.get("choices") or []:
                    text.append((choice.get("delta") or {}).get("content") or "")
    seconds = time.monotonic() - started
    if not done:
        return f"BAD: no [DONE] after {''.join(text)[-40:]!r}", seconds
    if error_event is not None:
        ok = error_event.get("type") in TYPED and error_event.get("message")
        return (f"error:{error_event['type']}" if ok else f"BAD error event {error_event}"), seconds
    if "".join(text) != ANSWER:
        return f"BAD: incomplete answer {''.join(text)[-40:]!r} passed as complete", seconds
    return "complete", seconds


@pytest.mark.slow
async def test_200_streaming_clients_for_30_seconds_with_random_upstream_faults() -> None:
    replica = start("replica", "--delay", "0.05", "--fault-rate", "0.1")
    server = None
    try:
        line = await Output(replica).wait_for("READY", 30)
        upstream = f"http://127.0.0.1:{int(line.split()[1])}/openai/v1"
        port = closed_port()
        server = start("server", "--upstream", upstream, "--port", str(port), "--read-timeout", "2")
        server_output = Output(server)
        await server_output.wait_for("g4f API on ", 30)  # printed once the socket listens
        url = f"http://127.0.0.1:{port}"
        pid = server.pid
        fds_before = fd_count(pid)

        results: Counter[str] = Counter()
        durations: list[float] = []
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        deadline = started + DURATION

        async def client(session: aiohttp.ClientSession) -> None:
            while time.monotonic() < deadline:
                try:
                    outcome, seconds = await asyncio.wait_for(one_answer(session, url), 60)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    outcome, seconds = f"BAD transport: {type(exc).__name__}: {exc}", 0.0
                results[outcome] += 1
                durations.append(seconds)

        async def sample_memory() -> None:
            while time.monotonic() < deadline:
                samples.append((time.monotonic() - started, rss_mb(pid)))
                await asyncio.sleep(1.0)

        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=90)) as session:
            await asyncio.gather(sample_memory(), *(client(session) for _ in range(CLIENTS)))
        elapsed = time.monotonic() - started

        # The clients' connections are closed; what stays open is the pool of idle keep-alive
        # connections to the upstream, at most one per concurrent stream. The server closes its
        # ends of the clients' connections as it reads their EOFs: wait for that, with a bound.
        fd_limit = fds_before + CLIENTS + 10
        fds_after = await settled(lambda: fd_count(pid), fd_limit, timeout=15)
        early = [mb for at, mb in samples if 5 <= at <= 10]
        late = [mb for at, mb in samples if at >= DURATION - 5]
        bad = {outcome: count for outcome, count in results.items() if outcome.startswith("BAD")}
        total = sum(results.values())
        typed_errors = total - results["complete"] - sum(bad.values())
        rss_early, rss_late = round(statistics.mean(early), 1), round(statistics.mean(late), 1)
        summary = {
            "clients": CLIENTS, "seconds": round(elapsed, 1), "answers": total,
            "complete": results["complete"], "typed_errors": typed_errors,
            "error_kinds": {k: v for k, v in results.items() if k.startswith("error:")}, "bad": bad,
            "answer_seconds_p50": round(statistics.median(durations), 2),
            "answer_seconds_p99": round(sorted(durations)[int(len(durations) * 0.99)], 2),
            "rss_mb_5_10s": rss_early, "rss_mb_last_5s": rss_late,
            "rss_mb_max": round(max(mb for _, mb in samples), 1), "server_fds_before": fds_before,
            "server_fds_after": fds_after,
        }
        print("\nLOAD", json.dumps(summary))
        assert not bad, summary
        assert total > CLIENTS * 3, summary  # every client kept streaming for the whole time
        assert typed_errors > 0, summary  # the faults were met (and reported as such)
        # Flat memory: the last 5 s within 10% (or 10 MB) of the 5-10 s window.
        assert rss_late <= max(rss_early * 1.10, rss_early + 10), summary
        assert fds_after <= fd_limit, (summary, server_output.tail())
    finally:
        for process in (server, replica):
            if process is not None and process.poll() is None:
                process.terminate()  # its output is read by Output's threads, so wait() cannot block on a pipe
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
