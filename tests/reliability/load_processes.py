"""The two processes of the load test, each started with ``python -m tests.reliability.load_processes``.

``replica``: the Groq replica, answering slowly (a word every ``--delay`` seconds) and playing a
random fault on ``--fault-rate`` of the chat requests; prints ``READY <port>``.

``server --upstream URL --port P``: the API server exactly as ``g4f api`` runs it
(:func:`g4f.api.run_api`), with Groq declared as usual but pointed at ``URL`` and a read timeout
of ``--read-timeout`` seconds; it prints its own start line (``g4f API on http://...``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from typing import Any

#: The faults the replica plays at random: HTTP errors (retried by the template when they come
#: before the answer), and faults in the middle of a stream (an error event for the client).
RANDOM_FAULTS = (
    "500", "502", "html status=502", "429 retry_after=0.1", "reset", "reset after=5", "cut after=5",
    "cut_mid_chunk after=5", "malformed after=5", "invalid_utf8 after=5", "stall after=5 delay=6", "401",
)
#: The answer of every request that meets no fault.
ANSWER = " ".join(f"word{i}" for i in range(40))


def _replica(delay: float, fault_rate: float) -> None:
    from g4f.testing.openai_replica import Fault, Reply
    from g4f.testing.server import LocalServer
    from tests.replicas.groq import GroqReplica

    class FaultyReplica(GroqReplica):
        def _take_fault(self, request: Any) -> Fault | None:
            if request.path.endswith("/chat/completions") and random.random() < fault_rate:
                return Fault.parse(random.choice(RANDOM_FAULTS))
            return None

    async def serve() -> None:
        replica = FaultyReplica()
        replica.default_reply = Reply(content=ANSWER, delay=delay, times=0)
        async with LocalServer(replica.app) as server:
            print(f"READY {server.port}", flush=True)
            await asyncio.Event().wait()

    asyncio.run(serve())


def _server(upstream: str, port: int, read_timeout: float) -> None:
    from g4f.api import run_api
    from g4f.Provider.needs_auth.Groq import Groq
    from g4f.providers.registry import register_provider

    class GroqLoad(Groq):
        api_base = upstream
        retry_backoff = 0.05

        @classmethod
        def create_async_generator(cls, model: str, messages: Any, stream: bool = True, *args: Any,
                                   **kwargs: Any) -> Any:
            kwargs.setdefault("read_timeout", read_timeout)
            return super().create_async_generator(model, messages, stream, *args, **kwargs)

    register_provider(GroqLoad)
    run_api("127.0.0.1", port, shutdown_timeout=2.0)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    replica = commands.add_parser("replica")
    replica.add_argument("--delay", type=float, default=0.05)
    replica.add_argument("--fault-rate", type=float, default=0.1)
    server = commands.add_parser("server")
    server.add_argument("--upstream", required=True)
    server.add_argument("--port", type=int, required=True)
    server.add_argument("--read-timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    if args.command == "replica":
        _replica(args.delay, args.fault_rate)
    else:
        _server(args.upstream, args.port, args.read_timeout)


if __name__ == "__main__":
    main(sys.argv[1:])
