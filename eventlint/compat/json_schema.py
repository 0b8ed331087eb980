"""JSON Schema: compatibility between versions of an event's schema, the way Confluent Schema Registry judges it.

The format behind `eventlint.compat` for `.json`, `.yaml` and `.yml` files:

- ``load(rel, store, label) -> Schema``: the file, parsed, checked against its
  metaschema, every `$ref` resolved inside the project (never a URL).
- ``compare(old, new, options) -> list[Change]``: every difference, with a JSON
  pointer, a stable ``kind``, a description and whether it breaks BACKWARD
  (consumers on ``new`` reading data written with ``old``) and FORWARD (consumers on
  ``old`` reading data written with ``new``).

``old``/``new`` may also be plain mappings (then ``$ref``s resolve within the
mapping only). Policies: ``strict`` (Confluent's default: an open content model
may already carry any property, so adding one breaks BACKWARD and removing one
breaks FORWARD) and ``lenient`` (data is assumed to carry only the properties its
writer's schema declares). See docs/compatibility.md.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

import yaml
from jsonschema import Draft7Validator, Draft201909Validator, Draft202012Validator
from jsonschema.exceptions import best_match

from eventlint.compat.base import POLICIES, Change, Options, Schema, SchemaError, SchemaStore, sorted_changes

name = "json-schema"
suffixes = (".json", ".yaml", ".yml")
SCHEMA_SUFFIXES = suffixes

_DRAFTS: dict[str, Any] = {
    "https://json-schema.org/draft/2020-12/schema": Draft202012Validator,
    "https://json-schema.org/draft/2019-09/schema": Draft201909Validator,
    "http://json-schema.org/draft-07/schema": Draft7Validator,
}
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
_SUBSCHEMAS = ("contains", "propertyNames", "unevaluatedItems")
_COMBINERS = ("anyOf", "oneOf", "allOf")


def document(store: SchemaStore, rel: str) -> Any:
    """The parsed, metaschema-checked JSON Schema document at `rel` (cached in the store)."""
    if rel not in store.documents:
        text = store.text(rel)
        document = _parse(store.display(rel), text)
        check_schema(store.display(rel), document)
        store.documents[rel] = document
        _remember_id(store, rel, document)
        try:
            check_refs(store, rel, document)
        except SchemaError:
            del store.documents[rel]
            raise
    return store.documents[rel]


def check_refs(store: SchemaStore, rel: str, document: Any) -> None:
    """Resolve every `$ref` of a document now, so a URL or a missing target is reported even where no comparison looks."""
    for pointer, ref in _refs(document, ""):
        _resolve(_Node({"$ref": ref}, rel, pointer, store), ref)


def _ids(store: SchemaStore) -> dict[str, str]:
    return store.memo.setdefault(("json-schema", "ids"), {})


def by_id(store: SchemaStore, uri: str, near: str) -> str | None:
    """The file whose root `$id` is `uri`, looking in the folder of `near` (the referring file)."""
    folder = posixpath.dirname(near)
    indexed = store.memo.setdefault(("json-schema", "indexed"), set())
    if folder not in indexed:
        indexed.add(folder)
        for name in store.listdir(folder):
            rel = posixpath.join(folder, name) if folder else name
            if name.lower().endswith(SCHEMA_SUFFIXES) and rel not in store.documents:
                try:
                    document(store, rel)
                except SchemaError:
                    continue  # a broken neighbour is reported when something uses it
    return _ids(store).get(uri.rstrip("#"))


def _remember_id(store: SchemaStore, rel: str, document: Any) -> None:
    if isinstance(document, Mapping) and isinstance(document.get("$id"), str):
        _ids(store).setdefault(document["$id"].rstrip("#"), rel)


def check_schema(file: str, document: Any) -> None:
    """Validate `document` against its metaschema (from `$schema`, draft 2020-12 by default)."""
    if isinstance(document, bool):
        return
    if not isinstance(document, Mapping):
        raise SchemaError(file, "", f"expected a JSON Schema object, got {_json_type(document)}")
    declared = document.get("$schema")
    validator = Draft202012Validator
    if declared is not None:
        validator = _DRAFTS.get(str(declared).rstrip("#"))
        if validator is None:
            raise SchemaError(file, "/$schema", f"expected a draft 2020-12, 2019-09 or draft-07 metaschema URI, got {declared!r}")
    error = best_match(validator(validator.META_SCHEMA).iter_errors(document))
    if error is not None:
        pointer = "".join(f"/{_escape(str(p))}" for p in error.absolute_path)
        raise SchemaError(file, pointer, f"not a valid schema: {_metaschema_message(error)}")


_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")


def _metaschema_message(error: Any) -> str:
    """The metaschema's complaint, said plainly where jsonschema's words name no expectation."""
    if error.absolute_path and error.absolute_path[-1] == "type" and error.validator in ("anyOf", "enum"):
        return f"expected a JSON Schema type ({', '.join(_TYPES)}) or a list of them, got {error.instance!r}"
    return str(error.message)


def load(rel: str, store: SchemaStore, label: str) -> Schema:
    """The JSON Schema file at `rel` (relative to the store's root)."""
    return Schema(label=label, file=rel, document=document(store, rel), store=store, format=name)


def compare(old: Schema | Any, new: Schema | Any, options: Options = Options()) -> list[Change]:
    """Every difference from `old` to `new`, sorted by path then kind."""
    if options.policy not in POLICIES:
        raise ValueError(f"open-content policy must be one of {', '.join(POLICIES)}, got {options.policy!r}")
    a, b = _node(old), _node(new)
    walker = _Walker(options.policy)
    return sorted_changes(walker.walk(a, b, "", frozenset()))


def contract_view(schema: Schema) -> Any:
    """The newest version as the contract rules read it: `$ref`s of the root, its `allOf` parts and its properties
    followed, across files too (the rules themselves follow only `#/...` references)."""
    root, _ = _deref(_Node(schema.document, schema.file, "", schema.store))
    return _view_object(root, 0)


def _view_object(node: _Node, depth: int) -> Any:
    if not isinstance(node.schema, Mapping) or depth > 8:
        return node.schema
    view = dict(node.schema)
    properties = node.schema.get("properties")
    if isinstance(properties, Mapping):
        view["properties"] = {
            name: _view_child(node.child(prop, "properties", name), depth) if isinstance(prop, Mapping) else prop
            for name, prop in properties.items()
        }
    items = node.schema.get("items")
    if isinstance(items, Mapping):
        view["items"] = _view_child(node.child(items, "items"), depth)
    members = node.schema.get("allOf")
    if isinstance(members, list):
        view["allOf"] = [_view_object(_deref(node.child(m, "allOf", i))[0], depth + 1) for i, m in enumerate(members)]
    return view


def _view_child(node: _Node, depth: int) -> Any:
    """A property's or the items' schema, its `$ref` followed and its own nesting viewed (nested contracts);
    past the depth limit (a recursive schema) it is left as written, and the rules stop at a `$ref`."""
    try:
        target = _deref(node)[0]
    except SchemaError:
        return node.schema
    return _view_object(target, depth + 1) if depth < 8 else target.schema


def as_schema(value: Schema | Any, label: str = "(schema)") -> Schema:
    """A plain mapping as a checked Schema whose `$ref`s resolve within itself."""
    return _as_schema(value, label)


# --- loading ---------------------------------------------------------------------------------


def _parse(rel: str, text: str) -> Any:
    if rel.lower().endswith((".yaml", ".yml")):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
            line = mark.line + 1 if mark is not None else None
            raise SchemaError(rel, "", f"expected YAML: {where}{getattr(exc, 'problem', None) or exc}", line=line, show_line=False) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(rel, "", f"expected JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", line=exc.lineno, show_line=False) from exc


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _unescape(part: str) -> str:
    return unquote(part).replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True)
