#!/usr/bin/env python3
"""Take the screenshots of the web chat shown in docs/web-chat.md (``docs/images/web-chat-*.png``).

A real ``g4f api`` application is served on 127.0.0.1 with Groq pointed at a local replica of
its API (``g4f.testing``), so the pictures show the page as it is, with made-up answers and no
network. Chromium (Debian's ``/usr/bin/chromium``, or ``$G4F_TEST_CHROMIUM``) is driven by
playwright, as in the browser tests.

    python scripts/gui-screenshots.py [OUTPUT_FOLDER]     # default: docs/images
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "gsk_screenshotKey0123456789abcdefABCDEF"
MODEL = "openai/gpt-oss-120b"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--font-render-hinting=none",
]

ANSWER = """Use `sorted` with a `key` function; `operator.itemgetter` reads the field:

```python
from operator import itemgetter

people = [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]
by_age = sorted(people, key=itemgetter("age"), reverse=True)
```

- `sorted` returns a new list; `people.sort(key=...)` sorts in place.
- Python's sort is **stable**: sort by the second key first, then by the first.
"""
THINKING = ("The user wants to sort dictionaries by one of their values. sorted() with a key "
            "function is the idiomatic way; itemgetter is faster than a lambda.")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chromium() -> str:
    for path in (os.environ.get("G4F_TEST_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if path and os.access(path, os.X_OK):
            return path
    raise SystemExit("gui-screenshots: no Chromium found (install Debian's chromium or set G4F_TEST_CHROMIUM)")


async def _ask(page: Any, text: str) -> None:
    await page.fill("#prompt", text)
    await page.press("#prompt", "Enter")
    await page.locator("#thread article.assistant").last.wait_for()
    await page.locator("#thread article.streaming").wait_for(state="detached")


async def shoot(out: Path) -> list[Path]:
    from playwright.async_api import async_playwright

    from g4f.api import create_app
    from g4f.Provider import Groq
    from g4f.testing import LocalServer
    from g4f.testing.openai_replica import GROQ, OpenAIReplica, Reply

    models: list[str | dict[str, Any]] = [{"id": "llama-3.3-70b-versatile"}, {"id": MODEL, "reasoning": True}]
    replica = await OpenAIReplica(flavour=GROQ, api_key=KEY, models=models).start()
    Groq.api_base = replica.base_url
    server = await LocalServer(create_app()).start()
    written: list[Path] = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
            context = await browser.new_context(viewport={"width": 1200, "height": 760}, color_scheme="light")
            page = await context.new_page()
            await page.goto(f"{server.url}/")
            await page.wait_for_selector("#setup .provider-list")
            await page.select_option("#provider", "Groq")
            await page.select_option("#model", "llama-3.3-70b-versatile")
            replica.replies.append(Reply(content="The capital of France is **Paris**."))
            await _ask(page, "What is the capital of France?")
            await page.click("#new-chat")
            await page.select_option("#model", MODEL)
            replica.replies.append(Reply(content=ANSWER, reasoning=THINKING, delay=0.04))
            await _ask(page, "How do I sort a list of dicts by a key in Python?")
            await page.mouse.move(0, 0)
            for scheme in ("light", "dark"):
                await page.emulate_media(color_scheme=scheme)
                path = out / f"web-chat-{scheme}.png"
                await page.screenshot(path=str(path))
                written.append(path)

            phone = await browser.new_context(viewport={"width": 390, "height": 760}, color_scheme="dark",
                                              is_mobile=True, has_touch=True, device_scale_factor=1)
            small = await phone.new_page()
            # The phone shows the same conversation: copy the browser storage over.
            storage = await page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
            await small.goto(f"{server.url}/")
            await small.evaluate("s => { for (const [k, v] of Object.entries(JSON.parse(s))) localStorage.setItem(k, v); }",
                                 storage)
            await small.reload()
            await small.wait_for_selector("#thread article.assistant")
            path = out / "web-chat-phone.png"
            await small.screenshot(path=str(path))
            written.append(path)
            await browser.close()
    finally:
        await server.close()
        await replica.close()
        from g4f.requests import aclose

        await aclose()
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as config:
        # Nothing of this machine's own: an empty config folder, no keys but the replica's, and
        # local servers (Ollama, ...) pointed at a closed port.
        for name in [name for name in os.environ if name.endswith("_API_KEY")]:
            del os.environ[name]
        dead = f"http://127.0.0.1:{_closed_port()}/v1"
        os.environ.update(G4F_CONFIG_DIR=config, GROQ_API_KEY=KEY, OLLAMA_API_BASE=dead, G4F_LOCAL_API_BASE=dead)
        for path in asyncio.run(shoot(out)):
            print(f"gui-screenshots: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
                  f"({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
