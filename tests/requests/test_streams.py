"""sse_stream and ndjson_stream over real HTTP: a loopback aiohttp server sending chunked bodies,
read through the shared aiohttp session and through curl_cffi's StreamSession."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from g4f.errors import ResponseError
from g4f.requests import StreamSession, get_session, ndjson_stream, sse_stream

CHUNKS = [f'data: {{"choices": [{{"delta": {{"content": "{word}"}}}}]}}\n\n'.encode() for word in ("Hel", "lo", "!")]


def chunked_app(*chunks: bytes, cut: bool = False, content_type: str = "text/event-stream") -> web.Application:
    """A server that sends ``chunks`` as separate HTTP chunks; ``cut`` drops the connection
    before the final zero-length chunk, as a crashed upstream or a proxy timeout does."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for chunk in chunks:
            await response.write(chunk)
            await asyncio.sleep(0)  # let each chunk go out on its own
        if cut:
            assert request.transport is not None
            request.transport.close()
            raise asyncio.CancelledError  # stop aiohttp from writing the terminating chunk
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("*", "/stream", handler)
    return app


def contents(events):
    return "".join(event["choices"][0]["delta"]["content"] for event in events)


# -- aiohttp (the default backend) ---------------------------------------------------------


async def read_sse(server, **options):
    session = await get_session()
    async with session.post(f"{server.url}/stream") as response:
        return [event async for event in sse_stream(response, "Groq", **options)]


async def test_sse_over_aiohttp(serve):
    server = await serve(chunked_app(*CHUNKS, b"data: [DONE]\n\n"))
    assert contents(await read_sse(server)) == "Hello!"


async def test_sse_event_split_across_http_chunks(serve):
    body = b"".join([*CHUNKS, b"data: [DONE]\r\n\r\n"])
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
    server = await serve(chunked_app(*pieces))
    assert contents(await read_sse(server)) == "Hello!"


async def test_sse_stream_without_done_is_an_error(serve):
    server = await serve(chunked_app(*CHUNKS))
    session = await get_session()
    received = []
    async with session.post(f"{server.url}/stream") as response:
        with pytest.raises(ResponseError, match=r"^Groq: .*\[DONE\]"):
            async for event in sse_stream(response, "Groq"):
                received.append(event)
    assert contents(received) == "Hello!"  # what came is delivered, then the cut is reported


async def test_sse_stream_without_done_allowed_when_asked(serve):
    server = await serve(chunked_app(*CHUNKS))
    assert contents(await read_sse(server, require_done=False)) == "Hello!"


async def test_sse_non_json_data_names_provider_and_quotes_it(serve):
    server = await serve(chunked_app(CHUNKS[0], b"data: <html>Bad gateway</html>\n\n", b"data: [DONE]\n\n"))
    with pytest.raises(ResponseError) as caught:
        await read_sse(server)
    assert str(caught.value).startswith("Groq: ")
    assert "not JSON" in str(caught.value)
    assert "<html>Bad gateway</html>" in str(caught.value)


async def test_sse_non_json_excerpt_is_short(serve):
    server = await serve(chunked_app(b"data: " + b"x" * 5000 + b"\n\n"))
    with pytest.raises(ResponseError) as caught:
        await read_sse(server)
    assert len(str(caught.value)) < 300


async def test_sse_event_error_raises_with_upstream_message(serve):
    error = json.dumps({"error": {"message": "Service overloaded", "type": "server_error"}}).encode()
    server = await serve(chunked_app(CHUNKS[0], b"event: error\ndata: " + error + b"\n\n"))
    with pytest.raises(ResponseError, match="Groq: .*Service overloaded"):
        await read_sse(server)


async def test_sse_cut_chunked_body_is_an_error(serve):
    server = await serve(chunked_app(*CHUNKS, cut=True))
    with pytest.raises(ResponseError, match="^Groq: the stream was cut short"):
        await read_sse(server)


async def test_sse_data_after_done_is_drained_and_ignored(serve):
    server = await serve(chunked_app(CHUNKS[0], b"data: [DONE]\n\n", b"data: not json\n\n"))
    assert contents(await read_sse(server)) == "Hel"


