"""``g4f chat --cookies-file PATH``: a web provider's login cookies, from a file the user exported.

Browser extensions export cookies in two shapes, and both are read: JSON (a list of
``{"domain", "name", "value", ...}`` objects, or ``{"<domain>": {"<name>": "<value>"}}``, the
shapes of g4f's own cookie files) and the Netscape ``cookies.txt`` format. Only the cookies of
the provider's site are sent: with ``-p`` the provider's cookie domain filters them; without it
the file must hold the cookies of a single site, so that no site is sent another's cookies.
Values are registered as secrets at once; errors name the file and never a value.
"""

from __future__ import annotations

import http.cookiejar
import json
from pathlib import Path
from typing import Any

from g4f.errors import BadRequestError
from g4f.secrets import register_secrets

__all__ = ["read_cookies_file"]

_Cookie = tuple[str, str, str]  # domain, name, value


def _from_json(data: Any) -> list[_Cookie]:
    if isinstance(data, list):
        return [(str(item.get("domain", "")), str(item["name"]), str(item["value"]))
                for item in data if isinstance(item, dict) and "name" in item and "value" in item]
    if isinstance(data, dict):
        return [(str(domain), str(name), str(value)) for domain, cookies in data.items()
                if isinstance(cookies, dict) for name, value in cookies.items()]
    return []


def _from_netscape(path: Path) -> list[_Cookie]:
    jar = http.cookiejar.MozillaCookieJar(str(path))
    jar.load(ignore_discard=True, ignore_expires=True)
    return [(cookie.domain, cookie.name, cookie.value) for cookie in jar if cookie.value is not None]


def _parse(path: Path) -> list[_Cookie]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadRequestError(f"--cookies-file {path}: {exc.strerror or type(exc).__name__}") from None
    if text.lstrip().startswith(("[", "{")):
        try:
            return _from_json(json.loads(text))
        except ValueError:
            raise BadRequestError(f"--cookies-file {path}: not valid JSON") from None
    try:
        return _from_netscape(path)
    except (OSError, http.cookiejar.LoadError):
        raise BadRequestError(f"--cookies-file {path}: neither JSON nor a Netscape cookies.txt file") from None


def _site(domain: str) -> str:
    return domain.lstrip(".").lower()


def read_cookies_file(path: str | Path, provider: str | None = None) -> dict[str, str]:
    """The cookies (name -> value) in ``path`` for ``provider``'s site (see the module docstring)."""
    from g4f.cookies import domain_matches

    path = Path(path).expanduser()
    cookies = _parse(path)
    register_secrets(value for _, _, value in cookies)
    domain = ""
    if provider:
        from g4f.providers.resolve import resolve_provider

        domain = str(getattr(resolve_provider(provider), "cookie_domain", "") or "")
    if domain:
        cookies = [c for c in cookies if not c[0] or domain_matches(c[0], domain)]
    else:
        sites = sorted({_site(c[0]) for c in cookies if c[0]})
        if len(sites) > 1:
            raise BadRequestError(f"--cookies-file {path} holds the cookies of {len(sites)} sites "
                                  f"({', '.join(sites[:4])}); name the provider with -p")
    if not cookies:
        where = f" for {_site(domain)}" if domain else ""
        raise BadRequestError(f"--cookies-file {path} holds no cookies{where}")
    return {name: value for _, name, value in cookies}
