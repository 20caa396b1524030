"""g4f against plain aiohttp (+ json.loads, the floor) and the openai SDK, in one run.

    python bench/run.py            # the full run (a few minutes)
    python bench/run.py --quick    # about a minute
    python bench/run.py --only 2,3 --json out.json
    python bench/run.py --compare before.json   # also a before/after table of the target rows

Starts the replica (bench/replica.py) in its own process so its CPU time is not the client's,
runs each scenario in interleaved rounds, and prints a markdown table of medians and ratios
to plain aiohttp. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
sys.path.insert(1, ROOT)

from contenders import CONTENDERS, Contender, make_contender
from scenarios import (
    Measurement,
    measure_concurrent,
    measure_imports,
    measure_long_stream,
    measure_sequential,
)
from table import render, render_comparison


@dataclass(frozen=True)
class Sizes:
    import_rounds: int
    long_chunks: int
    long_rounds: int
    slow_long_chunks: int  # the openai SDK reads ~3,000 chunks/s: a shorter stream keeps the run short
    seq_requests: int
    seq_chunks: int
    seq_rounds: int
    completions: int
    completion_rounds: int
    concurrent_streams: int
    concurrent_chunks: int
    concurrent_rounds: int
    api_chunks: int
    api_rounds: int
    concurrent_openai: bool  # the openai SDK needs 25-50 s per concurrent run: full run, first round only


FULL = Sizes(import_rounds=7, long_chunks=200_000, long_rounds=4, slow_long_chunks=20_000,
             seq_requests=200, seq_chunks=20, seq_rounds=5, completions=500, completion_rounds=3,
             concurrent_streams=500, concurrent_chunks=200, concurrent_rounds=3, api_chunks=50_000, api_rounds=5,
             concurrent_openai=True)
QUICK = Sizes(import_rounds=5, long_chunks=100_000, long_rounds=3, slow_long_chunks=2_000,
              seq_requests=100, seq_chunks=20, seq_rounds=3, completions=200, completion_rounds=2,
              concurrent_streams=500, concurrent_chunks=200, concurrent_rounds=1, api_chunks=20_000, api_rounds=3,
              concurrent_openai=False)

IMPORTS = {
    "import aiohttp": "import aiohttp",
    "import g4f": "import g4f",
    "from g4f.Provider import Groq": "from g4f.Provider import Groq",
    "import openai": "import openai",
}
STREAMING = ["aiohttp", "socket", "g4f.requests", "g4f", "g4f AsyncClient", "g4f Client", "openai"]
REQUESTS = ["aiohttp", "g4f.requests", "g4f", "g4f AsyncClient", "g4f Client", "openai"]
#: Scenario 7: the clients' rows of the long stream (measured in scenario 2's rounds).
CLIENTS = ("g4f AsyncClient", "g4f Client")
CONCURRENT = ["aiohttp", "g4f", "openai"]


@contextlib.contextmanager
def replica() -> Iterator[str]:
    """The replica in its own process; yields its ``/v1`` base URL."""
    process = subprocess.Popen([sys.executable, os.path.join(BENCH_DIR, "replica.py")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"the replica did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def usable(names: list[str], wanted: set[str] | None, skipped: dict[str, str]) -> list[str]:
    out = []
    for name in names:
        if wanted is not None and name not in wanted:
            continue
        why = CONTENDERS[name].available()
        if why:
            skipped[name] = why
        else:
            out.append(name)
    return out


async def in_process(base_url: str, sizes: Sizes, scenarios: set[int], wanted: set[str] | None,
                     skipped: dict[str, str]) -> list[Measurement]:
    results: list[Measurement] = []
    started: dict[str, Contender] = {}

    async def contenders(names: list[str]) -> dict[str, Contender]:
        for name in names:
            if name not in started:
                started[name] = make_contender(name, base_url)
                await started[name].start()
        return {name: started[name] for name in names}

    try:
        if scenarios & {2, 7}:
            names = usable(STREAMING, wanted, skipped)
            if 2 not in scenarios:
                names = [n for n in names if n == "aiohttp" or n in CLIENTS]
            measured = await measure_long_stream(await contenders(names), sizes.long_chunks, sizes.long_rounds,
                                                 cap={"openai": sizes.slow_long_chunks})
            for m in measured:
                if m.contender in CLIENTS:
                    m.scenario = "7 clients long stream"
            results += measured
        if 3 in scenarios:
            names = usable(REQUESTS, wanted, skipped)
            results += await measure_sequential(await contenders(names), sizes.seq_requests, sizes.seq_chunks,
                                                sizes.seq_rounds, stream=True)
        if 4 in scenarios:
            names = usable(REQUESTS, wanted, skipped)
            results += await measure_sequential(await contenders(names), sizes.completions, sizes.seq_chunks,
                                                sizes.completion_rounds, stream=False)
    finally:
        for contender in started.values():
            await contender.aclose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="g4f vs plain aiohttp vs the openai SDK, side by side")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests: about a minute")
    parser.add_argument("--only", help="scenarios to run, e.g. 1,2,5 (default: all)")
    parser.add_argument("--contenders", help="comma-separated subset, e.g. aiohttp,g4f")
    parser.add_argument("--json", help="also write every sample to this file")
    parser.add_argument("--compare", help="a --json file of an earlier run: also print a before/after table of "
                                          "the target rows")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    scenarios = {int(s) for s in args.only.split(",")} if args.only else set(range(1, 8))
    wanted = set(args.contenders.split(",")) | {"aiohttp"} if args.contenders else None
    unknown = sorted((wanted or set()) - set(CONTENDERS)) + sorted(str(s) for s in scenarios - set(range(1, 8)))
    if unknown:
        parser.error(f"unknown contenders or scenarios: {', '.join(unknown)} "
                     f"(contenders: {', '.join(CONTENDERS)}; scenarios 1-7)")
    skipped: dict[str, str] = {}
    results: list[Measurement] = []
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    print(f"g4f benchmark ({'quick' if args.quick else 'full'}), Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f}", file=sys.stderr)

    failures: list[str] = []

    def attempt(label: str, measure: Callable[[], list[Measurement]]) -> None:
        # One scenario failing (a contender crashing) must not throw away the others' figures.
        try:
            results.extend(measure())
        except Exception as exc:  # noqa: BLE001 - reported in the output, the run goes on
            traceback.print_exc()
            failures.append(f"{label}: {type(exc).__name__}: {exc}")

    if 1 in scenarios:
        print("1 import time", file=sys.stderr)
        statements = {name: stmt for name, stmt in IMPORTS.items() if name != "import openai"
                      or CONTENDERS["openai"].available() is None}
        attempt("1 import", lambda: measure_imports(statements, sizes.import_rounds, skipped))
    with replica() as base_url:
        if scenarios & {2, 3, 4, 7}:
            attempt("2/3/4/7", lambda: asyncio.run(in_process(base_url, sizes, scenarios, wanted, skipped)))
        if 5 in scenarios:
            print("5 concurrent streams (one process per contender)", file=sys.stderr)
            names = usable(CONCURRENT, wanted, skipped)
            if not sizes.concurrent_openai and "openai" in names:
                names.remove("openai")
                skipped["openai"] = "skipped by --quick"
            attempt("5 concurrent", lambda: measure_concurrent(
                names, base_url, sizes.concurrent_streams, sizes.concurrent_chunks, sizes.concurrent_rounds,
                skipped, once=["openai"]))
        if 6 in scenarios:
            from api_server import measure_api

            attempt("6 API server", lambda: measure_api(base_url, sizes.api_chunks, sizes.seq_chunks,
                                                        sizes.api_rounds, skipped))

    print(render(results, skipped, scenarios))
    from g4f.requests.jsonlib import BACKEND

    print(f"\n{'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s, Python "
          f"{sys.version.split()[0]}, aiohttp {_version('aiohttp')}, openai {_version('openai')}, "
          f"g4f JSON: {BACKEND}, {os.cpu_count()} CPUs, load average {load_before:.1f} → "
          f"{os.getloadavg()[0]:.1f}.\nratio = median over rounds of contender ÷ base measured in the same "
          "round (p99: pooled); base = plain aiohttp + json.loads (scenario 6: aiohttp straight to the "
          "replica). CPU ratio: the same from the client process's CPU time.")
    if args.compare:
        with open(args.compare) as f:
            before = [Measurement(**item) for item in json.load(f)]
        print(f"\nbefore ({args.compare}) and after (this run), ratio to the base (CPU ratio):\n")
        print(render_comparison(before, results))
    for failure in failures:
        print(f"FAILED {failure}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([asdict(m) for m in results], f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
