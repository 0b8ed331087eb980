"""Avro: `.avsc` schemas parsed and judged by the `avro` package (Apache Avro's own Python implementation).

The verdicts are `avro.compatibility.ReaderWriterCompatibilityChecker`'s, the Java
checker ported: BACKWARD asks whether the new schema (reader) reads data written
with the old one (writer), FORWARD the other way round. That checker reports its
incompatibilities as sets with no pairing between rule, location and message, so
each one is attributed by asking the same checker about the parts of the pair
(record fields, items, values, union branches): a change names the place in the
schema (`/fields/customer/fields/id`) and the Avro rule (`type-mismatch`,
`reader-field-missing-default-value`, `missing-enum-symbols`, `missing-union-branch`,
`name-mismatch`, `fixed-size-mismatch`). Only incompatibilities are listed: Avro's
resolution rules make every other difference compatible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import avro.compatibility as avro_compat
import avro.errors
import avro.schema

from eventlint.compat.base import Change, Options, Schema, SchemaError, SchemaStore, sorted_changes

name = "avro"
suffixes = (".avsc",)
SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"  # AsyncAPI's name for Avro schemas

_RULES = {
    "name_mismatch": "name-mismatch",
    "fixed_size_mismatch": "fixed-size-mismatch",
    "missing_enum_symbols": "missing-enum-symbols",
    "reader_field_missing_default_value": "reader-field-missing-default-value",
    "type_mismatch": "type-mismatch",
    "missing_union_branch": "missing-union-branch",
}
_QUOTED = re.compile(r'"([^"]+)"|\b(?:type|Type):? (\S+)')


def load(rel: str, store: SchemaStore, label: str) -> Schema:
    """The `.avsc` file at `rel`, parsed by `avro.schema` (SchemaError with the line on a mistake)."""
    key = ("avro", rel)
    if key not in store.memo:
        store.memo[key] = parse(store.display(rel), store.text(rel))
    return Schema(label=label, file=rel, document=store.memo[key], store=store, format=name)


def parse(file: str, text: str) -> avro.schema.Schema:
    """An Avro schema from its JSON text; every mistake is a SchemaError naming the line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(file, "", f"expected Avro schema JSON: column {exc.colno}: {exc.msg}", line=exc.lineno) from exc
    except RecursionError:
        raise SchemaError(file, "", "expected Avro schema JSON: nested too deeply", line=1) from None
    try:
        return avro.schema.make_avsc_object(data)
    except RecursionError:
        raise SchemaError(file, "", "not a valid Avro schema: nested too deeply", line=1) from None
    except (avro.errors.AvroException, TypeError, ValueError, KeyError, AttributeError) as exc:
        # the parser reports malformed input through several exception types; all mean "not a valid schema"
        message = str(exc) or type(exc).__name__
        raise SchemaError(file, "", f"not a valid Avro schema: {message}", line=_line_of(text, message)) from None


def _line_of(text: str, message: str) -> int:
    """The first line naming what the parser's message quotes (1 when nothing matches)."""
    for match in _QUOTED.finditer(message):
        token = (match.group(1) or match.group(2) or "").strip(".,:'\"")
        if not token:
            continue
        found = re.search(rf'"{re.escape(token)}"', text)
        if found:
            return text.count("\n", 0, found.start()) + 1
    return 1


def compare(old: Schema, new: Schema, options: Options = Options()) -> list[Change]:
    """The incompatibilities between two versions, each with its BACKWARD and FORWARD verdict (from avro.compatibility)."""
    merged: dict[tuple[str, str], list[Any]] = {}  # (path, rule) → [descriptions, breaks BACKWARD, breaks FORWARD]
    for reader, writer, is_backward in ((new.document, old.document, True), (old.document, new.document, False)):
        result = avro_compat.ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
        if result.compatibility is not avro_compat.SchemaCompatibilityType.incompatible:
            continue
        found = list(_Explainer(is_backward).explain(reader, writer, ""))
        if not found:  # the checker's verdict stands even where its parts cannot be told apart
            kind = _RULES.get(result.incompatibilities[0].value, "incompatible")
            found = [("", kind, "; ".join(sorted(result.messages)) or "incompatible")]
        for path, kind, description in found:
            entry = merged.setdefault((path, kind), [[], False, False])
            if description not in entry[0]:
                entry[0].append(description)
            entry[1 if is_backward else 2] = True
    return sorted_changes(Change(path, kind, "; ".join(desc), back, fwd) for (path, kind), (desc, back, fwd) in merged.items())


