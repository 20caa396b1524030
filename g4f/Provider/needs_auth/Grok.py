"""Grok through grok.com's web app: the user's session cookies instead of an API key.

Credentials, in order: the ``cookies`` argument; the cookie files in the config folder; the
user's browser (browser_cookie3, for ``.grok.com``); else a browser login (``RequestLogin`` is
yielded, then Chromium opens grok.com and g4f waits for the ``sso`` cookie). The result is cached
by :class:`~g4f.providers.base_provider.AsyncAuthedProvider` and reused until grok.com answers
403, and cookies the server rotates (Set-Cookie) are written back to the cache.

Every address is derived from the class attributes ``url``, ``conversation_url`` and
``assets_url`` (the web app, its chat API and its image host); pointing them elsewhere (a test
replica, a mirror) is the only thing that changes where requests go.

The answer streams as NDJSON (DESIGN.md, "Grok web app"). grok.com ends every answer with a
``modelResponse`` object (the whole message, its generated images); an answer is complete only
once it has arrived, so a stream that stops before it (cut, reset, closed early) raises
ResponseError instead of passing for a shorter answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

from ...errors import BadRequestError, ResponseError
from ...providers.base_provider import AsyncAuthedProvider, ProviderModelMixin
from ...providers.helper import format_prompt, get_last_user_message
from ...providers.response import (
    AuthResult,
    Conversation,
    ImagePreview,
    ImageResponse,
    Reasoning,
    RequestLogin,
    ResponseType,
    TitleGeneration,
)
from ...typing import AsyncResult, Cookies, Messages

__all__ = ["Grok", "GrokAnswer"]

logger = logging.getLogger("g4f")

#: Keyword arguments Grok understands besides the ones in its signatures.
_OWN_ARGUMENTS = frozenset({
    "stream", "proxy", "timeout", "api_key", "login_timeout", "login_callback", "login_headless", "browser_path",
})


class GrokAnswer:
    """Reads grok.com's NDJSON objects one by one and turns them into g4f events (no I/O).

    ``feed(obj)`` returns the events of one line; ``complete`` becomes true when the final
    ``modelResponse`` arrives; ``conversation_id`` is set from the first line of a new
    conversation.
    """

    def __init__(self, assets_url: str, conversation_id: str | None = None, provider: str = "Grok") -> None:
        self.assets_url = assets_url.rstrip("/")
        self.conversation_id = conversation_id
        self.complete = False
        self._provider = provider
        self._thinking_since: float | None = None

    def _asset(self, path: str) -> str:
        return path if "://" in path else f"{self.assets_url}/{path.lstrip('/')}"

    def _end_thinking(self) -> list[ResponseType]:
        if self._thinking_since is None:
            return []
        seconds = time.monotonic() - self._thinking_since
        self._thinking_since = None
        return [Reasoning(status=f"Thought for {seconds:.1f}s")]

    def feed(self, data: Any) -> list[Any]:
        if not isinstance(data, dict):
            raise ResponseError(f"grok.com sent a line that is not an object: {str(data)[:80]!r}",
                                provider=self._provider)
        if "error" in data:
            error = data["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise ResponseError(f"grok.com reported an error in the answer: {message}", provider=self._provider)
        result = data.get("result")
        if not isinstance(result, dict):
            logger.debug("%s: skipping a line without a result: %s", self._provider, list(data))
            return []
        events: list[Any] = []
        conversation = result.get("conversation")
        if isinstance(conversation, dict) and conversation.get("conversationId") and not self.conversation_id:
            self.conversation_id = str(conversation["conversationId"])
        # A new conversation nests the answer under "response"; a continued one may not.
        nested = result.get("response")
        response: dict[str, Any] = nested if isinstance(nested, dict) else result
        image = response.get("streamingImageGenerationResponse")
        if isinstance(image, dict) and image.get("imageUrl"):
            events.append(ImagePreview(self._asset(image["imageUrl"]), "", {"progress": image.get("progress")}))
        token = response.get("token")
        if token:
            if response.get("isThinking"):
                if self._thinking_since is None:
                    self._thinking_since = time.monotonic()
                    events.append(Reasoning(status="Thinking..."))
                events.append(Reasoning(token))
            else:
                events += self._end_thinking()
                events.append(str(token))
        final = response.get("modelResponse")
        if isinstance(final, dict):
            events += self._end_thinking()
            urls = [self._asset(url) for url in final.get("generatedImageUrls") or []]
            if urls:
                events.append(ImageResponse(urls, "", {}))
            self.complete = True
        title = result.get("title")
        if isinstance(title, dict) and title.get("newTitle"):
            events.append(TitleGeneration(str(title["newTitle"])))
        return events


class Grok(AsyncAuthedProvider, ProviderModelMixin):
    label = "Grok AI"
    url = "https://grok.com"
    login_url = "https://grok.com"
    cookie_domain = ".grok.com"
    assets_url = "https://assets.grok.com"
    conversation_url = "https://grok.com/rest/app-chat/conversations"
    needs_auth = True
    working = True

    default_model = "grok-3"
    models: ClassVar[list[str]] = ["grok-3", "grok-3-thinking", "grok-2"]
    model_aliases: ClassVar[dict[str, str]] = {"grok-3-r1": "grok-3-thinking"}
    #: The ``modelName`` grok.com expects for each model; others are sent as "grok-3".
    upstream_models: ClassVar[dict[str, str]] = {"grok-2": "grok-latest"}
    #: Models that think before they answer (``isReasoning``).
    reasoning_models: ClassVar[frozenset[str]] = frozenset({"grok-3-thinking"})
    #: The cookie that proves a login.
    auth_cookie: ClassVar[str] = "sso"
    impersonate: ClassVar[str] = "chrome"
    #: Seconds a stream may stall (or the headers take) before TimeoutError; ``timeout=`` overrides.
    read_timeout: ClassVar[float] = 120.0

    @classmethod
    def credential_hint(cls) -> str:
        return f"run `g4f login grok`, or pass cookies= with the {cls.auth_cookie!r} cookie of grok.com"

    @classmethod
    def has_credentials(cls, **kwargs: Any) -> bool:
        """An auth cache, cookies given, or an ``sso`` cookie in the cookie files (no browser is read)."""
        if super().has_credentials(**kwargs):
            return True
        from ...cookies import read_cookie_files

        return bool(read_cookie_files(cls.cookie_domain).get(cls.auth_cookie))

    @classmethod
    def _stored_cookies(cls) -> Cookies:
        """The cookie files' cookies for grok.com, else the user's browser's (blocking I/O)."""
        from ...cookies import load_cookies_from_browsers, read_cookie_files

        cookies = read_cookie_files(cls.cookie_domain)
        if cookies.get(cls.auth_cookie):
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
        cls, cookies: Cookies | None = None, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        if not cookies:
            cookies = await asyncio.to_thread(cls._stored_cookies)
        if cookies and cookies.get(cls.auth_cookie):
            yield cls._auth_result(cookies)
            return
        yield RequestLogin(cls.get_label(), os.environ.get("G4F_LOGIN_URL", ""))
        from ...auth.nodriver import browser_login

        login = await browser_login(
            cls.url,
            cls.auth_cookie,
            label=cls.get_label(),
            timeout=kwargs.get("login_timeout"),
            headless=kwargs.get("login_headless"),
            browser_path=kwargs.get("browser_path"),
            proxy=proxy,
            callback=kwargs.get("login_callback"),
        )
        yield cls._auth_result(login.cookies, login.user_agent)

    @classmethod
    def _prepare_payload(cls, model: str, message: str) -> dict[str, Any]:
        """The body of a request to grok.com for ``message``."""
        return {
            "temporary": False,
            "modelName": cls.upstream_models.get(model, "grok-3"),
            "message": message,
            "fileAttachments": [],
            "imageAttachments": [],
            "disableSearch": False,
            "enableImageGeneration": True,
            "returnImageBytes": False,
            "returnRawGrokInXaiRequest": False,
            "enableImageStreaming": True,
            "imageGenerationCount": 2,
            "forceConcise": False,
            "toolOverrides": {},
            "enableSideBySide": True,
            "sendFinalMetadata": True,
            "isReasoning": model in cls.reasoning_models,
            "webpageUrls": [],
            "disableTextFollowUps": True,
        }

    @staticmethod
    def _conversation_id(conversation: Any) -> str | None:
        if conversation is None:
            return None
        if isinstance(conversation, Mapping):
            value = conversation.get("conversation_id")
        else:
            value = getattr(conversation, "conversation_id", None)
        if not value:
            raise BadRequestError("conversation= has no conversation_id to continue", provider="Grok")
        return str(value)

    @classmethod
    async def create_authed(
        cls,
        model: str,
        messages: Messages,
        auth_result: AuthResult,
        cookies: Cookies | None = None,
        return_conversation: bool = False,
        conversation: Any = None,
        **kwargs: Any,
    ) -> AsyncResult:
        from ...requests.curl import StreamSession
        from ...requests.status import raise_for_status
        from ...requests.streams import ndjson_stream

        unknown = sorted(set(kwargs) - _OWN_ARGUMENTS)
        if unknown:
            logger.debug("%s: grok.com takes no %s; not sent", cls.get_name(), ", ".join(unknown))
        model = cls.get_model(model)
        conversation_id = cls._conversation_id(conversation)
        if conversation_id is None:
            url = f"{cls.conversation_url}/new"
            message = format_prompt(messages)
        else:
            url = f"{cls.conversation_url}/{conversation_id}/responses"
            message = get_last_user_message(messages)
        answer = GrokAnswer(cls.assets_url, conversation_id, provider=cls.get_name())
        headers = {
            "accept": "*/*",
            "content-type": "application/json",
            "origin": cls.url,
            "referer": f"{cls.url}/",
            "x-xai-request-id": str(uuid.uuid4()),
        }
        session = StreamSession(
            impersonate=auth_result.extra.get("impersonate", cls.impersonate),
            headers=auth_result.headers,
            cookies=auth_result.cookies,
            proxy=kwargs.get("proxy"),
            timeout=kwargs.get("timeout") or cls.read_timeout,
            provider=cls.get_name(),
        )
        payload = cls._prepare_payload(model, message)
        async with session, session.post(url, json=payload, headers=headers) as response:
            auth_result.update_cookies(response.cookies)
            if auth_result.dirty:
                # Saved now, not after the answer: once grok.com has rotated a cookie the old one
                # may be dead, and an answer that fails midway must not lose the new one.
                cls.auth_cache().save(auth_result)
            await raise_for_status(response, cls.get_name(), model)
            content_type = response.headers.get("content-type", "")
            if content_type.startswith("text/html"):  # a login or captive-portal page, not the answer
                raise ResponseError(f"grok.com answered with a web page ({content_type}) instead of the answer",
                                    provider=cls.get_name())
            async for data in ndjson_stream(response, cls.get_name()):
                for event in answer.feed(data):
                    yield event
        if not answer.complete:
            raise ResponseError("grok.com's answer ended before its final modelResponse: it is incomplete",
                                provider=cls.get_name())
        if return_conversation:
            if not answer.conversation_id:
                raise ResponseError("grok.com did not say which conversation it started", provider=cls.get_name())
            yield Conversation(answer.conversation_id)
