"""_schema: the validator against jsonschema's Draft 2020-12, and arguments built from schemas.

Three layers: table tests that pin each keyword's meaning (each also checked against the
``jsonschema`` package, the reference); hypothesis over generated schemas and values, where the
two validators must agree; and built arguments, which must validate (jsonschema, and pydantic
where the schema came from a pydantic model or a TypedDict).
"""

# ruff: noqa: E501  (the tables keep one case a line)
from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, Optional
from uuid import UUID

import pytest
from _budget import budget
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field, TypeAdapter
from typing_extensions import TypedDict

from langchain_echo._schema import accepts, arguments, build_arguments, check_schema


def reference(schema: Any, value: Any) -> bool:
    Draft202012Validator.check_schema(schema)
    return bool(Draft202012Validator(schema).is_valid(value))


# ---------------------------------------------------------------------------------------------
# accepts: one row per behaviour

DEFS = {
    "$defs": {
        "pos": {"type": "integer", "minimum": 1},
        "tree": {
            "type": "object",
            "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
            "additionalProperties": False,
        },
        "a/b~c": {"const": "escaped"},
    },
    "definitions": {"name": {"type": "string", "minLength": 1}},
}

ACCEPTS: list[tuple[str, Any, Any, bool]] = [
    # type
    ("string", {"type": "string"}, "x", True),
    ("string rejects int", {"type": "string"}, 1, False),
    ("integer", {"type": "integer"}, 3, True),
    ("integral float is an integer", {"type": "integer"}, 3.0, True),
    ("fraction is no integer", {"type": "integer"}, 3.5, False),
    ("bool is no integer", {"type": "integer"}, True, False),
    ("bool is no number", {"type": "number"}, False, False),
    ("int is a number", {"type": "number"}, 7, True),
    ("boolean", {"type": "boolean"}, True, True),
    ("int is no boolean", {"type": "boolean"}, 1, False),
    ("null", {"type": "null"}, None, True),
    ("array", {"type": "array"}, [], True),
    ("object rejects array", {"type": "object"}, [], False),
    ("type list", {"type": ["string", "null"]}, None, True),
    ("type list miss", {"type": ["string", "null"]}, 0, False),
    # enum, const
    ("enum", {"enum": ["a", 1]}, 1, True),
    ("enum 1.0 equals 1", {"enum": [1]}, 1.0, True),
    ("enum True is not 1", {"enum": [1]}, True, False),
    ("enum nested bool", {"enum": [[1]]}, [True], False),
    ("const object", {"const": {"a": [1, 2]}}, {"a": [1, 2.0]}, True),
    ("const miss", {"const": "a"}, "b", False),
    ("const null", {"const": None}, None, True),
    # numbers
    ("minimum", {"minimum": 2}, 2, True),
    ("below minimum", {"minimum": 2}, 1.5, False),
    ("exclusiveMinimum", {"exclusiveMinimum": 2}, 2, False),
    ("maximum", {"maximum": 2}, 2.5, False),
    ("exclusiveMaximum", {"exclusiveMaximum": 2}, 1.99, True),
    ("multipleOf int", {"multipleOf": 3}, 9, True),
    ("multipleOf int miss", {"multipleOf": 3}, 10, False),
    ("multipleOf float", {"multipleOf": 0.25}, 0.75, True),
    ("multipleOf float miss", {"multipleOf": 0.25}, 0.8, False),
    ("multipleOf huge value", {"multipleOf": 0.5}, 1e308, True),
    ("bounds ignore strings", {"minimum": 5}, "1", True),
    # strings
    ("minLength in code points", {"minLength": 2}, "é", False),
    ("maxLength in code points", {"maxLength": 1}, "👍🏽", False),
    ("maxLength ok", {"maxLength": 2}, "👍🏽", True),
    ("pattern searches", {"pattern": "b+"}, "abbc", True),
    ("pattern anchored", {"pattern": "^b"}, "abc", False),
    ("pattern Python cannot compile is ignored", {"pattern": "(?<x>a)"}, "zzz", True),
    # arrays
    ("items", {"items": {"type": "integer"}}, [1, 2], True),
    ("items miss", {"items": {"type": "integer"}}, [1, "2"], False),
    ("items false", {"items": False}, [], True),
    ("prefixItems", {"prefixItems": [{"type": "string"}], "items": False}, ["a"], True),
    ("prefixItems then items false", {"prefixItems": [{}], "items": False}, [1, 2], False),
    ("prefixItems mismatch", {"prefixItems": [{"type": "string"}]}, [1], False),
    ("minItems", {"minItems": 2}, [1], False),
    ("maxItems", {"maxItems": 1}, [1, 2], False),
    ("uniqueItems", {"uniqueItems": True}, [1, 1.0], False),
    ("uniqueItems bool vs int", {"uniqueItems": True}, [1, True, 0, False], True),
    ("uniqueItems objects", {"uniqueItems": True}, [{"a": [1]}, {"a": [1.0]}], False),
    ("uniqueItems false", {"uniqueItems": False}, [1, 1], True),
    ("contains", {"contains": {"type": "null"}}, [1, None], True),
    ("contains miss", {"contains": {"type": "null"}}, [1], False),
    ("minContains", {"contains": {"const": 1}, "minContains": 2}, [1, 2, 1], True),
    ("maxContains", {"contains": {"const": 1}, "maxContains": 1}, [1, 1], False),
    ("minContains 0", {"contains": {"const": 1}, "minContains": 0}, [], True),
    # objects
    ("required", {"required": ["a"]}, {"a": None}, True),
    ("required miss", {"required": ["a"]}, {"b": 1}, False),
    ("required ignores arrays", {"required": ["a"]}, [], True),
    ("properties", {"properties": {"a": {"type": "string"}}}, {"a": 1}, False),
    ("additionalProperties false", {"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": 2}, False),
    ("additionalProperties schema", {"additionalProperties": {"type": "integer"}}, {"z": 1}, True),
    ("additionalProperties schema miss", {"additionalProperties": {"type": "integer"}}, {"z": "1"}, False),
    ("patternProperties exempt", {"patternProperties": {"^x": {}}, "additionalProperties": False}, {"xy": 1}, True),
    ("patternProperties check", {"patternProperties": {"^x": {"type": "string"}}}, {"xy": 1}, False),
    ("minProperties", {"minProperties": 1}, {}, False),
    ("maxProperties", {"maxProperties": 1}, {"a": 1, "b": 2}, False),
    ("propertyNames", {"propertyNames": {"maxLength": 1}}, {"ab": 1}, False),
    ("dependentRequired", {"dependentRequired": {"a": ["b"]}}, {"a": 1}, False),
    ("dependentRequired absent", {"dependentRequired": {"a": ["b"]}}, {"c": 1}, True),
    ("dependentSchemas", {"dependentSchemas": {"a": {"required": ["b"]}}}, {"a": 1}, False),
    # combinators
    ("anyOf", {"anyOf": [{"type": "string"}, {"type": "null"}]}, None, True),
    ("anyOf miss", {"anyOf": [{"type": "string"}, {"type": "null"}]}, 1, False),
    ("oneOf two match", {"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),
    ("oneOf one match", {"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1.5, True),
    ("allOf", {"allOf": [{"minimum": 1}, {"maximum": 2}]}, 3, False),
    ("not", {"not": {"type": "string"}}, "a", False),
    ("if then", {"if": {"type": "integer"}, "then": {"minimum": 5}}, 1, False),
    ("if else", {"if": {"type": "integer"}, "else": {"type": "null"}}, "a", False),
    ("true schema", True, {"anything": [1]}, True),
    ("false schema", False, None, False),
    ("false property", {"properties": {"a": False}}, {"a": 1}, False),
    # references
    ("$defs ref", {**DEFS, "properties": {"n": {"$ref": "#/$defs/pos"}}}, {"n": 0}, False),
    ("definitions ref", {**DEFS, "items": {"$ref": "#/definitions/name"}}, ["a", ""], False),
    ("recursive ref", {**DEFS, "$ref": "#/$defs/tree"}, {"kids": [{"kids": []}, {}]}, True),
    ("recursive ref deep miss", {**DEFS, "$ref": "#/$defs/tree"}, {"kids": [{"kids": [{"x": 1}]}]}, False),
    ("escaped pointer", {**DEFS, "$ref": "#/$defs/a~1b~0c"}, "escaped", True),
    ("root ref", {"properties": {"self": {"$ref": "#"}}, "required": ["x"]}, {"x": 1, "self": {}}, False),
    ("ref siblings apply (2020-12)", {**DEFS, "$ref": "#/$defs/pos", "maximum": 3}, 4, False),
    # ignored keywords
    ("format is an annotation", {"type": "string", "format": "email"}, "nope", True),
    ("unknown keyword", {"nullable": True, "x-whatever": 1, "type": "string"}, "a", True),
    ("title, description, default", {"title": "T", "description": "D", "default": 1, "type": "string"}, "a", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "value", "expected"), [r[1:] for r in ACCEPTS], ids=[r[0] for r in ACCEPTS]
)
def test_accepts_table(schema: Any, value: Any, expected: bool) -> None:
    assert accepts(schema, value) is expected
    # The table is Draft 2020-12's own answer, except where Python's re cannot compile.
    if not (isinstance(schema, dict) and schema.get("pattern") == "(?<x>a)"):
        assert reference(schema, value) is expected


def test_accepts_ref_loops_end() -> None:
    # jsonschema recurses for ever on these; a loop adds no constraint of its own here.
    loop = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a", "type": "string"}}}
    assert accepts({**loop, "$ref": "#/$defs/a"}, "x")
    assert not accepts({**loop, "$ref": "#/$defs/a"}, 1)
    assert accepts({"anyOf": [{"$ref": "#"}, {"type": "null"}]}, None)
    assert not accepts({"allOf": [{"$ref": "#"}], "type": "null"}, 1)


def test_accepts_non_json_values_match_no_type() -> None:
    assert not accepts({"type": "array"}, (1, 2))
    assert not accepts({"type": "object"}, {"a"})
    assert accepts({}, (1, 2))


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$ref": "#/$defs/missing"}, "does not resolve"),
        ({"$ref": "other.json#/x"}, "only references inside the schema"),
        ({"$ref": "#anchor"}, "anchors are not"),
        ({"$defs": {"x": 3}, "$ref": "#/$defs/x"}, "not a schema"),
        ({"properties": {"a": 5}}, "not a schema"),
    ],
)
def test_unusable_schema_is_a_value_error(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        accepts(schema, {"a": 1})
    with pytest.raises(ValueError, match=message):
        check_schema(schema)


def test_check_schema_names_the_place() -> None:
    with pytest.raises(ValueError, match=r"#/properties/a/items: 'bad' is not a schema"):
        check_schema({"properties": {"a": {"items": "bad"}}})
    with pytest.raises(ValueError, match=r"\$ref at #/anyOf/1 is 3"):
        check_schema({"anyOf": [{}, {"$ref": 3}]})
    check_schema({**DEFS, "$ref": "#/$defs/tree", "enum": ["data", {"$ref": "not checked"}]})
    check_schema(False)


# ---------------------------------------------------------------------------------------------
# accepts against jsonschema on generated schemas

KEYS = ["a", "b", "xa", "é"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 4),
    st.sampled_from([0.5, -1.5, 2.0, 0.1, 0.3, 1e300, 3.75]),
    st.sampled_from(["", "a", "ab", "b", "é", "abc", "1", "👍🏽"]),
)
json_values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(KEYS), c, max_size=3),
    max_leaves=8,
)
numbers = st.sampled_from([-2, -1, 0, 0.5, 1, 2, 2.5, 3])
counts = st.integers(0, 3)
TYPES = ["string", "integer", "number", "boolean", "null", "array", "object"]


