"""Keep credentials out of messages, reprs, logs and chained exceptions.

Every API key, cookie value and token that g4f handles is registered here the moment it is
read. Error messages, ``repr``s and log records pass through :func:`redact`, so a secret that an
upstream echoes back (``"Incorrect API key provided: sk-..."``) never reaches the user's
terminal or log files.

A secret never appears even in part: any run of :data:`MIN_FRAGMENT` (8) or more of its
characters is masked too, so a key that was cut before it was redacted (``gsk_SENTINELgro...``,
by an upstream or by an excerpt) is masked all the same. The redacting filter sits on g4f's,
aiohttp's and asyncio's loggers (installed when this module is imported), and can be put on any
handler to cover every logger. :func:`sanitize_exception` strips the raw headers, bodies and
documents that backend exceptions carry, so a g4f error's ``__cause__`` and ``__context__`` hold
nothing that :func:`redact` would not let through.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

__all__ = [
    "MAX_INDEXED",
    "MIN_FRAGMENT",
    "MIN_SECRET_LENGTH",
    "REDACTED_LOGGERS",
    "REPLACEMENT",
    "RedactingFilter",
    "Snapshot",
    "install_redacting_filter",
    "mask",
    "redact",
    "register_secret",
    "register_secrets",
    "restore",
    "sanitize_exception",
    "snapshot",
]

#: Values shorter than this are not treated as secrets: redacting "1" or "on" would mangle text.
MIN_SECRET_LENGTH = 6
#: Any run of this many characters of a secret counts as the secret (and is masked).
MIN_FRAGMENT = 8
REPLACEMENT = "***"
#: The loggers the redacting filter is installed on (a logger's filter sees the records logged
#: on it, not those of its children, so each of aiohttp's loggers is named).
REDACTED_LOGGERS = ("g4f", "aiohttp", "aiohttp.access", "aiohttp.client", "aiohttp.internal",
                    "aiohttp.server", "aiohttp.web", "aiohttp.websocket", "asyncio")

#: Characters of one secret indexed for partial matches; a longer value (no cookie or key is:
#: browsers cap a cookie at 4 KiB) is also replaced whole.
MAX_INDEXED = 4096

_SCHEMES = ("Bearer ", "Basic ", "Token ", "bearer ")
_QUARTER = MIN_FRAGMENT // 2
_lock = threading.Lock()
_secrets: set[str] = set()
# What redact() looks for. The sets only grow, under the lock, and are read without it (a
# membership test is atomic); the tuple is replaced whole.
#: Every MIN_FRAGMENT-long piece of every secret (blanks split secrets into pieces).
_fragments: set[str] = set()
#: Every 4-character piece of them: text holds a fragment only where one of its 4-character
#: pieces, read every 4 characters of a word, is one of these (see _fragments_in).
_quarters: set[str] = set()
#: Secrets replaced whole: those too short to have fragments and those too long to be indexed
#: entirely (longest first).
_whole: tuple[str, ...] = ()


def register_secret(value: object) -> None:
    """Remember ``value`` so that it is masked wherever g4f prints text.

    For an ``Authorization`` value (``"Bearer <token>"``) the token alone is registered too: an
    upstream that echoes the key quotes the token, not the header.
    """
    global _whole
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value in _secrets:
        return
    if value.startswith(_SCHEMES):
        register_secret(value.split(" ", 1)[1].strip())
    pieces = [piece[:MAX_INDEXED] for piece in value.split() if len(piece) >= MIN_FRAGMENT]
    fragments = {piece[i:i + MIN_FRAGMENT] for piece in pieces for i in range(len(piece) - MIN_FRAGMENT + 1)}
    quarters = {piece[i:i + _QUARTER] for piece in pieces for i in range(len(piece) - _QUARTER + 1)}
    with _lock:
        _quarters.update(quarters)  # quarters first: a reader that finds one looks for fragments
        _fragments.update(fragments)
        if len(value) < MIN_FRAGMENT or len(value) > MAX_INDEXED:
            _whole = tuple(sorted({*_whole, value}, key=len, reverse=True))
        _secrets.add(value)


def register_secrets(values: Iterable[object]) -> None:
    """Register each of ``values`` (e.g. every value of a cookie dict)."""
    for value in values:
        register_secret(value)


#: What :func:`snapshot` returns: the registered secrets and their indexes.
Snapshot = tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]]


def snapshot() -> Snapshot:
    """The registered secrets as they are now, for :func:`restore`.

    For test isolation (``g4f.testing.fixtures``): a key one test registers would otherwise be
    masked, in any 8-character run, in every later test's messages.
    """
    with _lock:
        return frozenset(_secrets), frozenset(_fragments), frozenset(_quarters), _whole


def restore(saved: Snapshot) -> None:
    """Forget every secret registered since :func:`snapshot` returned ``saved``."""
    global _whole
    secrets, fragments, quarters, whole = saved
    with _lock:
        _secrets.intersection_update(secrets)
        _fragments.intersection_update(fragments)  # fragments first: the reverse of register_secret
        _quarters.intersection_update(quarters)
        _whole = whole


def redact(text: str) -> str:
    """Return ``text`` with every registered secret, and every run of 8 or more of a secret's
    characters, replaced by ``***``."""
    for secret in _whole:
        if secret in text:
            text = text.replace(secret, REPLACEMENT)
    if not _fragments:
        return text
    # Fragments never hold blanks, so each is inside one word. The usual case (no fragment at
    # all) is settled by one set operation on the words' quarters.
    words = [word for word in text.split() if len(word) >= MIN_FRAGMENT]
    hits = _quarters.intersection(
        [word[q:q + _QUARTER] for word in words for q in range(0, len(word) - _QUARTER + 1, _QUARTER)])
    if not hits:
        return text
    found = [piece for word in words if any(map(word.__contains__, hits)) for piece in _fragments_in(word)]
    for piece in sorted(found, key=len, reverse=True):
        text = text.replace(piece, REPLACEMENT)
    return text


def _fragments_in(word: str) -> list[str]:
    """The longest runs of ``word`` made of fragments of secrets.

    A fragment ``word[p:p+8]`` holds the 4 characters at the one ``q = 0 (mod 4)`` with
    ``p <= q < p+4``: those are probed, and fragments looked for only around a probe that hits.
    """
    spans: list[list[int]] = []
    end = len(word)
    for probe in range(0, end - _QUARTER + 1, _QUARTER):
        if word[probe:probe + _QUARTER] not in _quarters:
            continue
        for i in range(max(0, probe - _QUARTER + 1), min(probe, end - MIN_FRAGMENT) + 1):
            if word[i:i + MIN_FRAGMENT] in _fragments:
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], i + MIN_FRAGMENT)
                else:
                    spans.append([i, i + MIN_FRAGMENT])
    return [word[a:b] for a, b in spans]


def mask(value: str | None) -> str:
    """A printable stand-in for a secret that shows only that it is set."""
    if not value:
        return "None"
    return REPLACEMENT


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in every record it sees (message, arguments
    and traceback). On a logger it sees that logger's records; on a handler, every record the
    handler writes, whichever logger made it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info and not record.exc_text:
                # The traceback of a chained backend error may quote a secret (a URL, a header);
                # handlers print ``exc_text`` when it is set, so set it redacted.
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            elif record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True


def install_redacting_filter(*handlers: logging.Handler) -> None:
    """Put one :class:`RedactingFilter` on each of :data:`REDACTED_LOGGERS` and on ``handlers``
    (a handler's filter covers every logger that writes to it); installing twice changes nothing."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in REDACTED_LOGGERS]
    for target in [*targets, *handlers]:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())


