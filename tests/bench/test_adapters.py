"""The proxy benchmark's adapters give the upstream's exact text through every contender.

``bench/proxies.py`` is only worth its figures if each contender really delivered the answer:
these tests start each contender as the benchmark does (``bench/proxy_servers.py``) in front of
the benchmark's upstream (``bench/replica.py``), and read streamed and non-streamed answers
through the benchmark's load generator (``bench/proxy_load.py``). No timings here: they live in
``bench/``.

``no proxy`` and this checkout's ``g4f api`` are always tested. LiteLLM and gpt4free run from
the venvs ``bench/proxies.py`` installs (``$G4F_BENCH_VENVS``, default
``~/.cache/g4f-bench/venvs``); these tests never install them (LiteLLM's is 750 MB) and skip,
saying why, where they are absent. LiteLLM takes 30 s or more to start.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

from proxies import started
from proxy_load import LoadClient, ProxyError, answer
from proxy_servers import API_KEY, CONTENDERS, Endpoint
from proxy_servers import upstream as serve_upstream

ALWAYS = ("no proxy", "g4f api")
CONTENDER_PARAMS = [pytest.param(name, marks=() if name in ALWAYS else pytest.mark.slow) for name in CONTENDERS]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve_upstream() as url:
        yield url


@pytest.fixture(scope="module")
def endpoint_of(upstream: str) -> Iterator[Callable[[str], Endpoint]]:
    """``endpoint_of(name)``: the contender's server, started on first use (so that a run of the
    g4f tests alone does not wait for LiteLLM), stopped when the module is done."""
    endpoints: dict[str, Endpoint] = {}
    skipped: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        def get(name: str) -> Endpoint:
            if name not in endpoints and name not in skipped:
                endpoints.update(stack.enter_context(started([name], upstream, False, skipped)))
            if name in skipped:
                pytest.skip(f"{name}: {skipped[name]}")
            return endpoints[name]

        yield get


@pytest.fixture
async def client(request: pytest.FixtureRequest, endpoint_of: Callable[[str], Endpoint]) -> AsyncIterator[LoadClient]:
    load = LoadClient(endpoint_of(request.param))
    await load.start()
    yield load
    await load.aclose()


def upstream_text(name: str, n: int) -> str:
    """What each contender must deliver: the upstream's answer, character for character; gpt4free
    removes the whitespace that opens an answer (its OpenaiTemplate's ``lstrip``/``strip``)."""
    text = answer(n)
    return text.lstrip() if name == "gpt4free" else text


@pytest.mark.parametrize("client", CONTENDER_PARAMS, indirect=True)
async def test_streamed_answers_are_the_upstreams_text(client: LoadClient) -> None:
    for n in (1, 20, 700):
        streamed = await client.stream(n)
        assert streamed.text == upstream_text(client.endpoint.name, n)
        assert 0 < streamed.first <= streamed.total


@pytest.mark.parametrize("client", CONTENDER_PARAMS, indirect=True)
async def test_non_streamed_answers_are_the_upstreams_text(client: LoadClient) -> None:
    for n in (1, 20, 700):
        text, elapsed = await client.complete(n)
        assert text == upstream_text(client.endpoint.name, n)
        assert elapsed > 0


@pytest.mark.parametrize("client", CONTENDER_PARAMS, indirect=True)
async def test_concurrent_streams_each_get_their_whole_answer(client: LoadClient) -> None:
    # Each stream is checked against the answer as it ends; one wrong or cut short raises.
    assert await client.many(concurrency=25, requests=50, n=20) > 0


async def test_a_wrong_answer_fails_the_run(upstream: str) -> None:
    """The guard the figures rely on: a contender whose text differs is an error, not a result."""
    expects_stripped = Endpoint("strict", upstream, {"Authorization": f"Bearer {API_KEY}"}, lstrips_answer=True)
    load = LoadClient(expects_stripped)
    await load.start()
    try:
        with pytest.raises(ProxyError, match="not the upstream's answer"):
            await load.stream(20)
        with pytest.raises(ProxyError, match="not the upstream's answer"):
            await load.complete(20)
    finally:
        await load.aclose()
