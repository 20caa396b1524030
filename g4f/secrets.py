"""Keep credentials out of messages, reprs and logs.

Every API key, cookie value and token that g4f handles is registered here the moment it is
read. Error messages, ``repr``s and log records pass through :func:`redact`, so a secret that an
upstream echoes back (``"Incorrect API key provided: sk-..."``) never reaches the user's
terminal or log files.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

__all__ = [
    "MIN_SECRET_LENGTH",
    "REPLACEMENT",
    "RedactingFilter",
    "mask",
    "redact",
    "register_secret",
    "register_secrets",
]

#: Values shorter than this are not treated as secrets: redacting "1" or "on" would mangle text.
MIN_SECRET_LENGTH = 6
REPLACEMENT = "***"

_secrets: set[str] = set()
_lock = threading.Lock()
_ordered: tuple[str, ...] = ()


_SCHEMES = ("Bearer ", "Basic ", "Token ", "bearer ")


def register_secret(value: object) -> None:
    """Remember ``value`` so that it is masked wherever g4f prints text.

    For an ``Authorization`` value (``"Bearer <token>"``) the token alone is registered too: an
    upstream that echoes the key quotes the token, not the header.
    """
    global _ordered
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value in _secrets:
        return
    if value.startswith(_SCHEMES):
        register_secret(value.split(" ", 1)[1].strip())
    with _lock:
        _secrets.add(value)
        # Longest first, so a secret that contains another is replaced whole.
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def register_secrets(values: Iterable[object]) -> None:
    """Register each of ``values`` (e.g. every value of a cookie dict)."""
    for value in values:
        register_secret(value)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REPLACEMENT)
    return text


def mask(value: str | None) -> str:
    """A printable stand-in for a secret that shows only that it is set."""
    if not value:
        return "None"
    return REPLACEMENT


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in every record of the ``g4f`` logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _ordered:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info and not record.exc_text:
                # The traceback of a chained backend error may quote a secret (a URL, a header);
                # handlers print ``exc_text`` when it is set, so set it redacted.
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