def keyword_strategies(children: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True),
        "enum": st.lists(json_values, min_size=1, max_size=3),
        "const": json_values,
        "minimum": numbers,
        "maximum": numbers,
        "exclusiveMinimum": numbers,
        "exclusiveMaximum": numbers,
        "multipleOf": st.sampled_from([1, 2, 3, 0.5, 0.25, 0.1, 1.5]),
        "minLength": counts,
        "maxLength": counts,
        "pattern": st.sampled_from(["^a", "b", "^[a-z]*$", r"\d", "é", "^$"]),
        "items": children,
        "prefixItems": st.lists(children, min_size=1, max_size=2),
        "minItems": counts,
        "maxItems": counts,
        "uniqueItems": st.booleans(),
        "contains": children,
        "minContains": counts,
        "maxContains": counts,
        "properties": st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
        "patternProperties": st.dictionaries(st.sampled_from(["^x", "é"]), children, max_size=1),
        "additionalProperties": children,
        "required": st.lists(st.sampled_from(KEYS), max_size=3, unique=True),
        "minProperties": counts,
        "maxProperties": counts,
        "propertyNames": children,
        "dependentRequired": st.dictionaries(
            st.sampled_from(KEYS), st.lists(st.sampled_from(KEYS), max_size=2, unique=True), max_size=2
        ),
        "dependentSchemas": st.dictionaries(st.sampled_from(KEYS), children, max_size=1),
        "anyOf": st.lists(children, min_size=1, max_size=3),
        "oneOf": st.lists(children, min_size=1, max_size=3),
        "allOf": st.lists(children, min_size=1, max_size=3),
        "not": children,
        "if": children,
        "then": children,
        "else": children,
        "$ref": st.sampled_from(["#/$defs/pos", "#/$defs/tree", "#/definitions/name"]),
        "default": json_values,
        "format": st.sampled_from(["email", "date", "whatever"]),
        "nullable": st.booleans(),
    }  # fmt: skip


