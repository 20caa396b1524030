"""``StreamSession``: HTTP with a browser's TLS and HTTP/2 fingerprint, over curl_cffi.

Web apps such as grok.com reject clients that do not look like a browser. curl_cffi impersonates
one; this wrapper gives it the shape of the rest of g4f's HTTP layer (``status``, ``headers``,
``cookies``, ``iter_bytes()``), maps its exceptions to g4f errors, and is imported only when a
provider needs it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any

from ..errors import MissingRequirementsError, NetworkError, ResponseError, TimeoutError
from .transport import map_transport_error

__all__ = ["DEFAULT_IMPERSONATE", "StreamResponse", "StreamSession", "user_agent_for"]

DEFAULT_IMPERSONATE = "chrome"
_CHROME_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{version}.0.0.0 Safari/537.36"
)

try:
    from curl_cffi.requests import AsyncSession
except ImportError:  # pragma: no cover - curl_cffi is a runtime dependency
    AsyncSession = None  # type: ignore[assignment, misc]


if sys.version_info >= (3, 11):
    _deadline = asyncio.timeout
else:  # pragma: no cover - Python 3.10
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def _deadline(delay: float | None) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None
        handle = asyncio.get_running_loop().call_later(delay, task.cancel) if delay else None
        try:
            yield
        except asyncio.CancelledError:
            raise asyncio.TimeoutError from None
        finally:
            if handle is not None:
                handle.cancel()


async def _within(awaitable: Any, seconds: float | None, what: str, provider: str | None) -> Any:
    """Await ``awaitable``, raising g4f's TimeoutError after ``seconds`` without a result.

    curl's own low-speed limit does not stop an async stream that stalls between chunks, so the
    stall timeout is kept here, per read, with ``asyncio.timeout`` (no task per chunk).
    """
    if not seconds:
        return await awaitable
    try:
        async with _deadline(seconds):
            return await awaitable
    except asyncio.TimeoutError:
        raise TimeoutError(f"{what} for {seconds:g}s", provider=provider) from None


class StreamResponse:
    """A streamed response; use it inside ``async with session.post(...) as response``."""

    def __init__(self, response: Any, provider: str | None, read_timeout: float | None = None) -> None:
        self._response = response
        self._provider = provider
        self._read_timeout = read_timeout
        self.status: int = response.status_code
        self.reason: str = getattr(response, "reason", "") or ""
        self.headers: Mapping[str, str] = response.headers
        self.url: str = str(response.url)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies the server set in this response (Set-Cookie)."""
        return {name: value for name, value in self._response.cookies.items()}

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives; TimeoutError when no byte comes for the read timeout."""
        chunks = self._response.aiter_content().__aiter__()
        timeout = self._read_timeout
        try:
            while True:
                try:
                    if timeout:
                        chunk = await _within(chunks.__anext__(), timeout, "the stream stalled", self._provider)
                    else:
                        chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
                yield chunk
        except Exception as exc:
            mapped = map_transport_error(exc, self._provider)
            if mapped is None:
                raise
            raise mapped from exc

    async def read(self, limit: int | None = None) -> bytes:
        """The rest of the body (at most ``limit`` bytes, when given)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size >= limit:
                break
        body = b"".join(chunks)
        return body if limit is None else body[:limit]

    async def acontent(self) -> bytes:
        """The body (what ``raise_for_status`` reads to quote an error)."""
        return await self.read()

    async def text(self) -> str:
        return (await self.read()).decode("utf-8", "replace")

    async def json(self) -> Any:
        from .jsonlib import loads

        return loads(await self.read())

    async def aclose(self) -> None:
        """Release the response; a stream not read to its end is aborted, not drained.

        curl_cffi's own ``aclose`` waits for the transfer to finish, which for an abandoned or
        stalled stream means waiting for the server. Stopping the transfer frees the
        connection at once.
        """
        task = getattr(self._response, "astream_task", None)
        if task is not None and not task.done():
            quit_now = getattr(self._response, "quit_now", None)
            if quit_now is not None:
                quit_now.set()
            task.cancel()
            await asyncio.wait([task])
            return
        await self._response.aclose()


def user_agent_for(impersonate: str | None = DEFAULT_IMPERSONATE) -> str | None:
    """The user agent curl_cffi sends when impersonating ``impersonate`` (Chrome targets only).

    Credentials from a cookie file or store come without the browser's own user agent; sending
    the one that matches the impersonated TLS fingerprint keeps the two consistent.
    """
    target = impersonate or ""
    if target == DEFAULT_IMPERSONATE:
        try:
            from curl_cffi.requests.impersonate import DEFAULT_CHROME

            target = DEFAULT_CHROME
        except ImportError:  # pragma: no cover - older curl_cffi
            return None
    digits = target[len("chrome"):] if target.startswith("chrome") else ""
    if not digits.isdigit():
        return None
    return _CHROME_USER_AGENT.format(version=digits)


class _RequestContext:
    def __init__(self, session: StreamSession, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self._session, self._method, self._url, self._kwargs = session, method, url, kwargs
        self._response: StreamResponse | None = None

    async def __aenter__(self) -> StreamResponse:
        session = self._session._ensure()
        timeout = self._session.read_timeout
        try:
            raw = await _within(session.request(self._method, self._url, stream=True, **self._kwargs),
                                timeout, "no response", self._session.provider)
        except Exception as exc:
            mapped = map_transport_error(exc, self._session.provider)
            if mapped is None:
                raise
            if isinstance(mapped, ResponseError):  # no response yet: nothing was cut short, the connection failed
                detail = str(mapped).split("cut short: ", 1)[-1]
                mapped = NetworkError(f"the connection failed: {detail}", provider=self._session.provider)
            raise mapped from exc
        self._response = StreamResponse(raw, self._session.provider, timeout)
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
        #: Seconds without a byte (or without response headers) before TimeoutError.
        self.read_timeout: float | None = timeout[1] if isinstance(timeout, tuple) else timeout
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
