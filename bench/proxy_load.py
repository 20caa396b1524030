"""The proxy benchmark's load generator: plain aiohttp + ``json.loads``, the same code for every
contender, in the benchmark's one process.

Every answer is checked against the text the upstream sent (``bench/replica.py``'s words), so
a proxy that dropped, reordered or cut short a stream fails the run instead of winning it; a
stream must end with ``data: [DONE]``, and an ``error`` object in it is an error.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from proxy_servers import MODEL, Endpoint
from replica import WORDS

__all__ = ["LoadClient", "ProxyError", "Streamed", "answer"]

MESSAGES = [{"role": "user", "content": "Say something."}]


def answer(n: int) -> str:
    """The text of the upstream's answer of ``n`` tokens."""
    return "".join(WORDS[i % len(WORDS)] for i in range(n))


class ProxyError(RuntimeError):
    """A contender answered something other than the upstream's answer."""


@dataclass(frozen=True)
class Streamed:
    text: str  # the content deltas joined
    first: float  # seconds from sending the request to the first non-empty content delta
    total: float  # ... to the end of the stream


class LoadClient:
    """One aiohttp session (no connection cap, as in the rest of bench/) for one contender."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.url = endpoint.base_url + "/chat/completions"
        self._expected: dict[int, str] = {}

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                             timeout=aiohttp.ClientTimeout(total=300))

    async def aclose(self) -> None:
        await self.session.close()

    def expected(self, n: int) -> str:
        text = self._expected.get(n)
        if text is None:
            text = self._expected[n] = self.endpoint.expected(answer(n))
        return text

    def _payload(self, n: int, stream: bool) -> dict[str, Any]:
        return {"model": MODEL, "messages": MESSAGES, "stream": stream, "max_tokens": n,
                **self.endpoint.extra_body}

    async def stream(self, n: int) -> Streamed:
        """One streamed answer of ``n`` tokens, checked; its text and times to first and last chunk."""
        loads = json.loads
        parts: list[str] = []
        first = 0.0
        done = False
        start = time.perf_counter()
        async with self.session.post(self.url, json=self._payload(n, True), headers=self.endpoint.headers) as response:
            if response.status != 200:
                raise ProxyError(f"{self.endpoint.name}: HTTP {response.status}: {(await response.text())[:300]}")
            async for line in response.content:
                if not line.startswith(b"data: "):
                    continue
                data = line[6:].rstrip()
                if data == b"[DONE]":
                    done = True
                    continue
                event = loads(data)
                choices = event.get("choices")
                if choices:
                    content = choices[0].get("delta", {}).get("content")
                    if content:
                        if not parts:
                            first = time.perf_counter() - start
                        parts.append(content)
                elif "error" in event:
                    raise ProxyError(f"{self.endpoint.name}: error event in the stream: {str(event)[:300]}")
        total = time.perf_counter() - start
        if not done:
            raise ProxyError(f"{self.endpoint.name}: the stream ended without [DONE]")
        text = "".join(parts)
        if text != self.expected(n):
            raise ProxyError(f"{self.endpoint.name}: streamed {len(text)} characters that are not the upstream's "
                             f"answer of {n} tokens: {text[:80]!r}...")
        return Streamed(text, first, total)

    async def complete(self, n: int) -> tuple[str, float]:
        """One non-streamed answer of ``n`` tokens, checked; its text and time."""
        start = time.perf_counter()
        async with self.session.post(self.url, json=self._payload(n, False), headers=self.endpoint.headers) as response:
            body = await response.read()
            if response.status != 200:
                raise ProxyError(f"{self.endpoint.name}: HTTP {response.status}: {body[:300]!r}")
        elapsed = time.perf_counter() - start
        text = json.loads(body)["choices"][0]["message"]["content"]
        if text != self.expected(n):
            raise ProxyError(f"{self.endpoint.name}: answered {text[:80]!r}..., not the upstream's answer of {n} tokens")
        return text, elapsed

    async def many(self, concurrency: int, requests: int, n: int) -> float:
        """``requests`` streams of ``n`` tokens, ``concurrency`` of them in flight at all times;
        returns the wall time."""
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await self.stream(n)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(concurrency, requests))))
        return time.perf_counter() - start