def schema_dicts(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    strategies = keyword_strategies(children)
    return st.lists(st.sampled_from(sorted(strategies)), max_size=3, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: strategies[k] for k in keys})
    )


schemas = st.recursive(st.booleans() | schema_dicts(st.just({})), schema_dicts, max_leaves=6)


@st.composite
def schema_and_value(draw: st.DrawFn) -> tuple[Any, Any]:
    schema = draw(schemas)
    root = {**schema, **DEFS} if isinstance(schema, dict) else schema
    # Random values mostly fail; a value built for the schema often passes, so both answers
    # are exercised.
    if draw(st.booleans()):
        from langchain_echo._schema import _Builder

        try:
            value = _Builder(
                root, draw(st.sampled_from(["", "a", "ab1"])), break_cycles=True
            ).build(root)
        except RecursionError:
            value = None
    else:
        value = draw(json_values)
    return root, value


@budget(1500)
@given(schema_and_value())
def test_accepts_agrees_with_jsonschema(case: tuple[Any, Any]) -> None:
    schema, value = case
    assert accepts(schema, value) == reference(schema, value)


def test_generated_values_exercise_both_answers() -> None:
    # Guards the test above against a generator that only ever produces one answer.
    seen: set[bool] = set()

    @budget(300)
    @given(schema_and_value())
    def collect(case: tuple[Any, Any]) -> None:
        seen.add(accepts(*case))

    collect()
    assert seen == {True, False}


