"""g4f api against the proxies users would run instead: LiteLLM's and gpt4free's, and no proxy.

    python bench/proxies.py                 # the full run (about 5 minutes with LiteLLM's start)
    python bench/proxies.py --quick         # fewer rounds and requests
    python bench/proxies.py --contenders g4f api,gpt4free --no-install --json proxies.json

The same upstream (``bench/replica.py``, in its own process) stands behind each contender (see
``bench/proxy_servers.py``: how each is installed, configured and started), and the same load
generator (``bench/proxy_load.py``: plain aiohttp + json, in this process) drives them all. Each
round runs every phase for every contender, in an order rotated from round to round, so machine
noise hits all alike; the table shows medians over rounds (p99: over all samples) and, for each
proxy, what it adds to going straight to the upstream. The phases:

* latency: sequential 20-token streams (time to the first content delta and to the end of the
  stream) and sequential non-streamed answers;
* a 20,000-chunk stream (2,000 with ``--quick``): chunks per second, and the server's CPU time
  per chunk;
* 50 and then 500 streams in flight at all times: requests per second, the server's CPU seconds
  per 1,000 requests, and its peak resident memory during the 500 (the kernel's high-water mark,
  reset before the phase: ``/proc/<pid>/clear_refs``).

Server figures are the whole process tree's, read from ``/proc`` (Linux). LiteLLM and gpt4free
are installed into venvs of their own on first use (pinned versions, printed in the table); a
contender that cannot be installed or started is skipped and the table says why. Every server
listens on 127.0.0.1 only and is stopped at the end, on an error or Ctrl+C too. This is a
benchmark, not a test: pytest never runs it (``tests/bench/`` checks only that each contender
gives the upstream's exact text). See docs/performance.md, "Proxies".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from proxy_load import LoadClient, ProxyError
from proxy_servers import CONTENDERS, START_TIMEOUT, Endpoint, upstream
from scenarios import Measurement, percentile, rotate

__all__ = ["FULL", "QUICK", "Sizes", "main", "render", "started"]

SCENARIO = "proxies"
BASE = "no proxy"


@dataclass(frozen=True)
class Sizes:
    rounds: int
    streams: int  # sequential 20-token streams per round
    completions: int  # sequential non-streamed answers per round
    long_chunks: int
    at_50: int  # requests per round with 50 in flight
    at_500: int  # requests per round with 500 in flight


FULL = Sizes(rounds=5, streams=200, completions=100, long_chunks=20_000, at_50=1_000, at_500=1_500)
#: Enough to check the harness: the per-chunk cost does not depend on the stream's length, and
#: 500 requests are one wave of 500 streams in flight.
QUICK = Sizes(rounds=2, streams=30, completions=15, long_chunks=2_000, at_50=100, at_500=500)
SHORT = 20  # tokens of a short answer


@dataclass(frozen=True)
class Row:
    metric: str
    unit: str
    higher_is_better: bool
    pooled: bool = False  # a p99 of all samples, not a median of per-round values
    server_only: bool = False  # a figure of the proxy process: none for "no proxy"
    added: bool = False  # show what a proxy adds to "no proxy" (latencies)


ROWS = [
    Row("first chunk, p50", "ms", False, added=True),
    Row("first chunk, p99", "ms", False, pooled=True, added=True),
    Row("full streamed answer, p50", "ms", False, added=True),
    Row("full streamed answer, p99", "ms", False, pooled=True, added=True),
    Row("non-streamed answer, p50", "ms", False, added=True),
    Row("non-streamed answer, p99", "ms", False, pooled=True, added=True),
    Row("requests/s, 50 streams in flight", "/s", True),
    Row("requests/s, 500 streams in flight", "/s", True),
    Row("long stream", "chunks/s", True),
    Row("server CPU per chunk (long stream)", "µs", False, server_only=True),
    Row("server CPU s per 1,000 requests (50 in flight)", "s", False, server_only=True),
    Row("server CPU s per 1,000 requests (500 in flight)", "s", False, server_only=True),
    Row("server RSS, idle", "MiB", False, server_only=True),
    Row("server RSS, peak with 500 streams in flight", "MiB", False, server_only=True),
]


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def started(names: list[str], base_url: str, install: bool, skipped: dict[str, str],
            required: tuple[str, ...] = (BASE, "g4f api")) -> Iterator[dict[str, Endpoint]]:
    """The contenders' servers, all started at once (LiteLLM takes the longest) and all stopped
    on leaving; yields the endpoints of those that answered. A contender in ``required`` that
    fails raises; any other is put in ``skipped`` with the reason."""
    endpoints: dict[str, Endpoint] = {}
    with tempfile.TemporaryDirectory(prefix="g4f-bench-proxies-") as workdir, contextlib.ExitStack() as stack:
        for name in names:
            contender = CONTENDERS[name]
            why = contender.prepare(install, _progress)
            if why:
                if name in required:
                    raise RuntimeError(f"{name}: {why}")
                skipped[name] = why
                continue
            endpoint = contender.launch(base_url, Path(workdir))
            if endpoint.server is not None:
                stack.callback(endpoint.server.stop)
            endpoints[name] = endpoint
        deadline = time.monotonic() + START_TIMEOUT
        for name, endpoint in list(endpoints.items()):
            if endpoint.server is None:
                continue
            began = time.monotonic()
            try:
                endpoint.server.wait_ready(deadline)
            except RuntimeError as exc:
                if name in required:
                    raise
                _progress(str(exc))
                skipped[name] = str(exc).splitlines()[0]
                endpoint.server.stop()
                del endpoints[name]
                continue
            _progress(f"{name} ready (waited {time.monotonic() - began:.1f} s more)")
        yield endpoints


class Bench:
    """The measurements of one run, in interleaved rounds."""

    def __init__(self, endpoints: dict[str, Endpoint], sizes: Sizes, skipped: dict[str, str]) -> None:
        self.endpoints, self.sizes, self.skipped = endpoints, sizes, skipped
        self.data: dict[tuple[str, str], Measurement] = {}
        for row in ROWS:
            for name, endpoint in endpoints.items():
                if row.server_only and endpoint.server is None:
                    continue
                self.data[row.metric, name] = Measurement(SCENARIO, row.metric, name, row.unit, row.higher_is_better,
                                                          pooled_percentile=99 if row.pooled else None)
        self.clients: dict[str, LoadClient] = {}
        self.peak_exact = True

    def _add(self, metric: str, name: str, value: float, samples: list[float] | None = None) -> None:
        m = self.data[metric, name]
        m.per_round.append(value)
        m.samples.extend(samples if samples is not None else [value])

    async def run(self) -> None:
        for name, endpoint in self.endpoints.items():
            client = self.clients[name] = LoadClient(endpoint)
            await client.start()
        try:
            for name in list(self.clients):
                await self._guard(name, self._warm_up)
            phases: list[Callable[[str], Awaitable[None]]] = [self._latency, self._long, self._at_50, self._at_500]
            for r in range(self.sizes.rounds):
                for phase in phases:
                    for name in rotate(list(self.clients), r):
                        began = time.perf_counter()
                        await self._guard(name, phase)
                        _progress(f"  round {r + 1} {phase.__name__.strip('_')}: {name} "
                                  f"{time.perf_counter() - began:.1f} s")
                _progress(f"round {r + 1}/{self.sizes.rounds}: " + ", ".join(
                    f"{name} {self._last('first chunk, p50', name)}" for name in self.clients))
        finally:
            for client in self.clients.values():
                await client.aclose()

    def _last(self, metric: str, name: str) -> str:
        values = self.data[metric, name].per_round
        return f"{values[-1]:.2f} ms" if values else "-"

    async def _guard(self, name: str, phase: Callable[[str], Awaitable[None]]) -> None:
        """A contender that fails is reported and dropped; the others' figures stand."""
        if name not in self.clients:
            return
        try:
            await phase(name)
        except Exception as exc:
            if name == BASE:
                raise
            traceback.print_exc()
            self.skipped[name] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
            await self.clients.pop(name).aclose()

    async def _warm_up(self, name: str) -> None:
        client = self.clients[name]
        for _ in range(5):
            await client.stream(SHORT)
            await client.complete(SHORT)
        await client.stream(500)
        await client.many(50, 100, SHORT)
        server = self.endpoints[name].server
        if server is not None:
            self._add("server RSS, idle", name, server.rss_kib() / 1024)

    async def _latency(self, name: str) -> None:
        client = self.clients[name]
        firsts, totals, completes = [], [], []
        for _ in range(self.sizes.streams):
            timing = await client.stream(SHORT)
            firsts.append(timing.first * 1000)
            totals.append(timing.total * 1000)
        for _ in range(self.sizes.completions):
            completes.append((await client.complete(SHORT))[1] * 1000)
        for label, values in (("first chunk", firsts), ("full streamed answer", totals),
                              ("non-streamed answer", completes)):
            self._add(f"{label}, p50", name, statistics.median(values), values)
            self._add(f"{label}, p99", name, percentile(values, 99), values)

    def _cpu(self, name: str) -> float:
        server = self.endpoints[name].server
        return server.cpu_seconds() if server is not None else math.nan

    async def _long(self, name: str) -> None:
        n = self.sizes.long_chunks
        cpu = self._cpu(name)
        timing = await self.clients[name].stream(n)
        self._add("long stream", name, n / timing.total)
        if self.endpoints[name].server is not None:
            self._add("server CPU per chunk (long stream)", name, (self._cpu(name) - cpu) / n * 1e6)

    async def _at(self, name: str, concurrency: int, requests: int) -> None:
        cpu = self._cpu(name)
        wall = await self.clients[name].many(concurrency, requests, SHORT)
        self._add(f"requests/s, {concurrency} streams in flight", name, requests / wall)
        if self.endpoints[name].server is not None:
            self._add(f"server CPU s per 1,000 requests ({concurrency} in flight)", name,
                      (self._cpu(name) - cpu) / requests * 1000)

    async def _at_50(self, name: str) -> None:
        await self._at(name, 50, self.sizes.at_50)

    async def _at_500(self, name: str) -> None:
        server = self.endpoints[name].server
        if server is not None:
            self.peak_exact = server.reset_peak_rss() and self.peak_exact
        await self._at(name, 500, self.sizes.at_500)
        if server is not None:
            self._add("server RSS, peak with 500 streams in flight", name, server.peak_rss_kib() / 1024)


