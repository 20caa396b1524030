"""``StreamSession``: HTTP with a browser's TLS and HTTP/2 fingerprint, over curl_cffi.

Web apps such as grok.com reject clients that do not look like a browser. curl_cffi impersonates
one; this wrapper gives it the shape of the rest of g4f's HTTP layer (``status``, ``headers``,
``cookies``, ``iter_bytes()``), maps its exceptions to g4f errors, and is imported only when a
provider needs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any

from ..errors import MissingRequirementsError
from .transport import map_transport_error

__all__ = ["StreamSession", "StreamResponse", "DEFAULT_IMPERSONATE"]

DEFAULT_IMPERSONATE = "chrome"

try:
    from curl_cffi.requests import AsyncSession
except ImportError:  # pragma: no cover - curl_cffi is a runtime dependency
    AsyncSession = None


class StreamResponse:
    """A streamed response; use it inside ``async with session.post(...) as response``."""

    def __init__(self, response: Any, provider: str | None) -> None:
        self._response = response
        self._provider = provider
        self.status: int = response.status_code
        self.reason: str = getattr(response, "reason", "") or ""
        self.headers: Mapping[str, str] = response.headers
        self.url: str = str(response.url)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies the server set in this response (Set-Cookie)."""
        return {name: value for name, value in self._response.cookies.items()}

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_content():
                yield chunk
        except Exception as exc:
            mapped = map_transport_error(exc, self._provider)
            if mapped is None:
                raise
            raise mapped from exc

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def text(self) -> str:
        return (await self.read()).decode("utf-8", "replace")

    async def json(self) -> Any:
        from .jsonlib import loads

        return loads(await self.read())

    async def aclose(self) -> None:
        await self._response.aclose()


class _RequestContext:
    def __init__(self, session: StreamSession, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self._session, self._method, self._url, self._kwargs = session, method, url, kwargs
        self._response: StreamResponse | None = None

    async def __aenter__(self) -> StreamResponse:
        session = self._session._ensure()
        try:
            raw = await session.request(self._method, self._url, stream=True, **self._kwargs)
        except Exception as exc:
            mapped = map_transport_error(exc, self._session.provider)
            if mapped is None:
                raise
            raise mapped from exc
        self._response = StreamResponse(raw, self._session.provider)
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.aclose()


class StreamSession:
    """An async HTTP session that looks like a browser (``impersonate``) to the server.

    >>> async with StreamSession(impersonate="chrome", cookies={"sso": ...}) as session:
    ...     async with session.post(url, json=payload) as response:
    ...         async for chunk in response.iter_bytes(): ...
    """

    def __init__(
        self,
        *,
        impersonate: str | None = DEFAULT_IMPERSONATE,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        proxy: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        verify: bool = True,
        provider: str | None = None,
    ) -> None:
        if AsyncSession is None:
            raise MissingRequirementsError('curl_cffi is required: pip install "g4f"')
        self.provider = provider
        self._options: dict[str, Any] = {
            "impersonate": impersonate,
            "headers": dict(headers or {}),
            "cookies": dict(cookies or {}),
            "proxy": proxy,
            "timeout": timeout,
            "verify": verify,
        }
        self._session: Any = None

    def _ensure(self) -> Any:
        if self._session is None:
            self._session = AsyncSession(**{k: v for k, v in self._options.items() if v is not None})
        return self._session

    def request(self, method: str, url: str, **kwargs: Any) -> _RequestContext:
        return _RequestContext(self, method, url, kwargs)

    def get(self, url: str, **kwargs: Any) -> _RequestContext:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> _RequestContext:
        return self.request("POST", url, **kwargs)

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> StreamSession:
        self._ensure()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"StreamSession(impersonate={self._options['impersonate']!r}, cookies=<{len(self._options['cookies'])}>)"
