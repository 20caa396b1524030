"""The measurements. Each runs its contenders in interleaved rounds so machine noise hits all alike.

A round runs every contender once, in an order rotated from round to round; ratios are taken per
round (g4f and aiohttp measured seconds apart) and the table shows their median.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from contenders import Contender

__all__ = [
    "Measurement",
    "measure_concurrent",
    "measure_imports",
    "measure_long_stream",
    "measure_sequential",
    "percentile",
    "rotate",
]

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)


@dataclass
class Measurement:
    """Samples of one metric for one contender; ``per_round`` holds one summary value per round."""

    scenario: str
    metric: str
    contender: str
    unit: str
    higher_is_better: bool
    samples: list[float] = field(default_factory=list)
    per_round: list[float] = field(default_factory=list)
    #: The same metric from the client's CPU time (the replica runs in another process): robust
    #: when other processes share the cores, and what the client itself costs.
    cpu_per_round: list[float] = field(default_factory=list)
    note: str = ""
    #: When set, the value is this percentile of all samples pooled (a tail needs every sample).
    pooled_percentile: float | None = None

    @property
    def value(self) -> float:
        if self.pooled_percentile is not None:
            return percentile(self.samples, self.pooled_percentile)
        return statistics.median(self.per_round) if self.per_round else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rotate(items: Sequence[str], round_index: int) -> list[str]:
    k = round_index % len(items)
    return list(items[k:]) + list(items[:k])


def _progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# 1. import time ---------------------------------------------------------------------------------

_IMPORT_PROBE = """
import sys, time
t, c = time.perf_counter(), time.process_time()
{statement}
t, c = time.perf_counter() - t, time.process_time() - c
print(t, c, int("aiohttp" in sys.modules))
"""


def measure_imports(statements: dict[str, str], rounds: int, skipped: dict[str, str]) -> list[Measurement]:
    """Each statement timed in a fresh interpreter (after one warm-up run for .pyc and page cache)."""
    env = {**os.environ, "PYTHONPATH": ROOT}

    def probe(statement: str) -> tuple[float, float, bool]:
        out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE.format(statement=statement)], env=env,
                             capture_output=True, text=True, cwd=ROOT, check=False)
        if out.returncode:
            raise RuntimeError(out.stderr.strip().splitlines()[-1])
        wall, cpu, aiohttp_loaded = out.stdout.split()
        return float(wall) * 1000, float(cpu) * 1000, aiohttp_loaded == "1"

    results = {}
    for name, statement in statements.items():
        try:
            _, _, loads_aiohttp = probe(statement)
        except RuntimeError as exc:
            skipped[name] = str(exc)
            continue
        results[name] = Measurement("1 import", "import time", name, "ms", False)
        results[name].note = "also imports aiohttp" if loads_aiohttp and "aiohttp" not in name else ""
    names = list(results)
    for r in range(rounds):
        for name in rotate(names, r):
            value, cpu, _ = probe(statements[name])
            results[name].samples.append(value)
            results[name].per_round.append(value)
            results[name].cpu_per_round.append(cpu)
    return list(results.values())


# 2. and 7. one long stream -----------------------------------------------------------------------

async def measure_long_stream(
    contenders: dict[str, Contender], chunks: int, rounds: int, cap: dict[str, int] | None = None
) -> list[Measurement]:
    """Chunks per second over one stream of ``chunks`` deltas (``cap`` shortens it for slow clients)."""
    cap = cap or {}
    results = {}
    for name in contenders:
        n = min(chunks, cap.get(name, chunks))
        note = f"{n:,} chunks" if n != chunks else ""
        results[name] = Measurement("2 long stream", "throughput", name, "chunks/s", True, note=note)
    for name, contender in contenders.items():  # warm-up: the replica encodes each size once
        await _one(contender, min(chunks, cap.get(name, chunks)), True)
    for r in range(rounds):
        for name in rotate(list(contenders), r):
            n = min(chunks, cap.get(name, chunks))
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            got = await _one(contenders[name], n, True)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            _check(name, got, n)
            results[name].samples.append(n / elapsed)
            results[name].per_round.append(n / elapsed)
            results[name].cpu_per_round.append(n / cpu)
        _progress(f"long stream round {r + 1}/{rounds}: " + ", ".join(
            f"{k} {v.per_round[-1]:,.0f}/s" for k, v in results.items()))
    return list(results.values())


def _check(name: str, got: int, expected: int) -> None:
    if got != expected:
        raise RuntimeError(f"{name} delivered {got} deltas instead of {expected}: its figures would lie")


# 3. and 4. sequential requests -------------------------------------------------------------------

def _timed_requests(contender: Contender, requests: int, chunks: int, stream: bool,
                    expected: int | None) -> tuple[list[float], list[float]]:
    """A blocking contender's requests, timed in the thread that makes them (no hop counted)."""
    call: Callable = contender.stream if stream else contender.complete
    perf = time.perf_counter
    totals, firsts = [], []
    for _ in range(requests):
        start = perf()
        got = call(chunks)
        totals.append((perf() - start) * 1000)
        if stream:
            firsts.append((contender.first_at - start) * 1000)
        if expected is not None and got != expected:
            _check(contender.name, got, expected)
    return totals, firsts