class _Explainer:
    """Attribute each of the checker's incompatibilities to a place, by asking the checker about the parts."""

    def __init__(self, backward: bool) -> None:
        self._stack: list[tuple[Any, Any]] = []
        self.backward = backward  # reader = new, writer = old (else reader = old, writer = new)

    def _old_new(self, reader: Any, writer: Any) -> tuple[Any, Any]:
        return (writer, reader) if self.backward else (reader, writer)

    def _check(self, reader: Any, writer: Any) -> Any:
        """The checker's result for a part, with the pairs above it in progress, as they are inside its own walk."""
        checker = avro_compat.ReaderWriterCompatibilityChecker()
        for above in self._stack:
            checker.memoize_map[avro_compat.ReaderWriter(*above)] = avro_compat.SchemaCompatibilityResult()
        return checker.get_compatibility(reader, writer)

    def _compatible(self, reader: Any, writer: Any) -> bool:
        return self._check(reader, writer).compatibility is not avro_compat.SchemaCompatibilityType.incompatible

    def explain(self, reader: avro.schema.Schema, writer: avro.schema.Schema, path: str) -> Iterator[tuple[str, str, str]]:
        if any(reader is r and writer is w for r, w in self._stack):
            return  # a recursive type: the checker takes a pair in progress as compatible
        result = self._check(reader, writer)
        if result.compatibility is not avro_compat.SchemaCompatibilityType.incompatible:
            return
        self._stack.append((reader, writer))
        try:
            if len(result.incompatibilities) > 1 or reader.type == "record" == writer.type:
                parts = list(self._parts(reader, writer, path))
                if parts:
                    yield from parts
                    return
            yield from self._leaf(result, reader, writer, path)
        finally:
            self._stack.pop()

    def _parts(self, reader: Any, writer: Any, path: str) -> Iterator[tuple[str, str, str]]:
        """The incompatibilities of the children of a pair, in the checker's own order of resolution."""
        if writer.type == "union" and reader.type != "union":
            for index, branch in enumerate(writer.schemas):
                yield from self.explain(reader, branch, f"{path}/{index}")
            return
        if reader.type != writer.type:
            return
        if reader.type in ("record", "enum", "fixed") and not avro_compat.schema_name_equals(reader, writer):
            old, new = self._old_new(reader, writer)
            yield f"{path}/name", "name-mismatch", f"name {old.fullname} → {new.fullname}, and no alias of the {self._reader} names the other"
        if reader.type == "record":
            for field in reader.fields:
                other = avro_compat.lookup_writer_field(writer, field)
                at = f"{path}/fields/{field.name}"
                if other is not None:
                    yield from self.explain(field.type, other.type, at)
                elif not field.has_default:
                    if field.type.type == "enum" and field.type.props.get("default"):
                        yield from self.explain(field.type, writer, at)
                    else:
                        change = "added" if self.backward else "removed"
                        yield at, "reader-field-missing-default-value", f"field `{field.name}` {change}; the {self._reader} has no default for data without it"
        elif reader.type == "array":
            yield from self.explain(reader.items, writer.items, f"{path}/items")
        elif reader.type == "map":
            yield from self.explain(reader.values, writer.values, f"{path}/values")
        elif reader.type == "union":
            for index, branch in enumerate(writer.schemas):
                if not self._compatible(reader, branch):
                    yield f"{path}/{index}", "missing-union-branch", f"union branch {_spell(branch)} of the {self._writer} has no branch in the {self._reader} that reads it"
        elif reader.type == "enum":
            missing = sorted(set(writer.symbols) - set(reader.symbols))
            default = reader.props.get("default")
            if missing and not (default and default in reader.symbols):
                change = "removed" if self.backward else "added"
                yield f"{path}/symbols", "missing-enum-symbols", f"enum symbol {', '.join(missing)} {change}; the {self._reader} has no default symbol"
        elif reader.type == "fixed" and reader.size != writer.size:
            old, new = self._old_new(reader, writer)
            yield f"{path}/size", "fixed-size-mismatch", f"fixed size {old.size} → {new.size}"

    @property
    def _reader(self) -> str:
        return "new schema" if self.backward else "old schema"

    @property
    def _writer(self) -> str:
        return "old schema" if self.backward else "new schema"

    def _leaf(self, result: Any, reader: Any, writer: Any, path: str) -> Iterator[tuple[str, str, str]]:
        kind = _RULES.get(result.incompatibilities[0].value, result.incompatibilities[0].value.replace("_", "-"))
        if kind == "type-mismatch":
            old, new = self._old_new(reader, writer)
            yield path, kind, f"type {_spell(old)} → {_spell(new)}, which Avro does not resolve in this direction"
        elif kind == "missing-union-branch":
            yield path, kind, f"the {self._reader}'s union {_spell(reader)} has no branch for {_spell(writer)}"
        else:
            yield from self._parts(reader, writer, path)