class _Node:
    """A subschema and where it lives (for resolving the `$ref`s inside it)."""

    schema: Any
    file: str
    pointer: str
    store: SchemaStore = field(compare=False, repr=False)

    def child(self, schema: Any, *parts: str | int) -> _Node:
        return _Node(schema, self.file, self.pointer + "".join(f"/{_escape(str(p))}" for p in parts), self.store)


def _as_schema(value: Schema | Any, label: str = "(schema)") -> Schema:
    """A plain mapping as a checked Schema whose `$ref`s resolve within itself."""
    if isinstance(value, Schema):
        return value
    store = SchemaStore.in_memory({"(schema)": value})
    check_schema("(schema)", value)
    check_refs(store, "(schema)", value)
    return Schema(label, "(schema)", value, store)


def _node(value: Schema | Any) -> _Node:
    schema = _as_schema(value)
    return _Node(schema.document, schema.file, "", schema.store)


def _deref(node: _Node, seen: frozenset[str] = frozenset()) -> tuple[_Node, str | None]:
    """`node` with its `$ref` followed (siblings override the target's keywords); the ref's identity."""
    schema = node.schema
    if not isinstance(schema, Mapping) or not isinstance(schema.get("$ref"), str):
        return node, None
    target = _resolve(node, schema["$ref"])
    identity = f"{target.file}#{target.pointer}"
    if identity in seen:
        return target, identity
    inner, _ = _deref(target, seen | {identity})
    siblings = {k: v for k, v in schema.items() if k != "$ref"}
    if not siblings:
        return inner, identity
    if not isinstance(inner.schema, Mapping):
        return node.child({**siblings, "allOf": [inner.schema]}), identity
    return _Node({**inner.schema, **siblings}, inner.file, inner.pointer, inner.store), identity


