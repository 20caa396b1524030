"""Throughput of ``g4f api`` with 1 and 2 workers, and what Redis-shared state costs per request.

``python bench/workers.py [--duration 10] [--concurrency 32] [--tokens 20]`` starts the bench
replica (``bench/replica.py``: pre-encoded SSE, so the upstream costs next to nothing), a
``redis-server`` (``--save ""``, for the configurations that use it) and, one configuration after
the other, the real ``g4f api`` command with Groq's base URL moved to the replica. A load of
``--concurrency`` keep-alive clients (aiohttp, in this process) sends short streamed chat
completions for ``--duration`` seconds after a warm-up; every answer is checked complete (all
its tokens, then ``[DONE]``). Per configuration it prints requests/s, p50/p99 latency, and CPU
per request of the server's processes and of Redis; ``--json FILE`` writes the same as JSON.

The configurations: 1 worker; 2 workers; 2 workers with ``--redis``; 2 workers with ``--redis``
and ``--rate-limit`` (one Redis round trip per request, the per-request cost of shared state); and
1 worker with a local and with a Redis ``--rate-limit`` for comparison. Then (``--calls``) each
shared-state operation a request may make is timed alone, one call after the other, against the
local backend and against Redis: wall time, this process's CPU and Redis's CPU per call. The client shares the machine's cores
with the server, as a load balancer on the same host would; on a machine that others load, the
figures say so (the load average is printed with them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
API_KEY = "gsk_bench_not_a_secret"
BODY = {"model": "llama-3.3-70b-versatile", "provider": "Groq", "stream": True,
        "messages": [{"role": "user", "content": "Say something short"}]}
#: (name, workers, uses Redis, extra g4f api options)
CONFIGS: tuple[tuple[str, int, bool, tuple[str, ...]], ...] = (
    ("1 worker", 1, False, ()),
    ("2 workers", 2, False, ()),
    ("2 workers, --redis", 2, True, ()),
    ("2 workers, --redis --rate-limit", 2, True, ("--rate-limit", "10000000/min")),
    ("1 worker, local --rate-limit", 1, False, ("--rate-limit", "10000000/min")),
    ("1 worker, --redis --rate-limit", 1, True, ("--rate-limit", "10000000/min")),
)


@dataclass
class Result:
    name: str
    workers: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    server_cpu_s: float = 0.0
    redis_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        per_request = 1000 / self.requests if self.requests else 0.0
        return {"config": self.name, "workers": self.workers, "requests": self.requests, "errors": self.errors,
                "requests_per_s": round(self.rps, 1), "p50_ms": round(self.percentile(50), 2),
                "p99_ms": round(self.percentile(99), 2),
                "server_cpu_ms_per_request": round(self.server_cpu_s * per_request, 3),
                "redis_cpu_ms_per_request": round(self.redis_cpu_s * per_request, 3)}


# -- processes ----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The pids of a process's children (the workers of a supervising ``g4f api``)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(child) for child in found.read().split()]
    except FileNotFoundError:
        return []


def tree_cpu(pid: int) -> float:
    """CPU of a process and its children (the supervisor and its workers)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children(pid))


def start_replica(tokens: int) -> tuple[subprocess.Popen[str], str]:
    # stdin a pipe: the replica stops when it closes (no orphan server)
    process = subprocess.Popen([sys.executable, os.path.join(BENCH_DIR, "replica.py"), "--default-tokens",
                                str(tokens)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY"):
        raise RuntimeError(f"the replica did not start: {line!r}")
    return process, f"http://127.0.0.1:{line.split()[1]}/openai/v1"


def start_server(upstream: str, workers: int, options: tuple[str, ...], redis_url: str | None
                 ) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("G4F_")}
    env.update({"GROQ_API_KEY": API_KEY, "PYTHONPATH": ROOT, "G4F_DISABLE_PLUGIN_AUTOLOAD": "1"})
    if redis_url:
        env["G4F_REDIS_URL"] = redis_url
    args = [sys.executable, __file__, "serve", upstream, "--port", str(port), "--workers", str(workers), *options]
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen[str]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- load ---------------------------------------------------------------------------------------
async def _ready(url: str, process: subprocess.Popen[str], workers: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"g4f api exited: {process.stderr.read() if process.stderr else ''}")
            try:
                async with session.get(f"{url}/v1/models") as response:
                    if response.status == 200 and (workers == 1 or len(children(process.pid)) >= workers):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("g4f api did not answer")


async def _load(url: str, seconds: float, concurrency: int, tokens: int, result: Result | None) -> None:
    body = json.dumps(BODY).encode()
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    stop_at = time.monotonic() + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            ok = False
            try:
                async with session.post(f"{url}/v1/chat/completions", data=body, headers=headers) as response:
                    data = await response.read()
                    ok = (response.status == 200 and data.endswith(b"data: [DONE]\n\n")
                          and data.count(b'"content":') >= tokens)
            except aiohttp.ClientError:
                ok = False
            if result is not None:
                result.requests += ok
                result.errors += not ok
                if ok:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))


def measure(name: str, workers: int, redis: Any, options: tuple[str, ...], upstream: str,
            args: argparse.Namespace) -> Result:
    process, url = start_server(upstream, workers, options, redis.url if redis else None)
    try:
        asyncio.run(_ready(url, process, workers))
        asyncio.run(_load(url, args.warmup, args.concurrency, args.tokens, None))
        result = Result(name, workers)
        server_cpu, redis_cpu = tree_cpu(process.pid), cpu_seconds(redis.process.pid) if redis else 0.0
        started = time.monotonic()
        asyncio.run(_load(url, args.duration, args.concurrency, args.tokens, result))
        result.seconds = time.monotonic() - started
        result.server_cpu_s = tree_cpu(process.pid) - server_cpu
        result.redis_cpu_s = (cpu_seconds(redis.process.pid) - redis_cpu) if redis else 0.0
        return result
    finally:
        stop(process)


