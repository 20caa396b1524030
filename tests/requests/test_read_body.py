"""``read_body``: a body read whole is held to its cap however it arrives.

A short answer is usually all in by the time it is read (one packet with the headers) and is
taken at once; a longer one is read as it comes. Both must give the same bytes, and both must
refuse a body past the cap, also when no ``Content-Length`` announced its size (chunked).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from g4f.errors import ResponseError
from g4f.requests import get_session
from g4f.requests.limits import read_body
from g4f.testing.server import LocalServer

BODY = b'{"answer": "' + b"x" * 500 + b'"}'


async def _whole(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


async def _chunked(request: web.Request) -> web.StreamResponse:
    """The body in pieces with pauses between them (not all in when the reader starts)."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(BODY), 100):
        await response.write(BODY[start:start + 100])
        await asyncio.sleep(0.01)
    await response.write_eof()
    return response


async def _chunked_at_once(request: web.Request) -> web.StreamResponse:
    """Chunked (no Content-Length), all written before the reader looks."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(BODY)
    await response.write_eof()
    return response


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    app = web.Application()
    app.router.add_get("/whole", _whole)
    app.router.add_get("/chunked", _chunked)
    app.router.add_get("/chunked-at-once", _chunked_at_once)
    async with LocalServer(app) as running:
        yield running


async def _read(server: LocalServer, path: str, limit: int | None, settle: bool = False) -> bytes:
    session = await get_session()
    async with session.get(server.url + path) as response:
        if settle:  # let the whole body arrive before reading: the "all in already" case
            for _ in range(100):
                if response.content.is_eof():
                    break
                await asyncio.sleep(0.01)
            assert response.content.is_eof()
        return await read_body(response, limit, "Test")


@pytest.mark.parametrize("path, settle", [("/whole", True), ("/chunked-at-once", True), ("/chunked", False)])
async def test_a_body_within_its_cap_comes_back_whole(server: LocalServer, path: str, settle: bool) -> None:
    assert await _read(server, path, len(BODY), settle) == BODY


@pytest.mark.parametrize("path, settle", [("/whole", True), ("/chunked-at-once", True), ("/chunked", False)])
async def test_a_body_past_its_cap_is_refused_however_it_arrived(server: LocalServer, path: str,
                                                                 settle: bool) -> None:
    with pytest.raises(ResponseError, match="larger than the 100 bytes cap"):
        await _read(server, path, 100, settle)


async def test_the_cap_from_the_environment_is_read_at_each_request(server: LocalServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("G4F_MAX_BODY_SIZE", "100")
    with pytest.raises(ResponseError, match="100 bytes cap"):
        await _read(server, "/chunked-at-once", None, settle=True)
    monkeypatch.setenv("G4F_MAX_BODY_SIZE", str(len(BODY)))
    assert await _read(server, "/chunked-at-once", None, settle=True) == BODY
    monkeypatch.delenv("G4F_MAX_BODY_SIZE")
    assert await _read(server, "/whole", None, settle=True) == BODY
