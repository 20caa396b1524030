"""The ``g4f`` command line.

::

    g4f chat "Hello" [-m MODEL] [-p PROVIDER]   stream an answer (no prompt: an interactive session)
    g4f api [--host H] [--port P] [--api-key K] run the OpenAI-compatible API server
    g4f providers                               which providers there are and which can be used
    g4f models [-p PROVIDER]                    which models there are, and who serves them
    g4f login grok                              log in (in a browser) and cache the credentials

Mistakes (an unknown model or provider, a missing key) print one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="g4f", description="Chat with many LLM providers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what g4f does (to stderr)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="ask a question and stream the answer")
    chat.add_argument("prompt", nargs="?",
                      help="the question ('-' reads it from stdin; omit it for an interactive session)")
    chat.add_argument("-m", "--model", default="", help="model name or alias (default: auto)")
    chat.add_argument("-p", "--provider", default=None, help="provider name (default: auto-selection)")
    chat.add_argument("--api-key", default=None,
                      help="API key for the provider (default: its environment variable)")
    chat.add_argument("--proxy", default=None, help="proxy URL for the upstream requests")

    api = commands.add_parser("api", help="run the OpenAI-compatible API server")
    api.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1)")
    api.add_argument("--port", type=int, default=None, help="port to listen on (default: 1337)")
    api.add_argument("--api-key", default=None,
                     help="require 'Authorization: Bearer <key>' (default: $G4F_API_KEY; the variable "
                          "keeps the key out of the process list)")
    api.add_argument("--max-body-size", type=int, default=None, help="largest request body in bytes")
    api.add_argument("--access-log", action="store_true", help="log every request line")

    providers = commands.add_parser("providers",
                                    help="list providers, whether they need and have credentials")
    providers.add_argument("--json", action="store_true", help="print JSON instead of a table")

    models = commands.add_parser("models", help="list models and the providers that serve them")
    models.add_argument("-p", "--provider", default=None, help="only this provider's models")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")

    login = commands.add_parser("login", help="log in to a provider and cache the credentials")
    login.add_argument("provider", help="provider name, e.g. grok")
    return parser


# -- chat ----------------------------------------------------------------------------------------

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
    import g4f

    kwargs = dict(options)
    kwargs.setdefault("return_conversation", True)  # so the next turn continues the same conversation
    if conversation is not None:
        kwargs["conversation"] = conversation
    stream = await g4f.ChatCompletion.create_async(model, messages, provider=provider, stream=True, **kwargs)
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


# -- providers, models ---------------------------------------------------------------------------

def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


def _short_list(names: Sequence[str], limit: int = 4) -> str:
    if not names:
        return "-"
    shown = ", ".join(names[:limit])
    return f"{shown}, ... ({len(names)})" if len(names) > limit else shown


def _providers(as_json: bool) -> None:
    from g4f.client.catalog import list_providers

    rows = list_providers()
    if as_json:
        import json

        print(json.dumps([row.to_dict() for row in rows], indent=2))
        return
    table = []
    for row in rows:
        if row.error:
            table.append([row.name, "?", "?", "no", f"cannot load: {row.error}"])
            continue
        credentials = "-" if not row.needs_auth else ("found" if row.credentials else "missing")
        table.append([row.name, "yes" if row.needs_auth else "no", credentials,
                      "yes" if row.working else "no", _short_list(row.models)])
    print(_table(["PROVIDER", "NEEDS AUTH", "CREDENTIALS", "WORKING", "MODELS"], table))


def _models(provider: str | None, as_json: bool) -> None:
    from g4f.client.catalog import list_models

    models = list_models(provider)
    if as_json:
        import json

        print(json.dumps([model.to_dict() for model in models], indent=2))
        return
    table = [[m.id, m.owned_by or "-", _short_list(m.providers or []),
              str(m.context_length) if m.context_length else "-"] for m in models]
    print(_table(["MODEL", "OWNED BY", "PROVIDERS", "CONTEXT"], table))


# -- login ---------------------------------------------------------------------------------------

async def _login(name: str) -> None:
    from g4f.errors import MissingAuthError
    from g4f.providers.registry import registry
    from g4f.providers.response import AuthResult, RequestLogin

    provider: Any = registry.get(name)
    if not hasattr(provider, "authenticate"):
        raise MissingAuthError(f"{provider.get_name()} has no login; {provider.credential_hint()}")
    result: AuthResult | None = None
    async for item in provider.authenticate():
        if isinstance(item, RequestLogin):
            where = f" ({item.login_url})" if item.login_url else ""
            print(f"Log in to {item.label} in the browser window{where}...", file=sys.stderr, flush=True)
        elif isinstance(item, AuthResult):
            result = item
    if result is None:  # pragma: no cover - authenticate() raises MissingAuthError instead
        raise MissingAuthError(f"{provider.get_name()}: the login gave no credentials")
    print(f"Logged in to {provider.get_label()}; credentials saved in {provider.auth_cache().path}")


# -- main ----------------------------------------------------------------------------------------

def _report(exc: BaseException, verbose: bool) -> None:
    """g4f errors say what happened in their first line; the lines after it (each provider's
    error, for a fallback) are shown with ``--verbose``."""
    lines = [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
    print(f"g4f: error: {lines[0]}", file=sys.stderr)
    if verbose:
        for line in lines[1:]:
            print(f"g4f: {line}", file=sys.stderr)


def _run(args: argparse.Namespace) -> None:
    if args.command == "chat":
        prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
        options = {key: value for key, value in (("api_key", args.api_key), ("proxy", args.proxy)) if value}
        if args.api_key:
            from g4f.secrets import register_secret

            register_secret(args.api_key)
        asyncio.run(_chat(prompt, args.model, args.provider, options))
    elif args.command == "api":
        from g4f.api import DEFAULT_HOST, DEFAULT_MAX_BODY_SIZE, DEFAULT_PORT, run_api

        host = args.host or DEFAULT_HOST
        port = args.port if args.port is not None else DEFAULT_PORT
        try:
            run_api(host, port, api_key=args.api_key, access_log=args.access_log,
                    max_body_size=args.max_body_size or DEFAULT_MAX_BODY_SIZE)
        except OSError as exc:
            from g4f.errors import G4FError

            raise G4FError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    elif args.command == "providers":
        _providers(args.json)
    elif args.command == "models":
        _models(args.provider, args.json)
    elif args.command == "login":
        asyncio.run(_login(args.provider))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 130 interrupted)."""
    from g4f.errors import G4FError

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="g4f: %(levelname)s: %(message)s")
    try:
        _run(args)
    except G4FError as exc:
        _report(exc, args.verbose)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `g4f models | head`
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