# ---------------------------------------------------------------------------------------------
# build_arguments: exact values


def obj(required: list[str] | None = None, **props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
    }


BUILD: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("string is the text", obj(s={"type": "string"}), {"s": "hi"}),
    ("only required properties", obj(["a"], a={"type": "string"}, b={"type": "string"}), {"a": "hi"}),
    ("integer is 0", obj(i={"type": "integer"}), {"i": 0}),
    ("number is 0", obj(x={"type": "number"}), {"x": 0}),
    ("boolean is false", obj(b={"type": "boolean"}), {"b": False}),
    ("null is None", obj(n={"type": "null"}), {"n": None}),
    ("enum first", obj(e={"enum": ["b", "a"]}), {"e": "b"}),
    ("enum first that fits", obj(e={"type": "string", "enum": [1, "a"]}), {"e": "a"}),
    ("const", obj(c={"const": {"k": [1]}}), {"c": {"k": [1]}}),
    ("default", obj(d={"type": "integer", "default": 7}), {"d": 7}),
    ("default that does not validate is not used", obj(d={"type": "integer", "default": "x"}), {"d": 0}),
    ("const before default", obj(c={"const": 2, "default": 2}), {"c": 2}),
    ("minimum", obj(i={"type": "integer", "minimum": 3}), {"i": 3}),
    ("negative minimum gives 0", obj(i={"type": "integer", "minimum": -3}), {"i": 0}),
    ("exclusiveMinimum integer", obj(i={"type": "integer", "exclusiveMinimum": 3}), {"i": 4}),
    ("fractional minimum, integer", obj(i={"type": "integer", "minimum": 2.5}), {"i": 3}),
    ("fractional minimum, number", obj(x={"type": "number", "minimum": 2.5}), {"x": 2.5}),
    ("exclusiveMinimum number: next integer", obj(x={"type": "number", "exclusiveMinimum": 0}), {"x": 1}),
    ("exclusiveMinimum number: midpoint", obj(x={"type": "number", "exclusiveMinimum": 0, "maximum": 0.5}), {"x": 0.25}),
    ("multipleOf above minimum", obj(i={"type": "integer", "minimum": 7, "multipleOf": 5}), {"i": 10}),
    ("float multipleOf", obj(x={"type": "number", "exclusiveMinimum": 0.5, "multipleOf": 0.25}), {"x": 0.75}),
    ("integer and float multipleOf", obj(i={"type": "integer", "minimum": 1, "multipleOf": 2.5}), {"i": 5}),
    ("maximum below 0: largest", obj(i={"type": "integer", "maximum": -3}), {"i": -3}),
    ("exclusiveMaximum 0: largest", obj(i={"type": "integer", "exclusiveMaximum": 0}), {"i": -1}),
    ("maximum below 0 with multipleOf", obj(x={"type": "number", "maximum": -1, "multipleOf": 4}), {"x": -4}),
    ("array minItems", obj(a={"type": "array", "items": {"type": "string"}, "minItems": 2}), {"a": ["hi", "hi"]}),
    ("array no minItems", obj(a={"type": "array", "items": {"type": "string"}}), {"a": []}),
    ("prefixItems", obj(a={"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}], "minItems": 2}), {"a": [0, False]}),
    ("uniqueItems numbers", obj(a={"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 3, "uniqueItems": True}), {"a": [1, 2, 3]}),
    ("uniqueItems strings", obj(a={"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True}), {"a": ["hi", "hi 2"]}),
    ("uniqueItems enum", obj(a={"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2, "uniqueItems": True}), {"a": ["x", "y"]}),
    ("contains", obj(a={"type": "array", "items": {"type": "integer"}, "contains": {"minimum": 2}}), {"a": [2]}),
    ("nested object", obj(o=obj(p=obj(q={"type": "string"}))), {"o": {"p": {"q": "hi"}}}),
    ("anyOf with null first", obj(u={"anyOf": [{"type": "null"}, {"type": "integer"}]}), {"u": 0}),
    ("oneOf first that validates", obj(u={"oneOf": [{"type": "integer", "minimum": 5, "maximum": 3}, {"type": "string"}]}), {"u": "hi"}),
    ("anyOf only null", obj(u={"anyOf": [{"type": "null"}]}), {"u": None}),
    ("type list non-null first", obj(t={"type": ["null", "string"]}), {"t": "hi"}),
    ("allOf merged", obj(m={"allOf": [obj(a={"type": "string"}), obj(b={"type": "integer", "minimum": 2})]}), {"m": {"a": "hi", "b": 2}}),
    ("allOf bounds", obj(m={"allOf": [{"type": "integer", "minimum": 2}, {"minimum": 5}]}), {"m": 5}),
    ("$defs ref", {**obj(r={"$ref": "#/$defs/P"}), "$defs": {"P": obj(name={"type": "string"})}}, {"r": {"name": "hi"}}),
    ("definitions ref", {**obj(r={"$ref": "#/definitions/P"}), "definitions": {"P": {"type": "integer", "minimum": 4}}}, {"r": 4}),
    ("ref with default beside it", {**obj(r={"$ref": "#/$defs/P", "default": 9}), "$defs": {"P": {"type": "integer"}}}, {"r": 9}),
    ("recursive type ends in null", {**obj(n={"$ref": "#/$defs/N"}), "$defs": {"N": obj(next={"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]})}}, {"n": {"next": None}}),
    ("required property not in properties", {"type": "object", "required": ["z"]}, {"z": "hi"}),
    ("additionalProperties schema for it", {"type": "object", "required": ["z"], "additionalProperties": {"type": "integer"}}, {"z": 0}),
    ("minProperties adds optional ones", {"type": "object", "properties": {"a": {"type": "integer"}, "b": {}}, "minProperties": 2}, {"a": 0, "b": "hi"}),
    ("dependentRequired", {"type": "object", "properties": {"a": {}, "b": {"type": "boolean"}}, "required": ["a"], "dependentRequired": {"a": ["b"]}}, {"a": "hi", "b": False}),
    ("untyped property is the text", obj(any={}), {"any": "hi"}),
    ("implied object", obj(o={"properties": {"k": {"type": "integer"}}, "required": ["k"]}), {"o": {"k": 0}}),
    ("no parameters", {"type": "object", "properties": {}}, {}),
    ("empty schema", {}, {}),
    ("maxLength cuts", obj(s={"type": "string", "maxLength": 1}), {"s": "h"}),
    ("minLength pads by repeating", obj(s={"type": "string", "minLength": 5}), {"s": "hihih"}),
    ("format replaced", obj(d={"type": "string", "format": "date"}), {"d": "1970-01-01"}),
    ("unknown format keeps the text", obj(d={"type": "string", "format": "colour"}), {"d": "hi"}),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "expected"), [r[1:] for r in BUILD], ids=[r[0] for r in BUILD])
def test_build_arguments_table(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    built = build_arguments(schema, "hi")
    assert built == expected
    assert [type(v) for v in built.values()] == [type(v) for v in expected.values()]
    assert reference(schema, built)
    assert accepts(schema, built)


def test_build_required_recursion_without_a_way_out_ends() -> None:
    # No finite value validates; building still ends, with None where the type recurs.
    schema = {**obj(n={"$ref": "#/$defs/N"}), "$defs": {"N": obj(next={"$ref": "#/$defs/N"})}}
    assert build_arguments(schema, "hi") == {"n": {"next": None}}
    assert not reference(schema, {"n": {"next": None}})


def test_build_strings_respect_graphemes() -> None:
    schema = obj(s={"type": "string", "maxLength": 3})
    # "👍🏽" is one grapheme of two code points: a cut never splits it.
    assert build_arguments(schema, "a👍🏽b") == {"s": "a👍🏽"}
    assert build_arguments(schema, "ab👍🏽") == {"s": "ab"}
    padded = build_arguments(obj(s={"type": "string", "minLength": 5, "maxLength": 5}), "👍🏽")
    assert padded == {"s": "👍🏽👍🏽_"}
    assert build_arguments(obj(s={"type": "string", "minLength": 2}), "") == {"s": "__"}


def test_build_pattern_the_text_cannot_match_keeps_the_text() -> None:
    schema = obj(s={"type": "string", "pattern": "^[0-9]+$"})
    assert build_arguments(schema, "hi") == {"s": "hi"}
    assert not accepts(schema, build_arguments(schema, "hi"))
    assert accepts(schema, build_arguments(schema, "42"))


def test_build_copies_defaults_and_consts() -> None:
    default: list[int] = [1]
    schema = obj(d={"type": "array", "default": default}, c={"const": {"k": []}})
    built = build_arguments(schema, "")
    built["d"].append(2)
    built["c"]["k"].append(3)
    assert default == [1]
    assert build_arguments(schema, "") == {"d": [1], "c": {"k": []}}


@pytest.mark.parametrize("schema", [{"type": "string"}, {"type": ["array", "null"]}])
def test_build_arguments_needs_an_object_schema(schema: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be an object schema"):
        build_arguments(schema, "x")


def test_build_arguments_unusable_schema() -> None:
    with pytest.raises(ValueError, match="does not resolve"):
        build_arguments(obj(r={"$ref": "#/$defs/nope"}), "x")


# Satisfiable schemas by construction: every one has a value the rule can build.


def sat_number() -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def draw_number(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(st.sampled_from(["integer", "number"]))
        m = draw(st.sampled_from([None, 1, 2, 3, 0.5, 0.25, 2.5]))
        lo = draw(st.sampled_from([None, -7, -2, 0, 0.5, 1, 3, 10]))
        out: dict[str, Any] = {"type": kind}
        if m is not None:
            out["multipleOf"] = m
        if lo is not None:
            out[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = lo
        if draw(st.booleans()):
            # Room for at least one multiple of m (of 5, for m=2.5 and integers) above lo.
            base = lo if lo is not None else draw(st.sampled_from([-30, 0]))
            out[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = base + 11
        return out

    return draw_number()


def sat_schemas() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("string")},
            optional={
                "minLength": st.integers(0, 4),
                "format": st.sampled_from(["date", "email", "uuid", "x"]),
            },
        ),
        sat_number(),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.just({"type": ["string", "null"]}),
        st.lists(json_values, min_size=1, max_size=3).map(lambda e: {"enum": e}),
        json_values.map(lambda v: {"const": v}),
        st.sampled_from(
            [{"$ref": "#/$defs/pos"}, {"$ref": "#/definitions/name"}, {"$ref": "#/$defs/tree"}]
        ),
        st.just({}),
    )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        def objects(closed: bool, keys: list[str] = KEYS) -> st.SearchStrategy[dict[str, Any]]:
            return st.dictionaries(st.sampled_from(keys), children, max_size=3).flatmap(
                lambda props: st.fixed_dictionaries(
                    {
                        "type": st.just("object"),
                        "properties": st.just(props),
                        "required": st.lists(
                            st.sampled_from(sorted(props) or ["a"]), unique=True
                        ).map(lambda r: [k for k in r if k in props]),
                    },
                    optional={"additionalProperties": st.just(False)} if closed else {},
                )
            )

        return st.one_of(
            objects(closed=True),
            st.fixed_dictionaries(
                {"type": st.just("array"), "items": children, "minItems": st.integers(0, 3)}
            ),
            st.fixed_dictionaries(
                {
                    "type": st.just("array"),
                    "items": st.sampled_from(
                        [{"type": "integer"}, {"type": "string"}, {"type": "number", "minimum": 2}]
                    ),
                    "minItems": st.integers(0, 4),
                    "uniqueItems": st.just(True),
                }
            ),
            st.lists(children, min_size=1, max_size=2).map(
                lambda b: {"anyOf": [{"type": "null"}, *b]}
            ),
            st.lists(children, min_size=1, max_size=2).map(
                lambda b: {"anyOf": [*b, {"type": "null"}]}
            ),
            # Open objects with different properties: these two always have a value in common.
            st.tuples(objects(False, ["a", "b"]), objects(False, ["xa", "é"])).map(
                lambda p: {"allOf": list(p)}
            ),
            st.tuples(children, json_values).map(
                lambda p: {**p[0], "default": p[1]} if isinstance(p[0], dict) else p[0]
            ),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@budget(250)
@given(sat_schemas(), st.text(max_size=6))
def test_built_arguments_validate(schema: Any, text: str) -> None:
    root = {
        "type": "object",
        "properties": {"arg": schema, "more": schema},
        "required": ["arg"],
        **DEFS,
    }
    built = build_arguments(root, text)
    assert reference(root, built), built
    assert accepts(root, built)
    assert list(built) == ["arg"]
    assert json.loads(json.dumps(built)) == built  # plain JSON data


# ---------------------------------------------------------------------------------------------
# Schemas LangChain generates: built arguments are what pydantic itself accepts


class Address(BaseModel):
    street: str
    zip_code: int = Field(ge=10000, le=99999)


class Person(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0, le=150)
    nick: Optional[str] = None  # noqa: UP045 (the Optional form is what users write)
    mood: Literal["happy", "sad"]
    address: Address
    tags: list[str] = Field(min_length=2)
    score: float = Field(gt=0.5, multiple_of=0.25)
    ratio: float = Field(gt=0, lt=1)
    when: datetime
    day: date
    took: timedelta
    ident: UUID
    code: str = Field(min_length=4, max_length=6)
    pair: tuple[int, str]
    counts: dict[str, int]
    maybe: int | None
    below: int = Field(lt=-5)


class Node(BaseModel):
    """A linked list."""

    value: int
    next: Node | None


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


class Movie(TypedDict):
    """A movie."""

    title: Annotated[str, ..., "The title"]
    year: Annotated[int, ..., "The year"]
    genres: list[Literal["drama", "comedy"]]


@tool
def lookup(query: str, limit: int = 5, exact: bool = False) -> str:
    """Looks something up."""
    return query


def add(a: int, b: float) -> float:
    """Adds two numbers.

    Args:
        a: the first
        b: the second
    """
    return a + b


def parameters(t: Any) -> dict[str, Any]:
    return convert_to_openai_tool(t)["function"]["parameters"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("model", [Person, Node, Tree, Address])
@pytest.mark.parametrize("text", ["hello", "", "2024-01-01", "é👍🏽"])
def test_pydantic_models_accept_built_arguments(model: type[BaseModel], text: str) -> None:
    for schema in (parameters(model), model.model_json_schema()):
        built = build_arguments(schema, text)
        assert reference(schema, built)
        model.model_validate(built)


def test_person_arguments_read_as_the_rule_says() -> None:
    built = build_arguments(parameters(Person), "Ann")
    assert built["name"] == "Ann"
    assert built["age"] == 0
    assert "nick" not in built  # not required
    assert built["mood"] == "happy"
    assert built["address"] == {"street": "Ann", "zip_code": 10000}
    assert built["tags"] == ["Ann", "Ann"]
    assert built["score"] == 0.75
    assert built["maybe"] == 0  # the first non-null branch
    assert built["below"] == -6
    assert built["code"] == "AnnA"
    assert built["pair"] == [0, "Ann"]
    assert built["counts"] == {}


def test_recursive_pydantic_model_with_refs() -> None:
    schema = Node.model_json_schema()  # keeps $defs and $ref
    assert build_arguments(schema, "x") == {"value": 0, "next": None}
    assert Node.model_validate(build_arguments(schema, "x"))


@pytest.mark.parametrize("t", [Movie, lookup, add])
def test_typeddicts_tools_and_functions(t: Any) -> None:
    schema = parameters(t)
    built = build_arguments(schema, "hi")
    assert reference(schema, built)
    assert accepts(schema, built)


def test_typeddict_values() -> None:
    built = build_arguments(parameters(Movie), "Heat")
    assert built == {"title": "Heat", "year": 0, "genres": []}
    TypeAdapter(Movie).validate_python(built)
    assert build_arguments(parameters(lookup), "q") == {"query": "q"}
    assert build_arguments(parameters(add), "q") == {"a": 0, "b": 0}


# ---------------------------------------------------------------------------------------------
# arguments: the source when it fits, else built

PERSON = obj(name={"type": "string"}, age={"type": "integer", "minimum": 0})


def test_arguments_echo_a_fitting_source() -> None:
    source = '{"name": "Ann", "age": 3}'
    assert arguments(PERSON, source, "unused") == {"name": "Ann", "age": 3}
    # Extra properties are fine where the schema allows them.
    assert arguments(PERSON, '{"name": "A", "age": 1, "x": [1]}', "u") == {
        "name": "A",
        "age": 1,
        "x": [1],
    }


@pytest.mark.parametrize(
    "source",
    [
        '{"name": "Ann"}',  # missing a required property
        '{"name": "Ann", "age": -1}',  # out of bounds
        '{"name": "Ann", "age": true}',  # a bool is no integer
        '[{"name": "Ann", "age": 3}]',  # JSON, but no object
        '"text"',
        "not json",
        "",
        '{"name": "Ann", "age": NaN}',  # not strict JSON
        '{"name": "Ann", "age": Infinity}',
        "[" * 100_000 + "]" * 100_000,  # deeper than json can parse
    ],
)
def test_arguments_build_otherwise(source: str) -> None:
    assert arguments(PERSON, source, "echo") == {"name": "echo", "age": 0}


def test_arguments_deep_source_that_parses() -> None:
    deep = "[" * 900 + "]" * 900
    schema = obj(d={"type": "array"})
    built = arguments(schema, '{"d": ' + deep + "}", "e")
    assert isinstance(built["d"], list)
    assert arguments(schema, '{"d": []}', "e") == {"d": []}


def test_number_results_are_finite_and_tidy() -> None:
    built = build_arguments(obj(x={"type": "number", "minimum": 2.0}), "")
    assert built == {"x": 2}
    assert isinstance(built["x"], int)
    tiny = build_arguments(
        obj(x={"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 0.5000000000000002}),
        "",
    )
    assert math.isfinite(tiny["x"])
    assert 0.5 < tiny["x"] < 0.5000000000000002
