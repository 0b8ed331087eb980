"""Fuzzing the compatibility checker with generated schema pairs: it never raises, and its verdicts agree.

tests/test_compat_properties.py checks, on a seeded sample of simple schemas, that
compatible verdicts are sound against jsonschema itself. Here hypothesis generates the
whole keyword vocabulary the checker reads (combinators, `not`, conditionals, tuples,
pattern properties, `$ref`s into `$defs`, recursive `$ref: "#"`, boolean schemas) and
arbitrary JSON for what is not a schema at all, and checks:

- `compare`/`history` return (or refuse an invalid schema with SchemaError), never crash;
- every schema is compatible with itself in every mode, under both policies;
- FULL ⇔ BACKWARD ∧ FORWARD, and the same for the transitive modes over three versions;
- BACKWARD from old to new is FORWARD from new to old.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from eventlint.compat import MODES, POLICIES, Schema, SchemaError, SchemaStore, compare, history, load_schema
from tests.fuzz.budget import fuzz_settings

NAMES = ("order_id", "total", "items", "currency", "a")
TYPES = ("string", "integer", "number", "boolean", "null", "object", "array")
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False), st.sampled_from(["", "a", "EUR", "x1"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(NAMES), inner, max_size=3)),
    max_leaves=5,
)


def scalar_keywords() -> st.SearchStrategy[dict[str, Any]]:
    """Type, bounds, string and value keywords, each present or not."""
    optional = {
        "type": st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True)),
        "minimum": st.integers(-3, 3),
        "maximum": st.integers(-3, 6),
        "exclusiveMinimum": st.integers(-3, 3),
        "exclusiveMaximum": st.one_of(st.integers(0, 6), st.floats(0, 6, allow_nan=False)),
        "multipleOf": st.one_of(st.integers(1, 4), st.sampled_from([0.5, 0.1, 2.5])),
        "minLength": st.integers(0, 3),
        "maxLength": st.integers(0, 6),
        "pattern": st.sampled_from(["^a", "c$", "^[A-Z]{3}$", ".*"]),
        "format": st.sampled_from(["uuid", "date-time", "email"]),
        "enum": st.lists(JSON, min_size=1, max_size=4),
        "const": JSON,
        "default": JSON,
        "description": st.text(max_size=10),
        "deprecated": st.booleans(),
    }
    return st.fixed_dictionaries({}, optional=optional)


def compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Object, array, combinator and conditional keywords around `inner` schemas."""
    optional = {
        "properties": st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
        "required": st.lists(st.sampled_from(NAMES), max_size=3, unique=True),
        "additionalProperties": st.one_of(st.booleans(), inner),
        "patternProperties": st.dictionaries(st.sampled_from(["^x-", "^a", "_id$"]), inner, max_size=2),
        "propertyNames": inner,
        "dependentRequired": st.dictionaries(st.sampled_from(NAMES), st.lists(st.sampled_from(NAMES), max_size=2, unique=True), max_size=2),
        "minProperties": st.integers(0, 2),
        "maxProperties": st.integers(0, 4),
        "items": st.one_of(st.booleans(), inner),
        "prefixItems": st.lists(inner, max_size=2),
        "contains": inner,
        "minItems": st.integers(0, 2),
        "maxItems": st.integers(0, 3),
        "uniqueItems": st.booleans(),
        "anyOf": st.lists(inner, min_size=1, max_size=3),
        "oneOf": st.lists(inner, min_size=1, max_size=3),
        "allOf": st.lists(inner, min_size=1, max_size=2),
        "not": inner,
        "if": inner,
        "then": inner,
        "else": inner,
        "unevaluatedProperties": st.booleans(),
    }
    return st.tuples(scalar_keywords(), st.fixed_dictionaries({}, optional=optional)).map(lambda t: {**t[0], **t[1]})


LEAVES = st.one_of(scalar_keywords(), st.booleans(), st.sampled_from([{"$ref": "#/$defs/money"}, {"$ref": "#/$defs/id"}, {"$ref": "#"}]))
SUBSCHEMAS = st.recursive(LEAVES, compound, max_leaves=6)
DEFS = st.fixed_dictionaries({"money": SUBSCHEMAS, "id": SUBSCHEMAS})


