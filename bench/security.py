"""What the security checks cost, and what hostile upstreams cost once they are bounded.

    python bench/security.py              # both parts
    python bench/security.py cpu          # redact and the body check
    python bench/security.py upstreams    # issue 14, points 15-17: time to the typed error, peak RSS

``redact`` runs on every g4f error message and every log record of g4f's and aiohttp's loggers;
the body check runs on every JSON request before it is parsed. Both are printed beside
``sum(range(1000))`` (a yardstick of how fast this machine is right now) and, for the body check,
beside parsing the same body. CPU time (``time.process_time``), best of 5 rounds.

``upstreams`` points Groq (OpenaiTemplate, aiohttp) and Grok (WireProvider, curl_cffi) at the
hostile server of ``tests/security/hostile.py`` (raw sockets on 127.0.0.1): gzip bombs with the
default 64 MiB cap, keep-alive trickles, headers one byte per 0.5 s, broken chunked encoding and
a broken header line, with ``read_timeout=2`` and ``timeout=5``. For each: the g4f error, the
seconds from the call to it, and the process's peak RSS over its RSS before the call (the
kernel's high-water mark, reset through ``/proc/self/clear_refs``). The server runs in the same
process (it holds a few KB per bomb: each 1 MiB block compresses to the same ~1 KB).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import string
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from g4f.api.body import check_json
from g4f.api.settings import ServerSettings
from g4f.requests.jsonlib import loads
from g4f.secrets import redact, register_secret


def best(function: Callable[[], object], number: int) -> float:
    """Seconds per call, best of 5 rounds of ``number`` calls."""
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(number):
            function()
        rounds.append((time.process_time() - start) / number)
    return min(rounds)


def main() -> None:
    rng = random.Random(14)
    keys = ["gsk_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(52)) for _ in range(50)]
    for key in keys:
        register_secret(key)
    prose = ("HTTP 401: Invalid API Key provided. Please check your credentials and try again; see the "
             "documentation at https://console.groq.com/docs/errors for more about authentication failures. ")
    message = (prose * 8)[:1024]
    with_key = message[:990] + f" key {keys[7][:20]}..."
    blob = "".join(rng.choice(string.ascii_letters) for _ in range(1024))
    yardstick = best(lambda: sum(range(1000)), 2000)
    print(f"sum(range(1000)): {yardstick * 1e6:.1f} µs (the yardstick)")
    print("redact, 50 registered keys:")
    for name, text in (("1 KB message, no secret", message), ("1 KB message, part of a key", with_key),
                       ("1 KB without blanks", blob)):
        print(f"  {name}: {best(lambda text=text: redact(text), 5000) * 1e6:.1f} µs")

    settings = ServerSettings(api_keys=())
    text = "lorem ipsum dolor sit amet, " * 36
    bodies = {
        "chat, 10 messages of 1 KB": {"model": "m", "messages": [{"role": "user", "content": text}] * 10},
        "chat, 2048 messages of 1 KB": {"model": "m", "messages": [{"role": "user", "content": text}] * 2048},
        "an image of 20 MB": {"model": "m", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 20_000_000}}]}]},
    }
    print("body check (g4f.api.body.check_json) against parsing:")
    for name, body in bodies.items():
        raw = json.dumps(body).encode()
        number = 3 if len(raw) > 1_000_000 else 200
        check, parse = (best(lambda raw=raw: check_json(raw, settings), number),
                        best(lambda raw=raw: loads(raw), number))
        print(f"  {name} ({len(raw) / 1e6:.1f} MB): check {check * 1e3:.2f} ms, parse {parse * 1e3:.2f} ms")


async def _upstream(kind: str, behaviour: str, interval: float, **options: object) -> dict[str, object]:
    from g4f.Provider import Groq
    from g4f.Provider.needs_auth.Grok import Grok
    from tests.security.hostile import HostileServer, PeakRSS

    messages = [{"role": "user", "content": "Hello"}]

    def call(base_url: str, **more: object) -> Any:
        if kind == "Groq":
            return Groq.create_async_generator("llama-3.1-8b-instant", messages, api_key="gsk_bench_key_000000001",
                                               base_url=base_url, max_retries=0, **more)
        return Grok.create_async_generator("grok-3", messages, cookies={"sso": "sso-bench-0001"},
                                           base_url=base_url, **more)

    async with HostileServer(interval=interval) as server:
        try:  # warm-up: the HTTP library imported and its pooled session made before the baseline
            async for _ in call(f"{server.url}/bad-header"):
                pass
        except Exception:  # noqa: BLE001, S110 - it fails by design
            pass
        stream = call(f"{server.url}/{behaviour}", **options)
        loop = asyncio.get_running_loop()
        with PeakRSS() as peak:
            started = loop.time()
            try:
                async with asyncio.timeout(120):
                    async for _ in stream:
                        pass
                error = "no error"
            except Exception as exc:  # noqa: BLE001 - the error is the figure
                error = f"{type(exc).__name__}: {exc}"
            seconds = loop.time() - started
    return {"error": error, "seconds": round(seconds, 2), "peak_rss_mb": round(peak.rise, 1)}


#: (point, attack, provider, behaviour, seconds between trickled pieces, options)
UPSTREAMS: list[tuple[int, str, str, str, float, dict[str, object]]] = [
    (15, "gzip bomb, 1 GiB decoded, non-streamed JSON", "Groq", "bomb-json", 0.1, {"stream": False}),
    (15, "gzip bomb, 1 GiB decoded, NDJSON stream", "Grok", "bomb-ndjson", 0.1, {}),
    (15, "gzip flood of small NDJSON lines, 1 GiB decoded", "Grok", "lines-ndjson", 0.1, {}),
    (15, "gzip bomb, 1 GiB decoded, SSE stream", "Groq", "bomb-sse", 0.1, {}),
    (16, "SSE comment every 0.1 s after the first event", "Groq", "comments-sse", 0.1,
     {"read_timeout": 2, "timeout": 5}),
    (16, "blank NDJSON line every 0.1 s after the first line", "Grok", "blank-ndjson", 0.1,
     {"read_timeout": 2, "timeout": 5}),
    (16, "a data event every 0.1 s, never ending", "Groq", "trickle-sse", 0.1, {"read_timeout": 2, "timeout": 5}),
    (16, "a data line every 0.1 s, never ending", "Grok", "trickle-ndjson", 0.1, {"read_timeout": 2, "timeout": 5}),
    (16, "headers one byte per 0.5 s", "Groq", "slow-headers", 0.5, {"read_timeout": 2, "timeout": 5}),
    (16, "headers one byte per 0.5 s", "Grok", "slow-headers", 0.5, {"read_timeout": 2, "timeout": 5}),
    (16, "headers one byte per 0.5 s, stall timeout past the deadline", "Groq", "slow-headers", 0.5,
     {"read_timeout": 10, "timeout": 5}),
    (17, "invalid chunk size 0.1 s after the first event", "Groq", "bad-chunk-sse", 0.1,
     {"read_timeout": 2, "timeout": 5}),
    (17, "invalid chunk size 0.1 s after the first event", "Grok", "bad-chunk-ndjson", 0.1,
     {"read_timeout": 2, "timeout": 5}),
    (17, "a response header line without a colon", "Groq", "bad-header", 0.1, {"read_timeout": 2, "timeout": 5}),
    (17, "a response header line without a colon", "Grok", "bad-header", 0.1, {"read_timeout": 2, "timeout": 5}),
]


def upstream(index: int) -> None:
    """One row of ``UPSTREAMS``, in this process (fresh, so its peak RSS is its own)."""
    point, attack, kind, behaviour, interval, options = UPSTREAMS[index]
    figure = asyncio.run(_upstream(kind, behaviour, interval, **options))
    print(json.dumps({"point": point, "attack": attack, "provider": kind,
                      "options": ", ".join(f"{k}={v}" for k, v in options.items()), **figure}))


def upstreams() -> None:
    import subprocess

    rows = []
    for index in range(len(UPSTREAMS)):
        output = subprocess.run([sys.executable, __file__, "upstream", str(index)], capture_output=True, text=True,
                                check=True, timeout=300).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| point | attack | provider | options | error | seconds | peak RSS over baseline |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        error = str(row["error"])
        error = error if len(error) <= 110 else error[:110] + "..."
        print(f"| {row['point']} | {row['attack']} | {row['provider']} | {row['options'] or 'defaults'} | "
              f"`{error}` | {row['seconds']} | {row['peak_rss_mb']} MB |")


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part in ("all", "cpu"):
        main()
    if part in ("all", "upstreams"):
        upstreams()
    if part == "upstream":
        upstream(int(sys.argv[2]))