def table(results: list[Result]) -> str:
    rows = [r.summary() for r in results]
    lines = ["| configuration | requests/s | p50 ms | p99 ms | server CPU ms/request | Redis CPU ms/request | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row['config']} | {row['requests_per_s']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
                     f"{row['server_cpu_ms_per_request']:.3f} | {row['redis_cpu_ms_per_request']:.3f} | "
                     f"{row['errors']} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per configuration")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before measuring")
    parser.add_argument("--concurrency", type=int, default=32, help="clients sending at once")
    parser.add_argument("--tokens", type=int, default=20, help="content deltas per answer (a short stream)")
    parser.add_argument("--only", action="append", help="run only the configurations with this in their name")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--calls", type=int, default=5000,
                        help="also time each shared-state operation this many times, local and Redis (0: not)")
    args = parser.parse_args(argv)
    configs = [c for c in CONFIGS if not args.only or any(part in c[0] for part in args.only)]
    if not configs:
        parser.error(f"no configuration matches; they are: {', '.join(c[0] for c in CONFIGS)}")
    sys.path.insert(0, ROOT)
    replica, upstream = start_replica(args.tokens)
    redis = None
    try:
        if args.calls or any(uses_redis for _, _, uses_redis, _ in configs):
            from tests.scale.redis_server import REDIS_SERVER, RedisServer

            if REDIS_SERVER is None:
                parser.error("redis-server is not installed (apt-get install redis-server)")
            redis = RedisServer().start()
        results = []
        for name, workers, uses_redis, options in configs:
            print(f"{name} ...", file=sys.stderr, flush=True)
            results.append(measure(name, workers, redis if uses_redis else None, options, upstream, args))
            print(f"  {results[-1].summary()}", file=sys.stderr, flush=True)
        calls = asyncio.run(_calls(redis.url, redis.process.pid, args.calls)) if args.calls and redis else []
    finally:
        if redis is not None:
            redis.close()
        stop(replica)
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end; "
          f"{args.concurrency} clients, {args.tokens}-token streams, {args.duration:g} s per configuration")
    print(table(results))
    if calls:
        print()
        print(calls_table(calls))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"load_average": load, "cores": os.cpu_count(), "options": vars(args),
                       "results": [r.summary() for r in results], "calls": calls}, out, indent=2)
    return 1 if any(r.errors for r in results) else 0


# -- the calls themselves -------------------------------------------------------------------------
async def _calls(url: str, redis_pid: int, count: int) -> list[dict[str, Any]]:
    """Each shared-state operation a request may make, timed one after the other: local vs Redis."""
    from g4f.providers.health import ProviderHealth
    from g4f.shared import LocalBackend, RateLimit, RateLimiter, Store, use_backend
    from g4f.shared.state import SharedState

    limiter = RateLimiter(requests=RateLimit.parse("100000000/min"))
    store = Store("bench", max_entries=100_000, ttl=600)
    value = {"provider": "Grok", "conversation_id": "0f5a1c2e-7b3d-4e8f-9a6b-1c2d3e4f5a6b", "turns": 4}
    operations = {
        "rate limit check (one request)": lambda i: limiter.admit("bench-key"),
        "store set (1 small JSON value)": lambda i: store.set(f"k{i % 5000}", value),
        "store get": lambda i: store.get(f"k{i % 5000}"),
    }
    rows = []
    state = SharedState(url, health=ProviderHealth(), install=False)
    await state.start()
    try:
        for backend_name, backend in (("local", LocalBackend()), ("redis", state.backend)):
            use_backend(backend)
            for name, operation in operations.items():
                for i in range(200):  # warm-up (connections, script cache)
                    await operation(i)
                wall, cpu = time.perf_counter(), time.process_time()
                redis_cpu = cpu_seconds(redis_pid)
                for i in range(count):
                    await operation(i)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                redis_cpu = cpu_seconds(redis_pid) - redis_cpu if backend_name == "redis" else 0.0
                rows.append({"operation": name, "backend": backend_name, "calls": count,
                             "wall_us_per_call": round(wall / count * 1e6, 1),
                             "g4f_cpu_us_per_call": round(cpu / count * 1e6, 1),
                             "redis_cpu_us_per_call": round(redis_cpu / count * 1e6, 1)})
    finally:
        use_backend(None)
        await state.close()
    return rows


def calls_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| operation | backend | µs per call (wall) | g4f CPU µs | Redis CPU µs |", "| --- | --- | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row['operation']} | {row['backend']} | {row['wall_us_per_call']:.1f} | "
                     f"{row['g4f_cpu_us_per_call']:.1f} | {row['redis_cpu_us_per_call']:.1f} |")
    return "\n".join(lines)


def _serve(upstream: str, options: list[str]) -> int:
    sys.path.insert(0, ROOT)
    from g4f.cli import main as g4f
    from g4f.Provider import Groq

    Groq.api_base = upstream  # the replica instead of api.groq.com: nothing else changes
    return g4f(["api", "--host", "127.0.0.1", *options])


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        sys.exit(_serve(sys.argv[2], sys.argv[3:]))
    sys.exit(main(sys.argv[1:]))
