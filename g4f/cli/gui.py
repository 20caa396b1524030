"""``g4f gui``: ``g4f api`` with its web chat, opened in the browser once the server listens.

It takes the options of ``g4f api``. The browser is the user's own (Python's ``webbrowser``:
``$BROWSER``, else the system's default); it is opened by this command on the user's machine,
never by a request to the server.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from typing import Any

from . import serve

__all__ = ["add_parser", "page_url", "run"]

#: How long to wait for the server to listen before giving up on opening the page.
OPEN_TIMEOUT = 30.0
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def add_parser(commands: Any) -> None:
    gui = commands.add_parser("gui", help="run the API server and open its web chat in the browser")
    serve.add_arguments(gui)
    gui.set_defaults(gui=True)


def page_url(host: str, port: int) -> str:
    """The web chat's address for a server bound to ``host`` (a wildcard means this machine)."""
    host = _WILDCARDS.get(host, host)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _open_when_listening(host: str, port: int, url: str, timeout: float = OPEN_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _listening(host, port):
            import webbrowser  # only when a page is to be opened (every `g4f` command imports this module)

            if not webbrowser.open(url):
                print(f"g4f: open {url} in a browser", file=sys.stderr, flush=True)
            return
        time.sleep(0.1)


def run(args: argparse.Namespace) -> None:
    from g4f.api import DEFAULT_HOST, DEFAULT_PORT

    host = _WILDCARDS.get(args.host or DEFAULT_HOST, args.host or DEFAULT_HOST)
    port = args.port if args.port is not None else DEFAULT_PORT
    # Something already listening there would be opened instead of this server (which is about
    # to fail with "address in use" and say so): then no browser.
    if 0 < port < 65536 and not _listening(host, port):
        threading.Thread(target=_open_when_listening, args=(host, port, page_url(host, port)),
                         name="g4f-open-browser", daemon=True).start()
    serve.run(args)
