"""What the contract rules need of an event's schemas: its versions, and the top level of the newest.

Schemas are read through `eventlint.compat` (one loader: metaschema-checked, `$ref`s
resolved inside the project, nothing fetched), once per run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventlint import compat
from eventlint.catalog import Catalog, EventSpec


@dataclass(frozen=True)
class ObjectView:
    """The top-level object of a schema: its properties, required fields, and whether it is closed."""

    properties: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]
    closed: bool
    patterns: tuple[str, ...] = ()
    open_schema: bool = False

    def defines(self, name: str) -> bool:
        return name in self.properties or self.open_schema or any(_search(p, name) for p in self.patterns)

    def types_of(self, name: str) -> frozenset[str]:
        """The JSON types a property accepts (empty when unconstrained or not known)."""
        prop = self.properties.get(name)
        if not isinstance(prop, Mapping):
            return frozenset()
        declared = prop.get("type")
        if isinstance(declared, str):
            return frozenset({declared})
        if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
            return frozenset(declared)
        if "const" in prop or "enum" in prop:
            values = [prop["const"]] if "const" in prop else list(prop.get("enum") or ())
            return frozenset(_json_type(v) for v in values)
        return frozenset()

    def has_default(self, name: str) -> bool:
        prop = self.properties.get(name)
        return isinstance(prop, Mapping) and "default" in prop


class Schemas:
    """Every catalogued event's schema versions, loaded once; a broken schema is kept as its error (EDA003 reports it)."""

    def __init__(self, catalog: Catalog, root: Path) -> None:
        self.catalog = catalog
        self.store = compat.SchemaStore.from_directory(root)
        self._versions: dict[str, list[tuple[str, compat.Schema]]] = {}
        self.errors: dict[str, compat.SchemaError] = {}

    def versions(self, spec: EventSpec) -> list[tuple[str, compat.Schema]]:
        """The event's versions, oldest first; none when it names no schema or its schema is broken (see `errors`)."""
        if spec.schema is None:
            return []
        if spec.name not in self._versions:
            try:
                self._versions[spec.name] = compat.load_versions((Path(spec.base) / spec.schema).resolve(), self.store)
            except compat.SchemaError as exc:
                self.errors[spec.name] = exc
                self._versions[spec.name] = []
        return self._versions[spec.name]

    def error(self, spec: EventSpec) -> compat.SchemaError | None:
        """Why the event's schema cannot be used, if it cannot."""
        self.versions(spec)
        self.inline(spec)
        return self.errors.get(spec.name)

    def load_all(self) -> None:
        """Load every schema now, so that a broken one is reported before any rule runs."""
        for spec in sorted(self.catalog.events.values(), key=lambda s: s.name):
            self.versions(spec)
            self.key_versions(spec)

    def inline(self, spec: EventSpec) -> compat.Schema | None:
        """An inline Avro or Protobuf payload of an AsyncAPI message, loaded (None for JSON Schema or none; broken: see `errors`)."""
        if spec.payload_format is None or (spec.payload is None and spec.payload_text is None):
            return None
        key = f"(inline) {spec.name}"
        if key not in self._versions:
            try:
                loaded = compat.inline_schema(spec.payload_format, spec.payload_text or spec.payload, spec.source)
                self._versions[key] = [("(payload)", loaded)]
            except compat.SchemaError as exc:
                self.errors[spec.name] = exc
                self._versions[key] = []
        found = self._versions[key]
        return found[0][1] if found else None

    def latest(self, spec: EventSpec) -> compat.Schema | None:
        """The event's newest schema (a catalogued file, or an inline Avro/Protobuf payload), None for none or JSON Schema inline."""
        if spec.payload_format is not None:
            return self.inline(spec)
        if spec.payload is not None:
            return None
        versions = self.versions(spec)
        return versions[-1][1] if versions else None

    def key_versions(self, spec: EventSpec) -> list[tuple[str, compat.Schema]]:
        """The versions of the event's key schema (`key_schema`), oldest first; none when none, or broken (see `errors`)."""
        if spec.key_schema is None and (spec.key_payload is None or spec.key_payload_format is None):
            return []
        key = f"(key) {spec.name}"
        if key not in self._versions:
            try:
                if spec.key_schema is None:  # an AsyncAPI Kafka binding's `key`, written in the document
                    text = spec.key_payload if isinstance(spec.key_payload, str) else json.dumps(spec.key_payload)
                    self._versions[key] = [("(key)", compat.text_schema(spec.key_payload_format, text, spec.source, label="(key)"))]
                else:
                    self._versions[key] = compat.load_versions((Path(spec.base) / spec.key_schema).resolve(), self.store)
            except compat.SchemaError as exc:
                self.errors.setdefault(key, exc)
                self._versions[key] = []
        return self._versions[key]

    def key_error(self, spec: EventSpec) -> compat.SchemaError | None:
        """Why the event's key schema cannot be used, if it cannot."""
        self.key_versions(spec)
        return self.errors.get(f"(key) {spec.name}")

    def project_file(self, rel: str, label: str) -> compat.Schema:
        """A schema file of the project the code names (a generated Protobuf class's `.proto`), loaded with its imports."""
        return compat.load_schema(rel, self.store, label=label)

    def latest_attributes(self, spec: EventSpec) -> frozenset[str] | None:
        """The attribute names a decoded message of the event has, when its format fixes them (Protobuf), else None."""
        latest = self.latest(spec)
        return compat.attribute_names(latest) if latest is not None else None

    def latest_document(self, spec: EventSpec) -> Mapping[str, Any] | None:
        """The event's newest schema (or inline payload) as the JSON Schema the contract rules read, None when none."""
        if spec.payload is not None and spec.payload_format is None:
            return spec.payload
        latest = self.latest(spec)
        if latest is None:
            return None
        document = compat.json_view(latest)
        return document if isinstance(document, Mapping) else None

    def latest_view(self, spec: EventSpec) -> ObjectView | None:
        """The top level of the event's newest schema (or its inline payload), None when it has none."""
        if spec.payload is not None and spec.payload_format is None:
            return object_view(spec.payload, spec.payload)
        latest = self.latest(spec)
        if latest is None:
            return None
        document = compat.json_view(latest)
        return object_view(document, document) if isinstance(document, Mapping) else None


