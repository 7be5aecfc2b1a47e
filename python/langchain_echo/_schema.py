"""JSON Schema for tool arguments: whether a value validates, and arguments built to validate.

``ChatEcho`` calls tools without understanding prose, so it needs two things from a tool's
parameter schema: whether the user's input, parsed as JSON, already is a valid argument object
(:func:`accepts`), and otherwise an argument object made from the schema alone
(:func:`build_arguments`). :func:`arguments` combines them as SPEC §10 says.

The validator covers what LangChain- and pydantic-generated and hand-written OpenAI tool schemas
use, with Draft 2020-12 semantics (the ``jsonschema`` package's ``Draft202012Validator`` is the
reference the tests compare against):

* ``type`` (a name or a list; ``integer`` includes integral floats such as ``1.0``; ``bool`` is
  neither an integer nor a number), ``enum``, ``const`` (``1 == 1.0`` but ``True != 1``);
* ``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``, ``multipleOf``;
* ``minLength``, ``maxLength`` (in code points, as JSON Schema counts), ``pattern`` (Python
  ``re``, search semantics; a pattern Python cannot compile is ignored, so an ECMA-only regex
  never rejects a value);
* ``items``, ``prefixItems`` (and the draft-7 list form of ``items`` with ``additionalItems``),
  ``minItems``, ``maxItems``, ``uniqueItems``, ``contains``, ``minContains``, ``maxContains``;
* ``properties``, ``patternProperties``, ``additionalProperties`` (a boolean or a schema),
  ``required``, ``minProperties``, ``maxProperties``, ``propertyNames``, ``dependentRequired``,
  ``dependentSchemas``;
* ``anyOf``, ``oneOf``, ``allOf``, ``not``, ``if``/``then``/``else``;
* ``$ref`` to a JSON pointer inside the schema (``#``, ``#/$defs/...``, ``#/definitions/...``;
  ``~0``/``~1`` and percent escapes decoded). A ``$ref`` reached again at the same value, which
  would loop for ever, adds no constraint the first visit does not already check.

Every other keyword (``format``, ``default``, ``title``, ``description``, ``unevaluated*``,
vendor keywords such as ``nullable``) is ignored, as JSON Schema says of unknown keywords.
A schema error that makes validation meaningless (a ``$ref`` that does not resolve, a subschema
that is neither an object nor a boolean) is a ``ValueError`` naming it; :func:`check_schema`
finds these up front, at bind time.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator, Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any, NoReturn, TypeGuard
from urllib.parse import unquote

from langchain_echo import _core

__all__ = ["accepts", "arguments", "build_arguments", "check_parameters", "check_schema"]

Schema = Mapping[str, Any] | bool
"""A JSON Schema: an object, or ``True`` (anything) / ``False`` (nothing)."""

# Keywords whose value is one subschema, a list of subschemas, or a map of them: what
# check_schema walks. Values under any other keyword (enum, const, default...) are data.
_ONE = (
    "additionalProperties",
    "propertyNames",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "additionalItems",
)
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")

# Bounds that merge (in allOf) by taking the stricter value.
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")

# The type names of JSON Schema: a ``type`` naming anything else matches no value.
_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})


# --- JSON values ------------------------------------------------------------------------------


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_type(value: object, name: object) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "number":
        return _is_number(value)
    if name == "integer":
        # Draft 4 onwards: 1.0 is an integer; True is not.
        return _is_number(value) and (isinstance(value, int) or value.is_integer())
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    return False  # an unknown type name matches nothing


def _equal(a: object, b: object) -> bool:
    """JSON equality: ``1 == 1.0``, but ``True != 1`` at any depth."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and _equal(v, b[k]) for k, v in a.items())
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _key(value: object) -> object:
    """A hashable key equal for exactly the values :func:`_equal` calls equal."""
    if isinstance(value, bool):
        return ("bool", value)
    if _is_number(value):
        return ("number", value)  # hash(1) == hash(1.0), as equality wants
    if isinstance(value, list):
        return ("array", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, _key(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def _unique(items: list[Any]) -> bool:
    # Hashing keeps a long array linear; a value that cannot be hashed falls back to pairs.
    try:
        return len({_key(v) for v in items}) == len(items)
    except TypeError:
        return not any(_equal(items[i], b) for i in range(len(items)) for b in items[i + 1 :])


def _multiple(value: int | float, divisor: int | float) -> bool:
    """``multipleOf``, computed as the jsonschema package does (so the two agree on floats)."""
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return int(quotient) == quotient
        except (OverflowError, ValueError):
            # Overflow to infinity (or NaN): exact arithmetic instead.
            try:
                return (Fraction(value) / Fraction(divisor)).denominator == 1
            except (OverflowError, ValueError):
                return False
    return not value % divisor


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # not Python syntax (say, an ECMA-only construct): the keyword is ignored


def _search(pattern: object, text: str) -> bool:
    if not isinstance(pattern, str):
        return True
    regex = _regex(pattern)
    return regex is None or regex.search(text) is not None


# --- references -------------------------------------------------------------------------------


def _bad(msg: str) -> NoReturn:
    raise ValueError(msg)


def _resolve(root: Schema, ref: str) -> Schema:
    """The subschema that ``ref`` (a JSON pointer inside ``root``) names."""
    if not ref.startswith("#"):
        _bad(f"$ref {ref!r} is not supported: only references inside the schema ('#/...') are")
    pointer = unquote(ref[1:])
    node: Any = root
    if pointer:
        if not pointer.startswith("/"):
            _bad(f"$ref {ref!r} is not supported: anchors are not, only JSON pointers ('#/...')")
        for raw in pointer[1:].split("/"):
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                _bad(f"$ref {ref!r} does not resolve: the schema has no {token!r} there")
    if not isinstance(node, (Mapping, bool)):
        _bad(f"$ref {ref!r} names {node!r}, which is not a schema (an object or a boolean)")
    return node  # type: ignore[no-any-return,unused-ignore]


def _subschemas(schema: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in _ONE:
        if key in schema:
            yield key, schema[key]
    for key in _LIST:
        value = schema.get(key)
        if isinstance(value, list):
            yield from ((f"{key}/{i}", s) for i, s in enumerate(value))
    items = schema.get("items")
    if isinstance(items, list):
        yield from ((f"items/{i}", s) for i, s in enumerate(items))
    elif items is not None:
        yield "items", items
    for key in _MAP:
        value = schema.get(key)
        if isinstance(value, Mapping):
            yield from ((f"{key}/{name}", s) for name, s in value.items())


def check_schema(schema: Schema) -> None:
    """Checks that subschemas are objects or booleans, ``$ref``s resolve, ``type``s are JSON's.

    Only what would make :func:`accepts` or :func:`build_arguments` fail, or no value validate
    (a misspelt type), is checked; keywords they ignore may hold anything.

    Raises:
        ValueError: naming the JSON pointer of the first bad place and what is wrong there.
    """
    stack: list[tuple[str, Any]] = [("#", schema)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, bool):
            continue
        if not isinstance(node, Mapping):
            _bad(f"{where}: {node!r} is not a schema (an object or a boolean)")
        ref = node.get("$ref")
        if ref is not None:
            if not isinstance(ref, str):
                _bad(f"$ref at {where} is {ref!r}, but a $ref is a string")
            _resolve(schema, ref)
        kind = node.get("type")
        names = kind if isinstance(kind, list) else [kind]
        if kind is not None and not all(isinstance(k, str) and k in _TYPES for k in names):
            _bad(
                f"type at {where} is {kind!r}, but a type is one of {', '.join(sorted(_TYPES))} "
                "or a list of them"
            )
        stack.extend((f"{where}/{path}", sub) for path, sub in _subschemas(node))


def check_parameters(schema: Schema) -> None:
    """Checks a tool's parameter schema: usable (:func:`check_schema`) and an object schema.

    Raises:
        ValueError: as :func:`check_schema`, or for a top-level ``type`` that is not
            ``"object"`` (arguments are always an object).
    """
    check_schema(schema)
    kind = schema.get("type", "object") if isinstance(schema, Mapping) else "object"
    if kind != "object" and not (isinstance(kind, list) and "object" in kind):
        _bad(f"tool parameters must be an object schema, got type {kind!r}")


# --- validation -------------------------------------------------------------------------------


class _Validator:
    """Validation against one root schema, which ``$ref`` pointers resolve in."""

    __slots__ = ("root",)

    def __init__(self, root: Schema) -> None:
        self.root = root

    def valid(self, schema: Any, value: Any, refs: frozenset[str] = frozenset()) -> bool:
        """Whether ``value`` validates; ``refs`` are the refs followed at this same value."""
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, Mapping):
            _bad(f"{schema!r} is not a schema (an object or a boolean)")
        ref = schema.get("$ref")
        # A ref met again at the same value is a loop; its constraints are being checked already.
        if (
            isinstance(ref, str)
            and ref not in refs
            and not self.valid(_resolve(self.root, ref), value, refs | {ref})
        ):
            return False
        kind = schema.get("type")
        if isinstance(kind, list):
            if not any(_is_type(value, k) for k in kind):
                return False
        elif kind is not None and not _is_type(value, kind):
            return False
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(_equal(e, value) for e in enum):
            return False
        if "const" in schema and not _equal(schema["const"], value):
            return False
        if _is_number(value):
            ok = self._number(schema, value)
        elif isinstance(value, str):
            ok = self._string(schema, value)
        elif isinstance(value, list):
            ok = self._array(schema, value)
        elif isinstance(value, dict):
            ok = self._object(schema, value)
        else:
            ok = True
        return ok and self._combinators(schema, value, refs)

    @staticmethod
    def _number(schema: Mapping[str, Any], value: int | float) -> bool:
        def bound(key: str) -> int | float | None:
            b = schema.get(key)
            return b if _is_number(b) else None

        lo, hi = bound("minimum"), bound("maximum")
        xlo, xhi, m = bound("exclusiveMinimum"), bound("exclusiveMaximum"), bound("multipleOf")
        return not (
            (lo is not None and value < lo)
            or (hi is not None and value > hi)
            or (xlo is not None and value <= xlo)
            or (xhi is not None and value >= xhi)
            or (m is not None and m > 0 and not _multiple(value, m))
        )

    @staticmethod
    def _string(schema: Mapping[str, Any], value: str) -> bool:
        lo, hi = schema.get("minLength"), schema.get("maxLength")
        if _is_number(lo) and len(value) < lo:
            return False
        if _is_number(hi) and len(value) > hi:
            return False
        return "pattern" not in schema or _search(schema["pattern"], value)

    def _array(self, schema: Mapping[str, Any], value: list[Any]) -> bool:
        lo, hi = schema.get("minItems"), schema.get("maxItems")
        if (_is_number(lo) and len(value) < lo) or (_is_number(hi) and len(value) > hi):
            return False
        prefix, rest = _item_schemas(schema)
        for i, item in enumerate(value):
            if not self.valid(prefix[i] if i < len(prefix) else rest, item):
                return False
        if schema.get("uniqueItems") is True and not _unique(value):
            return False
        if "contains" in schema:
            contains = schema["contains"]
            matches = sum(1 for item in value if self.valid(contains, item))
            least, most = schema.get("minContains", 1), schema.get("maxContains")
            if (_is_number(least) and matches < least) or (_is_number(most) and matches > most):
                return False
        return True

    def _object(self, schema: Mapping[str, Any], value: dict[str, Any]) -> bool:
        required = schema.get("required")
        if isinstance(required, list) and any(k not in value for k in required):
            return False
        lo, hi = schema.get("minProperties"), schema.get("maxProperties")
        if (_is_number(lo) and len(value) < lo) or (_is_number(hi) and len(value) > hi):
            return False
        props = _mapping(schema.get("properties"))
        patterns = _mapping(schema.get("patternProperties"))
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames", True)
        for key, item in value.items():
            if names is not True and not self.valid(names, key):
                return False
            matched = key in props
            if matched and not self.valid(props[key], item):
                return False
            for pattern, sub in patterns.items():
                if _search(pattern, key) and _regex(pattern) is not None:
                    matched = True
                    if not self.valid(sub, item):
                        return False
            if not matched and additional is not True and not self.valid(additional, item):
                return False
        for key, needed in _mapping(schema.get("dependentRequired")).items():
            if key in value and isinstance(needed, list) and any(k not in value for k in needed):
                return False
        return all(
            key not in value or self.valid(sub, value)
            for key, sub in _mapping(schema.get("dependentSchemas")).items()
        )

    def _combinators(self, schema: Mapping[str, Any], value: Any, refs: frozenset[str]) -> bool:
        # Same value, so refs carry over: a loop through allOf/anyOf is still a loop.
        all_of, any_of, one_of = schema.get("allOf"), schema.get("anyOf"), schema.get("oneOf")
        if isinstance(all_of, list) and not all(self.valid(s, value, refs) for s in all_of):
            return False
        if isinstance(any_of, list) and not any(self.valid(s, value, refs) for s in any_of):
            return False
        if isinstance(one_of, list):
            matches = 0
            for s in one_of:
                matches += self.valid(s, value, refs)
                if matches > 1:
                    return False
            if matches != 1:
                return False
        if "not" in schema and self.valid(schema["not"], value, refs):
            return False
        if "if" in schema:
            branch = "then" if self.valid(schema["if"], value, refs) else "else"
            if branch in schema and not self.valid(schema[branch], value, refs):
                return False
        return True


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _item_schemas(schema: Mapping[str, Any]) -> tuple[list[Any], Any]:
    """The schemas of an array's leading items, and of every item after them."""
    items = schema.get("items")
    if isinstance(items, list):  # draft 7's tuple form, still common in hand-written schemas
        return items, schema.get("additionalItems", True)
    prefix = schema.get("prefixItems")
    return (prefix if isinstance(prefix, list) else []), (True if items is None else items)


def accepts(schema: Schema, value: object) -> bool:
    """Whether ``value`` (a JSON value as ``json.loads`` gives it) validates against ``schema``.

    Args:
        schema: a JSON Schema; ``$ref`` pointers resolve inside it.
        value: ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` or ``None``. Other
            Python types (tuples, sets...) match no JSON type.

    Returns:
        Draft 2020-12's answer for the keywords this module covers (see the module docstring);
        other keywords are ignored.

    Raises:
        ValueError: the schema is unusable where the value needs it (a ``$ref`` that does not
            resolve, a subschema that is not an object or a boolean).
    """
    return _Validator(schema).valid(schema, value)


# --- building ---------------------------------------------------------------------------------


class _Cycle(Exception):  # control flow, never seen outside this module
    """A ``$ref`` reached inside its own building: a recursive type with no way out here."""


# Formats pydantic emits for its own types, which it then validates: text that does not fit is
# replaced by a value that does (JSON Schema itself treats ``format`` as an annotation).
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FORMATS: dict[str, tuple[str, str]] = {
    "date-time": (
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
        "1970-01-01T00:00:00Z",
    ),
    "date": (r"^\d{4}-\d\d-\d\d$", "1970-01-01"),
    "time": (r"^\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$", "00:00:00"),
    "duration": (
        r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$",
        "PT0S",
    ),
    "email": (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "echo@example.com"),
    "uri": (r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", "https://example.com/"),
    "uuid": (
        r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
        "00000000-0000-0000-0000-000000000000",
    ),
    "ipv4": (r"^(\d{1,3}\.){3}\d{1,3}$", "127.0.0.1"),
    "ipv6": (r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$", "::1"),
    "hostname": (rf"^{_LABEL}(\.{_LABEL})*$", "example.com"),
}


def _is_null_schema(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    return (
        kind == "null"
        or kind == ["null"]
        or ("const" in schema and schema["const"] is None)
        or schema.get("enum") == [None]
    )


def _without(schema: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in keys}


def _as_dict(schema: Any) -> dict[str, Any]:
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    return dict(schema)


def _merge_types(a: Any, b: Any) -> Any:
    left = a if isinstance(a, list) else [a]
    right = b if isinstance(b, list) else [b]
    out = [t for t in left if t in right or (t == "integer" and "number" in right)]
    out += [t for t in right if t == "integer" and "number" in left and t not in out]
    return out[0] if len(out) == 1 else out


def _merge_sub(a: Any, b: Any) -> Any:
    """Two subschemas that both apply (``True``/``False`` simplified away)."""
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return {"allOf": [a, b]}


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """One schema that a value building can aim at for ``allOf: [a, b]``.

    Exact where it matters for building (properties, required, bounds, types, enums); where two
    values cannot be combined the first wins, and the built value is checked afterwards anyway.
    """
    out = dict(a)
    for key, vb in b.items():
        if key not in out:
            out[key] = vb
            continue
        va = out[key]
        if key == "properties" and isinstance(va, Mapping) and isinstance(vb, Mapping):
            props = dict(va)
            for name, sub in vb.items():
                props[name] = _merge_sub(props[name], sub) if name in props else sub
            out[key] = props
        elif key == "required" and isinstance(va, list) and isinstance(vb, list):
            out[key] = va + [k for k in vb if k not in va]
        elif key in _LOWER and _is_number(va) and _is_number(vb):
            out[key] = max(va, vb)
        elif key in _UPPER and _is_number(va) and _is_number(vb):
            out[key] = min(va, vb)
        elif key == "type":
            out[key] = _merge_types(va, vb)
        elif key == "enum" and isinstance(va, list) and isinstance(vb, list):
            out[key] = [e for e in va if any(_equal(e, x) for x in vb)]
        elif key == "allOf" and isinstance(va, list) and isinstance(vb, list):
            out[key] = va + vb
        elif key in ("anyOf", "oneOf") and isinstance(va, list) and isinstance(vb, list):
            # (x1 | x2) & (y1 | y2) = x1&y1 | x1&y2 | ...: building picks the first that works.
            out[key] = [{"allOf": [x, y]} for x in va for y in vb]
        elif key in ("items", "additionalProperties", "additionalItems", "propertyNames"):
            out[key] = _merge_sub(va, vb)
        elif key == "$ref" and va != vb:
            out["allOf"] = [*out.get("allOf", []), {"$ref": vb}]
        elif key == "multipleOf" and _is_number(va) and _is_number(vb):
            if isinstance(va, int) and isinstance(vb, int):
                out[key] = va * vb // math.gcd(va, vb)
            elif _multiple(vb, va):
                out[key] = vb
        # anything else: the first value stays
    return out


class _Builder:
    """Builds values for subschemas of one root schema, from one text (the echo output)."""

    def __init__(self, root: Schema, text: str, *, break_cycles: bool) -> None:
        self.root = root
        self.text = text
        self.validator = _Validator(root)
        self.break_cycles = break_cycles
        self.building: list[str] = []  # the refs being built, outermost first

    def valid(self, schema: Any, value: Any) -> bool:
        return self.validator.valid(schema, value)

    def build(self, schema: Any, variant: int = 0) -> Any:
        """A value for ``schema``.

        ``variant`` k > 0 asks for the k-th alternative, so that ``uniqueItems`` arrays get
        distinct items where the schema allows them.
        """
        if schema is True:
            return self.text
        if not isinstance(schema, Mapping):
            return None  # False (or garbage): nothing validates; None is the least surprising
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in self.building:
                if self.break_cycles:
                    return None
                raise _Cycle(ref)
            self.building.append(ref)
            try:
                return self.build(
                    _merge(_without(schema, "$ref"), _as_dict(_resolve(self.root, ref))), variant
                )
            finally:
                self.building.pop()
        if isinstance(schema.get("allOf"), list):
            return self.build(self._flatten(schema), variant)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if "default" in schema and self.valid(schema, schema["default"]):
            return copy.deepcopy(schema["default"])
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            fits = [e for e in enum if self.valid(schema, e)] or enum
            return copy.deepcopy(fits[min(variant, len(fits) - 1)])
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                rest = _without(schema, key)
                return self._first(
                    schema, [_merge(rest, _as_dict(b)) for b in _non_null_first(branches)], variant
                )
        kind = schema.get("type")
        if isinstance(kind, list) and kind:
            # A value of each type, non-null first; the first that validates wins.
            order = [t for t in kind if t != "null"] + [t for t in kind if t == "null"]
            return self._first(schema, [{**schema, "type": t} for t in order], variant)
        if not isinstance(kind, str):
            kind = _implied_type(schema)
        return self._typed(schema, kind, variant)

    def _first(
        self, schema: Mapping[str, Any], candidates: list[dict[str, Any]], variant: int
    ) -> Any:
        """The first candidate's value that validates against ``schema``, else the first built."""
        built: list[Any] = []
        for candidate in candidates:
            try:
                value = self.build(candidate, variant)
            except _Cycle:
                continue  # a recursive branch: another one (say, null) may end the recursion
            if self.valid(schema, value):
                return value
            built.append(value)
        if not built:
            raise _Cycle("every branch")
        return built[0]

    def _flatten(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """``schema`` with its ``allOf`` branches (refs resolved, nested allOfs too) merged in."""
        out = _without(schema, "allOf")
        pending = list(schema["allOf"])
        seen: set[str] = set()
        while pending:
            branch = _as_dict(pending.pop(0))
            ref = branch.pop("$ref", None)
            if isinstance(ref, str) and ref not in seen:  # a ref seen before: no new constraint
                seen.add(ref)
                branch = _merge(branch, _as_dict(_resolve(self.root, ref)))
            nested = branch.pop("allOf", None)
            if isinstance(nested, list):
                pending.extend(nested)
            if isinstance(branch.get("$ref"), str):
                pending.append({"$ref": branch.pop("$ref")})
            out = _merge(out, branch)
            if isinstance(out.get("allOf"), list):  # a $ref conflict parked by _merge
                pending.extend(out.pop("allOf"))
        return out

    def _typed(self, schema: Mapping[str, Any], kind: str, variant: int) -> Any:
        if kind == "null":
            return None
        if kind == "boolean":
            return variant % 2 == 1
        if kind in ("integer", "number"):
            return _number(schema, integer=kind == "integer", variant=variant)
        if kind == "array":
            return self._array(schema, variant)
        if kind == "object":
            return self._object(schema, variant)
        return self._string(schema, variant)

    def _string(self, schema: Mapping[str, Any], variant: int) -> str:
        text = self.text if variant == 0 else f"{self.text} {variant + 1}".lstrip()
        fmt = _FORMATS.get(str(schema.get("format")))
        if fmt is not None and not re.search(fmt[0], text):
            text = fmt[1]
        lo, hi = schema.get("minLength"), schema.get("maxLength")
        if _is_number(hi) and len(text) > hi:
            text = _cut(text, int(hi))
        if _is_number(lo) and len(text) < lo:
            text = _pad(text, math.ceil(lo), int(hi) if _is_number(hi) else None)
        return text

    def _array(self, schema: Mapping[str, Any], variant: int) -> list[Any]:
        count = schema.get("minItems", 0)
        count = math.ceil(count) if _is_number(count) else 0
        prefix, rest = _item_schemas(schema)
        contains = schema.get("contains")
        need = 0
        if contains is not None:
            least = schema.get("minContains", 1)
            need = math.ceil(least) if _is_number(least) else 1
            count = max(count, need)
        unique = schema.get("uniqueItems") is True
        items = []
        for i in range(count):
            sub = prefix[i] if i < len(prefix) else rest
            if i < need:
                sub = _merge_sub(sub, contains)
            items.append(self.build(sub, variant + i if unique else variant))
        return items

    def _object(self, schema: Mapping[str, Any], variant: int) -> dict[str, Any]:
        props = _mapping(schema.get("properties"))
        keys = [k for k in schema.get("required", ()) if isinstance(k, str)]
        dependent = _mapping(schema.get("dependentRequired"))
        least = schema.get("minProperties", 0)
        keys = list(dict.fromkeys(keys))
        optional = iter(props)
        i = 0
        while True:
            # Keys that present keys make required, then optional ones until minProperties.
            while i < len(keys):
                more = dependent.get(keys[i])
                if isinstance(more, list):
                    keys += [k for k in more if isinstance(k, str) and k not in keys]
                i += 1
            if not (_is_number(least) and len(keys) < least):
                break
            extra = next((k for k in optional if k not in keys), None)
            if extra is None:
                break
            keys.append(extra)
        out: dict[str, Any] = {}
        for key in keys:
            out[key] = self.build(self._property_schema(schema, props, key), variant)
        return out

    @staticmethod
    def _property_schema(schema: Mapping[str, Any], props: Mapping[str, Any], key: str) -> Any:
        if key in props:
            return props[key]
        for pattern, sub in _mapping(schema.get("patternProperties")).items():
            if _regex(pattern) is not None and _search(pattern, key):
                return sub
        additional = schema.get("additionalProperties", True)
        return additional if isinstance(additional, Mapping) else True


def _non_null_first(branches: list[Any]) -> list[Any]:
    """The branches in the order building tries them: typed ones, then null, then open ones.

    An open branch (``{}`` or ``true``) says nothing of the type: LangChain's dereferencing
    leaves one where a recursive model refers to itself (``next: Node | None`` becomes
    ``anyOf: [{}, {"type": "null"}]``), and the text there would fail the model's validation.
    """

    def rank(branch: Any) -> int:
        if _is_null_schema(branch):
            return 1
        return 2 if branch is True or branch == {} else 0

    return sorted(branches, key=rank)


_IMPLIED = (
    ("object", ("properties", "required", "additionalProperties", "patternProperties")),
    ("array", ("items", "prefixItems", "minItems", "contains")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)


def _implied_type(schema: Mapping[str, Any]) -> str:
    """The type a schema without ``type`` implies by its keywords; text when nothing does."""
    for kind, keys in _IMPLIED:
        if any(k in schema for k in keys):
            return kind
    return "string"


def _cut(text: str, limit: int) -> str:
    """The longest prefix of at most ``limit`` code points that ends on a grapheme boundary."""
    out, used = [], 0
    for g in _core.graphemes(text):
        if used + len(g) > limit:
            break
        out.append(g)
        used += len(g)
    return "".join(out)


def _pad(text: str, least: int, most: int | None) -> str:
    """``text`` repeated (whole graphemes) to at least ``least`` code points.

    ``_`` pads where a whole grapheme would pass ``most``, or where there is no text to repeat.
    """
    graphemes = _core.graphemes(text) or ["_"]
    out, used, i = [], 0, 0
    while used < least:
        g = graphemes[i % len(graphemes)]
        if most is not None and used + len(g) > most:
            g = "_"
        out.append(g)
        used += len(g)
        i += 1
    return "".join(out)


def _number(schema: Mapping[str, Any], *, integer: bool, variant: int) -> int | float:
    """The smallest allowed value >= 0, ``variant`` allowed values further.

    When every allowed value is negative: the largest, ``variant`` values lower.
    """

    def bound(key: str) -> float | int | None:
        b = schema.get(key)
        return b if _is_number(b) and math.isfinite(b) else None

    lo, xlo, hi, xhi = (
        bound("minimum"),
        bound("exclusiveMinimum"),
        bound("maximum"),
        bound("exclusiveMaximum"),
    )
    m = bound("multipleOf")
    m = m if m is not None and m > 0 else None
    lower = _stricter_lower(lo, xlo)
    upper = _stricter_lower(_neg(hi), _neg(xhi))  # the upper bound, negated
    if upper is not None and (upper[0] > 0 or (upper[0] == 0 and upper[1])):
        # Every allowed value is negative: the largest is the smallest of the mirrored range.
        value = _smallest(upper, lower, m, integer=integer, variant=variant)
        return _tidy(-value)
    start = (
        lower
        if lower is not None and (lower[0] > 0 or (lower[0] == 0 and lower[1]))
        else (0, False)
    )
    return _tidy(_smallest(start, upper, m, integer=integer, variant=variant))


def _neg(x: float | None) -> float | None:
    return None if x is None else -x


def _stricter_lower(inclusive: float | None, exclusive: float | None) -> tuple[float, bool] | None:
    """The tighter of ``x >= inclusive`` and ``x > exclusive`` as (bound, is_exclusive)."""
    if exclusive is not None and (inclusive is None or exclusive >= inclusive):
        return (exclusive, True)
    if inclusive is not None:
        return (inclusive, False)
    return None


def _smallest(
    lower: tuple[float, bool],
    neg_upper: tuple[float, bool] | None,
    m: float | None,
    *,
    integer: bool,
    variant: int,
) -> int | float:
    """The ``variant``-th smallest value above ``lower`` that the bounds and ``m`` allow.

    ``neg_upper`` is the upper bound, negated. With ``integer`` only integers count. When no
    value fits, the lower bound itself (rounded up for integers), so the caller still gets one.
    """
    bound, exclusive = lower
    upper = None if neg_upper is None else (-neg_upper[0], neg_upper[1])

    def above(x: float) -> bool:
        return x > bound or (x == bound and not exclusive)

    def below(x: float) -> bool:
        return upper is None or x < upper[0] or (x == upper[0] and not upper[1])

    def fits(x: float) -> bool:
        return above(x) and below(x) and (m is None or _multiple(x, m))

    if m is None and not integer:
        if not exclusive:
            first: int | float = bound
        else:
            # No smallest real above an open bound: the next integer if the range holds one,
            # else halfway to the upper bound, else the next float.
            first = math.floor(bound) + 1
            if not below(first):
                first = (
                    (bound + upper[0]) / 2 if upper is not None else math.nextafter(bound, math.inf)
                )
        candidates: Iterator[int | float] = (first + k for k in range(1 << 30))
    else:
        step: int | float
        if m is None:
            step = 1
        elif integer:
            # Integers that are multiples of p/q (in lowest terms) are the multiples of p.
            ratio = Fraction(str(m)) if isinstance(m, float) else Fraction(m)
            step = ratio.numerator
        else:
            step = m
        k = math.floor(bound / step) if math.isfinite(bound / step) else 0
        candidates = (step * (k + j) for j in range(1 << 30))
    found: list[int | float] = []
    for tried, x in enumerate(candidates):
        if fits(x):
            found.append(x)
            if len(found) > variant:
                return found[variant]
        elif found or tried > 1000 or not below(x):
            break
    if found:
        return found[-1]
    return math.ceil(bound) if integer else bound  # nothing fits: the bound says why


def _tidy(x: int | float) -> int | float:
    """Integral floats as ints (``2`` reads better than ``2.0`` and validates as both)."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x + 0  # -0.0 -> 0.0


def build_arguments(schema: Schema, text: str) -> dict[str, Any]:
    """Arguments built from a tool's parameter schema alone (SPEC §10).

    Every required property (and, to reach ``minProperties`` or follow ``dependentRequired``,
    more) gets, in this order: its ``const``; its ``default`` when that validates; the first
    ``enum`` value that validates; else a value by type:

    * string: ``text`` (the caller passes the echo output). Cut to ``maxLength`` code points at
      a grapheme boundary; padded to ``minLength`` by repeating ``text`` (whole graphemes; ``_``
      where there is no text or a grapheme would pass ``maxLength``). For the ``format`` values
      pydantic checks (``date-time``, ``date``, ``time``, ``duration``, ``email``, ``uri``,
      ``uuid``, ``ipv4``, ``ipv6``, ``hostname``) a text that does not look the part is replaced
      by a fixed example (``1970-01-01T00:00:00Z``...). A ``pattern`` the text does not match
      cannot be satisfied: the value is still ``text``, and does not validate.
    * integer, number: the smallest value >= 0 the bounds and ``multipleOf`` allow (when the
      maximum is negative, the largest allowed). Above an exclusive minimum with no
      ``multipleOf`` there is no smallest number: the next integer when the range has one, else
      the midpoint of the range. Integral results are ``int``.
    * boolean: ``False``; null: ``None``; no type: implied by the keywords, else ``text``.
    * array: ``minItems`` items (``prefixItems`` first; enough to meet ``minContains``), each
      built the same way; with ``uniqueItems`` the k-th item is the k-th alternative (the next
      number, enum value, ``True``, ``"text 2"``...).
    * object: built the same way, recursively.
    * ``anyOf``/``oneOf``: the first non-null branch whose value validates (a null branch after
      them, which also ends a recursive type: ``next: Node | None`` builds ``None`` inside
      itself; an open branch, ``{}``, last);
      ``allOf``: the branches merged; ``$ref``: resolved.

    Args:
        schema: the tool's parameter schema (an object schema; one without ``type`` is taken
            as one).
        text: the text that string values get.

    Returns:
        A new dict (defaults and consts are copied). It validates against ``schema`` whenever the
        schema allows a value this way: unsatisfiable schemas, ``pattern`` and ``not`` are where
        it may not.

    Raises:
        ValueError: the schema is not an object schema, or is unusable (see :func:`check_schema`).
    """
    if isinstance(schema, bool):
        schema = {} if schema else {"not": {}}
    kind = schema.get("type", "object")
    if kind != "object" and not (isinstance(kind, list) and "object" in kind):
        _bad(f"tool parameters must be an object schema, got type {kind!r}")
    root = {**schema, "type": "object"}
    try:
        value = _Builder(schema, text, break_cycles=False).build(root)
    except _Cycle:
        # Only a required recursion with no null branch gets here: None where it recurs.
        value = _Builder(schema, text, break_cycles=True).build(root)
    if isinstance(value, dict):
        return value
    # A const or default that is no object: nothing validates; the properties at least.
    return _Builder(schema, text, break_cycles=True)._object(root, 0)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def arguments(schema: Schema, source: str, echo_text: str) -> dict[str, Any]:
    """A tool call's arguments (SPEC §10): the source itself, or arguments built from the schema.

    Args:
        schema: the tool's parameter schema.
        source: the source text ``T``. When it is a JSON object (strict JSON: no ``NaN`` or
            ``Infinity``) that the schema accepts, that object is the arguments.
        echo_text: the echo output of ``T``, which :func:`build_arguments` gives string values.

    Returns:
        A dict that the caller owns.

    Raises:
        ValueError: the schema is unusable (see :func:`check_schema`).
    """
    try:
        parsed = json.loads(source, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        try:
            ok = accepts(schema, parsed)
        except RecursionError:  # nested past what the validator's recursion can follow
            ok = False
        if ok:
            return parsed
    return build_arguments(schema, echo_text)
