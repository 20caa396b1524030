"""``g4f replica``: the test kit's OpenAI-compatible replica as a server of its own, offline.

It is :class:`g4f.testing.OpenAIReplica`, the server g4f's own tests and plugin authors' tests
run against, served on 127.0.0.1 until Ctrl+C. It speaks ``/v1/chat/completions`` (streamed
and not, tool calls, JSON mode) and ``/v1/models``; it answers "You said: <your message>" unless
``--reply`` or ``--script`` say otherwise; faults are injected per request with the
``X-Replica-Fault`` header (``429 retry_after=1``, ``http status=503``, ``cut after=2``...) or
queued with ``--fault``. So ``g4f chat``, ``g4f api``, the client and a provider under
development can be tried without a key or a network::

    g4f replica --port 8000
    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=sk-replica g4f chat -p OpenAI "hi"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_PORT", "add_parser", "run"]

#: Next to ``g4f api``'s 1337.
DEFAULT_PORT = 1338
#: The key printed for the provider to send when the replica takes any key.
ANY_KEY = "sk-replica"

#: flavour -> (the provider it stands for, the variable that points it there, the key variable)
_FLAVOURS = {"openai": ("OpenAI", "OPENAI_BASE_URL", "OPENAI_API_KEY"),
             "groq": ("Groq", "GROQ_BASE_URL", "GROQ_API_KEY")}


def add_parser(commands: Any) -> None:
    replica = commands.add_parser(
        "replica", help="serve an offline OpenAI-compatible API (the test kit's replica) on 127.0.0.1",
        description="Serve the OpenAI-compatible replica g4f's tests use, until Ctrl+C. It echoes "
                    "'You said: <message>' unless --reply/--script say otherwise; the X-Replica-Fault "
                    "request header (e.g. '429 retry_after=1') or --fault injects errors.")
    replica.add_argument("--port", type=int, default=DEFAULT_PORT,
                         help=f"port on 127.0.0.1 (default: {DEFAULT_PORT}; 0: any free port)")
    replica.add_argument("--model", action="append", default=None, metavar="M",
                         help="a model it lists and serves (repeat for more; default: the provider's own "
                              "models, and any other name is answered too)")
    replica.add_argument("--api-key", default=None, metavar="K",
                         help="the only key it accepts (default: any key)")
    replica.add_argument("--flavour", choices=sorted(_FLAVOURS), default="openai",
                         help="the API it imitates: openai (/v1) or groq (/openai/v1, x_groq usage)")
    replica.add_argument("--reply", action="append", default=[], metavar="TEXT",
                         help="the next answer, in order (repeat for more); then the echo")
    replica.add_argument("--script", type=Path, default=None, metavar="FILE",
                         help="a JSON list of answers: objects with content, reasoning, tool_calls "
                              "([{id, name, arguments}]), finish_reason, times")
    replica.add_argument("--fault", action="append", default=[], metavar="SPEC",
                         help="a fault for the next request, in order, as the X-Replica-Fault header "
                              "writes it ('429 retry_after=1', 'http status=503 times=0', 'cut after=2')")


def _replies(args: argparse.Namespace) -> list[Any]:
    from g4f.errors import BadRequestError
    from g4f.testing import Reply

    replies = [Reply(content=text) for text in args.reply]
    if args.script is not None:
        try:
            script = json.loads(args.script.read_text(encoding="utf-8"))
            if not isinstance(script, list):
                raise TypeError("not a JSON list")
            replies += [Reply(**item) for item in script]
        except (OSError, ValueError, TypeError) as exc:
            raise BadRequestError(f"--script {args.script}: {exc}") from None
    return replies


def _faults(specs: list[str]) -> list[Any]:
    from g4f.errors import BadRequestError
    from g4f.testing import Fault

    faults = []
    for spec in specs:
        try:
            faults.append(Fault.parse(spec))
        except (ValueError, TypeError) as exc:
            raise BadRequestError(f"--fault {spec!r}: {exc}") from None
    return faults


def _replica(args: argparse.Namespace) -> Any:
    from g4f import testing
    from g4f.providers.registry import get_provider

    name, _, _ = _FLAVOURS[args.flavour]
    models = args.model or list(get_provider(name).fallback_models)  # type: ignore[attr-defined]
    replica = testing.OpenAIReplica(flavour=getattr(testing, args.flavour.upper()), api_key=args.api_key,
                                    models=models, strict_models=bool(args.model))
    replica.replies.extend(_replies(args))
    replica.faults.extend(_faults(args.fault))
    return replica


def _banner(replica: Any, args: argparse.Namespace) -> str:
    name, base_env, key_env = _FLAVOURS[args.flavour]
    base = replica.url if args.flavour == "groq" else replica.base_url  # GROQ_BASE_URL is the host
    key = "the key given with --api-key" if args.api_key else "any API key"
    models = ", ".join(replica.models) + ("" if args.model else ", and any other name")
    return (f"g4f replica: an OpenAI-compatible API ({args.flavour}) on {replica.base_url}\n"
            f"  models: {models}; {key}\n"
            f"Point g4f's {name} provider (or the {args.flavour} SDK) at it:\n"
            f"  export {base_env}={base} {key_env}={args.api_key or ANY_KEY}\n"
            "Ctrl+C stops it.")


async def _serve(replica: Any, args: argparse.Namespace) -> None:
    from g4f.errors import G4FError

    try:
        await replica.start(port=args.port)
    except OSError as exc:
        raise G4FError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}; "
                       "choose another --port (0: any free port)") from exc
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = [signal.SIGINT, signal.SIGTERM] if sys.platform != "win32" else []
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        print(_banner(replica, args), flush=True)
        await stop.wait()  # on Windows Ctrl+C raises KeyboardInterrupt here instead
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await replica.close()
    print(f"g4f replica: stopped after {len(replica.chat_requests)} chat requests", file=sys.stderr)


def run(args: argparse.Namespace) -> None:
    asyncio.run(_serve(_replica(args), args))
