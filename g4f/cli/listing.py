"""``g4f providers`` and ``g4f models``: what there is, and what can be used."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    providers = commands.add_parser(
        "providers", help="list providers, whether they need and have credentials (-v: and their base URLs)")
    providers.add_argument("--json", action="store_true", help="print JSON instead of a table")
    # g4f's own -v after the command too; SUPPRESS keeps `g4f -v providers` from being reset to False.
    providers.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                           help="also show each provider's base URL and where it comes from (and log, as g4f -v)")

    models = commands.add_parser("models", help="list models and the providers that serve them")
    models.add_argument("-p", "--provider", default=None, help="only this provider's models")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> None:
    from g4f.providers.hints import audience

    with audience("cli"):  # the auth hints of --json name CLI flags
        if args.command == "providers":
            _providers(args.json, verbose=getattr(args, "verbose", False))
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


def _base_url(name: str) -> tuple[str, str]:
    """A provider's base URL and where it came from (``g4f providers -v``): the variable that set
    it, or "default" with the variable that would change it."""
    from g4f.errors import G4FError
    from g4f.Provider.template._base_url import resolve_base_url
    from g4f.providers.registry import registry

    provider = registry.get(name)
    try:
        resolved = resolve_base_url(provider)
    except G4FError as exc:  # a variable that holds no URL: say so, list the others
        return "invalid", exc.message
    if resolved is None:
        return str(getattr(provider, "url", None) or "-"), "fixed"
    env = getattr(provider, "api_base_env", None)
    if resolved.from_environment:
        return resolved.url, f"${resolved.source}"
    return resolved.url, f"default (${env} changes it)" if env else "default"


def _providers(as_json: bool, verbose: bool = False) -> None:
    from g4f.client.catalog import list_providers

    rows = list_providers()
    if as_json:
        import json

        data = [row.to_dict() for row in rows]
        if verbose:
            for item, row in zip(data, rows):
                if not row.error:
                    item["base_url"], item["base_url_from"] = _base_url(row.name)
        print(json.dumps(data, indent=2))
        return
    table = []
    for row in rows:
        if row.error:
            table.append([row.name, "?", "?", "no", f"cannot load: {row.error}"] + ["", ""] * verbose)
            continue
        credentials = "-" if not row.needs_auth else ("found" if row.credentials else "missing")
        table.append([row.name, "yes" if row.needs_auth else "no", credentials,
                      "yes" if row.working else "no", _short_list(row.models)]
                     + (list(_base_url(row.name)) if verbose else []))
    headers = ["PROVIDER", "NEEDS AUTH", "CREDENTIALS", "WORKING", "MODELS"]
    print(_table(headers + ["BASE URL", "FROM"] * verbose, table))


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