def _resolve(node: _Node, ref: str) -> _Node:
    where = node.pointer + "/$ref"
    base, fragment = urldefrag(ref)
    parts = urlsplit(base)
    store = node.store
    file = store.display(node.file)
    if parts.scheme or parts.netloc:
        rel = by_id(store, base, node.file)
        if rel is None:
            raise SchemaError(
                file, where, f"$ref {ref!r} points outside the project; expected a reference within the schemas folder (eventlint never fetches URLs)"
            )
    elif base:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(node.file), unquote(base)))
        if rel.startswith("../") or rel == ".." or posixpath.isabs(rel):
            raise SchemaError(file, where, f"$ref {ref!r} leaves the project root; expected a file inside it")
        if not store.exists(rel):
            raise SchemaError(file, where, f"$ref {ref!r}: expected the file {rel} to exist inside the project root")
    else:
        rel = node.file
    target_document = document(store, rel)
    return _Node(_pointer(target_document, fragment, file, where, ref), rel, fragment if fragment.startswith("/") else "", store)


def _pointer(document: Any, fragment: str, file: str, where: str, ref: str) -> Any:
    if not fragment:
        return document
    if not fragment.startswith("/"):
        found = _anchor(document, fragment)
        if found is None:
            raise SchemaError(file, where, f"$ref {ref!r}: expected an $anchor {fragment!r} in the target")
        return found
    current = document
    for raw in fragment.split("/")[1:]:
        part = _unescape(raw)
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise SchemaError(file, where, f"$ref {ref!r}: expected {fragment} to exist in the target")
    return current


_DATA_KEYWORDS = ("enum", "const", "default", "examples")


def _refs(schema: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """Every `$ref` of a document with the pointer of the schema that holds it (data keywords skipped)."""
    if isinstance(schema, Mapping):
        if isinstance(schema.get("$ref"), str):
            yield pointer, schema["$ref"]
        for key, value in schema.items():
            if key not in _DATA_KEYWORDS:
                yield from _refs(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _refs(value, f"{pointer}/{index}")


def _anchor(document: Any, name: str) -> Any:
    if isinstance(document, Mapping):
        if document.get("$anchor") == name:
            return document
        values: Any = document.values()
    elif isinstance(document, list):
        values = document
    else:
        return None
    for value in values:
        found = _anchor(value, name)
        if found is not None:
            return found
    return None


# --- comparison ------------------------------------------------------------------------------


def _canon(value: Any) -> str:
    """A hashable, order-independent spelling of a JSON value (1 and 1.0 are the same number)."""

    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, Mapping):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), sort_keys=True, ensure_ascii=False)


def _kebab(keyword: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"-\1", keyword).lower()