@st.composite
def schemas(draw: st.DrawFn) -> Any:
    """A root schema: a boolean, or a mapping whose `$defs` every generated `$ref` resolves to."""
    root = draw(st.one_of(compound(SUBSCHEMAS), st.booleans()))
    if isinstance(root, dict):
        root["$defs"] = draw(DEFS)
    return root


@st.composite
def evolved(draw: st.DrawFn, schema: Any) -> Any:
    """A later version: the schema with a few keywords of one of its subschemas replaced, added or removed."""
    if not isinstance(schema, dict):
        return draw(schemas())
    changed: dict[str, Any] = dict(schema)
    replacement = draw(compound(SUBSCHEMAS))
    for key in draw(st.lists(st.sampled_from(sorted(replacement) or ["type"]), max_size=3, unique=True)):
        if key in replacement:
            changed[key] = replacement[key]
    for key in draw(st.lists(st.sampled_from(sorted(changed)), max_size=2, unique=True)):
        if key != "$defs":
            changed.pop(key, None)
    return changed


def loaded(document: Any, name: str) -> Schema | None:
    """The document loaded (metaschema and `$ref`s checked once), or None when it is refused as no schema."""
    try:
        return load_schema(name, SchemaStore.in_memory({name: document}))
    except SchemaError:
        return None


def verdict(old: Schema, new: Schema, mode: str, policy: str) -> bool:
    """Whether `new` is `mode`-compatible with `old`."""
    return not history([("v1", old), ("v2", new)], mode, policy)


def pairs() -> st.SearchStrategy[tuple[Any, Any]]:
    return schemas().flatmap(lambda old: st.tuples(st.just(old), st.one_of(evolved(old), schemas())))


@fuzz_settings(0.3)
@given(pairs(), st.sampled_from(POLICIES))
def test_verdicts_are_consistent(pair, policy):
    old, new = loaded(pair[0], "v1.json"), loaded(pair[1], "v2.json")
    for schema in (old, new):
        if schema is not None:
            assert all(verdict(schema, schema, mode, policy) for mode in MODES), f"{schema.document} is not compatible with itself"
    if old is None or new is None:
        return
    backward, forward, full = (verdict(old, new, mode, policy) for mode in ("BACKWARD", "FORWARD", "FULL"))
    assert full == (backward and forward), (pair, backward, forward, full)
    assert verdict(new, old, "FORWARD", policy) == backward
    assert verdict(new, old, "BACKWARD", policy) == forward
    changes = compare(old, new, policy)
    assert changes == sorted(set(changes), key=lambda c: (c.path, c.kind, c.description))
    assert all(c.path == "" or c.path.startswith("/") for c in changes), changes


@fuzz_settings(0.15)
@given(schemas(), st.data(), st.sampled_from(POLICIES))
def test_transitive_modes_over_three_versions(first, data, policy):
    second = data.draw(evolved(first))
    third = data.draw(evolved(second))
    versions = [(f"v{n}", loaded(document, f"v{n}.json")) for n, document in enumerate((first, second, third), start=1)]
    if any(schema is None for _, schema in versions):
        return
    found = {mode: history(versions, mode, policy) for mode in MODES}
    assert found["NONE"] == []
    for kind in ("", "_TRANSITIVE"):
        full_ok = not found["FULL" + kind]
        assert full_ok == (not found["BACKWARD" + kind] and not found["FORWARD" + kind])
    # a transitive mode checks every pair a non-transitive one checks, and more
    for mode in ("BACKWARD", "FORWARD", "FULL"):
        assert {(b.older, b.newer) for b in found[mode]} <= {(b.older, b.newer) for b in found[mode + "_TRANSITIVE"]}


@fuzz_settings(0.25)
@given(JSON, JSON)
def test_anything_that_is_not_a_schema_is_refused_with_a_schema_error(old, new):
    for mode in MODES:
        try:
            history([("v1", old), ("v2", new)], mode)
        except SchemaError as exc:
            assert exc.file and exc.message
