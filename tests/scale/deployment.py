"""Several ``g4f api`` processes on one Redis, with the replicas they talk to, for the tests.

``Deployment`` holds the Groq and Grok replicas (served in the test's event loop), the Redis
server and the instances it starts (``await deployment.instance("A", workers=4, ...)``), each a
real ``g4f api`` process (see ``tests/scale/serve.py``) with its own port and config folder, as
separate machines would have. Everything is stopped by ``close()``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import openai

from ..client.conftest import closed_port
from ..replicas.groq import GROQ_KEY

ROOT = Path(__file__).resolve().parents[2]
MODEL = "llama-3.3-70b"  # served by Groq alone, chosen by auto-selection (which reads provider health)
SECRET = "scale-test-secret-key-4b5c6d7e8f90"
API_KEYS = ("g4f-scale-key-one-11111111", "g4f-scale-key-two-22222222")


@dataclass
class Instance:
    name: str
    port: int
    process: asyncio.subprocess.Process
    log: Path
    config: Path
    clients: list[openai.AsyncOpenAI] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, api_key: str = "unused", **options: Any) -> openai.AsyncOpenAI:
        """An openai SDK client of this instance (no retries: each call is one request)."""
        client = openai.AsyncOpenAI(base_url=f"{self.url}/v1", api_key=api_key, max_retries=0,
                                    timeout=options.pop("timeout", 30), **options)
        self.clients.append(client)
        return client

    @property
    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The worker processes' pids (children of the supervising process)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        for client in self.clients:
            await client.close()
        self.clients.clear()
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
        return int(self.process.returncode or 0)


class Deployment:
    """Replicas, Redis and the instances started on them."""

    def __init__(self, tmp: Path, groq: Any, grok: Any, grok_url: str, redis: Any) -> None:
        self.tmp = tmp
        self.groq = groq
        self.grok = grok
        self.grok_url = grok_url
        self.redis = redis
        self.instances: list[Instance] = []

    async def instance(self, name: str, *args: str, workers: int = 1, secret: bool = True,
                       env: dict[str, str] | None = None) -> Instance:
        """Start ``g4f api`` with ``--redis`` and ``args``; returns once it answers."""
        config = self.tmp / f"config-{name}"
        config.mkdir(exist_ok=True)
        log = self.tmp / f"{name}.log"
        port = closed_port()
        dead = f"http://127.0.0.1:{closed_port()}/v1"
        environment = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("G4F_")}
        environment.update({
            "G4F_CONFIG_DIR": str(config), "GROQ_API_KEY": GROQ_KEY, "OLLAMA_API_BASE": dead,
            "G4F_LOCAL_API_BASE": dead, "PYTHONPATH": str(ROOT), "G4F_REDIS_URL": self.redis.url,
            "G4F_DISABLE_PLUGIN_AUTOLOAD": "1",
        })
        if secret:
            environment["G4F_SECRET_KEY"] = SECRET
        environment.update(env or {})
        command = [sys.executable, "-m", "tests.scale.serve", "--groq", self.groq.base_url, "--grok", self.grok_url,
                   "--", "--port", str(port), "--workers", str(workers), "--shutdown-timeout", "5",
                   # generous: this machine may be loaded; the in-process tests cover slow Redis
                   "--redis-timeout", "2", *args]
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(*command, env=environment, cwd=ROOT, stdout=out,
                                                           stderr=asyncio.subprocess.STDOUT)
        instance = Instance(name, port, process, log, config)
        self.instances.append(instance)
        await self._ready(instance, workers)
        return instance

    @staticmethod
    async def _ready(instance: Instance, workers: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                assert instance.process.returncode is None, f"{instance.name} exited:\n{instance.stderr}"
                try:
                    async with session.get(f"{instance.url}/v1/models",
                                           timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status in (200, 401) and (workers == 1 or len(instance.workers()) >= workers):
                            return
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{instance.name} did not answer:\n{instance.stderr}")
                await asyncio.sleep(0.1)

    async def start(self, **specs: dict[str, Any]) -> list[Instance]:
        """Start several instances at once: ``await deployment.start(A={}, B={"workers": 4})``."""
        return list(await asyncio.gather(*(self.instance(name, *spec.pop("args", ()), **spec)
                                           for name, spec in specs.items())))

    async def close(self) -> None:
        await asyncio.gather(*(instance.stop() for instance in self.instances))


async def stream_text(client: openai.AsyncOpenAI, content: str = "Say hello", model: str = MODEL,
                      **options: Any) -> str:
    """A streamed completion's whole text (an error event or a cut stream raises)."""
    stream = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": content}],
                                                  stream=True, **options)
    parts = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    return "".join(parts)


async def raw_chat(session: aiohttp.ClientSession, url: str, content: str, key: str | None = None,
                   stream: bool = True) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection (so that requests spread over the workers)."""
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": content}], "stream": stream})
    async with session.post(f"{url}/v1/chat/completions", data=body, headers=headers,
                            timeout=aiohttp.ClientTimeout(total=60)) as response:
        return response.status, dict(response.headers), await response.read()


def sse_text(body: bytes) -> tuple[str, bool, list[dict[str, Any]]]:
    """(text, ended with [DONE], error events) of an SSE body."""
    text, done, errors = [], False, []
    for line in body.split(b"\n"):
        if not line.startswith(b"data: "):
            continue
        data = line[6:]
        if data == b"[DONE]":
            done = True
            continue
        event = json.loads(data)
        if "error" in event:
            errors.append(event["error"])
        for choice in event.get("choices", []):
            text.append((choice.get("delta") or {}).get("content") or "")
    return "".join(text), done, errors
