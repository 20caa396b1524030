"""Fuzzing the stream parsers with generated streams, not a fixed sample.

* Any valid SSE or NDJSON stream (generated: event types, comments, ``id``/``retry`` fields,
  multi-line data, LF/CRLF/CR line ends, JSON values of every shape) parses to the events a
  straightforward reading of the spec gives, however the bytes are split between reads.
* Any bytes at all, split anywhere, through ``sse_stream`` / ``ndjson_stream`` (what providers
  call): either parsed values or ``ResponseError``, never another exception.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g4f.errors import ResponseError
from g4f.requests.decoders import NDJSONDecoder, SSEDecoder
from g4f.requests.streams import ndjson_stream, sse_stream

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
#: Properties whose inputs are costly to generate (nested JSON, whole streams) run fewer examples.
FUZZ_STRUCTURED = settings(FUZZ, max_examples=150)

line_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30)
line_end = st.sampled_from(["\n", "\r\n", "\r"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8), children, max_size=4),
    max_leaves=6,
)


DATA_LINES = st.lists(line_text, min_size=1, max_size=3)


@st.composite
def sse_streams(draw: Any) -> tuple[bytes, list]:
    """(body, the (event, data) pairs it holds)."""
    parts: list[str] = []
    expected: list[tuple[str | None, bytes]] = []
    for _ in range(draw(st.integers(0, 4))):
        for extra in draw(st.lists(st.sampled_from(["comment", "id", "retry"]), max_size=2)):
            parts.append({"comment": ":" + draw(line_text), "id": "id: " + draw(line_text),
                          "retry": f"retry: {draw(st.integers(0, 10**6))}"}[extra] + draw(line_end))
        name = draw(st.none() | line_text)
        if name is not None:
            parts.append(f"event: {name}{draw(line_end)}")
        lines = draw(DATA_LINES)
        for line in lines:
            parts.append(f"data: {line}{draw(line_end)}")
        # The blank line that ends the event; after a lone CR it must not start with LF (that
        # would make the two one CRLF).
        parts.append(draw(st.sampled_from(["\r", "\r\n"]) if parts[-1].endswith("\r") else line_end))
        expected.append((name or None, "\n".join(lines).encode()))
    return "".join(parts).encode(), expected


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(max(cut, 0), len(body)) for cut in cuts})
    return [body[a:b] for a, b in zip([0, *points], [*points, len(body)])]


def decode_sse(pieces: list[bytes]) -> list[tuple[str | None, bytes]]:
    decoder = SSEDecoder()
    events = []
    for piece in pieces:
        events += decoder.feed(piece)
    return events + decoder.close()


def decode_ndjson(pieces: list[bytes]) -> list[bytes]:
    decoder = NDJSONDecoder()
    lines = []
    for piece in pieces:
        lines += decoder.feed(piece)
    return lines + decoder.close()


async def _chunks(pieces: list[bytes]):
    for piece in pieces:
        yield piece


def collect(stream: Any) -> tuple[list, BaseException | None]:
    async def run() -> tuple[list, BaseException | None]:
        values: list = []
        try:
            async for value in stream:
                values.append(value)
        except Exception as exc:  # noqa: BLE001 - judged by the caller
            return values, exc
        return values, None

    return asyncio.run(run())


# -- valid streams, any split --------------------------------------------------------------------
@FUZZ_STRUCTURED
@given(sse_streams(), st.lists(st.integers(0, 2000), max_size=8))
def test_a_valid_sse_stream_gives_the_same_events_however_it_is_split(stream, cuts) -> None:
    body, expected = stream
    assert decode_sse([body]) == expected
    assert decode_sse(split(body, cuts)) == expected
    assert decode_sse([body[i:i + 1] for i in range(len(body))]) == expected


@FUZZ_STRUCTURED
@given(st.lists(json_values, max_size=5), st.lists(st.integers(0, 3000), max_size=8), st.booleans(), line_end)
def test_sse_stream_yields_every_json_payload_however_it_is_split(values, cuts, pretty, end) -> None:
    parts = []
    for value in values:
        text = json.dumps(value, indent=1 if pretty else None, ensure_ascii=False)
        parts.append("".join(f"data: {line}{end}" for line in text.split("\n")) + end)
    body = ("".join(parts) + f"data: [DONE]{end}{end}").encode()
    parsed, error = collect(sse_stream(_chunks(split(body, cuts))))
    assert error is None and parsed == values


@FUZZ_STRUCTURED
@given(st.lists(json_values, max_size=5), st.lists(st.integers(0, 3000), max_size=8),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_valid_ndjson_stream_gives_the_same_values_however_it_is_split(values, cuts, end, final_end) -> None:
    lines = [json.dumps(value, ensure_ascii=False).encode() for value in values]
    body = end.encode().join(lines) + (end.encode() if final_end and lines else b"")
    assert decode_ndjson(split(body, cuts)) == lines
    parsed, error = collect(ndjson_stream(_chunks(split(body, cuts))))
    assert error is None and parsed == values


# -- anything at all -----------------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=6))
def test_any_bytes_through_sse_stream_parse_or_raise_response_error(body, cuts) -> None:
    parsed, error = collect(sse_stream(_chunks(split(body, cuts))))
    assert error is None or type(error) is ResponseError, repr(error)
    assert len(parsed) <= body.count(b"data")


@FUZZ
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=6))
def test_any_bytes_through_ndjson_stream_parse_or_raise_response_error(body, cuts) -> None:
    _, error = collect(ndjson_stream(_chunks(split(body, cuts))))
    assert error is None or type(error) is ResponseError, repr(error)


sse_like = st.lists(st.sampled_from([b"data: ", b"data:", b"data", b"event: error\n", b"event:", b": c", b"\n",
                                      b"\r\n", b"\r", b"{", b"}", b'{"a": 1}', b"[DONE]", b"\xff\xfe", b'"x',
                                      b"id: 1", b"retry: x", b"null", b"[1,", b"]"]), max_size=40)


@FUZZ
@given(sse_like, st.lists(st.integers(0, 400), max_size=6))
def test_sse_shaped_noise_parses_or_raises_response_error(pieces, cuts) -> None:
    """Noise made of SSE's own tokens reaches the parser's corners that random bytes rarely do."""
    body = b"".join(pieces)
    parsed, error = collect(sse_stream(_chunks(split(body, cuts))))
    assert error is None or type(error) is ResponseError, repr(error)
    whole, whole_error = collect(sse_stream(_chunks([body])))
    assert (parsed, type(error)) == (whole, type(whole_error))  # the split changes nothing


def test_an_oversized_line_is_refused_in_any_reads() -> None:
    """A line past the limit is refused as it grows, whether it comes in one read or many."""
    for decoder, feed in ((SSEDecoder(max_size=1000), b"data: " + b"a" * 2000),
                          (NDJSONDecoder(max_size=1000), b'{"a": "' + b"a" * 2000)):
        refused = False
        try:
            for start in range(0, len(feed), 64):
                decoder.feed(feed[start:start + 64])
        except ResponseError as error:
            refused = "larger than" in str(error)
        assert refused, type(decoder).__name__


def test_deeply_nested_json_is_a_response_error_without_orjson_too() -> None:
    """json (the fallback when orjson is absent) raises RecursionError on deep nesting, not ValueError."""
    import subprocess
    import sys

    script = """
import asyncio, sys
sys.modules["orjson"] = None  # as if it were not installed
from g4f.requests import jsonlib
from g4f.requests.streams import sse_stream
from g4f.errors import ResponseError
assert jsonlib.BACKEND == "json"
async def body():
    yield b"data: " + b"[" * 100000 + b"]" * 100000 + b"\\n\\ndata: [DONE]\\n\\n"
async def main():
    try:
        async for _ in sse_stream(body(), "Deep"):
            pass
    except ResponseError as error:
        print("ResponseError", error)
asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ResponseError Deep: upstream sent data that is not JSON"), result.stdout
