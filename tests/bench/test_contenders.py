"""The client benchmark's contenders (``bench/contenders.py``) each deliver the whole answer.

``bench/run.py`` and ``bench/callgrind.py`` compare these adapters; their figures mean something
only if each one really read every delta. Each contender here reads streams and non-streamed
answers from the benchmark's replica (``bench/replica.py``, in its own process): a stream must
hand over exactly ``n`` content deltas, an answer the same text length as plain aiohttp's. No
timings here: they live in ``bench/``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

from contenders import CONTENDERS, Contender, make_contender
from run import replica as serve_replica

#: Every contender but the ones that are not clients of the answer: ``socket`` reads bytes only.
CHECKED = [name for name in CONTENDERS if name != "socket"]


@pytest.fixture(scope="module")
def replica() -> Iterator[str]:
    with serve_replica() as base_url:
        yield base_url


async def call(contender: Contender, method: str, n: int) -> int:
    function = getattr(contender, method)
    if contender.sync:  # a blocking client, called from a thread without a running loop
        return int(await asyncio.to_thread(function, n))
    return int(await function(n))


@pytest.fixture
async def contender(request: pytest.FixtureRequest, replica: str) -> AsyncIterator[Contender]:
    why = CONTENDERS[request.param].available()
    if why:
        pytest.skip(f"{request.param}: {why}")
    made = make_contender(request.param, replica)
    await made.start()
    yield made
    await made.aclose()


@pytest.mark.parametrize("contender", CHECKED, indirect=True)
async def test_every_delta_of_a_stream_is_handed_over(contender: Contender) -> None:
    for n in (1, 20, 500):
        contender.first_at = 0.0
        assert await call(contender, "stream", n) == n
        assert contender.first_at > 0  # the time of the first delta, for the first-chunk figure


@pytest.mark.parametrize("contender", CHECKED, indirect=True)
async def test_a_non_streamed_answer_is_the_whole_text(contender: Contender, replica: str) -> None:
    floor = make_contender("aiohttp", replica)
    await floor.start()
    try:
        for n in (1, 20, 500):
            assert await call(contender, "complete", n) == await floor.complete(n) > 0
    finally:
        await floor.aclose()
