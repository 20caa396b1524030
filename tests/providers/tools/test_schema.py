"""The JSON Schema subset that tool arguments are checked against (g4f.providers.tools.schema)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g4f.providers.tools.schema import schema_error

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer"},
        "hourly": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["city"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(("arguments", "error"), [
    ({"city": "Paris"}, None),
    ({"city": "Paris", "unit": "celsius", "days": 3, "hourly": True, "tags": ["a", "b"]}, None),
    ({"city": "Paris", "days": 3.0}, None),  # a whole number written as a float is an integer
    ({}, "arguments: 'city' is required"),
    ({"city": 3}, "arguments.city: must be a string, not integer"),
    ({"city": "Paris", "unit": "kelvin"}, "arguments.unit: must be one of 'celsius', 'fahrenheit', not 'kelvin'"),
    ({"city": "Paris", "days": 2.5}, "arguments.days: must be an integer, not number"),
    ({"city": "Paris", "days": True}, "arguments.days: must be an integer, not boolean"),
    ({"city": "Paris", "hourly": 1}, "arguments.hourly: must be a boolean, not integer"),
    ({"city": "Paris", "tags": ["a", 2]}, "arguments.tags[1]: must be a string, not integer"),
    ({"city": "Paris", "tags": "a"}, "arguments.tags: must be an array, not string"),
    ({"city": "Paris", "country": "FR"}, "arguments: 'country' is not one of its properties"),
])
def test_arguments_are_checked_against_the_schema(arguments, error):
    found = schema_error(arguments, WEATHER)
    if error is None:
        assert found is None
    else:
        assert found is not None and found.startswith(error)


def test_extra_properties_are_allowed_unless_forbidden_and_checked_against_a_schema():
    open_schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert schema_error({"a": "x", "b": 1}, open_schema) is None
    typed = {**open_schema, "additionalProperties": {"type": "integer"}}
    assert schema_error({"a": "x", "b": 1}, typed) is None
    assert schema_error({"a": "x", "b": "y"}, typed) == "arguments.b: must be an integer, not string"


def test_pydantic_shapes_optional_nested_models_and_type_lists():
    schema = {
        "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
        "type": "object",
        "properties": {
            "where": {"$ref": "#/$defs/Point"},
            "label": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "size": {"type": ["integer", "null"]},
            "legacy": {"type": "string", "nullable": True},
            "kind": {"const": "pin"},
        },
    }
    assert schema_error({"where": {"x": 1.5}, "label": None, "size": None, "legacy": None, "kind": "pin"}, schema) is None
    assert schema_error({"where": {}}, schema) == "arguments.where: 'x' is required"
    assert schema_error({"label": 3}, schema) == "arguments.label: matches none of the 2 allowed forms"
    assert schema_error({"size": "big"}, schema) == "arguments.size: must be an integer or a null, not string"
    assert schema_error({"kind": "flag"}, schema) == "arguments.kind: must be 'pin'"


def test_all_of_and_boolean_schemas():
    assert schema_error(5, {"allOf": [{"type": "integer"}, {"enum": [5, 6]}]}) is None
    assert schema_error(7, {"allOf": [{"type": "integer"}, {"enum": [5, 6]}]}) is not None
    assert schema_error({"anything": [1]}, True) is None
    assert schema_error({"anything": [1]}, {}) is None
    assert schema_error(1, False) == "arguments: is not allowed here"


def test_json_equality_in_enums_keeps_booleans_apart_from_numbers():
    assert schema_error(1, {"enum": [True]}) is not None
    assert schema_error(True, {"enum": [1]}) is not None
    assert schema_error(1.0, {"enum": [1]}) is None
    assert schema_error({"a": [1]}, {"enum": [{"a": [1]}]}) is None


def test_a_schema_that_refers_to_itself_cannot_make_the_check_loop():
    assert schema_error({}, {"$ref": "#"}) == "arguments: the schema refers to itself too deeply"
    tree = {"type": "object", "properties": {"child": {"$ref": "#"}, "name": {"type": "string"}}}
    assert schema_error({"child": {"child": {"name": "leaf"}}}, tree) is None
    assert schema_error({"child": {"child": {"name": 1}}}, tree) == "arguments.child.child.name: must be a string, not integer"


def test_unknown_references_and_keywords_are_not_held_against_a_call():
    assert schema_error({"a": 1}, {"$ref": "https://example.org/schema.json"}) is None
    assert schema_error("x", {"type": "string", "minLength": 5, "pattern": "^y", "format": "email"}) is None
    assert schema_error("x", {"type": "strange"}) is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=15,
)
SCHEMAS = st.recursive(
    st.booleans() | st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["object", "array", "string", "number", "integer", "boolean", "null", "weird"]),
        "enum": st.lists(JSON, max_size=3), "nullable": st.booleans(), "$ref": st.sampled_from(["#", "#/x", "#/$defs/a"]),
    }),
    lambda children: st.fixed_dictionaries({}, optional={
        "properties": st.dictionaries(st.text(max_size=3), children, max_size=3),
        "required": st.lists(st.text(max_size=3), max_size=3), "items": children, "additionalProperties": children,
        "anyOf": st.lists(children, max_size=3), "allOf": st.lists(children, max_size=2),
        "$defs": st.fixed_dictionaries({"a": children}),
    }),
    max_leaves=12,
)


@settings(deadline=None)
@given(JSON, SCHEMAS)
def test_any_value_against_any_schema_gives_an_answer_never_an_exception(value, schema):
    found = schema_error(value, schema)
    assert found is None or (isinstance(found, str) and found.startswith("arguments"))


@settings(deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=5))
def test_objects_of_strings_match_a_schema_that_types_each_of_their_properties(arguments):
    schema = {"type": "object", "properties": {name: {"type": "string"} for name in arguments},
              "required": list(arguments), "additionalProperties": False}
    assert schema_error(arguments, schema) is None
    if arguments:
        name = next(iter(arguments))
        assert schema_error({**arguments, name: 1}, schema) == f"arguments.{name}: must be a string, not integer"


def test_a_schema_that_branches_into_itself_is_checked_in_bounded_time():
    """``anyOf`` options that refer back to the root branch at every hop: 2**32 checks before the
    step budget (a CPU denial of service through a request's ``tools``; hypothesis found one in a
    full run that spun for minutes). Now the check gives up after MAX_STEPS nodes and does not
    hold the schema against the call."""
    import time

    from g4f.providers.tools.schema import MAX_STEPS

    schema = {"type": "object", "anyOf": [{"$ref": "#"}, {"$ref": "#"}, {"$ref": "#"}]}
    started = time.perf_counter()
    assert schema_error({"a": 1}, schema) is None
    assert schema_error([1], {"anyOf": [{"$ref": "#"}, {"$ref": "#"}, {"type": "string"}]}) is None
    assert time.perf_counter() - started < 5  # MAX_STEPS nodes, not 3**32
    assert MAX_STEPS >= 1000
    # An ordinary schema is still checked in full.
    assert schema_error("x", {"anyOf": [{"type": "integer"}, {"type": "null"}]}) == \
        "arguments: matches none of the 2 allowed forms"