NDJSON = [b'{"result": {"response": {"token": "Hi"}}}\n', b'{"result": {"response": {"tok',
          b'en": " there"}}}\n{"result": {"title": {"newTitle": "T"}}}\n']


async def test_ndjson_over_aiohttp(serve):
    server = await serve(chunked_app(*NDJSON, content_type="application/x-ndjson"))
    session = await get_session()
    async with session.post(f"{server.url}/stream") as response:
        lines = [line async for line in ndjson_stream(response, "Grok")]
    assert [line["result"].get("response", {}).get("token") for line in lines] == ["Hi", " there", None]
    assert lines[-1]["result"]["title"]["newTitle"] == "T"


async def test_ndjson_bad_line_and_cut_body(serve):
    server = await serve(chunked_app(NDJSON[0], b"oops\n", content_type="application/x-ndjson"))
    session = await get_session()
    async with session.post(f"{server.url}/stream") as response:
        with pytest.raises(ResponseError, match=r"^Grok: .*not JSON.*oops"):
            async for _ in ndjson_stream(response, "Grok"):
                pass
    server = await serve(chunked_app(NDJSON[0], b'{"result"', cut=True, content_type="application/x-ndjson"))
    async with session.post(f"{server.url}/stream") as response:
        with pytest.raises(ResponseError, match="^Grok: the stream was cut short"):
            async for _ in ndjson_stream(response, "Grok"):
                pass


# -- curl_cffi (StreamSession, browser impersonation) ----------------------------------------


async def read_sse_curl(server, **options):
    async with StreamSession(impersonate="chrome", provider="Grok") as session, session.post(
        f"{server.url}/stream"
    ) as response:
        return [event async for event in sse_stream(response, "Grok", **options)]


async def test_sse_over_curl_cffi(serve):
    body = b"".join([*CHUNKS, b"data: [DONE]\n\n"])
    server = await serve(chunked_app(*[body[i : i + 5] for i in range(0, len(body), 5)]))
    assert contents(await read_sse_curl(server)) == "Hello!"


async def test_sse_over_curl_cffi_errors(serve):
    server = await serve(chunked_app(*CHUNKS))
    with pytest.raises(ResponseError, match=r"^Grok: .*\[DONE\]"):
        await read_sse_curl(server)
    server = await serve(chunked_app(b"data: {broken\n\n"))
    with pytest.raises(ResponseError, match=r"^Grok: .*not JSON.*\{broken"):
        await read_sse_curl(server)
    server = await serve(chunked_app(*CHUNKS, cut=True))
    with pytest.raises(ResponseError, match="^Grok: the stream was cut short"):
        await read_sse_curl(server)


async def test_ndjson_over_curl_cffi(serve):
    server = await serve(chunked_app(*NDJSON, content_type="application/x-ndjson"))
    async with StreamSession(provider="Grok") as session, session.post(f"{server.url}/stream") as response:
        lines = [line async for line in ndjson_stream(response, "Grok")]
    assert len(lines) == 3 and lines[1]["result"]["response"]["token"] == " there"


async def test_a_body_that_arrived_whole_is_read_in_batches_every_byte_once_in_order(serve):
    """A stream received at once comes out in reads of all that was received (not one read per
    HTTP chunk: a step per chunk costs every chunk of a long stream), every byte once, in order."""
    from g4f.requests.body import iter_bytes

    pieces = [f"piece {n:02d};".encode() for n in range(40)]

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for piece in pieces:  # no pause: they arrive together
            await response.write(piece)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("*", "/whole", handler)
    server = await serve(app)
    session = await get_session()
    async with session.get(f"{server.url}/whole") as response:
        await asyncio.sleep(0.2)  # everything is in the socket before the first read
        reads = [data async for data in iter_bytes(response)]
    assert b"".join(reads) == b"".join(pieces)
    assert len(reads) < len(pieces) / 4  # in batches, not one read per HTTP chunk
