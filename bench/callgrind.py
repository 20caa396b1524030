"""Instruction counts per request and per chunk, repeatable on a loaded machine.

Wall-clock and even CPU-time ratios move when other processes share the cores (caches, SMT
siblings, frequency). The number of instructions a client executes for one request does not:
under ``valgrind --tool=callgrind`` it is the same from run to run to a fraction of a percent.
This driver runs one contender of ``bench/contenders.py`` against the replica
(``bench/replica.py``, in its own process and not under valgrind). With ``--measure`` it runs
itself under callgrind with instrumentation off (start-up, imports and warm-up run at a fraction
of callgrind's cost and are not counted), switches it on for exactly ``--requests`` requests
through callgrind's client requests (a five-line C helper, compiled once with the system's
``valgrind/callgrind.h``), and prints the instructions per request::

    python bench/callgrind.py --measure "g4f AsyncClient" complete --requests 100
    python bench/callgrind.py --measure aiohttp stream --chunks 20 --requests 100
    python bench/callgrind.py --measure g4f long --chunks 20000 --requests 1
    python bench/callgrind.py --measure "g4f Client" stream --keep profile.out   # for callgrind_annotate
    python bench/callgrind.py --table          # every client door in every mode, ÷ plain aiohttp

Modes: ``stream`` (whole short streams), ``first`` (each short stream up to its first content
delta: the work behind the time to the first chunk), ``complete`` (non-streamed), ``long`` (one
stream of ``--chunks`` deltas; per chunk). ``g4f Client`` (the sync client) is called from plain code, with
no event loop running, as a script calls it. Needs ``valgrind`` and a C compiler (Debian:
``apt-get install valgrind gcc``).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
sys.path.insert(1, ROOT)

MODES = ("stream", "first", "complete", "long")
_HELPER_C = """#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void cg_stop(void) { CALLGRIND_DUMP_STATS_AT("measured"); CALLGRIND_STOP_INSTRUMENTATION; }
void cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
"""


def _helper_path() -> str:
    """The marker library (compiled on first use, cached next to the proxy venvs)."""
    cache = os.environ.get("G4F_BENCH_CACHE", os.path.expanduser("~/.cache/g4f-bench"))
    path = os.path.join(cache, "callgrind-markers-2.so")  # -2: with cg_toggle
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(folder, "markers.c")
            with open(source, "w") as f:
                f.write(_HELPER_C)
            built = os.path.join(folder, "markers.so")
            subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", built, source], check=True)
            shutil.move(built, path)
    return path


class _Markers:
    """Callgrind's start/stop client requests; no-ops outside valgrind (no library given)."""

    def __init__(self, library: str | None) -> None:
        self._lib = ctypes.CDLL(library) if library else None

    def start(self) -> None:
        if self._lib is not None:
            self._lib.cg_start()

    def stop(self) -> None:
        if self._lib is not None:
            self._lib.cg_stop()

    def toggle(self) -> None:
        """Stop (or resume) counting without a dump: ``first`` counts each stream up to its
        first content delta only."""
        if self._lib is not None:
            self._lib.cg_toggle()


def _counting_to_the_first_delta(contender: object, markers: _Markers) -> None:
    """Make ``contender`` stop the count when it notes its first delta (``first_at``), and
    resume it when its next request starts (:func:`_call_for`)."""

    def noted(self: object, value: float) -> None:
        self.__dict__["first_at"] = value
        markers.toggle()

    cls = type(contender)
    counting = type(cls.__name__, (cls,), {"first_at": property(lambda self: self.__dict__.get("first_at", 0.0), noted)})
    contender.__class__ = counting


def _call_for(contender: object, mode: str, markers: _Markers) -> Callable:
    call: Callable = contender.complete if mode == "complete" else contender.stream  # type: ignore[attr-defined]
    if mode != "first":
        return call
    _counting_to_the_first_delta(contender, markers)
    if asyncio.iscoroutinefunction(call):
        async def first_async(chunks: int) -> int:
            got = await call(chunks)
            markers.toggle()  # counting again for the next request
            return got
        return first_async

    def first_sync(chunks: int) -> int:
        got = call(chunks)
        markers.toggle()
        return got
    return first_sync


def _check(name: str, mode: str, got: int, chunks: int) -> None:
    if mode in ("stream", "first", "long") and got != chunks:
        raise RuntimeError(f"{name} delivered {got} of {chunks} deltas")


async def _drive(name: str, base_url: str, mode: str, requests: int, chunks: int, warmup: int,
                 markers: _Markers) -> None:
    from contenders import make_contender

    contender = make_contender(name, base_url)
    await contender.start()
    call = _call_for(contender, mode, markers)
    try:
        for _ in range(warmup):
            _check(name, mode, await call(chunks), chunks)
        markers.start()
        for _ in range(requests):
            await call(chunks)
        markers.stop()
        _check(name, mode, await call(chunks), chunks)
    finally:
        await contender.aclose()


