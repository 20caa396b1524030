"""``g4f chat``: ask a question and stream the answer, or chat interactively."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any, TextIO

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    chat = commands.add_parser("chat", help="ask a question and stream the answer")
    chat.add_argument("prompt", nargs="?",
                      help="the question ('-' reads it from stdin; omit it for an interactive session)")
    chat.add_argument("-m", "--model", default="", help="model name or alias (default: auto)")
    chat.add_argument("-p", "--provider", default=None, help="provider name (default: auto-selection)")
    chat.add_argument("--api-key", default=None,
                      help="API key for the provider (default: its environment variable)")
    chat.add_argument("--proxy", default=None, help="proxy URL for the upstream requests")
    chat.add_argument("--cookies-file", default=None, metavar="PATH",
                      help="a web provider's login cookies, as a browser extension exports them (JSON or "
                           "cookies.txt); default: g4f login, the cookie files, your browser")


def run(args: argparse.Namespace) -> None:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    options = {key: value for key, value in (("api_key", args.api_key), ("proxy", args.proxy)) if value}
    if args.api_key:
        from g4f.secrets import register_secret

        register_secret(args.api_key)
    if args.cookies_file:
        from g4f.cli.cookies_file import read_cookies_file

        options["cookies"] = read_cookies_file(args.cookies_file, args.provider)
    from g4f.providers.hints import audience

    with audience("cli"):  # hints name CLI flags (--api-key, --cookies-file), not Python arguments
        asyncio.run(_chat(prompt, args.model, args.provider, options))


class _Printer:
    """Shows an answer as it streams: text on stdout, reasoning apart on stderr (dimmed on a terminal)."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.dim = err.isatty() and os.environ.get("NO_COLOR") is None
        self.thinking = False
        self.wrote = False

    def _end_thinking(self) -> None:
        if self.thinking:
            self.err.write("\x1b[0m\n" if self.dim else "\n")
            self.err.flush()
            self.thinking = False

    def reasoning(self, text: str) -> None:
        if not self.thinking:
            self.err.write("\x1b[2m" if self.dim else "[thinking] ")
            self.thinking = True
        self.err.write(text)
        self.err.flush()

    def status(self, text: str) -> None:
        self._end_thinking()
        self.err.write(f"[{text}]\n")
        self.err.flush()

    def text(self, text: str) -> None:
        self._end_thinking()
        self.out.write(text)
        self.out.flush()
        self.wrote = True

    def finish(self) -> None:
        self._end_thinking()
        self.out.write("\n")
        self.out.flush()
        self.wrote = False


async def _answer(messages: list[dict[str, Any]], model: str, provider: Any, conversation: Any,
                  printer: _Printer, options: dict[str, Any]) -> tuple[str, Any, str | None]:
    """Stream one answer; returns its text, the conversation state and who answered."""
    from g4f.providers.call import prepare

    kwargs = dict(options)
    if conversation is not None:  # the provider's own conversation (Grok's), continued
        kwargs["conversation"] = conversation
    stream = prepare(model, messages, provider, stream=True, **kwargs).events()
    parts: list[str] = []
    answered_by: str | None = None
    try:
        async for item in stream:
            conversation, answered_by = _show(item, parts, printer, conversation, answered_by)
    except BaseException:
        if printer.wrote or printer.thinking:
            printer.finish()  # the error goes on a line of its own
        raise
    printer.finish()
    return "".join(parts), conversation, answered_by


def _show(chunk: Any, parts: list[str], printer: _Printer, conversation: Any,
          answered_by: str | None) -> tuple[Any, str | None]:
    from g4f.providers.response import (
        ImageResponse,
        JsonConversation,
        ProviderInfo,
        Reasoning,
        RequestLogin,
        ResponseType,
    )

    if not isinstance(chunk, ResponseType):
        if isinstance(chunk, str) and chunk:
            parts.append(chunk)
            printer.text(chunk)
    elif isinstance(chunk, Reasoning):
        if chunk.token:
            printer.reasoning(chunk.token)
        elif chunk.status:
            printer.status(chunk.status)
    elif isinstance(chunk, ImageResponse):
        markdown = chunk.to_markdown()
        parts.append(markdown)
        printer.text(("\n" if printer.wrote else "") + markdown)
    elif isinstance(chunk, JsonConversation):
        conversation = chunk
    elif isinstance(chunk, ProviderInfo):
        answered_by = chunk.name
    elif isinstance(chunk, RequestLogin):
        where = f" ({chunk.login_url})" if chunk.login_url else ""
        printer.status(f"log in to {chunk.label} in the browser window{where}")
    return conversation, answered_by


async def _chat(prompt: str | None, model: str, provider: str | None, options: dict[str, Any]) -> None:
    printer = _Printer(sys.stdout, sys.stderr)
    if prompt is not None:
        await _answer([{"role": "user", "content": prompt}], model, provider, None, printer, options)
        return
    interactive = sys.stdin.isatty()
    if interactive:
        print("g4f chat: type a message, Ctrl+D or 'exit' to quit.", file=sys.stderr)
    messages: list[dict[str, Any]] = []
    conversation = None
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            continue
        if interactive and line.strip() in ("exit", "quit"):
            break
        messages.append({"role": "user", "content": line})
        text, conversation, answered_by = await _answer(
            list(messages), model, provider, conversation, printer, options)
        messages.append({"role": "assistant", "content": text})
        if conversation is not None and provider is None and answered_by:
            provider = answered_by  # the conversation state belongs to whoever answered
