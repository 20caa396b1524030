"""The ``g4f`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="g4f", description="Chat with many LLM providers.")
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="ask a question and stream the answer")
    chat.add_argument("prompt", nargs="?", help="the question (omit for an interactive session)")
    chat.add_argument("-m", "--model", default="", help="model name or alias (default: auto)")
    chat.add_argument("-p", "--provider", default=None, help="provider name (default: auto-selection)")
    return parser


async def _chat(prompt: str, model: str, provider: str | None) -> None:
    import g4f
    from g4f.providers.response import Reasoning

    stream = await g4f.ChatCompletion.create_async(
        model, [{"role": "user", "content": prompt}], provider=provider, stream=True
    )
    async for chunk in stream:
        if isinstance(chunk, Reasoning):
            continue
        if isinstance(chunk, str) and chunk:
            sys.stdout.write(str(chunk))
            sys.stdout.flush()
    sys.stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    from g4f.errors import G4FError

    args = _parser().parse_args(argv)
    try:
        if args.command == "chat":
            asyncio.run(_chat(args.prompt or sys.stdin.read(), args.model, args.provider))
    except G4FError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"g4f: error: {first}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
