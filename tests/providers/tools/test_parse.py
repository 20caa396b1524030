"""Reading tool calls out of a streamed text answer (g4f.providers.tools.parse): every form
models write, what stays text, and that the way the answer is cut into chunks never matters."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g4f.providers.tools.parse import CallScanner, ParsedCall, parse
from g4f.providers.tools.prompt import render_call
from g4f.providers.tools.request import ToolRequest

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {
        "type": "object", "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}}}}},
]
REQUEST = ToolRequest.of(TOOLS)
PARIS = ParsedCall("get_weather", {"city": "Paris"})
UTC = ParsedCall("get_time", {"zone": "UTC"})


def merged(pieces):
    """Consecutive text pieces as one, calls flattened into one tuple per block."""
    out = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def streamed(text, request=REQUEST, cuts=None):
    scanner = CallScanner(request)
    pieces = []
    start = 0
    for cut in sorted(cuts) if cuts is not None else range(1, len(text)):
        pieces += scanner.feed(text[start:cut])
        start = cut
    pieces += scanner.feed(text[start:]) + scanner.flush()
    return merged(pieces), scanner


@pytest.mark.parametrize(("answer", "expected"), [
    # the documented form, after a sentence
    ('Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
     ["Let me check.", (PARIS,)]),
    # the closing tag forgotten at the very end
    ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}', [(PARIS,)]),
    # several blocks
    (('<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n'
     '<tool_call>{"name": "get_time", "arguments": {"zone": "UTC"}}</tool_call>'), [(PARIS,), (UTC,)]),
    # a fence with JSON, the arguments as a JSON string (OpenAI's shape), prose after it
    ('Sure:\n```json\n{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}\n```\nDone.',
     ["Sure:", (PARIS,), "\nDone."]),
    # a fence without a language holding OpenAI's function shape
    ('```\n{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}\n```', [(PARIS,)]),
    # a tool_call fence holding a list of calls
    (('```tool_call\n[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": '
     '{"zone": "UTC"}}]\n```'), [(PARIS, UTC)]),
    # a fence holding <tool_call> blocks
    ('```xml\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n```', [(PARIS,)]),
    # a fenced block inside the tags
    ('<tool_call>\n```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```\n</tool_call>', [(PARIS,)]),
    # bare JSON in prose, the other names of "arguments", {"tool_calls": [...]}
    (('I call {"name": "get_weather", "parameters": {"city": "Paris"}} and then {"tool_calls": [{"name": "get_time", '
     '"args": {"zone": "UTC"}}]} now.'), ["I call", (PARIS,), " and then", (UTC,), " now."]),
    # a call without arguments, where none are required
    ('<tool_call>{"name": "get_time"}</tool_call>', [(ParsedCall("get_time", {}),)]),
])
def test_every_form_of_a_call_is_read(answer, expected):
    assert merged(parse(answer, REQUEST)) == expected
    assert streamed(answer)[0] == expected  # one character at a time: the same


@pytest.mark.parametrize(("answer", "why"), [
    ('<tool_call>{"name": "get_weather", "arguments": {"city": 3}}</tool_call>',
     "get_weather.arguments.city: must be a string, not integer"),
    ('<tool_call>{"name": "no_such_tool", "arguments": {}}</tool_call>', "'no_such_tool' is not one of the offered"),
    ('<tool_call>{"name": "get_weather", "arguments": {"city": "Par</tool_call>', "a block that holds no call"),
    ('<tool_call>{"name": "get_weather", "arguments": "not json"}</tool_call>', "are not valid JSON"),
    ('<tool_call>{"name": "get_weather", "arguments": ["Paris"]}</tool_call>', "must be a JSON object, not list"),
    ('```json\n{"name": "Alice", "age": 3}\n```', "'Alice' is not one of the offered tools"),
    ('<tool_call>Paris, please</tool_call>', "a block that holds no call"),
    # a model that quotes its tools (as the prompt lists them, or in OpenAI's shape) calls nothing
    ('<tool_call>{"name": "get_time", "parameters": {"type": "object", "properties": {}}}</tool_call>',
     "a block that holds no call"),
    ('```json\n{"type": "function", "function": {"name": "get_time", "description": "The time"}}\n```',
     "a block that holds no call"),
])
def test_an_answer_that_is_not_a_valid_call_stays_text_exactly(answer, why):
    pieces, scanner = streamed(answer)
    assert pieces == [answer]
    assert any(why in reason for reason in scanner.rejected), scanner.rejected
    assert merged(parse(answer, REQUEST)) == [answer]


def test_prose_with_brackets_braces_tags_and_backticks_stays_text():
    answer = 'a < b, {x: 1}, [1] and [link](u), `code`, <b>bold</b>, {"name": "Ada"} and ``` alone'
    assert streamed(answer)[0] == [answer]
    assert merged(parse(answer, REQUEST)) == [answer]


def test_tool_choice_naming_a_function_allows_that_one_only():
    forced = ToolRequest.of(TOOLS, {"type": "function", "function": {"name": "get_time"}})
    answer = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
    pieces, scanner = streamed(answer, forced)
    assert pieces == [answer] and "tool_choice asks for 'get_time'" in scanner.rejected[0]
    assert merged(parse('<tool_call>{"name": "get_time"}</tool_call>', forced)) == [(ParsedCall("get_time", {}),)]


def test_without_parallel_calls_a_second_call_stays_text():
    single = ToolRequest.of(TOOLS, parallel_tool_calls=False)
    second = '<tool_call>{"name": "get_time", "arguments": {"zone": "UTC"}}</tool_call>'
    pieces, scanner = streamed(f'<tool_call>{{"name": "get_weather", "arguments": {{"city": "Paris"}}}}</tool_call>\n{second}',
                               single)
    assert pieces == [(PARIS,), second]
    assert scanner.rejected == ["parallel_tool_calls is false: one call per answer"]


def test_what_may_start_a_call_is_held_back_and_nothing_else():
    scanner = CallScanner(REQUEST)
    assert scanner.feed("Hello <tool_c") == ["Hello"]  # the space may precede a call: held too
    assert scanner.feed("all>") == []
    assert scanner.feed('{"name": "get_weather", "arguments": {"city": "Paris"}}') == []
    assert scanner.feed("</tool_call> Bye") == [(PARIS,), " Bye"]
    assert scanner.flush() == []


def test_code_in_another_language_streams_at_once():
    scanner = CallScanner(REQUEST)
    # (whitespace at the end waits for what follows: it is dropped if a call comes next)
    assert merged(scanner.feed("Here:\n```python\nprint({'name': 1})\n")) == ["Here:\n```python\nprint({'name': 1})"]
    assert merged(scanner.feed("x = [1]\n``") + scanner.feed("`\nEnd.")) == ["\nx = [1]\n```\nEnd."]


def test_a_json_fence_that_holds_code_streams_once_its_first_line_shows_it():
    scanner = CallScanner(REQUEST)
    assert merged(scanner.feed("```json\n")) == []
    assert merged(scanner.feed('  "just a string"\n```')) == ['```json\n  "just a string"\n```']


def test_a_block_longer_than_the_limit_is_text():
    scanner = CallScanner(REQUEST, max_block=100)
    pieces = scanner.feed("<tool_call>" + "x" * 200)
    assert merged(pieces) == ["<tool_call>" + "x" * 200]
    assert scanner.rejected == ["a block of more than 100 characters"]
    assert merged(scanner.feed("</tool_call>") + scanner.flush()) == ["</tool_call>"]


def test_waiting_for_the_end_of_a_block_does_not_rescan_it_for_every_delta():
    scanner = CallScanner(REQUEST)
    scanner.feed('<tool_call>{"name": "get_weather", "arguments": {"city": "')
    for _ in range(1000):  # deltas that cannot end the block: appended, not parsed
        assert scanner.feed("aa") == []
    assert scanner._wake == ">"
    assert merged(scanner.feed('"}}</tool_call>')) == [(ParsedCall("get_weather", {"city": "aa" * 1000}),)]


def test_whitespace_around_calls_is_dropped_and_text_after_them_keeps_its_own():
    assert merged(parse('\n\n<tool_call>{"name": "get_time"}</tool_call>\n\n', REQUEST)) == [
        (ParsedCall("get_time", {}),)]
    assert merged(parse('Text\n<tool_call>{"name": "get_time"}</tool_call>\n\nMore  \n', REQUEST)) == [
        "Text", (ParsedCall("get_time", {}),), "\n\nMore  \n"]


@pytest.mark.parametrize(("answer", "why"), [
    # JSON nested deeper than any call's: text, and never a RecursionError, however deep
    ('{"name": "get_time", "arguments": {"zone": ' + "[" * 5000, "JSON nested more than 64 deep"),
    ('{"name": ' * 20000, "JSON nested more than 64 deep"),
    ('<tool_call>{"name": "get_time", "arguments": "' + "[" * 3000 + '"}</tool_call>', "nest more than 64 deep"),
    ("```json\n<tool_call>" * 3000, "blocks nested too deep"),
    # NaN and Infinity: Python's json reads them, JSON (and the client's parser) has no such values
    ('<tool_call>{"name": "get_time", "arguments": {"zone": NaN}}</tool_call>', "hold NaN or Infinity"),
    ('<tool_call>{"name": "get_time", "arguments": "{\\"n\\": -Infinity}"}</tool_call>', "hold NaN or Infinity"),
])
def test_what_no_call_looks_like_is_text_and_no_error(answer, why):
    scanner = CallScanner(REQUEST)
    pieces = merged(scanner.feed(answer) + scanner.flush())
    assert pieces == [answer]
    assert any(why in reason for reason in scanner.rejected), scanner.rejected[:3]
    assert streamed(answer, cuts=set(range(7, len(answer), 997)))[0] == [answer]


def test_the_signature_of_a_call_ignores_key_order_and_spacing():
    assert ParsedCall("f", {"a": 1, "b": [2]}).signature() == ParsedCall("f", {"b": [2], "a": 1}).signature()
    assert ParsedCall("f", {"a": 1}).signature() != ParsedCall("f", {"a": 2}).signature()


# -- properties -----------------------------------------------------------------------------
PROSE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<`{[", exclude_categories=("Cs",)),
                max_size=20)
FRAGMENTS = st.one_of(
    PROSE,
    st.sampled_from([
        "<", "`", "``", "```", "{", "[", "<tool_call>", "</tool_call>", '{"name"', '{"name": "x"}', "```json\n",
        "```python\n", "\n```", '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        '{"name": "get_time", "arguments": {"zone": "UTC"}}', '[{"name": "get_time"}]',
        '```json\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n```', '{"tool_calls": [',
        '"arguments": {"city": 1}}', "}", "]", "\n", " ",
        # fence lines a language may still be coming on, or that cannot open a call whatever follows
        "``` json\n", "```JSON \n", "``` j", "````", "``", "\r\n", "```tool_call\n[", "<tool_call>```json\n",
        # JSON whose tokens are long or may be cut anywhere: escapes, -Infinity, exponents, literals
        '{"name": "get_weather", "arguments": {"city": "\\u00e9\\ud83d\\ude00"}}',
        '{"name": "get_time", "arguments": {"zone": "UTC", "n": -Infinity}}', '{"name": "get_time", "arguments": {"n": 1e+5}}',
        '{"function": {"name": "get_time"}}', "tru", "e}", '"', "\\",
    ]),
)
ANSWERS = st.lists(FRAGMENTS, max_size=12).map("".join)


def test_the_rest_of_a_fence_line_is_never_read_as_a_fence():
    """A fence line that cannot name a call's language is code to its end, even when more
    backticks follow on it (and whether or not the line has come in one delta)."""
    answer = '\n``````json\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n```'
    assert merged(parse(answer, REQUEST)) == [answer]
    for cut in range(1, len(answer)):
        assert streamed(answer, cuts={cut})[0] == [answer], cut


@settings(max_examples=300, deadline=None)  # a loaded CI machine is slow, not wrong
@given(ANSWERS, st.data(), st.sampled_from([12, 40, 64 * 1024]))
def test_however_the_answer_is_cut_into_chunks_the_result_is_the_same(answer, data, max_block):
    """Including where a candidate is longer than max_block: it is text wherever the cuts fall."""
    cuts = data.draw(st.sets(st.integers(1, max(1, len(answer) - 1)), max_size=len(answer))) if len(answer) > 1 else set()
    scanner = CallScanner(REQUEST, max_block=max_block)
    whole = merged(scanner.feed(answer) + scanner.flush())
    scanner = CallScanner(REQUEST, max_block=max_block)
    pieces, start = [], 0
    for cut in sorted(cuts):
        pieces += scanner.feed(answer[start:cut])
        start = cut
    assert merged(pieces + scanner.feed(answer[start:]) + scanner.flush()) == whole
    if max_block == 64 * 1024:
        assert whole == merged(parse(answer, REQUEST))


@settings(max_examples=300, deadline=None)  # a loaded CI machine is slow, not wrong
@given(ANSWERS)
def test_without_calls_the_text_is_the_answer_exactly_and_with_calls_only_whitespace_goes(answer):
    pieces = merged(parse(answer, REQUEST))
    text = "".join(piece for piece in pieces if isinstance(piece, str))
    if all(isinstance(piece, str) for piece in pieces):
        assert text == answer
    else:  # each piece of text is the answer's own, in order (only whitespace at the calls went)
        position = 0
        for piece in pieces:
            if isinstance(piece, str):
                position = answer.index(piece.strip(), position) + len(piece.strip())


@settings(deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_without_an_error(answer):
    for piece in parse(answer, REQUEST):
        assert isinstance(piece, (str, tuple))


ARGUMENT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=10,
)


@settings(deadline=None)
@given(st.dictionaries(st.text(max_size=6), ARGUMENT_VALUES, max_size=4), PROSE, PROSE)
def test_a_call_written_in_the_prompt_format_is_read_back_as_it_was_made(arguments, before, after):
    request = ToolRequest.of([{"type": "function", "function": {"name": "anything"}}])
    answer = f"{before}{render_call('anything', arguments)}{after}"
    calls = [piece for piece in parse(answer, request) if isinstance(piece, tuple)]
    assert calls == [(ParsedCall("anything", arguments),)]
    assert json.loads(json.dumps(arguments)) == arguments