# -- exceptions ---------------------------------------------------------------------------------
_E = TypeVar("_E", bound=BaseException)

#: Attributes of backend exceptions that hold raw requests, responses or documents: the request's
#: headers (``Authorization``), the response's (``Set-Cookie``), a body, a JSON document.
_RAW_ATTRIBUTES = ("headers", "history", "response", "request", "doc")


def sanitize_exception(exc: _E) -> _E:
    """Strip ``exc``, and every exception chained to it, of raw headers, bodies and documents, in
    place; return ``exc``.

    Call it on a backend exception before chaining it (``raise mapped from sanitize_exception(exc)``)
    or on a g4f error before it leaves g4f: the exception objects stay (their types, messages and
    tracebacks), but aiohttp's ``request_info`` keeps no headers, ``ClientResponseError.headers``
    and curl_cffi's ``response`` are dropped, ``JSONDecodeError.doc`` and ``UnicodeError.object``
    are emptied, and string arguments are redacted. In place, because ``__context__`` is set by
    Python itself at ``raise`` time: the object it points to must be clean, not a copy.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        _scrub(current)
        pending.extend(linked for linked in (current.__cause__, current.__context__) if linked is not None)
        grouped = getattr(current, "exceptions", None)
        if isinstance(grouped, tuple):
            pending.extend(e for e in grouped if isinstance(e, BaseException))
    return exc


def _is_g4f_error(exc: BaseException) -> bool:
    # By name: g4f.errors imports this module, so this module does not import it.
    return any(kind.__name__ == "G4FError" and kind.__module__ == "g4f.errors" for kind in type(exc).__mro__)


def _scrub(exc: BaseException) -> None:
    if _is_g4f_error(exc):  # made from redacted text; its own chain is walked by the caller
        return
    replaced: dict[int, object] = {}  # raw values that are also arguments (aiohttp passes them both ways)
    info = getattr(exc, "request_info", None)
    if info is not None:
        replaced[id(info)] = _scrub_request_info(exc, info)
    for name in _RAW_ATTRIBUTES:
        if _has_attribute(exc, name):
            value = getattr(exc, name)
            clean = "" if name == "doc" and isinstance(value, str) else () if name == "history" else None
            _set(exc, name, clean)
            replaced[id(value)] = clean
    if isinstance(exc, UnicodeError) and hasattr(exc, "object"):
        exc.object = type(exc.object)()  # the undecodable (raw) data
    try:
        exc.args = tuple(replaced[id(arg)] if id(arg) in replaced else _clean(arg) for arg in exc.args)
    except (AttributeError, TypeError):  # pragma: no cover - an exception type that fixes its args
        pass
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [redact(note) if isinstance(note, str) else note for note in notes]


def _has_attribute(exc: BaseException, name: str) -> bool:
    try:
        return getattr(exc, name, None) is not None
    except Exception:  # noqa: BLE001 - a property of a half-built exception
        return False


def _set(exc: BaseException, name: str, value: object) -> None:
    try:
        setattr(exc, name, value)
    except (AttributeError, TypeError):  # read-only: fall back to the instance dict if it has one
        if hasattr(exc, "__dict__"):
            exc.__dict__[name] = value


def _clean(arg: Any) -> Any:
    if isinstance(arg, str):
        return redact(arg)
    if isinstance(arg, (bytes, bytearray)):
        return type(arg)()
    if isinstance(arg, Mapping):
        return {}
    return arg


def _scrub_request_info(exc: BaseException, info: Any) -> object:
    """aiohttp's ``RequestInfo`` (url, method, headers, real_url): no headers, redacted URLs."""
    clean: object
    try:
        from multidict import CIMultiDict, CIMultiDictProxy
        from yarl import URL

        def clean_url(url: Any) -> Any:
            text = str(url)
            cleaned = redact(text)
            return url if cleaned == text else URL(cleaned, encoded=True)

        fields = {"url": clean_url(info.url), "headers": CIMultiDictProxy(CIMultiDict())}
        if getattr(info, "real_url", None) is not None:
            fields["real_url"] = clean_url(info.real_url)
        replace = getattr(info, "_replace", None)
        if replace is not None:
            clean = replace(**fields)
        else:  # older aiohttp: an attrs class
            import attr

            clean = attr.evolve(info, **fields)
    except Exception:  # noqa: BLE001 - an unknown shape: dropping it is the safe way out
        clean = None
    _set(exc, "request_info", clean)
    return clean


install_redacting_filter()
