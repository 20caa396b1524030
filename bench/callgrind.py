"""Instruction counts per request and per chunk, repeatable on a loaded machine.

Wall-clock and even CPU-time ratios move when other processes share the cores (caches, SMT
siblings, frequency). The number of instructions a client executes for one request does not:
under ``valgrind --tool=callgrind`` it is the same from run to run to a fraction of a percent.
This driver runs one contender against the replica (``bench/replica.py``, in its own process and
not under valgrind), and ``--measure`` runs it twice under callgrind, with ``--requests`` and
with twice as many, so that the difference is the cost of that many requests alone (start-up,
imports and warm-up cancel out)::

    python bench/callgrind.py --measure "g4f AsyncClient" complete --requests 100
    python bench/callgrind.py --measure aiohttp stream --chunks 20 --requests 100
    python bench/callgrind.py --measure g4f long --chunks 20000 --requests 1

Modes: ``stream`` (whole short streams), ``complete`` (non-streamed), ``long`` (one stream of
``--chunks`` deltas; per chunk). Contenders are those of ``bench/contenders.py`` plus
``g4f Client`` (the sync client, in a worker thread's own loop as a script would call it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
sys.path.insert(1, ROOT)

MODES = ("stream", "complete", "long")


async def _drive(name: str, base_url: str, mode: str, requests: int, chunks: int, warmup: int) -> None:
    from contenders import make_contender

    contender = make_contender(name, base_url)
    await contender.start()
    try:
        for index in range(warmup + requests):
            got = await (contender.complete(chunks) if mode == "complete" else contender.stream(chunks))
            if index == 0 and mode in ("stream", "long") and got != chunks:
                raise RuntimeError(f"{name} delivered {got} of {chunks} deltas")
    finally:
        await contender.aclose()


def _drive_sync(name: str, base_url: str, mode: str, requests: int, chunks: int, warmup: int) -> None:
    from contenders import make_contender

    contender = make_contender(name, base_url)
    asyncio.run(contender.start())
    call = contender.complete if mode == "complete" else contender.stream
    for index in range(warmup + requests):
        got = call(chunks)
        if index == 0 and mode in ("stream", "long") and got != chunks:
            raise RuntimeError(f"{name} delivered {got} of {chunks} deltas")


def run(name: str, base_url: str, mode: str, requests: int, chunks: int, warmup: int) -> None:
    from contenders import CONTENDERS

    if CONTENDERS[name].sync:  # a blocking client: called from plain code, as a script does
        _drive_sync(name, base_url, mode, requests, chunks, warmup)
    else:
        asyncio.run(_drive(name, base_url, mode, requests, chunks, warmup))


def _instructions(args: argparse.Namespace, base_url: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                   args.contender, args.mode, "--base-url", base_url, "--requests", str(requests),
                   "--chunks", str(args.chunks), "--warmup", str(args.warmup)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
        return int(found.group(1))


def measure(args: argparse.Namespace) -> None:
    from run import replica

    with replica() as base_url:
        one = _instructions(args, base_url, args.requests)
        two = _instructions(args, base_url, 2 * args.requests)
    per_request = (two - one) / args.requests
    line = f"{args.contender} {args.mode}: {per_request:,.0f} instructions per request"
    if args.mode == "long":
        line += f", {per_request / args.chunks:,.0f} per chunk"
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contender")
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--base-url", help="a running replica's /v1 URL (default: start one)")
    parser.add_argument("--measure", action="store_true", help="run under callgrind twice and print the difference")
    args = parser.parse_args(argv)
    if args.measure:
        measure(args)
        return 0
    if args.base_url is None:
        from run import replica

        with replica() as base_url:
            run(args.contender, base_url, args.mode, args.requests, args.chunks, args.warmup)
    else:
        run(args.contender, args.base_url, args.mode, args.requests, args.chunks, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
