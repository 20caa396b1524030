"""Where g4f keeps its files: the user config folder, cookie files and the auth cache.

The folder is ``$G4F_CONFIG_DIR`` if set, else the platform's config folder
(``~/.config/g4f`` on Linux, ``~/Library/Application Support/g4f`` on macOS,
``%APPDATA%\\g4f`` on Windows). It holds secrets, so it is created with mode 0700 and every
file in it with mode 0600. Nothing is created at import time.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

__all__ = ["auth_dir", "check_private_file", "config_dir", "cookies_dir", "ensure_private_dir", "write_private_file"]

logger = logging.getLogger("g4f")


def config_dir() -> Path:
    """The user config folder (not created)."""
    env = os.environ.get("G4F_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "g4f"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "g4f"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "g4f"


def cookies_dir() -> Path:
    """Cookie files (``<domain>.json`` or any ``*.json`` holding a list of cookies)."""
    return Path(os.environ.get("G4F_COOKIES_DIR", config_dir() / "cookies")).expanduser()


def auth_dir() -> Path:
    """The auth cache: one ``<Provider>.json`` per provider."""
    return config_dir() / "auth"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700 if needed; tighten it if it is wider.

    Parents that already exist are left alone (``~/.config`` is not g4f's); the ones created
    here get 0700 too, so the config folder itself is private, not only the folder of the file.
    """
    missing = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            logger.warning("Tightening permissions of %s from %o to 700", path, mode)
            path.chmod(0o700)
    return path


def write_private_file(path: Path, data: str) -> None:
    """Write ``data`` to ``path`` atomically; the file is 0600 from its first byte."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_private_file(path: Path) -> None:
    """Make sure a file holding secrets is readable by its owner only.

    A file that others can read was exposed already; g4f fixes its mode and warns rather than
    refusing, so the user learns about it without losing their login.
    """
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("%s was readable by other users (mode %o); changed it to 600", path, mode)
        path.chmod(0o600)
