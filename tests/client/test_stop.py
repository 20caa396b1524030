"""stop= cuts the answer at the first stop word, wherever the chunk boundaries fall."""

from __future__ import annotations

import pytest

from g4f.client.stop import StopCutter, normalize_stop
from g4f.errors import BadRequestError


def run(chunks, words):
    cutter = StopCutter(words)
    out = [cutter.feed(chunk) for chunk in chunks]
    if not cutter.stopped:
        out.append(cutter.flush())
    return "".join(out), cutter.stopped


def splits(text):
    """Every way to cut ``text`` into three pieces (some may be empty)."""
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            yield [text[:i], text[i:j], text[j:]]


def test_cuts_before_the_stop_word_in_one_chunk():
    assert run(["Hello STOP world"], ["STOP"]) == ("Hello ", True)


def test_stop_word_split_across_chunks_is_found():
    for chunks in splits("Hello STOP world"):
        assert run(chunks, ["STOP"]) == ("Hello ", True), chunks


def test_text_that_only_looks_like_a_stop_word_is_kept_whole():
    for chunks in splits("Hello STORM world ST"):
        assert run(chunks, ["STOP"]) == ("Hello STORM world ST", False), chunks


def test_the_earliest_of_several_words_wins():
    assert run(["a b", "c END x"], ["END", "bc", " b"]) == ("a", True)
    assert run(["one\n\ntwo"], ["\n\n", "two"]) == ("one", True)


def test_nothing_is_returned_after_the_stop():
    cutter = StopCutter(["."])
    assert cutter.feed("Hi. More") == "Hi"
    assert cutter.feed("later") == ""


def test_held_back_text_is_released_as_soon_as_it_is_settled():
    cutter = StopCutter(["STOP"])
    assert cutter.feed("go ST") == "go "
    assert cutter.feed("ART") == "START"


@pytest.mark.parametrize(("given", "expected"), [
    (None, []), ("", []), ("x", ["x"]), (["a", "", "b"], ["a", "b"]), (("a",), ["a"]),
])
def test_normalize_stop(given, expected):
    assert normalize_stop(given) == expected


def test_normalize_stop_refuses_non_strings():
    with pytest.raises(BadRequestError, match="stop must be a string or a list of strings"):
        normalize_stop(["ok", 3])
