"""JSON Schema compatibility: the classification table (Confluent's semantics), modes, history, loading and $refs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventlint.compat import SchemaError, SchemaStore, compare, history, load_schema, load_versions, settings

MISSING = object()


def obj(props: dict, required: tuple = (), additional=MISSING, **extra) -> dict:
    schema = {"type": "object", "properties": props, **extra}
    if required:
        schema["required"] = list(required)
    if additional is not MISSING:
        schema["additionalProperties"] = additional
    return schema


S, I, N = {"type": "string"}, {"type": "integer"}, {"type": "number"}

# (id, old, new, kinds, breaks under strict as "B"/"F"/"BF"/"", breaks under lenient when it differs)
# "B": breaks BACKWARD only, "F": FORWARD only, "BF": both, "": compatible in every mode.
TABLE = [
    ("identical", obj({"id": S}, ("id",)), obj({"id": S}, ("id",)), [], "", None),
    ("property-added-open", obj({"id": S}), obj({"id": S, "note": S}), ["property-added-open-model"], "B", ""),
    ("property-with-empty-schema-added-open", obj({"id": S}), obj({"id": S, "extra": {}}), ["property-added-open-model"], "", None),
    ("property-added-closed", obj({"id": S}, additional=False), obj({"id": S, "note": S}, additional=False), ["property-added-closed-model"], "F", None),
    ("property-removed-open", obj({"id": S, "note": S}), obj({"id": S}), ["property-removed-open-model"], "F", ""),
    ("property-removed-closed", obj({"id": S, "note": S}, additional=False), obj({"id": S}, additional=False), ["property-removed-closed-model"], "B", None),
    (
        "false-property-removed-closed",
        obj({"id": S, "legacy": False}, additional=False),
        obj({"id": S}, additional=False),
        ["property-removed-closed-model"],
        "",
        None,
    ),
    (
        "property-added-covered-by-partial",
        obj({"id": S}, additional=S),
        obj({"id": S, "tag": S}, additional=S),
        ["property-added-partially-open-model"],
        "",
        None,
    ),
    (
        "property-added-not-covered-by-partial",
        obj({"id": S}, additional=S),
        obj({"id": S, "count": I}, additional=S),
        ["property-added-partially-open-model"],
        "BF",
        "",
    ),
    (
        "property-added-covered-by-pattern",
        obj({"id": S}, additional=False, patternProperties={"^x_": S}),
        obj({"id": S, "x_tag": S}, additional=False, patternProperties={"^x_": S}),
        ["property-added-partially-open-model"],
        "",
        None,
    ),
    ("required-added", obj({"id": S, "note": S}), obj({"id": S, "note": S}, ("note",)), ["required-added"], "B", None),
    (
        "required-added-with-default",
        obj({"id": S, "currency": S}),
        obj({"id": S, "currency": {"type": "string", "default": "EUR"}}, ("currency",)),
        ["default-added", "required-added-with-default"],
        "",
        None,
    ),
    ("required-removed", obj({"id": S, "note": S}, ("note",)), obj({"id": S, "note": S}), ["required-removed"], "F", None),
    (
        "required-removed-with-default",
        obj({"id": S, "currency": {"type": "string", "default": "EUR"}}, ("currency",)),
        obj({"id": S, "currency": {"type": "string", "default": "EUR"}}),
        ["required-removed"],
        "",
        None,
    ),
    (
        "required-property-added-closed",
        obj({"id": S}, ("id",), additional=False),
        obj({"id": S, "total": N}, ("id", "total"), additional=False),
        ["property-added-closed-model", "required-added"],
        "BF",
        None,
    ),
    ("type-narrowed-number-integer", obj({"total": N}), obj({"total": I}), ["type-narrowed"], "B", None),
    ("type-widened-integer-number", obj({"total": I}), obj({"total": N}), ["type-widened"], "F", None),
    ("type-changed", obj({"total": S}), obj({"total": I}), ["type-changed"], "BF", None),
    ("type-union-widened-null", obj({"note": S}), obj({"note": {"type": ["string", "null"]}}), ["type-widened"], "F", None),
    ("type-union-narrowed", obj({"note": {"type": ["string", "null"]}}), obj({"note": S}), ["type-narrowed"], "B", None),
    ("type-added", obj({"note": {}}), obj({"note": S}), ["type-narrowed"], "B", None),
    ("type-union-equivalent", {"type": ["integer", "number"]}, {"type": "number"}, [], "", None),
    ("enum-value-added", {"type": "string", "enum": ["NEW", "PAID"]}, {"type": "string", "enum": ["NEW", "PAID", "SHIPPED"]}, ["enum-value-added"], "F", None),
    ("enum-value-removed", {"type": "string", "enum": ["NEW", "PAID"]}, {"type": "string", "enum": ["NEW"]}, ["enum-value-removed"], "B", None),
    ("enum-added", S, {"type": "string", "enum": ["EUR", "USD"]}, ["enum-added"], "B", None),
    ("enum-removed", {"type": "string", "enum": ["EUR", "USD"]}, S, ["enum-removed"], "F", None),
    ("const-changed", {"const": "order.placed.v1"}, {"const": "order.placed.v2"}, ["const-changed"], "BF", None),
    ("const-removed", {"type": "string", "const": "v1"}, S, ["const-removed"], "F", None),
    ("enum-same-values-reordered", {"enum": ["A", "B", 1]}, {"enum": [1.0, "B", "A"]}, [], "", None),
    ("max-length-tightened", {"type": "string", "maxLength": 64}, {"type": "string", "maxLength": 32}, ["max-length-tightened"], "B", None),
    ("max-length-relaxed", {"type": "string", "maxLength": 32}, {"type": "string", "maxLength": 64}, ["max-length-relaxed"], "F", None),
    ("max-length-added", S, {"type": "string", "maxLength": 3}, ["max-length-added"], "B", None),
    ("min-length-removed", {"type": "string", "minLength": 1}, S, ["min-length-removed"], "F", None),
    ("minimum-tightened", {"type": "number", "minimum": 0}, {"type": "number", "minimum": 1}, ["minimum-tightened"], "B", None),
    ("exclusive-maximum-tightened", {"type": "number", "exclusiveMaximum": 100}, {"type": "number", "exclusiveMaximum": 50}, ["exclusive-maximum-tightened"], "B", None),
    ("maximum-removed", {"type": "number", "maximum": 100}, N, ["maximum-removed"], "F", None),
    ("pattern-added", S, {"type": "string", "pattern": "^[A-Z]{3}$"}, ["pattern-added"], "B", None),
    ("pattern-changed", {"type": "string", "pattern": "^[A-Z]{3}$"}, {"type": "string", "pattern": "^[a-z]{3}$"}, ["pattern-changed"], "BF", None),
    ("format-added", S, {"type": "string", "format": "date-time"}, ["format-added"], "B", None),
    ("multiple-of-tightened", {"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 4}, ["multiple-of-tightened"], "B", None),
    ("multiple-of-relaxed", {"type": "number", "multipleOf": 0.1}, {"type": "number", "multipleOf": 0.01}, ["multiple-of-relaxed"], "F", None),
    ("multiple-of-changed", {"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 3}, ["multiple-of-changed"], "BF", None),
    ("min-items-tightened", {"type": "array", "minItems": 0}, {"type": "array", "minItems": 1}, ["min-items-tightened"], "B", None),
    ("max-items-removed", {"type": "array", "maxItems": 10}, {"type": "array"}, ["max-items-removed"], "F", None),
    ("unique-items-added", {"type": "array"}, {"type": "array", "uniqueItems": True}, ["unique-items-added"], "B", None),
    ("array-items-narrowed", {"type": "array", "items": N}, {"type": "array", "items": I}, ["type-narrowed"], "B", None),
    (
        "array-of-objects-required-added",
        {"type": "array", "items": obj({"sku": S, "qty": I}, ("sku",))},
        {"type": "array", "items": obj({"sku": S, "qty": I}, ("sku", "qty"))},
        ["required-added"],
        "B",
        None,
    ),
    ("tuple-item-added-open", {"type": "array", "prefixItems": [S]}, {"type": "array", "prefixItems": [S, I]}, ["tuple-item-added"], "B", None),
    (
        "tuple-item-added-closed",
        {"type": "array", "prefixItems": [S], "items": False},
        {"type": "array", "prefixItems": [S, I], "items": False},
        ["tuple-item-added"],
        "F",
        None,
    ),
    (
        "draft-07-tuple-respelled-as-2020-12",
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "items": [S, I], "additionalItems": False},
        {"type": "array", "prefixItems": [S, I], "items": False},
        [],
        "",
        None,
    ),
    ("any-of-branch-added", {"anyOf": [S, I]}, {"anyOf": [S, I, {"type": "null"}]}, ["branch-added"], "F", None),
    ("one-of-branch-removed", {"oneOf": [obj({"card": S}, ("card",)), obj({"iban": S}, ("iban",))]}, {"oneOf": [obj({"card": S}, ("card",))]}, ["branch-removed"], "B", None),
    ("made-nullable-with-any-of", obj({"note": S}), obj({"note": {"anyOf": [S, {"type": "null"}]}}), ["branch-added"], "F", None),
    ("any-of-to-one-of", {"anyOf": [S, I]}, {"oneOf": [S, I]}, ["any-of-to-one-of"], "B", None),
    ("all-of-part-added", {"allOf": [obj({"id": S})]}, {"allOf": [obj({"id": S}), obj({"id": S}, ("id",))]}, ["all-of-branch-added"], "B", None),
    ("not-added", S, {"type": "string", "not": {"const": ""}}, ["not-added"], "B", None),
    (
        "nested-three-levels",
        obj({"order": obj({"shipping": obj({"zip": {"type": "string", "maxLength": 10}})})}),
        obj({"order": obj({"shipping": obj({"zip": {"type": "string", "maxLength": 5}})})}),
        ["max-length-tightened"],
        "B",
        None,
    ),
    (
        "ref-within-file-tightened",
        {"$defs": {"Money": obj({"currency": {"type": "string", "maxLength": 4}})}, **obj({"total": {"$ref": "#/$defs/Money"}})},
        {"$defs": {"Money": obj({"currency": {"type": "string", "maxLength": 3}})}, **obj({"total": {"$ref": "#/$defs/Money"}})},
        ["max-length-tightened"],
        "B",
        None,
    ),
    (
        "inline-moved-to-definitions",
        obj({"total": obj({"amount": N}, ("amount",))}),
        {"definitions": {"Money": obj({"amount": N}, ("amount",))}, **obj({"total": {"$ref": "#/definitions/Money"}})},
        [],
        "",
        None,
    ),
    ("default-changed", obj({"currency": {"type": "string", "default": "EUR"}}), obj({"currency": {"type": "string", "default": "USD"}}), ["default-changed"], "", None),
    ("additional-properties-closed", obj({"id": S}), obj({"id": S}, additional=False), ["additional-properties-narrowed"], "B", ""),
    ("additional-properties-opened", obj({"id": S}, additional=False), obj({"id": S}, additional=True), ["additional-properties-widened"], "F", ""),
    ("additional-properties-constrained", obj({"id": S}), obj({"id": S}, additional=S), ["additional-properties-narrowed"], "B", ""),
    ("unevaluated-properties-closed-removal", obj({"id": S, "note": S}, unevaluatedProperties=False), obj({"id": S}, unevaluatedProperties=False), ["property-removed-closed-model"], "B", None),
    ("schema-became-false", obj({"id": S, "note": S}), obj({"id": S, "note": False}), ["schema-closed"], "B", None),
    ("pattern-property-added-open", obj({"id": S}), obj({"id": S}, patternProperties={"^x_": S}), ["pattern-property-added"], "B", ""),
    (
        "pattern-property-removed-closed",
        obj({"id": S}, additional=False, patternProperties={"^x_": S}),
        obj({"id": S}, additional=False),
        ["pattern-property-removed"],
        "B",
        None,
    ),
    ("dependent-required-added", obj({"card": S, "cvv": S}), obj({"card": S, "cvv": S}, dependentRequired={"card": ["cvv"]}), ["dependent-required-added"], "B", None),
    (
        "condition-changed",
        {"if": obj({"kind": {"const": "card"}}), "then": obj({}, ("card",))},
        {"if": obj({"kind": {"const": "iban"}}), "then": obj({}, ("card",))},
        ["condition-changed"],
        "BF",
        None,
    ),
    ("then-tightened", {"if": obj({"kind": {"const": "card"}}), "then": obj({"card": S})}, {"if": obj({"kind": {"const": "card"}}), "then": obj({"card": S}, ("card",))}, ["required-added"], "B", None),
    ("one-of-to-any-of", {"oneOf": [S, I]}, {"anyOf": [S, I]}, ["one-of-to-any-of"], "F", None),
    ("one-of-branches-reordered", {"oneOf": [obj({"card": S}), obj({"iban": S})]}, {"oneOf": [obj({"iban": S}), obj({"card": S})]}, [], "", None),
    ("any-of-added-beside-type", S, {"type": "string", "anyOf": [{"minLength": 1}, {"const": ""}]}, ["any-of-added"], "B", None),
    ("not-removed", {"type": "string", "not": {"const": ""}}, S, ["not-removed"], "F", None),
    ("not-widened-inside", {"type": "string", "not": {"const": "a"}}, {"type": "string", "not": {"enum": ["a", "b"]}}, ["enum-value-added"], "B", None),
    ("tuple-item-removed-open", {"type": "array", "prefixItems": [S, I]}, {"type": "array", "prefixItems": [S]}, ["tuple-item-removed"], "F", None),
    ("unique-items-removed", {"type": "array", "uniqueItems": True}, {"type": "array"}, ["unique-items-removed"], "F", None),
    ("contains-added", {"type": "array"}, {"type": "array", "contains": {"const": "gift"}}, ["const-added"], "B", None),
    ("property-names-constrained", {"type": "object"}, {"type": "object", "propertyNames": {"pattern": "^[a-z_]+$"}}, ["pattern-added"], "B", None),
    (
        "draft-07-schema-dependency-tightened",
        {"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"card": obj({"cvv": {"type": "string", "maxLength": 4}})}},
        {"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"card": obj({"cvv": {"type": "string", "maxLength": 3}})}},
        ["max-length-tightened"],
        "B",
        None,
    ),
    ("min-properties-tightened", {"type": "object", "minProperties": 1}, {"type": "object", "minProperties": 2}, ["min-properties-tightened"], "B", None),
    (
        "ref-to-anchor-relaxed",
        {"$defs": {"Sku": {"$anchor": "sku", "type": "string", "maxLength": 8}}, **obj({"sku": {"$ref": "#sku"}})},
        {"$defs": {"Sku": {"$anchor": "sku", "type": "string", "maxLength": 12}}, **obj({"sku": {"$ref": "#sku"}})},
        ["max-length-relaxed"],
        "F",
        None,
    ),
]


def verdicts(changes) -> dict[str, bool]:
    """Compatible (True) or not under each non-transitive mode."""
    return {mode: not any(c.breaks(mode) for c in changes) for mode in ("BACKWARD", "FORWARD", "FULL", "NONE")}


def expected(breaks: str) -> dict[str, bool]:
    return {"BACKWARD": "B" not in breaks, "FORWARD": "F" not in breaks, "FULL": breaks == "", "NONE": True}


def test_the_table_is_large_enough():
    assert len(TABLE) >= 40
    assert len({row[0] for row in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("name", "old", "new", "kinds", "strict", "lenient"), TABLE, ids=[row[0] for row in TABLE])
def test_classification_table(name, old, new, kinds, strict, lenient):
    changes = compare(old, new, "strict")
    assert sorted(c.kind for c in changes) == sorted(kinds)
    assert verdicts(changes) == expected(strict)
    lenient_changes = compare(old, new, "lenient")
    assert sorted(c.kind for c in lenient_changes) == sorted(kinds)
    assert verdicts(lenient_changes) == expected(strict if lenient is None else lenient)


@pytest.mark.parametrize("policy", ["strict", "lenient"])
@pytest.mark.parametrize(("name", "old", "new"), [row[:3] for row in TABLE], ids=[row[0] for row in TABLE])
def test_full_is_backward_and_forward_and_forward_is_backward_reversed(name, old, new, policy):
    there, back = verdicts(compare(old, new, policy)), verdicts(compare(new, old, policy))
    assert there["FULL"] == (there["BACKWARD"] and there["FORWARD"])
    assert there["BACKWARD"] == back["FORWARD"]
    assert there["FORWARD"] == back["BACKWARD"]


@pytest.mark.parametrize("schema", [s for row in TABLE for s in row[1:3]])
def test_every_schema_is_compatible_with_itself(schema):
    assert compare(schema, schema) == []
    for mode in ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"):
        assert history([("v1", schema), ("v2", schema), ("v3", schema)], mode) == []


def test_changes_carry_pointer_description_and_classification():
    old = obj({"order": obj({"total": N}, ("total",))})
    new = obj({"order": obj({"total": I}, ("total",))})
    (change,) = compare(old, new)
    assert change.path == "/properties/order/properties/total/type"
    assert change.description == "type number → integer"
    assert change.classification == "breaks BACKWARD"
    assert change.to_json()["breaks_forward"] is False


# --- history and modes ------------------------------------------------------------------------

# v1 → v2 drops `coupon` from an open model, v2 → v3 brings it back with another type: each step
# is fine under the lenient policy, but data written with v1 does not fit v3.
DROPPED_AND_RETYPED = [
    ("v1", obj({"order_id": S, "coupon": S})),
    ("v2", obj({"order_id": S})),
    ("v3", obj({"order_id": S, "coupon": I})),
]


def test_transitive_modes_compare_with_every_earlier_version():
    assert history(DROPPED_AND_RETYPED, "BACKWARD", "lenient") == []
    (found,) = history(DROPPED_AND_RETYPED, "BACKWARD_TRANSITIVE", "lenient")
    assert (found.older, found.newer, found.mode) == ("v1", "v3", "BACKWARD_TRANSITIVE")
    assert [c.kind for c in found.changes] == ["type-changed"]
    assert [(b.older, b.newer) for b in history(DROPPED_AND_RETYPED, "FULL_TRANSITIVE", "lenient")] == [("v1", "v3")]
    assert [(b.older, b.newer) for b in history(list(reversed(DROPPED_AND_RETYPED)), "FORWARD_TRANSITIVE", "lenient")] == [("v3", "v1")]


def test_strict_policy_breaks_each_step_of_the_same_history():
    assert [(b.older, b.newer) for b in history(DROPPED_AND_RETYPED, "BACKWARD", "strict")] == [("v2", "v3")]
    assert [(b.older, b.newer) for b in history(DROPPED_AND_RETYPED, "FORWARD", "strict")] == [("v1", "v2")]
    assert history(DROPPED_AND_RETYPED, "NONE", "strict") == []


def test_settings_take_the_event_mode_then_the_project_default():
    assert settings(None) == ("BACKWARD", "strict")
    assert settings({"compatibility": "FULL", "open-content": "lenient"}) == ("FULL", "lenient")
    assert settings({"compatibility": "FULL"}, "FORWARD_TRANSITIVE") == ("FORWARD_TRANSITIVE", "strict")


def test_unknown_mode_or_policy_is_refused():
    with pytest.raises(ValueError, match="BACKWARD_TRANSITIVE"):
        history(DROPPED_AND_RETYPED, "BACKWARDS")
    with pytest.raises(ValueError, match="strict, lenient"):
        compare(S, S, "loose")


# --- loading, $ref, errors ---------------------------------------------------------------------


def write(path: Path, document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
    return path


MONEY = {"$defs": {"Money": obj({"amount": N, "currency": {"type": "string", "maxLength": 3}}, ("amount", "currency"))}}
ORDER = {"$schema": "https://json-schema.org/draft/2020-12/schema", **obj({"order_id": S, "total": {"$ref": "common.json#/$defs/Money"}}, ("order_id",))}


def test_ref_between_files_of_the_schemas_folder(tmp_path):
    write(tmp_path / "old/schemas/common.json", MONEY)
    write(tmp_path / "old/schemas/order.json", ORDER)
    tightened = json.loads(json.dumps(MONEY))
    tightened["$defs"]["Money"]["properties"]["amount"] = I
    write(tmp_path / "new/schemas/common.json", tightened)
    write(tmp_path / "new/schemas/order.json", ORDER)
    old = load_schema("schemas/order.json", SchemaStore.from_directory(tmp_path / "old"))
    new = load_schema("schemas/order.json", SchemaStore.from_directory(tmp_path / "new"))
    (change,) = compare(old, new)
    assert (change.path, change.kind, change.breaks_backward) == ("/properties/total/properties/amount/type", "type-narrowed", True)


def test_ref_to_a_local_id_resolves_without_the_network(tmp_path):
    write(tmp_path / "schemas/common.json", {"$id": "https://shop.example/schemas/common.json", **MONEY})
    write(tmp_path / "schemas/order.json", obj({"total": {"$ref": "https://shop.example/schemas/common.json#/$defs/Money"}}))
    store = SchemaStore.from_directory(tmp_path)
    schema = load_schema("schemas/order.json", store)
    assert compare(schema, schema) == []
    narrowed = obj({"total": {"$ref": "https://shop.example/schemas/common.json#/$defs/Money"}, "id": S})
    assert [c.kind for c in compare(schema, narrowed_schema(tmp_path, narrowed))] == ["property-added-open-model"]


def narrowed_schema(tmp_path: Path, document) -> object:
    write(tmp_path / "schemas/order2.json", document)
    return load_schema("schemas/order2.json", SchemaStore.from_directory(tmp_path))


def test_url_ref_is_reported_not_fetched(tmp_path):
    write(tmp_path / "schemas/order.json", obj({"total": {"$ref": "https://schemas.example.com/money.json"}}))
    with pytest.raises(SchemaError) as caught:
        load_schema("schemas/order.json", SchemaStore.from_directory(tmp_path))
    error = caught.value
    assert (error.file, error.pointer) == ("schemas/order.json", "/properties/total/$ref")
    assert "never fetches" in error.message


def test_urn_ref_is_reported(tmp_path):
    with pytest.raises(SchemaError, match="never fetches"):
        compare(obj({"a": {"$ref": "urn:example:money"}}), obj({"a": S}))


def test_ref_out_of_the_root_or_through_a_symlink_is_refused(tmp_path):
    outside = write(tmp_path / "outside.json", MONEY)
    root = tmp_path / "repo"
    write(root / "schemas/escape.json", obj({"total": {"$ref": "../../outside.json#/$defs/Money"}}))
    (root / "schemas").joinpath("linked.json").symlink_to(outside)
    write(root / "schemas/linked_ref.json", obj({"total": {"$ref": "linked.json#/$defs/Money"}}))
    store = SchemaStore.from_directory(root)
    with pytest.raises(SchemaError, match="leaves the project root"):
        load_schema("schemas/escape.json", store)
    with pytest.raises(SchemaError, match="inside the project root") as caught:
        load_schema("schemas/linked_ref.json", store)
    assert caught.value.pointer == "/properties/total/$ref"
    with pytest.raises(SchemaError, match="inside the project root"):
        load_schema("schemas/linked.json", store)  # the symlink itself is never read


def test_recursive_refs_terminate(tmp_path):
    node = lambda value: {  # noqa: E731
        "$defs": {"Category": obj({"name": S, "value": value, "children": {"type": "array", "items": {"$ref": "#/$defs/Category"}}})},
        "$ref": "#/$defs/Category",
    }
    assert compare(node(I), node(I)) == []
    (change,) = compare(node(I), node(N))
    assert (change.path, change.kind) == ("/properties/value/type", "type-widened")
    write(tmp_path / "a.json", {"$defs": {"A": obj({"b": {"$ref": "b.json#/$defs/B"}})}, "$ref": "#/$defs/A"})
    write(tmp_path / "b.json", {"$defs": {"B": obj({"a": {"$ref": "a.json#/$defs/A"}})}})
    mutual = load_schema("a.json", SchemaStore.from_directory(tmp_path))
    assert compare(mutual, mutual) == []


@pytest.mark.parametrize(
    ("text", "pointer", "message"),
    [
        ('{"type": "strin"}', "/type", "not a valid schema"),
        ('{"properties": {"qty": {"minimum": "zero"}}}', "/properties/qty/minimum", "not a valid schema"),
        ('{"type": "object",', "", "expected JSON: line 1"),
        ('{"$schema": "http://json-schema.org/draft-03/schema#"}', "/$schema", "draft 2020-12"),
        ("[1, 2]", "", "expected a JSON Schema object"),
    ],
)
def test_malformed_schema_is_a_clear_error(tmp_path, text, pointer, message):
    write(tmp_path / "bad.json", text)
    with pytest.raises(SchemaError) as caught:
        load_schema("bad.json", SchemaStore.from_directory(tmp_path))
    assert (caught.value.file, caught.value.pointer) == ("bad.json", pointer)
    assert message in caught.value.message


def test_draft_07_is_checked_against_its_own_metaschema(tmp_path):
    write(tmp_path / "d7.json", {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"x": S}, "dependencies": {"a": ["b"]}})
    load_schema("d7.json", SchemaStore.from_directory(tmp_path))
    write(tmp_path / "d7bad.json", {"$schema": "http://json-schema.org/draft-07/schema#", "required": "id"})
    with pytest.raises(SchemaError, match="not a valid schema"):
        load_schema("d7bad.json", SchemaStore.from_directory(tmp_path))


def test_yaml_schema_is_safe_loaded(tmp_path):
    write(tmp_path / "order.yaml", "type: object\nproperties:\n  id: {type: string}\n")
    schema = load_schema("order.yaml", SchemaStore.from_directory(tmp_path))
    assert schema.document["properties"]["id"] == {"type": "string"}
    write(tmp_path / "evil.yaml", "!!python/object/apply:os.system ['true']\n")
    with pytest.raises(SchemaError, match="expected YAML"):
        load_schema("evil.yaml", SchemaStore.from_directory(tmp_path))


def test_a_folder_of_versions_is_ordered_by_version_number(tmp_path):
    for number in (1, 2, 10):
        write(tmp_path / f"schemas/order_placed/v{number}.json", obj({"id": S, f"f{number}": S}))
    write(tmp_path / "schemas/order_placed/common.json", MONEY)
    versions = load_versions("schemas/order_placed", SchemaStore.from_directory(tmp_path))
    assert [label for label, _ in versions] == ["v1.json", "v2.json", "v10.json"]
    assert versions[2][1].file == "schemas/order_placed/v10.json"
    single = load_versions(tmp_path / "schemas/order_placed/v2.json", SchemaStore.from_directory(tmp_path))
    assert [label for label, _ in single] == ["v2.json"]
    with pytest.raises(SchemaError, match="folder of versions"):
        load_versions("schemas/missing", SchemaStore.from_directory(tmp_path))