def _normalise(schema: Any) -> Any:
    """Booleans as mappings, draft-07 tuple `items`/`additionalItems` as 2020-12 `prefixItems`/`items`."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, Mapping):
        return {}
    if isinstance(schema.get("items"), list):
        out = {k: v for k, v in schema.items() if k not in ("items", "additionalItems")}
        out["prefixItems"] = schema["items"]
        if "additionalItems" in schema:
            out["items"] = schema["additionalItems"]
        return out
    return schema


def _is_false(schema: Any) -> bool:
    return schema is False or (isinstance(schema, Mapping) and schema.get("not") in ({}, True) and len(schema) == 1)


def _is_empty(schema: Any) -> bool:
    if schema is True:
        return True
    if not isinstance(schema, Mapping):
        return False
    annotations = {"title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$id", "$anchor"}
    return all(k in annotations for k in schema)


def _types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    value = schema.get("type")
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _values(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The allowed values (canonical spelling → value) when `enum` / `const` restrict them."""
    allowed: dict[str, Any] | None = None
    if "enum" in schema and isinstance(schema["enum"], list):
        allowed = {_canon(v): v for v in schema["enum"]}
    if "const" in schema:
        key = _canon(schema["const"])
        allowed = {key: schema["const"]} if allowed is None or key in allowed else {}
    return allowed


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class _Walker:
    """Walks an old and a new schema side by side and yields every difference with its two verdicts."""

    def __init__(self, policy: str) -> None:
        self.strict = policy == "strict"

    def walk(self, old: _Node, new: _Node, path: str, seen: frozenset[tuple[str | None, str | None]]) -> Iterator[Change]:
        old, old_ref = _deref(old)
        new, new_ref = _deref(new)
        if old_ref is not None or new_ref is not None:
            pair = (old_ref, new_ref)
            if pair in seen:
                return  # a recursive schema: this pair is already being compared further up
            seen = seen | {pair}
        a, b = old.schema, new.schema
        text = _canon(a)
        if text == _canon(b) and '"$ref"' not in text:
            return  # identical and self-contained: nothing can differ below
        if _is_false(a) and _is_false(b):
            return
        if _is_false(b):
            yield Change(path, "schema-closed", "the schema now accepts nothing", True, False)
            return
        if _is_false(a):
            yield Change(path, "schema-opened", "the schema accepted nothing and now accepts values", False, True)
            return
        a, b = _normalise(a), _normalise(b)
        old = _Node(a, old.file, old.pointer, old.store)
        new = _Node(b, new.file, new.pointer, new.store)
        ua, ub = _union(a), _union(b)
        if (ua is None) != (ub is None) and _only_union(a if ua else b):
            yield from self._sum(old, new, ua, ub, path, seen)  # `T` against `anyOf: [T, null]`: branch by branch
            return
        yield from self._type(a, b, path)
        yield from self._values(a, b, path)
        yield from self._bounds(a, b, path)
        yield from self._multiple_of(a, b, path)
        yield from self._string_keyword(a, b, path, "pattern")
        yield from self._string_keyword(a, b, path, "format")
        yield from self._unique_items(a, b, path)
        yield from self._default(a, b, path)
        yield from self._required(a, b, path)
        yield from self._dependent_required(a, b, path)
        yield from self._properties(old, new, path, seen)
        yield from self._extra_properties(old, new, path, seen)
        yield from self._pattern_properties(old, new, path, seen)
        yield from self._items(old, new, path, seen)
        yield from self._subschemas(old, new, path, seen)
        yield from self._not(old, new, path, seen)
        yield from self._combiners(old, new, path, seen)

    # -- scalars --

    def _type(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        ta, tb = _types(a), _types(b)
        if ta == tb:
            return
        narrowed, widened = not _covers(tb, ta), not _covers(ta, tb)
        if not narrowed and not widened:
            return
        kind = "type-changed" if narrowed and widened else "type-narrowed" if narrowed else "type-widened"
        yield Change(path + "/type", kind, f"type {_spell(ta)} → {_spell(tb)}", narrowed, widened)

    def _values(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        va, vb = _values(a), _values(b)
        if va is None and vb is None:
            return
        word = "const" if "const" in a or "const" in b else "enum"
        at = f"{path}/{word}"
        if va is None:
            yield Change(at, f"{word}-added", f"values restricted to {', '.join(sorted(vb))}", True, False)  # type: ignore[arg-type]
            return
        if vb is None:
            yield Change(at, f"{word}-removed", f"values no longer restricted (were {', '.join(sorted(va))})", False, True)
            return
        if word == "const" and len(va) == 1 and len(vb) == 1 and va != vb:
            yield Change(at, "const-changed", f"const {next(iter(va))} → {next(iter(vb))}", True, True)
            return
        for key in sorted(set(va) - set(vb)):
            yield Change(f"{path}/enum", "enum-value-removed", f"value {key} no longer allowed", True, False)
        for key in sorted(set(vb) - set(va)):
            yield Change(f"{path}/enum", "enum-value-added", f"value {key} newly allowed", False, True)

    def _bounds(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        for keyword in _LOWER + _UPPER:
            x, y = a.get(keyword), b.get(keyword)
            if not _number(x) and not _number(y):
                continue
            name, at = _kebab(keyword), f"{path}/{keyword}"
            if not _number(x):
                yield Change(at, f"{name}-added", f"{keyword} {y} added", True, False)
            elif not _number(y):
                yield Change(at, f"{name}-removed", f"{keyword} {x} removed", False, True)
            elif x != y:
                tighter = (y > x) if keyword in _LOWER else (y < x)
                kind = f"{name}-tightened" if tighter else f"{name}-relaxed"
                yield Change(at, kind, f"{keyword} {x} → {y}", tighter, not tighter)

    def _multiple_of(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        x, y = a.get("multipleOf"), b.get("multipleOf")
        at = f"{path}/multipleOf"
        if not _number(x) and not _number(y):
            return
        if not _number(x):
            yield Change(at, "multiple-of-added", f"multipleOf {y} added", True, False)
        elif not _number(y):
            yield Change(at, "multiple-of-removed", f"multipleOf {x} removed", False, True)
        elif x != y:
            fx, fy = Fraction(str(x)), Fraction(str(y))
            if (fy / fx).denominator == 1:
                yield Change(at, "multiple-of-tightened", f"multipleOf {x} → {y}", True, False)
            elif (fx / fy).denominator == 1:
                yield Change(at, "multiple-of-relaxed", f"multipleOf {x} → {y}", False, True)
            else:
                yield Change(at, "multiple-of-changed", f"multipleOf {x} → {y}", True, True)

    def _string_keyword(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str, keyword: str) -> Iterator[Change]:
        x, y = a.get(keyword), b.get(keyword)
        at = f"{path}/{keyword}"
        if x == y:
            return
        if x is None:
            yield Change(at, f"{keyword}-added", f"{keyword} {_show(y)} added", True, False)
        elif y is None:
            yield Change(at, f"{keyword}-removed", f"{keyword} {_show(x)} removed", False, True)
        else:
            yield Change(at, f"{keyword}-changed", f"{keyword} {_show(x)} → {_show(y)}", True, True)

    def _unique_items(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        x, y = bool(a.get("uniqueItems")), bool(b.get("uniqueItems"))
        if x != y:
            kind = "unique-items-added" if y else "unique-items-removed"
            yield Change(f"{path}/uniqueItems", kind, f"uniqueItems {str(x).lower()} → {str(y).lower()}", y, x)

    def _default(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        if "default" not in a and "default" not in b:
            return
        at = f"{path}/default"
        if "default" not in a:
            yield Change(at, "default-added", f"default {_show(b['default'])} added", False, False)
        elif "default" not in b:
            yield Change(at, "default-removed", f"default {_show(a['default'])} removed", False, False)
        elif _canon(a["default"]) != _canon(b["default"]):
            yield Change(at, "default-changed", f"default {_show(a['default'])} → {_show(b['default'])}", False, False)

    # -- objects --

    def _required(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        ra, rb = set(_strings(a.get("required"))), set(_strings(b.get("required")))
        for name in sorted(rb - ra):
            has_default = _has_default(b, name)
            kind = "required-added-with-default" if has_default else "required-added"
            yield Change(f"{path}/required/{_escape(name)}", kind, f"property {name!r} is now required", not has_default, False)
        for name in sorted(ra - rb):
            old_default = _has_default(a, name)
            yield Change(f"{path}/required/{_escape(name)}", "required-removed", f"property {name!r} is no longer required", False, not old_default)

    def _dependent_required(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> Iterator[Change]:
        da, db = _dependencies(a), _dependencies(b)
        for name in sorted(set(da) | set(db)):
            x, y = da.get(name, set()), db.get(name, set())
            at = f"{path}/dependentRequired/{_escape(name)}"
            for extra in sorted(y - x):
                yield Change(at, "dependent-required-added", f"{extra!r} now required when {name!r} is present", True, False)
            for gone in sorted(x - y):
                yield Change(at, "dependent-required-removed", f"{gone!r} no longer required when {name!r} is present", False, True)

    def _properties(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        pa, pb = _mapping(old.schema.get("properties")), _mapping(new.schema.get("properties"))
        for name in sorted(set(pa) | set(pb)):
            at = f"{path}/properties/{_escape(name)}"
            if name in pa and name in pb:
                yield from self.walk(old.child(pa[name], "properties", name), new.child(pb[name], "properties", name), at, seen)
            elif name in pb:
                model = _model(_governing(old, name))
                backward = self._gains(old, new.child(pb[name], "properties", name), name, seen)
                forward = self._loses(new.child(pb[name], "properties", name), old, name, seen)
                yield Change(at, f"property-added-{model}-model", f"property {name!r} added ({model} content model)", backward, forward)
            else:
                model = _model(_governing(new, name))
                backward = self._loses(old.child(pa[name], "properties", name), new, name, seen)
                forward = self._gains(new, old.child(pa[name], "properties", name), name, seen)
                yield Change(at, f"property-removed-{model}-model", f"property {name!r} removed ({model} content model)", backward, forward)

    def _gains(self, writer_obj: _Node, reader_prop: _Node, name: str, seen: frozenset) -> bool:
        """Whether a reader that declares `name` breaks on data of a writer that did not declare it."""
        governing = _governing(writer_obj, name)
        if self._accepts(governing, reader_prop, seen):
            return False
        return self.strict

    def _loses(self, writer_prop: _Node, reader_obj: _Node, name: str, seen: frozenset) -> bool:
        """Whether a reader that no longer declares `name` breaks on data that carries it."""
        governing = _governing(reader_obj, name)
        if self._accepts(writer_prop, governing, seen):
            return False
        return self.strict or _is_false(governing.schema)

    def _accepts(self, writer: _Node, reader: _Node, seen: frozenset) -> bool:
        """Whether every value `writer` allows is one `reader` allows (as far as the comparison can tell)."""
        if _is_false(writer.schema) or _is_empty(reader.schema):
            return True
        if _is_false(reader.schema) or _is_empty(writer.schema):
            return False
        strict_walker = _Walker("strict")
        return not any(c.breaks_backward for c in strict_walker.walk(writer, reader, "", seen))

    def _extra_properties(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            a, b = old.schema.get(keyword, True), new.schema.get(keyword, True)
            if _canon(a) == _canon(b):
                continue
            at = f"{path}/{keyword}"
            old_child, new_child = old.child(a, keyword), new.child(b, keyword)
            if isinstance(a, Mapping) and isinstance(b, Mapping) and not _is_false(a) and not _is_false(b):
                yield from self._open_content(self.walk(old_child, new_child, at, seen))
                continue
            backward = self.strict and not self._accepts(old_child, new_child, seen)
            forward = self.strict and not self._accepts(new_child, old_child, seen)
            if not backward and not forward and _model(old_child) == _model(new_child):
                continue
            kind = f"{_kebab(keyword)}-{'narrowed' if _rank(b) < _rank(a) else 'widened'}"
            yield Change(at, kind, f"{keyword} {_model(old_child)} → {_model(new_child)} content model", backward, forward)

    def _pattern_properties(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        pa, pb = _mapping(old.schema.get("patternProperties")), _mapping(new.schema.get("patternProperties"))
        extra_a = old.child(old.schema.get("additionalProperties", True), "additionalProperties")
        extra_b = new.child(new.schema.get("additionalProperties", True), "additionalProperties")
        for pattern in sorted(set(pa) | set(pb)):
            at = f"{path}/patternProperties/{_escape(pattern)}"
            if pattern in pa and pattern in pb:
                inner = self.walk(old.child(pa[pattern], "patternProperties", pattern), new.child(pb[pattern], "patternProperties", pattern), at, seen)
                yield from self._open_content(inner)
            elif pattern in pb:
                added = new.child(pb[pattern], "patternProperties", pattern)
                backward = self.strict and not self._accepts(extra_a, added, seen)
                forward = (self.strict or _is_false(extra_a.schema)) and not self._accepts(added, extra_a, seen)
                yield Change(at, "pattern-property-added", f"patternProperties {pattern!r} added", backward, forward)
            else:
                removed = old.child(pa[pattern], "patternProperties", pattern)
                backward = (self.strict or _is_false(extra_b.schema)) and not self._accepts(removed, extra_b, seen)
                forward = self.strict and not self._accepts(extra_b, removed, seen)
                yield Change(at, "pattern-property-removed", f"patternProperties {pattern!r} removed", backward, forward)

    def _open_content(self, changes: Iterator[Change]) -> Iterator[Change]:
        """Under the lenient policy, what undeclared properties may hold does not break anything."""
        for change in changes:
            yield change if self.strict else Change(change.path, change.kind, change.description, False, False)

    # -- arrays --

    def _items(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        ta, tb = _list(old.schema.get("prefixItems")), _list(new.schema.get("prefixItems"))
        rest_a = old.child(old.schema.get("items", True), "items")
        rest_b = new.child(new.schema.get("items", True), "items")
        for index in range(max(len(ta), len(tb))):
            at = f"{path}/prefixItems/{index}"
            if index < len(ta) and index < len(tb):
                yield from self.walk(old.child(ta[index], "prefixItems", index), new.child(tb[index], "prefixItems", index), at, seen)
            elif index < len(tb):
                item = new.child(tb[index], "prefixItems", index)
                yield Change(at, "tuple-item-added", f"tuple position {index} added", not self._accepts(rest_a, item, seen), not self._accepts(item, rest_a, seen))
            else:
                item = old.child(ta[index], "prefixItems", index)
                yield Change(at, "tuple-item-removed", f"tuple position {index} removed", not self._accepts(item, rest_b, seen), not self._accepts(rest_b, item, seen))
        if "items" in old.schema or "items" in new.schema:
            yield from self.walk(rest_a, rest_b, f"{path}/items", seen)

    # -- subschemas and combinators --

    def _subschemas(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        for keyword in _SUBSCHEMAS:
            if keyword in old.schema or keyword in new.schema:
                a, b = old.child(old.schema.get(keyword, True), keyword), new.child(new.schema.get(keyword, True), keyword)
                yield from self.walk(a, b, f"{path}/{keyword}", seen)
        yield from self._conditional(old, new, path, seen)
        da, db = _dependent_schemas(old.schema), _dependent_schemas(new.schema)
        for name in sorted(set(da) | set(db)):
            a, b = old.child(da.get(name, True), "dependentSchemas", name), new.child(db.get(name, True), "dependentSchemas", name)
            yield from self.walk(a, b, f"{path}/dependentSchemas/{_escape(name)}", seen)

    def _conditional(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        """`then`/`else` are compared when `if` is unchanged; a changed condition may move data either way."""
        keys = ("if", "then", "else")
        if not any(k in old.schema or k in new.schema for k in keys):
            return
        if _canon(old.schema.get("if", True)) != _canon(new.schema.get("if", True)):
            yield Change(f"{path}/if", "condition-changed", "the `if` condition changed", True, True)
            return
        for keyword in ("then", "else"):
            if keyword in old.schema or keyword in new.schema:
                a, b = old.child(old.schema.get(keyword, True), keyword), new.child(new.schema.get(keyword, True), keyword)
                yield from self.walk(a, b, f"{path}/{keyword}", seen)

    def _not(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        a, b = old.schema.get("not"), new.schema.get("not")
        if a is None and b is None:
            return
        at = f"{path}/not"
        if a is None:
            yield Change(at, "not-added", "a `not` constraint was added", True, False)
        elif b is None:
            yield Change(at, "not-removed", "a `not` constraint was removed", False, True)
        else:
            for change in self.walk(old.child(a, "not"), new.child(b, "not"), at, seen):
                yield Change(change.path, change.kind, f"inside `not`: {change.description}", change.breaks_forward, change.breaks_backward)

    def _combiners(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        a_kind, b_kind = _union(old.schema), _union(new.schema)
        if a_kind or b_kind:
            yield from self._sum(old, new, a_kind, b_kind, path, seen)
        yield from self._product(old, new, path, seen)

    def _sum(self, old: _Node, new: _Node, a_kind: str | None, b_kind: str | None, path: str, seen: frozenset) -> Iterator[Change]:
        if a_kind and b_kind and a_kind != b_kind:
            narrowed = b_kind == "oneOf"
            yield Change(f"{path}/{b_kind}", f"{_kebab(a_kind)}-to-{_kebab(b_kind)}", f"{a_kind} → {b_kind}", narrowed, not narrowed)
        a = [(old.child(s, a_kind, i), f"/{a_kind}/{i}") for i, s in enumerate(_list(old.schema.get(a_kind)))] if a_kind else []
        b = [(new.child(s, b_kind, i), f"/{b_kind}/{i}") for i, s in enumerate(_list(new.schema.get(b_kind)))] if b_kind else []
        if not a_kind:
            a = [(old.child(_without(old.schema, _SHAPE)), "")]  # one schema is a one-branch union
            if not _only_union(new.schema):
                yield Change(f"{path}/{b_kind}", f"{_kebab(b_kind or '')}-added", f"{b_kind} added", True, False)
                return
        if not b_kind:
            b = [(new.child(_without(new.schema, _SHAPE)), "")]
            if not _only_union(old.schema):
                yield Change(f"{path}/{a_kind}", f"{_kebab(a_kind or '')}-removed", f"{a_kind} removed", False, True)
                return
        pairs, gone, fresh = self._match(a, b, seen)
        label = b_kind or a_kind
        for (x, _), (y, suffix) in pairs:
            yield from self.walk(x, y, path + suffix if b_kind else path, seen)
        for x, suffix in gone:
            covered = any(self._accepts(x, y, seen) for y, _ in b)
            yield Change(path + suffix, "branch-removed", f"{label} branch {suffix.rsplit('/', 1)[-1]} removed", not covered, False)
        for y, suffix in fresh:
            covered = any(self._accepts(y, x, seen) for x, _ in a)
            yield Change(path + suffix, "branch-added", f"{label} branch {suffix.rsplit('/', 1)[-1]} added", False, not covered)

    def _match(self, a: list[tuple[_Node, str]], b: list[tuple[_Node, str]], seen: frozenset) -> tuple[list, list, list]:
        """Pair old branches with new ones: equal first, then the pair with the fewest differences."""
        left, right = list(a), list(b)
        pairs = []
        for item in list(left):
            same = next((other for other in right if _canon(_deref(other[0])[0].schema) == _canon(_deref(item[0])[0].schema)), None)
            if same is not None:
                pairs.append((item, same))
                left.remove(item)
                right.remove(same)
        while left and right:
            scored = []
            for i, x in enumerate(left):
                for j, y in enumerate(right):
                    if not _same_shape(_deref(x[0])[0].schema, _deref(y[0])[0].schema):
                        continue
                    scored.append((len(list(self.walk(x[0], y[0], "", seen))), i, j))
            if not scored:
                break
            _, i, j = min(scored)
            pairs.append((left.pop(i), right.pop(j)))
        return pairs, left, right

    def _product(self, old: _Node, new: _Node, path: str, seen: frozenset) -> Iterator[Change]:
        a, b = _list(old.schema.get("allOf")), _list(new.schema.get("allOf"))
        if not a and not b:
            return
        pairs, gone, fresh = self._match(
            [(old.child(s, "allOf", i), f"/allOf/{i}") for i, s in enumerate(a)],
            [(new.child(s, "allOf", i), f"/allOf/{i}") for i, s in enumerate(b)],
            seen,
        )
        for (x, _), (y, suffix) in pairs:
            yield from self.walk(x, y, path + suffix, seen)
        for _, suffix in gone:
            yield Change(path + suffix, "all-of-branch-removed", f"allOf part {suffix.rsplit('/', 1)[-1]} removed", False, True)
        for _, suffix in fresh:
            yield Change(path + suffix, "all-of-branch-added", f"allOf part {suffix.rsplit('/', 1)[-1]} added", True, False)


_SHAPE = ("anyOf", "oneOf", "title", "description", "$comment", "examples", "$schema", "$id", "$defs", "definitions")


def _union(schema: Mapping[str, Any]) -> str | None:
    return next((k for k in ("anyOf", "oneOf") if k in schema), None)


def _only_union(schema: Mapping[str, Any]) -> bool:
    """True when the schema's only assertion is its anyOf/oneOf (so it can be matched branch by branch)."""
    return all(k in _SHAPE or k == "default" for k in schema)


def _without(schema: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in keys}


def _same_shape(a: Any, b: Any) -> bool:
    """Whether two branches plausibly describe the same alternative (their types overlap)."""
    ta = _types(a) if isinstance(a, Mapping) else None
    tb = _types(b) if isinstance(b, Mapping) else None
    if ta is None or tb is None:
        return True
    widen = lambda t: t | ({"number"} if "integer" in t else set()) | ({"integer"} if "number" in t else set())
    return bool(widen(ta) & widen(tb))


def _spell(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dependencies(schema: Mapping[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for keyword in ("dependentRequired", "dependencies"):
        for name, value in _mapping(schema.get(keyword)).items():
            if isinstance(value, list):
                found.setdefault(name, set()).update(_strings(value))
    return found


def _dependent_schemas(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`dependentSchemas`, and the schema form of draft-07 `dependencies`."""
    found = {name: value for name, value in _mapping(schema.get("dependencies")).items() if isinstance(value, (Mapping, bool))}
    found.update(_mapping(schema.get("dependentSchemas")))
    return found


def _has_default(schema: Mapping[str, Any], name: str) -> bool:
    prop = _mapping(schema.get("properties")).get(name)
    return isinstance(prop, Mapping) and "default" in prop


def _governing(obj: _Node, name: str) -> _Node:
    """The subschema that governs an undeclared property `name` of `obj`: a matching pattern, else the extras."""
    for pattern, sub in sorted(_mapping(obj.schema.get("patternProperties")).items()):
        try:
            if re.search(pattern, name):
                return obj.child(sub, "patternProperties", pattern)
        except re.error:
            continue
    if "additionalProperties" in obj.schema:
        return obj.child(obj.schema["additionalProperties"], "additionalProperties")
    return obj.child(obj.schema.get("unevaluatedProperties", True), "unevaluatedProperties")


def _model(node: _Node) -> str:
    if _is_false(node.schema):
        return "closed"
    if _is_empty(node.schema):
        return "open"
    return "partially-open"


def _rank(schema: Any) -> int:
    return 0 if _is_false(schema) else 2 if _is_empty(schema) else 1