def _drive_sync(name: str, base_url: str, mode: str, requests: int, chunks: int, warmup: int,
                markers: _Markers) -> None:
    from contenders import make_contender

    contender = make_contender(name, base_url)
    asyncio.run(contender.start())
    call = _call_for(contender, mode, markers)
    for _ in range(warmup):
        _check(name, mode, call(chunks), chunks)
    markers.start()
    for _ in range(requests):
        call(chunks)
    markers.stop()
    _check(name, mode, call(chunks), chunks)


def run(name: str, base_url: str, mode: str, requests: int, chunks: int, warmup: int,
        markers: _Markers | None = None) -> None:
    from contenders import CONTENDERS

    markers = markers or _Markers(None)
    if CONTENDERS[name].sync:  # a blocking client: called from plain code, as a script does
        _drive_sync(name, base_url, mode, requests, chunks, warmup, markers)
    else:
        asyncio.run(_drive(name, base_url, mode, requests, chunks, warmup, markers))


def instructions(args: argparse.Namespace, base_url: str) -> int:
    """Instructions executed by ``args.requests`` requests of the contender, under callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                   sys.executable, __file__, args.contender, args.mode, "--base-url", base_url,
                   "--requests", str(args.requests), "--chunks", str(args.chunks), "--warmup", str(args.warmup),
                   "--markers", _helper_path()]
        # A fixed hash seed: set and dict layouts (and so the work of every lookup) repeat from
        # run to run; with a random seed the same requests vary by about 1%.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        dump = out + ".1"  # the dump the stop marker wrote: the measured requests alone
        if not os.path.exists(dump):
            raise RuntimeError(f"callgrind wrote no dump of the measured part:\n{done.stderr[-2000:]}")
        with open(dump) as f:
            found = re.search(r"^summary:\s*(\d+)", f.read(), re.MULTILINE)
        if found is None:
            raise RuntimeError(f"no instruction count in {dump}")
        if args.keep:
            shutil.copy(dump, args.keep)
        return int(found.group(1))


def measure(args: argparse.Namespace) -> int:
    from run import replica

    with replica() as base_url:
        total = instructions(args, base_url)
    per_request = total / args.requests
    line = f"{args.contender} {args.mode}: {per_request:,.0f} instructions per request"
    if args.mode == "long":
        line += f", {per_request / args.chunks:,.0f} per chunk"
    print(line)
    return total


#: ``--table``: the doors of the client layer against the floor, in every mode.
TABLE_CONTENDERS = ("aiohttp", "g4f", "g4f AsyncClient", "g4f Client")
TABLE_MODES = {"first": (50, 20), "stream": (50, 20), "complete": (50, 20), "long": (1, 20_000)}  # (requests, chunks)


def table(args: argparse.Namespace) -> None:
    """Instructions per request (per chunk for ``long``) and the ratio to plain aiohttp."""
    from run import replica

    print("| mode | contender | instructions | ÷ aiohttp |")
    print("| --- | --- | ---: | ---: |")
    with replica() as base_url:
        for mode, (requests, chunks) in TABLE_MODES.items():
            base = None
            for name in TABLE_CONTENDERS:
                one = argparse.Namespace(**{**vars(args), "contender": name, "mode": mode, "requests": requests,
                                            "chunks": chunks, "keep": None})
                cost = instructions(one, base_url) / requests / (chunks if mode == "long" else 1)
                base = base or cost
                unit = "per chunk" if mode == "long" else "per request"
                print(f"| {mode} ({chunks:,} chunks) | {name} | {cost:,.0f} {unit} | {cost / base:.2f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contender", nargs="?", default="aiohttp")
    parser.add_argument("mode", nargs="?", choices=MODES, default="complete")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--base-url", help="a running replica's /v1 URL (default: start one)")
    parser.add_argument("--measure", action="store_true", help="run under callgrind and print the count")
    parser.add_argument("--keep", help="with --measure: copy callgrind's dump of the measured part here")
    parser.add_argument("--markers", help=argparse.SUPPRESS)  # set by --measure: the helper library
    parser.add_argument("--table", action="store_true", help="measure every client door in every mode")
    args = parser.parse_args(argv)
    if args.table:
        table(args)
        return 0
    if args.measure:
        measure(args)
        return 0
    markers = _Markers(args.markers)
    if args.base_url is None:
        from run import replica

        with replica() as base_url:
            run(args.contender, base_url, args.mode, args.requests, args.chunks, args.warmup, markers)
    else:
        run(args.contender, args.base_url, args.mode, args.requests, args.chunks, args.warmup, markers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
