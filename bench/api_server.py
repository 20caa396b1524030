"""Scenario 6: the same streams through ``g4f api`` as straight to the replica.

``python bench/api_server.py <upstream /v1 URL> <port>`` runs the real ``g4f api`` command
(``g4f.cli.main(["api", ...])``) with Groq's base URL moved to the replica, the one thing that
differs from production (as in the project's tests). The client is plain aiohttp both ways, so
the ratio is what the server costs: it parses Groq's stream and writes its own SSE.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["api_server", "measure_api"]

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
SCENARIO = "6 API server"
DIRECT, THROUGH = "aiohttp → replica", "aiohttp → g4f api"
CLIENT_CPU, SERVER_CPU, RELAYED_CPU = "aiohttp client, direct", "g4f api server process", "aiohttp client, via g4f api"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 10 ms resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def api_server(upstream: str) -> Iterator[tuple[str, int]]:
    """``g4f api`` in its own process, Groq pointed at ``upstream``; yields its ``/v1`` URL and pid."""
    from contenders import API_KEY

    port = _free_port()
    env = {**os.environ, "GROQ_API_KEY": API_KEY, "PYTHONPATH": ROOT}
    process = subprocess.Popen([sys.executable, __file__, upstream, str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        # Up to "g4f API on http://127.0.0.1:<port>/v1 (Ctrl+C to stop)"; lines before it (which
        # providers can answer, the web chat's address) vary. EOF: the server exited.
        seen: list[str] = []
        while not seen or "g4f API on" not in seen[-1]:
            line = process.stderr.readline()
            if not line or len(seen) > 100:
                process.kill()
                raise RuntimeError("g4f api did not start: " + "".join(seen)[-2000:] + process.stderr.read()[-2000:])
            seen.append(line)
        yield f"http://127.0.0.1:{port}/v1", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure_api(upstream: str, chunks: int, short_chunks: int, rounds: int, skipped: dict[str, str]) -> list:
    from contenders import G4FGroq, make_contender
    from scenarios import Measurement, rotate

    why = G4FGroq.available()
    if why:
        skipped[THROUGH] = why
        return []
    print(f"6 API server ({rounds} rounds)", file=sys.stderr)
    throughput = {n: Measurement(SCENARIO, "throughput", n, "chunks/s", True, note=f"{chunks:,} chunks")
                  for n in (DIRECT, THROUGH)}
    latency = {n: Measurement(SCENARIO, "short stream median", n, "ms", False) for n in (DIRECT, THROUGH)}
    # Where the time goes: the client's CPU per chunk straight from the replica, and the API
    # server process's CPU per chunk when it relays the same stream.
    cost = {n: Measurement(SCENARIO, "CPU per chunk", n, "µs", False) for n in (CLIENT_CPU, SERVER_CPU, RELAYED_CPU)}

    async def run(api_url: str, pid: int) -> None:
        clients = {DIRECT: make_contender("aiohttp", upstream),
                   THROUGH: make_contender("aiohttp", api_url, extra_body={"provider": "Groq"})}
        for client in clients.values():
            await client.start()
        try:
            for name, client in clients.items():
                assert await client.stream(chunks) == chunks, name  # warm-up, and proof of completeness
            for r in range(rounds):
                for name in rotate(list(clients), r):
                    start, cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(pid)
                    got = await clients[name].stream(chunks)
                    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
                    if name == DIRECT:
                        _add(cost[CLIENT_CPU], cpu / chunks * 1e6)
                    else:
                        _add(cost[SERVER_CPU], (cpu_seconds(pid) - server_cpu) / chunks * 1e6)
                        _add(cost[RELAYED_CPU], cpu / chunks * 1e6)
                    if got != chunks:
                        raise RuntimeError(f"{name} delivered {got} of {chunks} deltas")
                    throughput[name].samples.append(chunks / elapsed)
                    throughput[name].per_round.append(chunks / elapsed)
                    times = []
                    for _ in range(50):
                        start = time.perf_counter()
                        await clients[name].stream(short_chunks)
                        times.append((time.perf_counter() - start) * 1000)
                    times.sort()
                    latency[name].samples.extend(times)
                    latency[name].per_round.append(times[len(times) // 2])
                print(f"  API server round {r + 1}/{rounds}: " + ", ".join(
                    f"{k} {v.per_round[-1]:,.0f}/s" for k, v in throughput.items()), file=sys.stderr, flush=True)
        finally:
            for client in clients.values():
                await client.aclose()

    with api_server(upstream) as (api_url, pid):
        asyncio.run(run(api_url, pid))
    return [*throughput.values(), *latency.values(), *cost.values()]


def _add(measurement: Any, value: float) -> None:
    measurement.samples.append(value)
    measurement.per_round.append(value)


def _serve(upstream: str, port: int) -> int:
    sys.path.insert(0, ROOT)
    from g4f.cli import main
    from g4f.Provider import Groq

    Groq.api_base = upstream  # the replica instead of api.groq.com: nothing else changes
    return main(["api", "--host", "127.0.0.1", "--port", str(port)])


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1], int(sys.argv[2])))