# -- the table -----------------------------------------------------------------------------------

def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:,.1f} ms"
    if unit == "µs":
        return f"{value:.1f} µs"
    if unit == "s":
        return f"{value:.3f} s"
    if unit in ("/s", "chunks/s"):
        return f"{value:,.0f}{unit if unit == '/s' else ' chunks/s'}"
    return f"{value:,.1f} {unit}"


def _added(m: Measurement, base: Measurement) -> float:
    """What a proxy adds to going direct: per-round differences' median (p99: of pooled tails)."""
    if m.pooled_percentile is not None:
        return m.value - base.value
    pairs = [a - b for a, b in zip(m.per_round, base.per_round)]
    return statistics.median(pairs) if pairs else math.nan


def _ratio(m: Measurement, base: Measurement) -> float:
    pairs = [a / b for a, b in zip(m.per_round, base.per_round) if b]
    return statistics.median(pairs) if pairs else math.nan


def render(measurements: list[Measurement], names: list[str], versions: dict[str, str],
           skipped: dict[str, str], long_chunks: int) -> str:
    """One row per metric, one column per contender; the last column names the best proxy."""
    index = {(m.metric, m.contender): m for m in measurements}

    def title(name: str) -> str:
        version = versions.get(name)
        if not version:
            return name
        return f"{name} {version}" if version[:1].isdigit() else f"{name} ({version})"

    lines = ["| metric | " + " | ".join(title(n) for n in names) + " | best proxy |",
             "| --- | " + " | ".join("---:" for _ in names) + " | --- |"]
    for row in ROWS:
        cells, scores = [], {}
        base = index.get((row.metric, BASE))
        for name in names:
            m = index.get((row.metric, name))
            if name in skipped and m is None:
                cells.append("skipped")
                continue
            if m is None or not m.samples:
                cells.append("—" if row.server_only and name == BASE else "n/a")
                continue
            text = _fmt(m.value, row.unit)
            if name != BASE and base is not None and base.samples:
                if row.added:
                    text += f" (+{_added(m, base):.3f})" if _added(m, base) >= 0 else f" ({_added(m, base):.3f})"
                elif not row.server_only:
                    text += f" ({_ratio(m, base):.2f}×)"
            cells.append(text)
            if name != BASE:
                scores[name] = m.value
        best = ""
        if len(scores) > 1:
            best = (max if row.higher_is_better else min)(scores, key=scores.__getitem__)
        label = row.metric.replace("long stream", f"{long_chunks:,}-chunk stream")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {best} |")
    notes = [f"* {name}: {why}" for name, why in skipped.items()]
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="g4f api vs LiteLLM's proxy vs gpt4free's g4f api vs no proxy")
    parser.add_argument("--quick", action="store_true", help="2 rounds of fewer requests")
    parser.add_argument("--contenders", help=f"comma-separated subset of {', '.join(CONTENDERS)} "
                                             f"({BASE!r} is always measured)")
    parser.add_argument("--no-install", action="store_true",
                        help="skip a contender whose venv is missing instead of installing it")
    parser.add_argument("--json", help="also write every sample to this file")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    wanted = [n.strip() for n in args.contenders.split(",")] if args.contenders else list(CONTENDERS)
    unknown = [n for n in wanted if n not in CONTENDERS]
    if unknown:
        parser.error(f"unknown contenders: {', '.join(unknown)} (known: {', '.join(CONTENDERS)})")
    names = [n for n in CONTENDERS if n in wanted or n == BASE]

    # Ctrl+C and SIGTERM both unwind through the finally blocks that stop every server.
    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    _progress(f"proxy benchmark ({'quick' if args.quick else 'full'}), Python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs, load average {load_before:.1f}")
    skipped: dict[str, str] = {}
    with upstream() as base_url, started(names, base_url, not args.no_install, skipped) as endpoints:
        bench = Bench(endpoints, sizes, skipped)
        try:
            asyncio.run(bench.run())
        except ProxyError:
            traceback.print_exc()
            return 1
    measurements = list(bench.data.values())
    versions = {n: CONTENDERS[n].version() for n in names}
    print(render(measurements, names, versions, skipped, sizes.long_chunks))
    import aiohttp

    print(f"\n{'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s, {sizes.rounds} rounds, "
          f"Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__} (load generator), {os.cpu_count()} "
          f"CPUs, load average {load_before:.1f} → {os.getloadavg()[0]:.1f}.\nLatencies: 20-token answers, "
          "median of per-round medians (p99: of all samples); in brackets what the proxy adds to going "
          "direct (ms). Rates: median over rounds; in brackets the ratio to going direct. Server figures: the "
          "proxy's process tree (/proc)." + ("" if bench.peak_exact else
                                            " Peak RSS counts from the server's start (clear_refs refused)."))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sizes": asdict(sizes), "versions": versions, "skipped": skipped,
                       "measurements": [asdict(m) for m in measurements]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
