"""``g4f providers`` and ``g4f models``: what there is, and what can be used."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    providers = commands.add_parser("providers",
                                    help="list providers, whether they need and have credentials")
    providers.add_argument("--json", action="store_true", help="print JSON instead of a table")

    models = commands.add_parser("models", help="list models and the providers that serve them")
    models.add_argument("-p", "--provider", default=None, help="only this provider's models")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> None:
    if args.command == "providers":
        _providers(args.json)
    else:
        _models(args.provider, args.json)


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
