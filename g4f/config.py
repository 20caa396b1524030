"""Where g4f keeps its files, and how it writes and reads the ones that hold credentials.

The folder is ``$G4F_CONFIG_DIR`` if set, else the platform's config folder
(``~/.config/g4f`` on Linux, ``~/Library/Application Support/g4f`` on macOS,
``%APPDATA%\\g4f`` on Windows). It holds secrets, so it is created with mode 0700 (a folder of
g4f's that others may use is tightened, with a warning) and every file in it with mode 0600.
Nothing is created at import time.

Files that hold credentials are

* written whole or not at all: to a temporary file of a unique name in the same folder
  (``mkstemp``: ``O_CREAT | O_EXCL | O_NOFOLLOW``, mode 0600), flushed to disk, then renamed
  over the file; a failed write removes its temporary file, and temporary files that a killed
  writer left behind are swept at the next write or removal;
* written under a lock (a thread lock and ``flock`` on a lock file beside the file), so that
  threads and processes take turns and a sweep never removes a write in progress;
* never reached through a symlink: a symlink is not followed, not written through and not
  chmod'ed (a warning names it); reading opens with ``O_NOFOLLOW``, and the mode is checked and
  fixed on the open file, not on its path.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "MAX_PRIVATE_FILE_SIZE",
    "PrivateFile",
    "UnusableFile",
    "auth_dir",
    "check_private_file",
    "config_dir",
    "cookies_dir",
    "ensure_private_dir",
    "file_lock",
    "read_private_file",
    "remove_private_file",
    "write_private_file",
]

logger = logging.getLogger("g4f")

#: Credential files larger than this are not read (a cookie export of a whole browser is ~1 MB).
MAX_PRIVATE_FILE_SIZE = 4 * 1024 * 1024

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_TEMP_SUFFIX = ".tmp"


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


# -- folders ------------------------------------------------------------------------------------
def _owned_levels(path: Path) -> list[Path]:
    """``path`` and its parents up to the config folder, when ``path`` is in it (g4f's own folders)."""
    root = config_dir()
    if path != root and root not in path.parents:
        return []
    return [path, *(parent for parent in path.parents if parent == root or root in parent.parents)]


def _tighten(directory: Path, root: bool) -> None:
    """Make a folder of g4f's private (0700) when others may use it: the config folder when others
    may write to it, the folders in it when others may as much as list them."""
    info = directory.lstat()
    if stat.S_ISLNK(info.st_mode):
        return  # a symlinked config folder is the user's choice; the folder it points to is used
    mode = stat.S_IMODE(info.st_mode)
    if not mode & (0o022 if root else 0o077):
        return
    if mode & stat.S_ISVTX or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        # /tmp and the like: shared on purpose, and not ours to change.
        raise PermissionError(errno.EACCES, f"a folder other users share (mode {mode:o}) cannot hold "
                              f"credentials: set G4F_CONFIG_DIR to a private folder", str(directory))
    logger.warning("Tightening permissions of %s from %o to 700: it holds credentials", directory, mode)
    directory.chmod(0o700)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700 if needed; tighten g4f's own folders.

    From the config folder down to ``path``, a folder others may use is tightened to 0700 with a
    warning (folders outside it, like ``~/.config``, are left alone). A folder others share on
    purpose (sticky, like ``/tmp``, or another user's) raises ``PermissionError``, and a ``path``
    that is a symlink ``NotADirectoryError``: credentials are not written through either.
    """
    missing = []
    current = path
    while not os.path.lexists(current) and current.parent != current:
        missing.append(current)
        current = current.parent
    if os.name == "posix":
        root = config_dir()
        for level in reversed(_owned_levels(current)):
            _tighten(level, root=level == root)
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    if path.is_symlink():
        logger.warning("Not using %s: it is a symlink (credentials are kept only in a folder of g4f's own)",
                       path)
        raise NotADirectoryError(errno.ENOTDIR, "a symlink, not followed", str(path))
    return path


# -- locking ------------------------------------------------------------------------------------
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (threads of this process, then other processes) in the block.

    Other processes are excluded with ``flock`` on ``.<name>.lock`` beside the file (kept: it holds
    nothing, and removing lock files races); where there is no ``fcntl`` (Windows) threads only.
    """
    with _thread_locks_guard:
        lock = _thread_locks.setdefault(str(path), threading.Lock())
    with lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        lock_path = path.with_name(f".{path.name}.lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            logger.warning("Removed a symlink planted at %s (not followed)", lock_path)
            lock_path.unlink()
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock


# -- files --------------------------------------------------------------------------------------
def _sweep(path: Path) -> None:
    """Remove the temporary files of ``path`` that writers left (held lock: none is in progress)."""
    prefix = f".{path.name}."
    with contextlib.suppress(FileNotFoundError), os.scandir(path.parent) as entries:
        for entry in entries:
            if not (entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX)):
                continue
            if entry.is_symlink():
                logger.warning("Removed a symlink planted at %s (not followed)", entry.path)
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
                os.unlink(entry.path)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: str) -> None:
    """Write ``data`` to ``path`` atomically, durably and under the lock; mode 0600 from its first byte.

    A symlink at ``path`` is replaced by the file (never written through), with a warning.
    Raises ``OSError`` when the folder cannot be used (a symlink, a folder others share).
    """
    directory = ensure_private_dir(path.parent)
    with file_lock(path):
        _sweep(path)
        if path.is_symlink():
            logger.warning("Replacing the symlink %s with a file (not followed)", path)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data.encode("utf-8"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _fsync_dir(directory)


def remove_private_file(path: Path, identity: tuple[int, int] | None = None) -> None:
    """Remove ``path`` (a symlink there: the link) and its leftover temporary files, under the lock.

    With ``identity`` (from :func:`read_private_file`), only that very file is removed: a file a
    writer put there since is kept.
    """
    if not path.parent.is_dir():
        return
    with file_lock(path):
        _sweep(path)
        with contextlib.suppress(FileNotFoundError):
            if identity is not None:
                info = path.lstat()
                if (info.st_dev, info.st_ino) != identity:
                    return
            path.unlink()


class PrivateFile(NamedTuple):
    """What :func:`read_private_file` read: the text, and which file it was (device, inode)."""

    text: str
    identity: tuple[int, int]


class UnusableFile(ValueError):
    """A credential file that must not be read: a symlink, not a regular file, too big, not UTF-8.

    ``identity`` (device, inode) names the file when it was opened (None: not opened at all).
    """

    def __init__(self, reason: str, identity: tuple[int, int] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.identity = identity


def read_private_file(path: Path, max_size: int = MAX_PRIVATE_FILE_SIZE) -> PrivateFile | None:
    """The text of a file that holds secrets; None when there is none.

    Raises :class:`UnusableFile` for a symlink (never followed), a FIFO or anything else that is
    not a regular file, a file larger than ``max_size`` and one that is not UTF-8; the caller says
    so in its own words. A file that others can read was exposed already: its mode is fixed (on
    the open file, never through its path) and a warning says so.
    """
    try:
        if not _NOFOLLOW and path.is_symlink():  # no O_NOFOLLOW (Windows): asked first
            raise OSError(errno.ELOOP, "a symlink")
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise UnusableFile("it is a symlink (not followed)") from None
        raise UnusableFile(f"it cannot be opened: {exc.strerror or type(exc).__name__}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        identity = (info.st_dev, info.st_ino)
        if not stat.S_ISREG(info.st_mode):
            raise UnusableFile("it is not a regular file", identity if stat.S_ISFIFO(info.st_mode) else None)
        mode = stat.S_IMODE(info.st_mode)
        if os.name == "posix" and mode & 0o077:
            logger.warning("%s was readable by other users (mode %o); changed it to 600", path, mode)
            os.fchmod(fd, 0o600)
        if info.st_size > max_size:
            raise UnusableFile(f"it is larger than {max_size} bytes", identity)
        data = file.read(max_size + 1)
    try:
        return PrivateFile(data.decode("utf-8"), identity)
    except UnicodeDecodeError:
        raise UnusableFile("it is not UTF-8 text", identity) from None


def check_private_file(path: Path) -> None:
    """Make sure a file holding secrets is readable by its owner only (never through a symlink).

    A file that others can read was exposed already; g4f fixes its mode and warns rather than
    refusing, so the user learns about it without losing their login.
    """
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            logger.warning("Not checking %s: it is a symlink (not followed)", path)
        return
    try:
        info = os.fstat(fd)
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISREG(info.st_mode) and mode & 0o077:
            logger.warning("%s was readable by other users (mode %o); changed it to 600", path, mode)
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