async def _timed_requests_async(contender: Contender, requests: int, chunks: int, stream: bool,
                                expected: int | None) -> tuple[list[float], list[float]]:
    call: Callable = contender.stream if stream else contender.complete
    perf = time.perf_counter
    totals, firsts = [], []
    for _ in range(requests):
        start = perf()
        got = await call(chunks)
        totals.append((perf() - start) * 1000)
        if stream:
            firsts.append((contender.first_at - start) * 1000)
        if expected is not None and got != expected:
            _check(contender.name, got, expected)
    return totals, firsts


async def _requests(contender: Contender, requests: int, chunks: int, stream: bool,
                    expected: int | None) -> tuple[list[float], list[float]]:
    if contender.sync:
        return await asyncio.to_thread(_timed_requests, contender, requests, chunks, stream, expected)
    return await _timed_requests_async(contender, requests, chunks, stream, expected)


async def measure_sequential(
    contenders: dict[str, Contender], requests: int, chunks: int, rounds: int, stream: bool
) -> list[Measurement]:
    """Per-request time of ``requests`` back-to-back requests, per contender and round; for
    streams also the time to the first content delta."""
    scenario = "3 sequential streams" if stream else "4 sequential completions"
    median_of = {n: Measurement(scenario, "median", n, "ms", False) for n in contenders}
    p99_of = {n: Measurement(scenario, "p99", n, "ms", False, pooled_percentile=99) for n in contenders}
    first_of = {n: Measurement(scenario, "first chunk median", n, "ms", False) for n in contenders}
    first_p99_of = {n: Measurement(scenario, "first chunk p99", n, "ms", False, pooled_percentile=99)
                    for n in contenders}
    expected_len = None
    for name, contender in contenders.items():  # warm-up: connection open, code paths hot
        await _requests(contender, 5, chunks, stream, None)
        got = await _one(contender, chunks, stream)
        expected_len = got if expected_len is None else expected_len
        _check(name, got, expected_len)
    for r in range(rounds):
        for name in rotate(list(contenders), r):
            gc.collect()
            cpu = time.process_time()
            times, firsts = await _requests(contenders[name], requests, chunks, stream, expected_len)
            cpu_ms = (time.process_time() - cpu) * 1000 / requests
            median_of[name].samples.extend(times)
            median_of[name].per_round.append(statistics.median(times))
            median_of[name].cpu_per_round.append(cpu_ms)
            p99_of[name].samples.extend(times)
            if stream:
                first_of[name].samples.extend(firsts)
                first_of[name].per_round.append(statistics.median(firsts))
                first_p99_of[name].samples.extend(firsts)
        _progress(f"{scenario} round {r + 1}/{rounds}: " + ", ".join(
            f"{k} {v.per_round[-1]:.3f} ms" for k, v in median_of.items()))
    measured = [*median_of.values(), *p99_of.values()]
    if stream:
        measured += [*first_of.values(), *first_p99_of.values()]
    return measured


async def _one(contender: Contender, chunks: int, stream: bool) -> int:
    call: Callable = contender.stream if stream else contender.complete
    if contender.sync:
        return int(await asyncio.to_thread(call, chunks))
    return int(await call(chunks))


# 5. concurrent streams, one process per contender ------------------------------------------------

def measure_concurrent(
    names: Sequence[str], base_url: str, streams: int, chunks: int, rounds: int, skipped: dict[str, str],
    once: Sequence[str] = (),
) -> list[Measurement]:
    """``once``: reference contenders measured in the first round only (they take long)."""
    scenario = "5 concurrent streams"
    wall = {n: Measurement(scenario, "wall time", n, "ms", False) for n in names}
    peak = {n: Measurement(scenario, "peak RSS", n, "MiB", False) for n in names}
    grown = {n: Measurement(scenario, "RSS growth", n, "MiB", False) for n in names}
    script = os.path.join(BENCH_DIR, "bench_concurrent.py")
    failed: set[str] = set()
    for r in range(rounds):
        for name in rotate(list(names), r):
            if name in failed or (r and name in once):
                continue
            out = subprocess.run(
                [sys.executable, script, name, base_url, "--streams", str(streams), "--chunks", str(chunks)],
                capture_output=True, text=True, cwd=ROOT, check=False,
            )
            if out.returncode != 0:
                last = (out.stderr.strip().splitlines() or ["no output"])[-1]
                if name in ("aiohttp", "g4f"):
                    raise RuntimeError(f"concurrent run of {name} failed:\n{out.stderr[-2000:]}")
                skipped[name] = f"failed: {last}"
                failed.add(name)
                continue
            data = json.loads(out.stdout.strip().splitlines()[-1])
            for target, value in ((wall, data["wall"] * 1000), (peak, data["peak_kib"] / 1024),
                                  (grown, (data["peak_kib"] - data["baseline_kib"]) / 1024)):
                target[name].samples.append(value)
                target[name].per_round.append(value)
            wall[name].cpu_per_round.append(data["cpu"] * 1000)
        _progress(f"{scenario} round {r + 1}/{rounds}: " + ", ".join(
            f"{k} {v.per_round[-1]:.0f} ms {peak[k].per_round[-1]:.1f} MiB"
            for k, v in wall.items() if v.per_round))
    keep = [n for n in names if wall[n].per_round]
    return [*(wall[n] for n in keep), *(peak[n] for n in keep), *(grown[n] for n in keep)]

