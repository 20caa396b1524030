"""Log in through a real browser: open a page in Chromium, wait for a cookie, take the cookies.

Web apps such as grok.com have no API key; the user logs in in a browser and the session cookie
(``sso``) is the credential. :func:`browser_login` starts Chromium with a fresh, throw-away
profile, drives it with nodriver (imported only here, on first use), shows a progress line while
the user logs in, and returns the site's cookies and the browser's user agent.

g4f starts the browser process itself (in its own session, ``start_new_session``) and lets
nodriver attach to it through the DevTools port the browser reports. That way the whole process
tree (browser, zygote, renderers, GPU) is known and is always ended, whether the login succeeds,
times out, fails or is cancelled: no browser is ever left behind, and the profile folder is
removed.

Headless mode is used where no display is available (or when asked: ``headless=True`` or
``G4F_HEADLESS=1``); as root, Chromium needs ``--no-sandbox``, which is added then only.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import MissingAuthError, MissingRequirementsError
from ..secrets import mask, register_secrets

__all__ = [
    "DEFAULT_LOGIN_TIMEOUT",
    "BrowserLogin",
    "browser_flags",
    "browser_login",
    "browser_login_refused",
    "find_browser",
    "login_timeout",
    "open_browser",
    "session_processes",
]

#: Seconds to wait for the user to log in; ``G4F_LOGIN_TIMEOUT`` overrides it.
DEFAULT_LOGIN_TIMEOUT = 300.0
#: Seconds to wait for a started browser to report its DevTools port.
STARTUP_TIMEOUT = 30.0
#: Flags that keep a login browser quiet and isolated: no GPU, no QUIC (HTTP/3 would bypass a
#: proxy), no first-run UI, no background traffic, no updates, no sync.
BASE_FLAGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-default-browser-check",
    "--password-store=basic",
    "--remote-allow-origins=*",
)
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")

Callback = Callable[[Any], Awaitable[None]]

#: Why a browser may not be started in this context (None: it may).
_refusal: contextvars.ContextVar[str | None] = contextvars.ContextVar("g4f_browser_login_refusal", default=None)


@contextlib.contextmanager
def browser_login_refused(reason: str) -> Iterator[None]:
    """Inside the block, :func:`open_browser` (and so :func:`browser_login`) raises
    MissingAuthError(``reason``) instead of starting a browser.

    ``AsyncAuthedProvider`` sets it around each step of a ``login=False`` authentication, so no
    provider can start a browser for a call that must not (a request to the API server).
    """
    token = _refusal.set(reason)
    try:
        yield
    finally:
        _refusal.reset(token)


@dataclass(repr=False)
class BrowserLogin:
    """What a browser login gives: the site's cookies and the browser's user agent."""

    cookies: dict[str, str] = field(default_factory=dict)
    user_agent: str = ""

    def __repr__(self) -> str:
        cookies = ", ".join(f"{name}={mask(value)}" for name, value in self.cookies.items())
        return f"BrowserLogin(cookies={{{cookies}}}, user_agent={self.user_agent!r})"


def _import_nodriver() -> Any:
    try:
        import nodriver
    except ImportError as exc:
        raise MissingRequirementsError(
            'logging in with a browser needs nodriver: pip install "g4f[browser]"'
        ) from exc
    return nodriver


def find_browser(path: str | os.PathLike[str] | None = None) -> str:
    """The Chromium/Chrome executable: ``path``, else ``$G4F_BROWSER_PATH``, else the first on PATH.

    Raises MissingRequirementsError when none is found.
    """
    explicit = path or os.environ.get("G4F_BROWSER_PATH")
    if explicit:
        if Path(explicit).is_file():
            return str(explicit)
        raise MissingRequirementsError(f"no browser executable at {explicit}")
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise MissingRequirementsError(
        "logging in with a browser needs Chromium or Chrome (e.g. apt install chromium); "
        "set G4F_BROWSER_PATH to its executable"
    )


def _headless_default() -> bool:
    """``$G4F_HEADLESS`` (1/0) if set, else headless exactly where there is no display."""
    env = os.environ.get("G4F_HEADLESS", "").strip().lower()
    if env:
        return env not in ("0", "false", "no", "off")
    if sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def browser_flags(user_data_dir: str, *, headless: bool, proxy: str | None = None) -> list[str]:
    """The command-line flags g4f starts Chromium with (without the executable)."""
    flags = ["--remote-debugging-port=0", f"--user-data-dir={user_data_dir}", *BASE_FLAGS]
    if headless:
        flags.append("--headless=new")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to run sandboxed as root
    if proxy:
        flags.append(f"--proxy-server={proxy}")
    flags.append("about:blank")
    return flags


def session_processes(session_id: int) -> list[int]:
    """The live (non-zombie) processes of a session (Linux ``/proc``; empty elsewhere)."""
    pids: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return pids
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 3 and fields[0] != "Z" and fields[3] == str(session_id):
            pids.append(int(entry.name))
    return pids


async def _wait_for_port(process: asyncio.subprocess.Process, profile: Path, timeout: float) -> int:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise MissingRequirementsError(f"the browser exited at start-up (exit code {process.returncode})")
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = port_file.read_text()
            if "\n" in text:
                return int(text.split("\n", 1)[0])
        await asyncio.sleep(0.05)
    raise MissingRequirementsError(f"the browser did not open its DevTools port within {timeout:.0f}s")


async def _gone(process: asyncio.subprocess.Process, seconds: float) -> bool:
    """Wait up to ``seconds`` for the browser and every process of its session to exit."""
    deadline = time.monotonic() + seconds
    while True:
        if process.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 0.1)
        elif not session_processes(process.pid):
            return True
        else:
            await asyncio.sleep(0.05)
        if time.monotonic() >= deadline:
            return False


async def _end_process_tree(process: asyncio.subprocess.Process, grace: float = 0.0) -> None:
    """End the browser and every process it started (they share its session).

    After a clean ``Browser.close`` the browser gets ``grace`` seconds to finish on its own (its
    network process writes the cookie store on the way out); then SIGTERM, then SIGKILL.
    """
    if grace and await _gone(process, grace):
        return
    for sig, seconds in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        if await _gone(process, seconds):
            return
    if process.returncode is None:
        await process.wait()


async def _close_browser(browser: Any) -> bool:
    """Ask the browser to quit (CDP ``Browser.close``) and drop the connections; True if asked."""
    from nodriver import cdp

    asked = False
    with contextlib.suppress(Exception):
        await asyncio.wait_for(browser.send(cdp.browser.close()), 2.0)
        asked = True
    for target in list(getattr(browser, "targets", []) or []):
        with contextlib.suppress(Exception):
            await target.aclose()
    with contextlib.suppress(Exception):
        await browser.aclose()
    return asked


@contextlib.asynccontextmanager
async def open_browser(
    *,
    headless: bool | None = None,
    browser_path: str | None = None,
    proxy: str | None = None,
    user_data_dir: str | os.PathLike[str] | None = None,
) -> AsyncIterator[Any]:
    """A nodriver ``Browser`` on a fresh Chromium; the browser is gone on exit.

    The profile is a new temporary folder, removed on exit, unless ``user_data_dir`` names one
    to use and keep. ``headless`` defaults to ``$G4F_HEADLESS``, else to True where there is no
    display. Inside :func:`browser_login_refused` it raises MissingAuthError and starts nothing.
    """
    refusal = _refusal.get()
    if refusal is not None:
        raise MissingAuthError(refusal)
    nodriver = _import_nodriver()
    executable = find_browser(browser_path)
    if headless is None:
        headless = _headless_default()
    keep_profile = user_data_dir is not None
    profile = Path(user_data_dir) if user_data_dir is not None else Path(tempfile.mkdtemp(prefix="g4f-browser-"))
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "DevToolsActivePort").unlink(missing_ok=True)  # a stale one from an earlier run
    process: asyncio.subprocess.Process | None = None
    browser: Any = None
    try:
        process = await asyncio.create_subprocess_exec(
            executable,
            *browser_flags(str(profile), headless=headless, proxy=proxy),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        port = await _wait_for_port(process, profile, STARTUP_TIMEOUT)
        config = nodriver.Config(
            user_data_dir=str(profile), browser_executable_path=executable, host="127.0.0.1", port=port
        )
        browser = await nodriver.Browser.create(config)
        yield browser
    finally:
        asked_to_quit = False
        if browser is not None:
            asked_to_quit = await asyncio.shield(_close_browser(browser))
            with contextlib.suppress(Exception):
                nodriver.core.util.get_registered_instances().discard(browser)
        if process is not None:
            await asyncio.shield(_end_process_tree(process, grace=5.0 if asked_to_quit else 0.0))
        if not keep_profile:
            shutil.rmtree(profile, ignore_errors=True)


async def _page_loaded(tab: Any, timeout: float = 15.0) -> None:
    """Wait (at most ``timeout`` s) until the tab shows a loaded page other than the blank start page.

    ``Browser.get`` returns as soon as the navigation has started: a callback that queried the DOM
    then could get the blank page's document just before the new one replaced it, and fail with
    "Could not find node with given id". A page that stays slow is left to the cookie wait.
    """
    script = "location.href !== 'about:blank' && document.readyState === 'complete'"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # "context destroyed" while the navigation commits
            if await tab.evaluate(script, return_by_value=True) is True:
                return
        await asyncio.sleep(0.05)


async def _user_agent(browser: Any) -> str:
    """The browser's user agent, from the browser itself (``Browser.getVersion``), not from the
    page: a login page may navigate at any moment (a form that submits itself, a redirect), and a
    script evaluated in it then fails with "Inspected target navigated or closed"."""
    from nodriver import cdp

    _, _, _, user_agent, _ = await browser.send(cdp.browser.get_version())
    return str(user_agent)


async def _site_cookies(tab: Any, url: str) -> dict[str, str]:
    """The cookies the browser would send to ``url``; none yet while the tab is between two
    pages (the command fails with "Inspected target navigated or closed" then: asked again at
    the next poll)."""
    from nodriver import cdp
    from nodriver.core.connection import ProtocolException

    try:
        cookies = await tab.send(cdp.network.get_cookies([url]))
    except ProtocolException:
        return {}
    return {cookie.name: cookie.value for cookie in cookies}


def _progress(stream: TextIO | None, text: str, end: str = "") -> None:
    if stream is None:
        return
    with contextlib.suppress(Exception):
        stream.write(f"\r{text}{end}")
        stream.flush()


def login_timeout(timeout: float | None = None) -> float:
    """The login timeout: the argument, else ``$G4F_LOGIN_TIMEOUT``, else the default."""
    if timeout is not None:
        return float(timeout)
    env = os.environ.get("G4F_LOGIN_TIMEOUT")
    try:
        return float(env) if env else DEFAULT_LOGIN_TIMEOUT
    except ValueError:
        return DEFAULT_LOGIN_TIMEOUT


async def browser_login(
    url: str,
    cookie_name: str,
    *,
    label: str | None = None,
    timeout: float | None = None,
    headless: bool | None = None,
    browser_path: str | None = None,
    proxy: str | None = None,
    callback: Callback | None = None,
    poll_interval: float = 0.5,
    progress: TextIO | bool | None = True,
) -> BrowserLogin:
    """Open ``url`` in a browser and wait until the site has set the cookie ``cookie_name``.

    ``callback(tab)``, if given, runs once the page is open (to fill a form automatically).
    ``progress`` is where the progress line goes: True for stderr, a stream, or None for none. The
    cookies returned are those the browser would send to ``url``. Raises MissingAuthError when
    no login happens within ``timeout`` seconds (default ``$G4F_LOGIN_TIMEOUT`` or 300), and
    MissingRequirementsError when nodriver or a browser is missing. The browser is always
    closed.
    """
    limit = login_timeout(timeout)
    name = label or url
    if progress is True:
        progress = sys.stderr
    elif progress is False:
        progress = None
    async with open_browser(headless=headless, browser_path=browser_path, proxy=proxy) as browser:
        tab = await browser.get(url)
        await _page_loaded(tab)
        user_agent = await _user_agent(browser)
        callback_task = asyncio.ensure_future(callback(tab)) if callback is not None else None
        started = time.monotonic()
        try:
            while True:
                cookies = await _site_cookies(tab, url)
                if cookies.get(cookie_name):
                    break
                if callback_task is not None and callback_task.done():
                    callback_task.result()  # a failing callback is an error, not a silent wait
                elapsed = time.monotonic() - started
                if elapsed >= limit:
                    _progress(progress, f"Waiting for the {name} login: gave up after {limit:.0f}s", "\n")
                    raise MissingAuthError(
                        f"no login within {limit:.0f}s: the browser never received the "
                        f"{cookie_name!r} cookie from {url}"
                    )
                _progress(progress, f"Waiting for you to log in to {name} in the browser... "
                                    f"{elapsed:.0f}s / {limit:.0f}s")
                await asyncio.sleep(poll_interval)
        finally:
            if callback_task is not None and not callback_task.done():
                callback_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await callback_task
        _progress(progress, f"Logged in to {name}.", "\n")
    register_secrets(cookies.values())
    return BrowserLogin(cookies=cookies, user_agent=_as_regular_browser(str(user_agent or "")))


def _as_regular_browser(user_agent: str) -> str:
    """A headless browser's user agent, as the same browser with a window would send it.

    Sites reject ``HeadlessChrome``; the requests made later come from curl_cffi impersonating a
    regular Chrome, so the user agent should say so too.
    """
    return user_agent.replace("HeadlessChrome/", "Chrome/")

