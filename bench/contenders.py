"""The clients being compared. Each one streams and completes against the same replica.

Every contender does the same user-visible work: send one chat request, and for a stream, hand
each content delta (a ``str``) to the caller; it returns how many deltas it saw, which the
runner checks, so a contender that skipped work would fail instead of winning.

* ``aiohttp``: plain aiohttp + ``json.loads`` per event, read line by line: the floor, and the
  denominator of every ratio.
* ``socket``: aiohttp reading the body without parsing anything: the ceiling of what any
  client can do (reference only).
* ``g4f.requests``: g4f's HTTP layer alone (shared session, ``sse_stream``).
* ``g4f``: the Groq provider (``Groq.create_async_generator``), what g4f users call.
* ``g4f AsyncClient``: the OpenAI-shaped client over the Groq provider.
* ``g4f Client``: the blocking client, called from a worker thread as a script calls it (``sync``:
  the runner times it inside that thread, so no thread hop is counted).
* ``openai``: the official SDK (``AsyncOpenAI``), when installed.

Each ``stream`` notes when its first content delta arrived (``first_at``, ``time.perf_counter``):
the runner reports the time to the first chunk from it.
"""

from __future__ import annotations

import json
import time
from typing import Any

__all__ = ["API_KEY", "CONTENDERS", "MESSAGES", "MODEL", "Contender", "make_contender"]

MODEL = "llama-3.3-70b-versatile"
API_KEY = "gsk_bench_not_a_secret"
MESSAGES = [{"role": "user", "content": "Say something."}]


class Contender:
    """One client. ``base_url`` ends with ``/v1`` (an OpenAI-style base URL); ``extra_body`` is
    merged into each request (the API server scenario names its provider there)."""

    name = ""
    #: Ratio targets apply to these; the others are shown for reference.
    is_g4f = False
    #: A blocking client: ``stream``/``complete`` are plain functions, run in a worker thread.
    sync = False
    #: ``time.perf_counter()`` when the last stream's first content delta arrived.
    first_at = 0.0

    def __init__(self, base_url: str, extra_body: dict[str, Any] | None = None) -> None:
        self.base_url = base_url
        self.extra_body = extra_body or {}

    @classmethod
    def available(cls) -> str | None:
        """None when usable, else why not (shown in the table)."""
        return None

    async def start(self) -> None:
        pass

    async def stream(self, n: int) -> int:
        raise NotImplementedError

    async def complete(self, n: int) -> int:
        """A non-streamed completion of ``n`` tokens; returns the answer's length."""
        raise NotImplementedError

    async def aclose(self) -> None:
        pass


def _payload(n: int, stream: bool, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"model": MODEL, "messages": MESSAGES, "stream": stream, "max_tokens": n, **(extra or {})}


class PlainAiohttp(Contender):
    name = "aiohttp"

    async def start(self) -> None:
        import aiohttp

        # No connection cap (aiohttp's default is 100): the same as g4f's session, so the
        # 500-concurrent scenario compares clients, not queueing policies.
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.url = self.base_url + "/chat/completions"
        self.headers = {"Authorization": f"Bearer {API_KEY}"}

    async def stream(self, n: int) -> int:
        count = 0
        loads, perf = json.loads, time.perf_counter
        payload = _payload(n, True, self.extra_body)
        async with self.session.post(self.url, json=payload, headers=self.headers) as response:
            response.raise_for_status()
            async for line in response.content:
                if line.startswith(b"data: "):
                    data = line[6:].rstrip()
                    if data == b"[DONE]":
                        continue
                    content = loads(data)["choices"][0]["delta"].get("content")
                    if content:
                        count += 1
                        if count == 1:
                            self.first_at = perf()
        return count

    async def complete(self, n: int) -> int:
        payload = _payload(n, False, self.extra_body)
        async with self.session.post(self.url, json=payload, headers=self.headers) as response:
            response.raise_for_status()
            data = json.loads(await response.read())
        return len(data["choices"][0]["message"]["content"])

    async def aclose(self) -> None:
        await self.session.close()


class Socket(PlainAiohttp):
    name = "socket"

    async def stream(self, n: int) -> int:
        async with self.session.post(self.url, json=_payload(n, True), headers=self.headers) as response:
            response.raise_for_status()
            async for _ in response.content.iter_any():
                pass
        return n


class G4FRequests(Contender):
    name = "g4f.requests"
    is_g4f = True

    async def start(self) -> None:
        self.url = self.base_url + "/chat/completions"
        self.headers = {"Authorization": f"Bearer {API_KEY}"}

    async def stream(self, n: int) -> int:
        from g4f.requests import get_session, raise_for_status, sse_stream

        count = 0
        session = await get_session()
        async with session.post(self.url, json=_payload(n, True), headers=self.headers) as response:
            await raise_for_status(response)
            async for event in sse_stream(response):
                choices = event.get("choices")
                if choices and choices[0]["delta"].get("content"):
                    count += 1
                    if count == 1:
                        self.first_at = time.perf_counter()
        return count

    async def complete(self, n: int) -> int:
        from g4f.requests import get_session, raise_for_status
        from g4f.requests.jsonlib import loads

        session = await get_session()
        async with session.post(self.url, json=_payload(n, False), headers=self.headers) as response:
            await raise_for_status(response)
            data = loads(await response.read())
        return len(data["choices"][0]["message"]["content"])

    async def aclose(self) -> None:
        import g4f

        await g4f.aclose()


