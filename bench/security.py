"""What the security checks cost: ``redact`` per message and the API server's body check.

    python bench/security.py

``redact`` runs on every g4f error message and every log record of g4f's and aiohttp's loggers;
the body check runs on every JSON request before it is parsed. Both are printed beside
``sum(range(1000))`` (a yardstick of how fast this machine is right now) and, for the body check,
beside parsing the same body. CPU time (``time.process_time``), best of 5 rounds.
"""

from __future__ import annotations

import json
import os
import random
import string
import sys
import time
from collections.abc import Callable

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


if __name__ == "__main__":
    main()
