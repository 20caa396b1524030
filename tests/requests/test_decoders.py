"""The I/O-free decoders: SSE and NDJSON framing, however the bytes are split between reads."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g4f.errors import ResponseError
from g4f.requests.decoders import NDJSONDecoder, SSEDecoder, excerpt

SSE_BODY = (
    b": keep-alive comment\n"
    b"data: {\"a\": 1}\n\n"
    b"event: message\r\n"
    b"data: {\"b\":\r\n"
    b"data: 2}\r\n\r\n"
    b"id: 7\rretry: 100\rdata: caf\xc3\xa9\r\r"
    b"event: error\n"
    b"data: {\"error\": {\"message\": \"overloaded\"}}\n\n"
    b"data\n\n"
    b"data: [DONE]\n\n"
)
SSE_EVENTS = [
    (None, b'{"a": 1}'),
    ("message", b'{"b":\n2}'),
    (None, "café".encode()),
    ("error", b'{"error": {"message": "overloaded"}}'),
    (None, b""),
    (None, b"[DONE]"),
]


def decode_sse(chunks, **options):
    decoder = SSEDecoder(**options)
    events = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.close()


def split_at(body: bytes, *positions: int) -> list[bytes]:
    cuts = [0, *sorted(positions), len(body)]
    return [body[a:b] for a, b in itertools.pairwise(cuts)]


def test_sse_whole_body():
    assert decode_sse([SSE_BODY]) == SSE_EVENTS


def test_sse_split_at_every_byte_position():
    for position in range(len(SSE_BODY) + 1):
        assert decode_sse(split_at(SSE_BODY, position)) == SSE_EVENTS, position


def test_sse_one_byte_per_read():
    assert decode_sse([SSE_BODY[i : i + 1] for i in range(len(SSE_BODY))]) == SSE_EVENTS


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=len(SSE_BODY)), max_size=12))
def test_sse_any_split(positions):
    assert decode_sse(split_at(SSE_BODY, *positions)) == SSE_EVENTS


def test_sse_events_are_returned_as_soon_as_they_are_complete():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\n") == [(None, b"one")]
    assert decoder.feed(b"data: two\n\ndata: thr") == [(None, b"two")]


def test_sse_crlf_split_between_reads_makes_no_extra_blank_line():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []  # the LF completes the CRLF: no event yet
    assert decoder.feed(b"\n\r") == [(None, b"a\nb")]
    assert decoder.feed(b"\n") == []
    assert decoder.close() == []


def test_sse_lone_cr_ends_the_event_without_waiting_for_the_next_read():
    # A server using CR line endings may pause right after an event; it must not be held back.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r\r") == [(None, b"x")]
    assert decoder.feed(b"data: y\r\r") == [(None, b"y")]


def test_sse_comments_and_unknown_fields_are_skipped():
    assert decode_sse([b": ping\n:\nfoo: bar\nid: 1\nretry: 5\ndata: x\n\n"]) == [(None, b"x")]


def test_sse_data_without_space_and_with_extra_space():
    assert decode_sse([b"data:x\n\ndata:  y\n\n"]) == [(None, b"x"), (None, b" y")]


def test_sse_field_without_colon():
    # "data" alone is the data field with an empty value; "event" alone resets the type.
    assert decode_sse([b"data\ndata\n\n"]) == [(None, b"\n")]
    assert decode_sse([b"event\ndata: z\n\n"]) == [(None, b"z")]


def test_sse_event_type_applies_to_one_event_only():
    events = decode_sse([b"event: error\ndata: 1\n\ndata: 2\n\n"])
    assert events == [("error", b"1"), (None, b"2")]


def test_sse_blank_lines_without_data_dispatch_nothing():
    assert decode_sse([b"\n\n\nevent: x\n\n"]) == []


def test_sse_last_event_without_blank_line_is_flushed_on_close():
    assert decode_sse([b"data: [DONE]"]) == [(None, b"[DONE]")]
    assert decode_sse([b"data: 1\n"]) == [(None, b"1")]


def test_sse_oversize_event_is_an_error():
    decoder = SSEDecoder(provider="Groq", max_size=1024)
    with pytest.raises(ResponseError, match=r"^Groq: .*larger than"):
        for _ in range(10):
            decoder.feed(b"data: " + b"x" * 200 + b"\n")
    decoder = SSEDecoder(max_size=1024)
    with pytest.raises(ResponseError):
        decoder.feed(b"data: " + b"y" * 2000)  # one line without its end


def test_sse_large_event_below_the_limit_is_fine():
    payload = b"z" * 100_000
    chunks = split_at(b"data: " + payload + b"\n\n", 10, 50_000, 99_999)
    assert decode_sse(chunks) == [(None, payload)]


NDJSON_BODY = b'{"a": 1}\n\n{"b": 2}\r\n  \n{"c": "caf\xc3\xa9"}\n{"d": 4}'
NDJSON_LINES = [b'{"a": 1}', b'{"b": 2}', b'{"c": "caf\xc3\xa9"}', b'{"d": 4}']


def decode_ndjson(chunks, **options):
    decoder = NDJSONDecoder(**options)
    lines = []
    for chunk in chunks:
        lines += decoder.feed(chunk)
    return lines + decoder.close()


def test_ndjson_split_at_every_byte_position():
    for position in range(len(NDJSON_BODY) + 1):
        assert decode_ndjson(split_at(NDJSON_BODY, position)) == NDJSON_LINES, position


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=len(NDJSON_BODY)), max_size=10))
def test_ndjson_any_split(positions):
    assert decode_ndjson(split_at(NDJSON_BODY, *positions)) == NDJSON_LINES


def test_ndjson_lines_come_as_soon_as_complete():
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a"') == []
    assert decoder.feed(b': 1}\n{"b"') == [b'{"a": 1}']
    assert decoder.close() == [b'{"b"']


def test_ndjson_oversize_line_is_an_error():
    decoder = NDJSONDecoder(provider="Grok", max_size=100)
    with pytest.raises(ResponseError, match="^Grok: "):
        decoder.feed(b"x" * 101)


def test_excerpt_is_short_and_printable():
    assert excerpt(b"  hello \n") == "hello"
    long = excerpt("x" * 1000, limit=50)
    assert len(long) == 53 and long.endswith("...")
    assert excerpt(b"\xff\xfeok") == "\ufffd\ufffdok"


# Any events, written with any line ending and split anywhere, decode to themselves.
_line_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=20
)
_events = st.lists(
    st.tuples(st.sampled_from([None, "error", "message", "ping"]), st.lists(_line_text, min_size=1, max_size=3)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_events, st.sampled_from([b"\n", b"\r\n", b"\r"]), st.data())
def test_sse_round_trip(events, newline, data):
    body = b""
    for event, lines in events:
        body += b": a comment" + newline
        if event is not None:
            body += b"event: " + event.encode() + newline
        for line in lines:
            body += b"data: " + line.encode() + newline
        body += newline
    positions = data.draw(st.lists(st.integers(min_value=0, max_value=len(body)), max_size=8))
    expected = [(event, "\n".join(lines).encode()) for event, lines in events]
    assert decode_sse(split_at(body, *positions)) == expected
