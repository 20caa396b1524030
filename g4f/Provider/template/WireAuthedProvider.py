"""``WireAuthedProvider``: a web app's own protocol, spoken with the cookies of a logged-in session.

The counterpart of :class:`~g4f.Provider.template.WireProvider` for web apps that have no API
key (grok.com): the author declares the cookie that proves a login and the cookie domain, on top
of what a ``WireProvider`` declares; the base finds the cookies, logs in when it must, and keeps
the cookies the server rotates.

Credentials, in order: the ``cookies=`` argument; the cached result of an earlier login
(``<config>/auth/<Provider>.json``, mode 0600, see
:class:`~g4f.providers.base_provider.AsyncAuthedProvider`); the cookie files of the config
folder; the user's browser's cookie store (browser_cookie3); else a browser login
(``RequestLogin`` is yielded, Chromium opens ``url`` and g4f waits for ``auth_cookie``). With
``login=False`` (the API server) neither the browser's store nor a browser is touched: missing
cookies are a ``MissingAuthError`` that tells to run ``g4f login <provider>``.

Requests go through curl_cffi with a browser's fingerprint (``impersonate = "chrome"``) and the
user agent that matches it. A ``Set-Cookie`` of the server (a rotated session cookie) is taken
into the result and saved at once (not after the answer: once rotated, the old cookie may be
dead, and an answer failing midway must not lose the new one); cookies the caller passed are
never written to disk.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

from ...errors import MissingAuthError
from ...providers.base_provider import AsyncAuthedProvider
from ...providers.response import AuthResult, RequestLogin
from ...typing import AsyncResult, Cookies, Messages
from .WireProvider import WireProvider, WireRequest, _exchange

__all__ = ["WireAuthedProvider"]


def _set_cookies(response: Any) -> dict[str, str]:
    """The cookies a response set, from either backend (aiohttp gives morsels)."""
    return {name: getattr(value, "value", value) for name, value in response.cookies.items()}


class WireAuthedProvider(AsyncAuthedProvider, WireProvider):
    """Base of providers for a web app with a login (see the module docstring)."""

    #: The domain of the web app's cookies (cookie files, the browser's store), e.g. ".grok.com".
    cookie_domain: ClassVar[str] = ""
    #: The cookie that proves a login (e.g. "sso"); a login waits for it.
    auth_cookie: ClassVar[str] = ""
    impersonate: ClassVar[str | None] = "chrome"

    # -- credentials -------------------------------------------------------------------------------
    @classmethod
    def credential_hint(cls) -> str:
        from ...providers.hints import cookie_hint  # worded for the door: cookies=, --cookies-file, ...

        return cookie_hint(f"g4f login {cls.get_name().lower()}", cls.cookie_domain.lstrip("."), cls.auth_cookie)

    @classmethod
    def has_credentials(cls, **kwargs: Any) -> bool:
        """An auth cache, cookies given, or the login cookie in the cookie files (no browser is read)."""
        if super().has_credentials(**kwargs):
            return True
        from ...cookies import read_cookie_files

        return bool(read_cookie_files(cls.cookie_domain).get(cls.auth_cookie))

    @classmethod
    def _stored_cookies(cls, browser_store: bool = True) -> Cookies:
        """The cookie files' cookies for the domain, else the user's browser's (blocking I/O)."""
        from ...cookies import load_cookies_from_browsers, read_cookie_files

        cookies = read_cookie_files(cls.cookie_domain)
        if cookies.get(cls.auth_cookie) or not browser_store:
            return cookies
        return load_cookies_from_browsers(cls.cookie_domain, raise_requirements_error=False)

    @classmethod
    def _auth_result(cls, cookies: Mapping[str, str], user_agent: str | None = None) -> AuthResult:
        from ...requests.curl import user_agent_for

        user_agent = user_agent or user_agent_for(cls.impersonate)
        headers = {"user-agent": user_agent} if user_agent else {}
        return AuthResult(cookies=cookies, headers=headers, impersonate=cls.impersonate)

    @classmethod
    async def on_auth_async(
        cls,
        cookies: Cookies | None = None,
        proxy: str | None = None,
        login: bool = True,
        login_timeout: float | None = None,
        login_headless: bool | None = None,
        browser_path: str | None = None,
        login_callback: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        if not cookies:
            cookies = await asyncio.to_thread(cls._stored_cookies, login)
        if cookies and cookies.get(cls.auth_cookie):
            yield cls._auth_result(cookies)
            return
        if not login:
            raise MissingAuthError(f"no {cls.auth_cookie!r} cookie for {cls.get_label()}, and a login is not "
                                   f"started here; {cls.login_hint()}", provider=cls.get_name())
        yield RequestLogin(cls.get_label(), os.environ.get("G4F_LOGIN_URL", ""))
        from ...auth.nodriver import browser_login

        result = await browser_login(
            cls.url or "", cls.auth_cookie, label=cls.get_label(), timeout=login_timeout, headless=login_headless,
            browser_path=browser_path, proxy=proxy, callback=login_callback)
        yield cls._auth_result(result.cookies, result.user_agent)

    # -- side requests -----------------------------------------------------------------------------
    @classmethod
    async def send_json(cls, auth_result: AuthResult, url: str, payload: Any, *, proxy: str | None = None,
                        timeout: float | None = None, read_timeout: float | None = None,
                        max_size: int = 1024 * 1024) -> Any:
        """POST ``payload`` to ``url`` with the login's cookies and fingerprint; the answer's JSON.

        For the requests a web app makes beside the chat (an upload); statuses map to g4f errors
        as for the answer, and a cookie the server rotates is kept (saved with the answer's).
        """
        from ...errors import ResponseError
        from ...requests.jsonlib import loads
        from ...requests.status import raise_for_status
        from ._images import read_body

        name = cls.get_name()
        request = WireRequest(
            "", url, payload, {**cls.default_headers, **auth_result.headers, **cls.request_headers()},
            auth_result.cookies, impersonate=auth_result.extra.get("impersonate") or cls.impersonate, proxy=proxy,
            timeout=timeout if timeout is not None else cls.request_timeout,
            read_timeout=read_timeout if read_timeout is not None else cls.read_timeout)
        async with _exchange(request, name) as (response, _):
            auth_result.update_cookies(_set_cookies(response))
            await raise_for_status(response, name)
            body = await read_body(response, max_size, name)  # timed by the exchange's watch ("body")
        try:
            return loads(body)
        except ValueError:
            raise ResponseError(f"the answer to {url.rsplit('/', 1)[-1]} is not JSON", provider=name) from None

    # -- the request -------------------------------------------------------------------------------
    @classmethod
    async def create_authed(
        cls,
        model: str,
        messages: Messages,
        auth_result: AuthResult,
        stream: bool = True,
        *,
        cookies: Cookies | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        proxy: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        conversation: Any = None,
        return_conversation: bool | None = None,  # gpt4free passes it; conversations are declared instead
        # used by the login (on_auth_async), not by the request:
        login_timeout: float | None = None,
        login_headless: bool | None = None,
        browser_path: str | None = None,
        login_callback: Any = None,
        **kwargs: Any,
    ) -> AsyncResult:
        explicit = bool(cookies or api_key)
        request, answer = cls.prepare(
            model, messages, kwargs, conversation=conversation, base_url=base_url, headers=auth_result.headers,
            cookies=auth_result.cookies, impersonate=auth_result.extra.get("impersonate") or cls.impersonate,
            proxy=proxy, timeout=timeout, connect_timeout=connect_timeout, read_timeout=read_timeout)

        def keep_rotated_cookies(response: Any) -> None:
            auth_result.update_cookies(_set_cookies(response))
            if auth_result.dirty and not explicit:
                cls.auth_cache().save(auth_result)

        async for item in cls.respond(request, answer, on_response=keep_rotated_cookies):
            yield item
