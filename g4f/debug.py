"""gpt4free's ``g4f.debug`` switches, on top of the standard ``logging`` module.

g4f logs through the ``"g4f"`` logger; configure it as any library's logger. Scripts written for
gpt4free set flags here instead, and get what they set::

    import g4f.debug
    g4f.debug.logging = True        # g4f's log lines (debug level and up) are printed, on stderr
    g4f.debug.version_check = False # accepted: g4f never looks up its latest version by itself

While ``logging`` is on, every record of the ``"g4f"`` logger goes to :data:`log_handler`
(``print`` by default, called as ``log_handler(line, file=sys.stderr)``) and is kept in
:data:`logs`; registered secrets are masked first, as in every g4f log line. :func:`log` and
:func:`error` are gpt4free's helpers for providers: they write to that logger, so they show
wherever g4f's logging is shown.
"""

from __future__ import annotations

import logging as _logging
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = [
    "MAX_LOGS",
    "disable_logging",
    "enable_logging",
    "error",
    "log",
    "log_handler",
    "logging",
    "logs",
    "version",
    "version_check",
]

#: True: g4f's log records (debug level and up) are printed through :data:`log_handler`.
logging: bool = False
#: gpt4free checks PyPI for a newer version on the first call when this is True. g4f never does
#: (no network call that the user did not ask for); ``g4f.version.utils.latest_version`` looks it
#: up on demand. Setting it is accepted, for scripts that turn gpt4free's check off.
version_check: bool = False
#: gpt4free's override of the version it reports; accepted, not used by g4f.
version: str | None = None
#: Called with each log line while :data:`logging` is on: ``log_handler(line, file=sys.stderr)``.
log_handler: Callable[..., Any] = print
#: The lines printed while :data:`logging` was on (the latest :data:`MAX_LOGS`).
logs: list[str] = []
MAX_LOGS = 1000

_logger = _logging.getLogger("g4f")


class _Handler(_logging.Handler):
    """Hands each record of the ``"g4f"`` logger to :data:`log_handler`."""

    def emit(self, record: _logging.LogRecord) -> None:
        try:
            line = self.format(record)
            logs.append(line)
            del logs[:-MAX_LOGS]
            _this.log_handler(line, file=sys.stderr)
        except Exception:  # noqa: BLE001 - a broken handler must not break the call that logged
            self.handleError(record)


_handler = _Handler()
_handler.setFormatter(_logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
_previous_level: list[int] = []


def _switch(on: bool) -> None:
    from .secrets import install_redacting_filter

    if on and _handler not in _logger.handlers:
        install_redacting_filter(_handler)  # secrets are masked before the user's handler sees a line
        _previous_level[:] = [_logger.level]
        _logger.addHandler(_handler)
        _logger.setLevel(_logging.DEBUG)
    elif not on and _handler in _logger.handlers:
        _logger.removeHandler(_handler)
        _logger.setLevel(_previous_level.pop() if _previous_level else _logging.NOTSET)


class _DebugModule(types.ModuleType):
    """This module: assigning ``logging`` switches g4f's log output on or off."""

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "logging":
            _switch(bool(value))


sys.modules[__name__].__class__ = _DebugModule
#: This module as an object: assignments through it go through ``_DebugModule.__setattr__``
#: (a ``global`` statement would write the namespace directly and switch nothing).
_this: Any = sys.modules[__name__]


def enable_logging(handler: Callable[..., Any] = print) -> None:
    """Print g4f's log lines through ``handler`` (gpt4free's ``enable_logging``)."""
    _this.log_handler = handler
    _this.logging = True


def disable_logging() -> None:
    """Stop printing g4f's log lines."""
    _this.logging = False


def log(*text: Any, file: Any = None) -> None:
    """A debug line of g4f's log, its parts joined by spaces (gpt4free's ``debug.log``).

    ``file`` is accepted for gpt4free's signature; where the line goes is the logger's business.
    """
    _logger.debug(" ".join(map(str, text)))


def error(*errors: Any, name: str | None = None) -> None:
    """An error line of g4f's log: strings as they are, exceptions as ``Type: message``."""
    parts = [e if isinstance(e, str) else f"{name or type(e).__name__}: {e}" for e in errors]
    _logger.error(" ".join(parts))