class G4FGroq(Contender):
    name = "g4f"
    is_g4f = True

    @classmethod
    def available(cls) -> str | None:
        try:
            from g4f.Provider import Groq  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - not landed yet, or broken: say so in the table
            return f"g4f.Provider.Groq unavailable: {exc}"
        return None

    async def start(self) -> None:
        from g4f.Provider import Groq

        self.provider = Groq

    async def stream(self, n: int) -> int:
        count = 0
        async for chunk in self.provider.create_async_generator(
            MODEL, MESSAGES, stream=True, api_key=API_KEY, api_base=self.base_url, max_tokens=n
        ):
            if type(chunk) is str and chunk:
                count += 1
                if count == 1:
                    self.first_at = time.perf_counter()
        return count

    async def complete(self, n: int) -> int:
        text = ""
        async for chunk in self.provider.create_async_generator(
            MODEL, MESSAGES, stream=False, api_key=API_KEY, api_base=self.base_url, max_tokens=n
        ):
            if isinstance(chunk, str):
                text += chunk
        return len(text)

    async def aclose(self) -> None:
        import g4f

        await g4f.aclose()


class G4FAsyncClient(Contender):
    name = "g4f AsyncClient"
    is_g4f = True

    @classmethod
    def available(cls) -> str | None:
        try:
            from g4f.client import AsyncClient  # noqa: F401
            from g4f.Provider import Groq  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - say why in the table instead
            return f"g4f.client.AsyncClient unavailable: {exc}"
        return None

    async def start(self) -> None:
        from g4f.client import AsyncClient
        from g4f.Provider import Groq

        self.client = AsyncClient(provider=Groq, api_key=API_KEY)
        self.provider = Groq

    async def stream(self, n: int) -> int:
        count = 0
        response = self.client.chat.completions.create(
            messages=MESSAGES, model=MODEL, stream=True, api_base=self.base_url, max_tokens=n
        )
        if hasattr(response, "__await__"):
            response = await response
        async for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
                if count == 1:
                    self.first_at = time.perf_counter()
        return count

    async def complete(self, n: int) -> int:
        response = await self.client.chat.completions.create(
            messages=MESSAGES, model=MODEL, api_base=self.base_url, max_tokens=n
        )
        return len(response.choices[0].message.content)

    async def aclose(self) -> None:
        import g4f

        await g4f.aclose()


class G4FClient(Contender):
    """The blocking ``Client``. Its methods are plain functions: the runner calls them in one
    worker thread (where no event loop runs, as in a script), timing each call inside it."""

    name = "g4f Client"
    is_g4f = True
    sync = True

    @classmethod
    def available(cls) -> str | None:
        return G4FAsyncClient.available()

    async def start(self) -> None:
        from g4f.client import Client
        from g4f.Provider import Groq

        self.client = Client(provider=Groq, api_key=API_KEY)

    def stream(self, n: int) -> int:  # type: ignore[override]
        count = 0
        for chunk in self.client.chat.completions.create(
            messages=MESSAGES, model=MODEL, stream=True, api_base=self.base_url, max_tokens=n
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
                if count == 1:
                    self.first_at = time.perf_counter()
        return count

    def complete(self, n: int) -> int:  # type: ignore[override]
        response = self.client.chat.completions.create(
            messages=MESSAGES, model=MODEL, api_base=self.base_url, max_tokens=n
        )
        return len(response.choices[0].message.content)


class OpenAISDK(Contender):
    name = "openai"

    @classmethod
    def available(cls) -> str | None:
        try:
            import openai  # noqa: F401
        except ImportError:
            return "openai is not installed"
        return None

    async def start(self) -> None:
        from openai import AsyncOpenAI

        # No retries (they would hide failures) and no timeout short enough to fire on a loaded
        # machine: 500 concurrent streams through the SDK take tens of seconds.
        self.client = AsyncOpenAI(base_url=self.base_url, api_key=API_KEY, max_retries=0, timeout=600.0)

    async def stream(self, n: int) -> int:
        count = 0
        response = await self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, max_tokens=n  # type: ignore[arg-type]
        )
        async for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
                if count == 1:
                    self.first_at = time.perf_counter()
        return count

    async def complete(self, n: int) -> int:
        response = await self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=n  # type: ignore[arg-type]
        )
        return len(response.choices[0].message.content or "")

    async def aclose(self) -> None:
        await self.client.close()


CONTENDERS: dict[str, type[Contender]] = {
    cls.name: cls for cls in (PlainAiohttp, Socket, G4FRequests, G4FGroq, G4FAsyncClient, G4FClient, OpenAISDK)
}


def make_contender(name: str, base_url: str, extra_body: dict[str, Any] | None = None) -> Contender:
    return CONTENDERS[name](base_url, extra_body)