def _spell(schema: Any) -> str:
    """A short name for a type: `int`, `record Customer`, `union [null, string]`."""
    if schema.type == "union":
        return "[" + ", ".join(_spell(s) for s in schema.schemas) + "]"
    if schema.type in ("record", "enum", "fixed", "error"):
        return f"{schema.type} {schema.fullname}"
    if schema.type == "array":
        return f"array<{_spell(schema.items)}>"
    if schema.type == "map":
        return f"map<{_spell(schema.values)}>"
    return str(schema.type)


_JSON_TYPES = {
    "null": "null",
    "boolean": "boolean",
    "int": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "bytes": "string",
    "string": "string",
    "fixed": "string",
    "enum": "string",
}


def json_view(document: avro.schema.Schema) -> dict[str, Any]:
    """The data a record accepts, said as JSON Schema (what the contract rules read): fields, types, defaults, nesting.

    A field without a default that cannot be null is required; a record takes no other
    field (a writer drops unknown keys silently, which is the mismatch the rules report).
    A named type met again inside itself is left open.
    """
    return _view(document, frozenset())


def _view(schema: Any, inside: frozenset[str]) -> dict[str, Any]:
    kind = schema.type
    if kind in ("record", "error"):
        if schema.fullname in inside:
            return {}
        inner = inside | {schema.fullname}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in schema.fields:
            prop = _view(field.type, inner)
            if field.has_default:
                prop = {**prop, "default": field.default}
            elif not _nullable(field.type):
                required.append(field.name)
            properties[field.name] = prop
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    if kind == "union":
        branches = [_view(branch, inside) for branch in schema.schemas]
        simple = [b for b in branches if set(b) == {"type"} and isinstance(b["type"], str)]
        if len(simple) == len(branches):
            return {"type": sorted({b["type"] for b in simple})}
        return {"anyOf": branches}
    if kind == "array":
        return {"type": "array", "items": _view(schema.items, inside)}
    if kind == "map":
        return {"type": "object", "additionalProperties": _view(schema.values, inside)}
    if kind == "enum":
        return {"type": "string", "enum": list(schema.symbols)}
    if getattr(schema, "logical_type", None) or schema.props.get("logicalType"):
        return {}  # a date, a decimal, a timestamp: the code sends Python objects the serializer converts
    return {"type": _JSON_TYPES.get(kind, "string")} if kind in _JSON_TYPES else {}


def _nullable(schema: Any) -> bool:
    return schema.type == "null" or (schema.type == "union" and any(s.type == "null" for s in schema.schemas))


def multi_format(schema: Schema) -> Any:
    """The schema as written (its JSON), for an AsyncAPI multi-format schema object."""
    return json.loads(schema.store.text(schema.file))
