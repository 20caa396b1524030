"""Where cookies come from: cookie files in the config folder, else the user's browsers.

Cookie files live in ``<config>/cookies/`` (or ``$G4F_COOKIES_DIR``). Each ``*.json`` file holds
either a list of cookies as browser extensions export them (``[{"domain", "name", "value"}]``)
or a mapping ``{"<domain>": {"<name>": "<value>"}}``. Browser stores are read with
``browser_cookie3`` (the ``browser`` extra), imported only when needed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .config import UnusableFile, cookies_dir, read_private_file
from .errors import MissingRequirementsError
from .secrets import register_secrets
from .typing import Cookies

__all__ = [
    "domain_matches",
    "get_cookies",
    "get_cookies_dir",
    "load_cookies_from_browsers",
    "read_cookie_files",
    "set_cookies_dir",
]

logger = logging.getLogger("g4f")


def domain_matches(cookie_domain: str, domain: str) -> bool:
    """Whether a cookie set for ``cookie_domain`` is sent to ``domain`` (both may start with a dot)."""
    cookie_domain = cookie_domain.lstrip(".").lower()
    domain = domain.lstrip(".").lower()
    return domain == cookie_domain or domain.endswith("." + cookie_domain) or cookie_domain.endswith("." + domain)


def _value(value: Any) -> str | None:
    """A cookie value as a file may hold it (a string; a number, written by hand); else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _cookies_in(data: Any, domain: str) -> Cookies:
    found: Cookies = {}
    if isinstance(data, list):
        for item in data:
            if (isinstance(item, dict) and isinstance(item.get("name"), str)
                    and (value := _value(item.get("value"))) is not None
                    and domain_matches(str(item.get("domain", "")), domain)):
                found[item["name"]] = value
    elif isinstance(data, dict):
        for key, cookies in data.items():
            if isinstance(cookies, dict) and domain_matches(str(key), domain):
                found.update({str(name): value for name, raw in cookies.items()
                              if (value := _value(raw)) is not None})
    return found


def read_cookie_files(domain: str, directory: Path | None = None) -> Cookies:
    """Cookies for ``domain`` from the JSON cookie files.

    Files are read as every credential file is (:func:`g4f.config.read_private_file`): a symlink
    (the folder itself or a file in it) is not followed, a file others can read is made private,
    and a file that is broken or of another shape is skipped with a warning.
    """
    directory = directory or cookies_dir()
    if directory.is_symlink():
        logger.warning("Not reading cookie files in %s: it is a symlink (not followed)", directory)
        return {}
    if not directory.is_dir():
        return {}
    cookies: Cookies = {}
    for path in sorted(directory.glob("*.json")):
        try:
            read = read_private_file(path)
            if read is None:
                continue
            data = json.loads(read.text)
        except UnusableFile as exc:
            logger.warning("Skipping cookie file %s: %s", path.name, exc.reason)
            continue
        except (OSError, ValueError, RecursionError) as exc:
            logger.warning("Skipping unreadable cookie file %s: %s", path.name, type(exc).__name__)
            continue
        cookies.update(_cookies_in(data, domain))
    register_secrets(cookies.values())
    return cookies


_keyring_lock = threading.Lock()


@contextlib.contextmanager
def _builtin_key_without_keyring(browser_cookie3: Any) -> Iterator[None]:
    """Let browser_cookie3 read Chromium's cookies where no D-Bus session exists.

    Without a session bus (servers, containers, SSH) Chromium cannot reach a keyring and encrypts
    cookies with its built-in key; browser_cookie3 would fall back to that key only after a
    keyring lookup fails with RuntimeError, but without a bus the lookup fails with KeyError
    and the whole store is skipped. Where there is no bus, skip the lookup instead.
    """
    manager = getattr(browser_cookie3, "_LinuxPasswordManager", None)
    default: bytes | None = getattr(browser_cookie3, "CHROMIUM_DEFAULT_PASSWORD", None)
    if manager is None or default is None or not sys.platform.startswith("linux") \
            or os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        yield
        return

    builtin_key: bytes = default

    class _NoKeyring(manager):  # type: ignore[misc, valid-type]
        def get_password(self, os_crypt_name: str) -> bytes:
            return builtin_key

    with _keyring_lock:
        browser_cookie3._LinuxPasswordManager = _NoKeyring
        try:
            yield
        finally:
            browser_cookie3._LinuxPasswordManager = manager


def _import_browser_cookie3() -> Any:
    try:
        import browser_cookie3
    except ImportError as exc:
        raise MissingRequirementsError(
            'reading cookies from your browser needs browser_cookie3: pip install "g4f[browser]"'
        ) from exc
    return browser_cookie3


def _browser_loaders(single_browser: bool) -> Iterable[tuple[str, Callable[..., Any]]]:
    browser_cookie3 = _import_browser_cookie3()
    names = ["firefox", "chrome", "chromium", "brave", "edge", "opera", "vivaldi", "librewolf"]
    loaders = [(name, getattr(browser_cookie3, name)) for name in names if hasattr(browser_cookie3, name)]
    return loaders[:1] if single_browser else loaders


def load_cookies_from_browsers(
    domain: str, raise_requirements_error: bool = True, single_browser: bool = False
) -> Cookies:
    """Cookies for ``domain`` from the user's browsers; the first browser that has some wins."""
    try:
        loaders = _browser_loaders(single_browser)
    except MissingRequirementsError:
        if raise_requirements_error:
            raise
        return {}
    browser_cookie3 = _import_browser_cookie3()
    for name, loader in loaders:
        try:
            with _builtin_key_without_keyring(browser_cookie3):
                jar = loader(domain_name=domain.lstrip("."))
        # browser_cookie3 raises whatever its backends raise (sqlite3, OSError, its own errors, ...)
        # for a browser that is not installed or whose store is locked: try the next browser.
        except Exception as exc:  # noqa: BLE001
            logger.debug("No cookies from %s: %s", name, type(exc).__name__)
            continue
        cookies = {c.name: c.value for c in jar if domain_matches(c.domain, domain) and c.value is not None}
        if cookies:
            register_secrets(cookies.values())
            logger.debug("Read %d cookies for %s from %s", len(cookies), domain, name)
            return cookies
    return {}


def get_cookies(
    domain: str, raise_requirements_error: bool = True, single_browser: bool = False
) -> Cookies:
    """Cookies for ``domain``: from the cookie files, else from the user's browsers."""
    cookies = read_cookie_files(domain)
    if cookies:
        return cookies
    return load_cookies_from_browsers(domain, raise_requirements_error, single_browser)


def set_cookies_dir(directory: str | os.PathLike[str]) -> None:
    """Read cookie files from ``directory`` from now on (gpt4free's name; the same as setting
    ``$G4F_COOKIES_DIR``, which worker processes started later inherit)."""
    os.environ["G4F_COOKIES_DIR"] = os.fspath(directory)


def get_cookies_dir() -> str:
    """The folder cookie files are read from (gpt4free's name for :func:`g4f.config.cookies_dir`)."""
    return str(cookies_dir())