def object_view(schema: Mapping[str, Any], document: Mapping[str, Any], depth: int = 0) -> ObjectView:
    """The top-level object of `schema`: `$ref`s within the document followed, `allOf` members merged."""
    schema = _local(schema, document)
    properties: dict[str, Mapping[str, Any]] = {}
    required: list[str] = []
    extra = schema.get("additionalProperties")
    closed = extra is False or schema.get("unevaluatedProperties") is False
    patterns = [p for p in _mapping(schema.get("patternProperties")) if isinstance(p, str)]
    open_schema = isinstance(extra, Mapping) and bool(extra)
    for name, prop in _mapping(schema.get("properties")).items():
        properties[str(name)] = _local(prop, document) if isinstance(prop, Mapping) else {}
    required.extend(r for r in schema.get("required") or () if isinstance(r, str))
    for member in schema.get("allOf") or ():
        if isinstance(member, Mapping) and depth < 16:
            inner = object_view(member, document, depth + 1)
            for name, prop in inner.properties.items():
                properties.setdefault(name, prop)
            required.extend(r for r in inner.required if r not in required)
            patterns.extend(inner.patterns)
            open_schema = open_schema or inner.open_schema
    return ObjectView(properties, tuple(required), closed, tuple(patterns), open_schema)


def _local(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow `$ref`s to places in the same document (a few hops at most); other refs are left as they are."""
    for _ in range(16):
        ref = schema.get("$ref")
        if not (isinstance(ref, str) and ref.startswith("#/")):
            break
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
        if not isinstance(target, Mapping):
            break
        schema = target
    return schema


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _search(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# -- the schema the code sends, against the declared one (nested EDA203, EDA210) ---------------


@dataclass(frozen=True)
class Mismatch:
    """One place where what a publication sends (its inferred schema) breaks the declared schema.

    `path` is dotted (`order.lines[].sku`); `model` is the model class whose fields the object
    comes from (None for a literal written at the site); `depth` is 0 for the top level.
    """

    path: str
    kind: str  # "missing" | "extra" | "type"
    text: str
    model: str | None
    depth: int


def mismatches(sent: Mapping[str, Any], declared: Mapping[str, Any], document: Mapping[str, Any]) -> list[Mismatch]:
    """Where `sent` (an inferred payload schema, docs/facts.md) breaks `declared`, outside in.

    Only what is known is judged: a required field is missing only from a complete object
    (`additionalProperties: false` in the inferred schema), a type only where both sides say one;
    a declared part that is a `$ref` left unresolved, an `anyOf`/`oneOf` or not an object is not judged.
    """
    out: list[Mismatch] = []
    _compare(sent, object_view(declared, document), "", None, 0, out)
    return out


def _compare(sent: Mapping[str, Any], view: ObjectView, path: str, model: str | None, depth: int, out: list[Mismatch]) -> None:
    if depth > 16:
        return
    model = sent.get("x-python-class") if isinstance(sent.get("x-python-class"), str) else model
    properties = _mapping(sent.get("properties"))
    if sent.get("additionalProperties") is False:
        missing = [f for f in view.required if f not in properties]
        if missing:
            out.append(Mismatch(path, "missing", f"misses required {_list(path, missing)}", model, depth))
    if view.closed:
        extra = [f for f in properties if not view.defines(f)]
        if extra:
            out.append(Mismatch(path, "extra", f"sets {_list(path, extra)}, which the closed schema does not allow", model, depth))
    for name, prop in properties.items():
        if not isinstance(prop, Mapping) or name not in view.properties:
            continue
        where = f"{path}.{name}" if path else name
        sent_types = _types(prop)
        accepted = view.types_of(name)
        if sent_types and accepted:
            wrong = [t for t in sent_types if not (t in accepted or (t == "integer" and "number" in accepted))]
            if wrong:
                said = f"may be {' or '.join(sorted(sent_types))}" if len(sent_types) > 1 else f"is {_article(sent_types[0])} {sent_types[0]}"
                out.append(Mismatch(where, "type", f"`{where}` {said}, the schema says {' or '.join(sorted(accepted))}", model, depth))
                continue
        _nested(prop, view.properties[name], where, model, depth, out)


def _nested(sent: Mapping[str, Any], declared: Mapping[str, Any], path: str, model: str | None, depth: int, out: list[Mismatch]) -> None:
    """Go into an object or an array's items, when the declared side says plainly what it holds."""
    declared = _plain(declared)  # `X or null` (an Avro union with null, a Protobuf message field) taken as X
    if declared is None:
        return  # a choice, or a part not resolved here (past the view's depth): its fields are not known
    kinds = _types(sent)
    if kinds == ("object",) and isinstance(sent.get("properties"), Mapping) and _is_object(declared):
        _compare(sent, object_view(declared, declared, depth=1), path, model, depth + 1, out)
    elif kinds == ("array",) and isinstance(sent.get("items"), Mapping) and isinstance(declared.get("items"), Mapping):
        _nested(sent["items"], declared["items"], f"{path}[]", model, depth, out)


def nested_read_problem(read: Any, view: ObjectView, event: str, optional: bool = True) -> str | None:
    """What is wrong with a nested read (`event["order"]["id"]`, a FieldRead with `subfields`), if anything.

    The top-level field is judged by its own read; here each key below it is, against the object
    declared at that place, while that place is plainly one object (X or null included). `optional`
    also reports an optional key read as required (`event["a"]["b"]`; not a `.get()` chain or an attribute).
    """
    declared: Any = view.properties.get(read.field)
    path = read.field
    for key in read.subfields:
        declared = _plain(declared)
        if declared is None or not _is_object(declared) or not isinstance(declared.get("properties"), Mapping):
            return None
        inner = object_view(declared, declared, depth=1)
        where = f"{path}.{key}"
        if not inner.defines(key):
            return f"reads `{where}`, which the `{event}` schema does not define"
        if optional and key not in inner.required and not inner.has_default(key):
            return f"reads optional `{where}` of `{event}` as required: messages without it raise KeyError"
        declared, path = inner.properties.get(key), where
    return None


def nested_object(declared: Any, items: bool = False, document: Mapping[str, Any] | None = None) -> ObjectView | None:
    """The object a property declares (`X or null` taken as X; with `items`, its array's items), None when not plainly one.

    `$ref`s into `document` (the schema's root: `#/$defs/Customer`) are followed at every level."""
    root = document if document is not None else {}
    declared = _plain(_resolved(declared, root))
    if items:
        inner = _resolved(declared.get("items"), root) if declared is not None and _types(declared) in (("array",), ()) else None
        declared = _plain(inner)
    if declared is None or not _is_object(declared) or not isinstance(declared.get("properties"), Mapping):
        return None
    return object_view(declared, document if document is not None else declared, depth=1)


def _resolved(declared: Any, document: Mapping[str, Any]) -> Any:
    """`declared` with a local `$ref` followed, and the branches of an `X or null` choice too."""
    if not isinstance(declared, Mapping):
        return declared
    declared = _local(declared, document)
    if isinstance(declared.get("anyOf"), list):
        return {**declared, "anyOf": [_local(b, document) if isinstance(b, Mapping) else b for b in declared["anyOf"]]}
    return declared


def _plain(declared: Any) -> Mapping[str, Any] | None:
    """`declared` when it is one schema (an `X or null` choice taken as X), else None."""
    if isinstance(declared, Mapping) and isinstance(declared.get("anyOf"), list) and set(declared) <= {"anyOf", "default", "description"}:
        branches = [b for b in declared["anyOf"] if b != {"type": "null"}]
        declared = branches[0] if len(branches) == 1 else None
    if not isinstance(declared, Mapping) or "$ref" in declared or "anyOf" in declared or "oneOf" in declared:
        return None
    if any(isinstance(m, Mapping) and "$ref" in m for m in declared.get("allOf") or ()):
        return None
    return declared


def _is_object(declared: Mapping[str, Any]) -> bool:
    kind = declared.get("type")
    return (kind == "object" or (kind is None and "properties" in declared)) and "$ref" not in declared


def _types(schema: Mapping[str, Any]) -> tuple[str, ...]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list) and all(isinstance(k, str) for k in kind):
        return tuple(kind)
    return ()


def _list(path: str, names: list[str]) -> str:
    shown = [f"`{path}.{n}`" if path else f"`{n}`" for n in names]
    return ", ".join(shown)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
