"""Child process of scenario 5: N concurrent streams from one contender, then wall time and peak RSS.

Each contender runs in a fresh interpreter so its peak resident memory (``ru_maxrss``, the
kernel's high-water mark, which cannot be reset inside a process) is its own and nobody else's.
tracemalloc would not do: it sees only Python allocations (not aiohttp's C parser buffers or
the kernel socket buffers mapped to us) and slows every allocation, which would distort the wall
time measured in the same run. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from contenders import make_contender


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


async def run(name: str, base_url: str, streams: int, chunks: int) -> dict[str, float]:
    contender = make_contender(name, base_url)
    await contender.start()
    try:
        assert await contender.stream(chunks) == chunks  # imports and first connection done
        gc.collect()
        baseline = _rss_kib()
        start, cpu = time.perf_counter(), time.process_time()
        counts = await asyncio.gather(*(contender.stream(chunks) for _ in range(streams)))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if any(count != chunks for count in counts):
            raise RuntimeError(f"{name}: a stream lost chunks: {sorted(set(counts))}")
    finally:
        await contender.aclose()
    return {"wall": wall, "cpu": cpu, "peak_kib": peak, "baseline_kib": baseline}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender")
    parser.add_argument("base_url")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.contender, args.base_url, args.streams, args.chunks))))


if __name__ == "__main__":
    main()
