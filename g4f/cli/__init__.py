"""The ``g4f`` command line.

::

    g4f chat "Hello" [-m MODEL] [-p PROVIDER]   stream an answer (no prompt: an interactive session)
    g4f api [--host H] [--port P] [--api-key K] run the OpenAI-compatible API server and the web chat
    g4f gui [--host H] [--port P] [--api-key K] the same, and open the web chat in the browser
    g4f providers                               which providers there are and which can be used
    g4f models [-p PROVIDER]                    which models there are, and who serves them
    g4f login grok                              log in (in a browser) and cache the credentials
    g4f replica [--port N] [--model M]          an offline OpenAI-compatible API to try g4f against

Each command is a module of this package with ``add_parser(commands)`` and ``run(args)``.
Mistakes (an unknown model or provider, a missing key) print one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]

#: The command modules, in the order ``g4f --help`` lists their commands.
COMMAND_MODULES = ("chat", "serve", "gui", "listing", "login", "replica")


def _modules() -> dict[str, object]:
    return {name: importlib.import_module(f"{__name__}.{name}") for name in COMMAND_MODULES}


class _Parser(argparse.ArgumentParser):
    """A mistake in the arguments is one line (``g4f api: error: ...``), not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser(modules: dict[str, object]) -> argparse.ArgumentParser:
    # Subcommands' parsers are made by the same class (argparse's default parser_class).
    parser = _Parser(prog="g4f", description="Chat with many LLM providers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what g4f does (to stderr)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in modules.items():
        before = set(commands.choices)
        module.add_parser(commands)  # type: ignore[attr-defined]
        for command in set(commands.choices) - before:
            commands.choices[command].set_defaults(_module=name)
    return parser


def _report(exc: BaseException, verbose: bool) -> None:
    """g4f errors say what happened in their first line; the lines after it (each provider's
    error, for a fallback) are shown with ``--verbose``."""
    from g4f.errors import G4FError
    from g4f.secrets import redact

    lines = [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
    if not isinstance(exc, G4FError):
        lines[0] = f"{type(exc).__name__}: {lines[0]}"
    print(f"g4f: error: {redact(lines[0])}", file=sys.stderr)
    if verbose:
        for line in lines[1:]:
            print(f"g4f: {redact(line)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 130 interrupted)."""
    from g4f.errors import G4FError

    modules = _modules()
    args = _parser(modules).parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="g4f: %(levelname)s: %(message)s")
    try:
        modules[args._module].run(args)  # type: ignore[attr-defined]
    except G4FError as exc:
        _report(exc, args.verbose)
        return 1
    except Exception as exc:
        from g4f.providers.failures import is_provider_failure

        if not is_provider_failure(exc):
            raise  # a bug: the traceback is what is needed
        _report(exc, args.verbose)  # a provider's own error (a plugin's RuntimeError): one line
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `g4f models | head`
        return 0
    return 0
