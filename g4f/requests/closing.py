"""``aclose()``: close the HTTP sessions g4f opened on the running loop.

Sessions are pooled per event loop (aiohttp's in :mod:`.aiohttp_session`, curl_cffi's in
:mod:`.curl`) and closed when their loop shuts down its async generators; this closes them
sooner. A backend that was never imported has nothing to close and is not imported here.
"""

from __future__ import annotations

import sys

__all__ = ["aclose"]


async def aclose() -> None:
    """Close every pooled HTTP session of the running loop (``await g4f.aclose()``)."""
    if "g4f.requests.aiohttp_session" in sys.modules:
        from .aiohttp_session import close_sessions

        await close_sessions()
    if "g4f.requests.curl" in sys.modules:
        from . import curl

        close = getattr(curl, "close_sessions", None)
        if close is not None:
            await close()
