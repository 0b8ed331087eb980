"""Protobuf: `.proto` schemas parsed by `proto-schema-parser` (pure Python, no protoc) and judged by buf's breaking rules.

The rules and their ids are buf's, at its two wire levels (`buf config ls-breaking-rules`):

- WIRE and WIRE_JSON: FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED, ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED,
  FIELD_SAME_ONEOF, FIELD_SAME_DEFAULT, FILE_SAME_PACKAGE, MESSAGE_SAME_REQUIRED_FIELDS,
  RESERVED_MESSAGE_NO_DELETE, RESERVED_ENUM_NO_DELETE;
- WIRE only: FIELD_WIRE_COMPATIBLE_TYPE, FIELD_WIRE_COMPATIBLE_CARDINALITY;
- WIRE_JSON only: FIELD_WIRE_JSON_COMPATIBLE_TYPE, FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY,
  FIELD_NO_DELETE_UNLESS_NAME_RESERVED, ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED,
  FIELD_SAME_NAME, FIELD_SAME_JSON_NAME, ENUM_VALUE_SAME_NAME.

Messages and enums are matched by fully-qualified name, fields and enum values by number,
as buf does. buf judges a change without a direction (old and new programs must keep
reading each other's bytes), so a break violates BACKWARD and FORWARD alike; the
compatible differences (a field or value added, a message added or deleted) are listed
too. RPC rules are not checked (event schemas carry messages, not services).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from proto_schema_parser import ast
from proto_schema_parser.parser import Parser

from eventlint.compat.base import PROTOBUF_LEVELS, Change, Options, Schema, SchemaError, SchemaStore, sorted_changes

name = "protobuf"
suffixes = (".proto",)
SCHEMA_FORMAT = "application/vnd.google.protobuf;version=3"  # AsyncAPI's name for Protobuf schemas

# which scalar types buf accepts in place of each other (measured with buf 1.75's FIELD_WIRE[_JSON]_COMPATIBLE_TYPE)
_WIRE_GROUPS = (
    {"int32", "int64", "uint32", "uint64", "bool"},
    {"sint32", "sint64"},
    {"fixed32", "sfixed32"},
    {"fixed64", "sfixed64"},
    {"string", "bytes"},
)
_WIRE_JSON_GROUPS = ({"int32", "uint32"}, {"int64", "uint64"}, {"fixed32", "sfixed32"}, {"fixed64", "sfixed64"})
SCALARS = frozenset(
    "double float int32 int64 uint32 uint64 sint32 sint64 fixed32 fixed64 sfixed32 sfixed64 bool string bytes".split()
)
_PRESENCE = {"implicit": "optional with implicit presence", "optional": "optional with explicit presence", "repeated": "repeated", "required": "required"}


@dataclass
class ProtoField:
    """One field as a descriptor sees it: number, name, resolved type, cardinality, oneof, JSON name."""

    name: str
    number: int
    type: str  # a scalar, or the fully-qualified name of a message or enum
    kind: str  # "scalar", "message" or "enum"
    cardinality: str  # "implicit", "optional", "repeated" or "required"
    oneof: str | None = None
    json_name: str = ""
    default: Any = None


@dataclass
class ProtoMessage:
    name: str  # fully-qualified
    fields: dict[int, ProtoField] = field(default_factory=dict)
    reserved_numbers: list[tuple[int, int]] = field(default_factory=list)
    reserved_names: set[str] = field(default_factory=set)


@dataclass
class ProtoEnum:
    name: str  # fully-qualified
    values: dict[int, list[str]] = field(default_factory=dict)
    reserved_numbers: list[tuple[int, int]] = field(default_factory=list)
    reserved_names: set[str] = field(default_factory=set)


@dataclass
class ProtoFile:
    """A parsed `.proto` file: its package, and its messages and enums by fully-qualified name (nested ones included)."""

    path: str
    package: str
    messages: dict[str, ProtoMessage]
    enums: dict[str, ProtoEnum]
    order: list[str]  # top-level messages in file order (the first is the event's, as Confluent's serializer picks it)


def load(rel: str, store: SchemaStore, label: str) -> Schema:
    """The `.proto` file at `rel`, parsed with its imports (SchemaError naming file and line on a mistake)."""
    return Schema(label=label, file=rel, document=_load(rel, store, ()), store=store, format=name)


def _load(rel: str, store: SchemaStore, chain: tuple[str, ...]) -> ProtoFile:
    key = ("protobuf", rel)
    if key in store.memo:
        return store.memo[key]
    display = store.display(rel)
    text = store.text(rel)
    tree = parse(display, text)
    imported: dict[str, str] = {}  # fully-qualified type name → "message" / "enum", from imports
    for element in tree.file_elements:
        if isinstance(element, ast.Import):
            target = _find_import(element.name, rel, store)
            if target is None:
                if element.name.startswith("google/protobuf/"):
                    continue  # a well-known type: its fields are not needed to compare ours
                raise SchemaError(display, "", f"import {element.name!r} not found inside the project", line=_line(text, element.name))
            if target in chain or target == rel:
                raise SchemaError(display, "", f"import cycle: {' -> '.join((*chain, rel, target))}", line=_line(text, element.name))
            other = _load(target, store, (*chain, rel))
            imported.update({n: "message" for n in other.messages})
            imported.update({n: "enum" for n in other.enums})
    model = _Builder(display, text, imported).build(tree, rel)
    store.memo[key] = model
    return model


def _find_import(path: str, rel: str, store: SchemaStore) -> str | None:
    """An import resolves against the project root, then the importing file's folder (buf and protoc's include path)."""
    for candidate in (posixpath.normpath(path), posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))):
        if not candidate.startswith("../") and store.exists(candidate):
            return candidate
    return None


class _Errors:
    """An ANTLR error listener that turns the first syntax error into a SchemaError."""

    def __init__(self, file: str) -> None:
        self.file = file

    def syntaxError(self, recognizer: Any, offendingSymbol: Any, line: int, column: int, msg: str, e: Any) -> None:  # noqa: N802, N803
        raise SchemaError(self.file, "", f"expected Protobuf syntax: column {column + 1}: {msg}", line=line)

    def reportAmbiguity(self, *args: Any) -> None:  # noqa: N802
        return None

    def reportAttemptingFullContext(self, *args: Any) -> None:  # noqa: N802
        return None

    def reportContextSensitivity(self, *args: Any) -> None:  # noqa: N802
        return None


def parse(file: str, text: str) -> ast.File:
    """The syntax tree of a `.proto` text; a syntax error is a SchemaError with its line (nothing printed)."""
    errors = _Errors(file)

    def quiet(recognizer: Any) -> None:
        recognizer.removeErrorListeners()
        recognizer.addErrorListener(errors)

    try:
        return Parser(setup_lexer=quiet, setup_parser=quiet).parse(text)
    except SchemaError:
        raise
    except RecursionError:
        raise SchemaError(file, "", "expected Protobuf syntax: nested too deeply", line=1) from None
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        # the tree builder fails on input the grammar let through; it is still a syntax mistake
        raise SchemaError(file, "", f"expected Protobuf syntax: {exc}", line=1) from None


def _line(text: str, token: str) -> int:
    found = re.search(re.escape(token), text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


class _Builder:
    """The syntax tree as descriptors: names qualified, types resolved, map fields as their entry messages."""

    def __init__(self, file: str, text: str, imported: Mapping[str, str]) -> None:
        self.file = file
        self.text = text
        self.known: dict[str, str] = dict(imported)
        self.messages: dict[str, ProtoMessage] = {}
        self.enums: dict[str, ProtoEnum] = {}
        self.pending: list[tuple[ProtoField, str, str]] = []  # (field, written type, scope)
        self.proto3 = True

    def build(self, tree: ast.File, rel: str) -> ProtoFile:
        self.proto3 = (tree.syntax or "proto2") == "proto3" if tree.edition is None else False
        packages = [e.name for e in tree.file_elements if isinstance(e, ast.Package)]
        package = packages[0] if packages else ""
        order: list[str] = []
        for element in tree.file_elements:
            if isinstance(element, ast.Message):
                order.append(self._message(element, package))
            elif isinstance(element, ast.Enum):
                self._enum(element, package)
        for proto_field, written, scope in self.pending:
            proto_field.type, proto_field.kind = self._resolve(written, scope)
        return ProtoFile(rel, package, self.messages, self.enums, order)

    def _qualify(self, scope: str, local: str) -> str:
        return f"{scope}.{local}" if scope else local

    def _message(self, node: ast.Message, scope: str) -> str:
        full = self._qualify(scope, node.name)
        message = ProtoMessage(full)
        self.messages[full] = message
        self.known[full] = "message"
        for element in node.elements:  # register nested types before fields refer to them
            if isinstance(element, ast.Message):
                self._message(element, full)
            elif isinstance(element, ast.Enum):
                self._enum(element, full)
        for element in node.elements:
            if isinstance(element, ast.Field):
                self._field(message, element, full, None)
            elif isinstance(element, ast.OneOf):
                for inner in element.elements:
                    if isinstance(inner, ast.Field):
                        self._field(message, inner, full, element.name)
            elif isinstance(element, ast.MapField):
                self._map_field(message, element, full)
            elif isinstance(element, ast.Reserved):
                message.reserved_numbers.extend(_ranges(element.ranges))
                message.reserved_names.update(element.names)
        return full

    def _field(self, message: ProtoMessage, node: ast.Field, scope: str, oneof: str | None) -> None:
        label = node.cardinality.value.lower() if node.cardinality is not None else None
        if label is None:
            label = "implicit" if self.proto3 and oneof is None else "optional"
        options = {o.name: o.value for o in node.options}
        made = ProtoField(node.name, node.number, node.type, "scalar", label, oneof, _json_name(node.name, options.get("json_name")), options.get("default"))
        if node.type not in SCALARS:
            self.pending.append((made, node.type, scope))
        message.fields[node.number] = made

    def _map_field(self, message: ProtoMessage, node: ast.MapField, scope: str) -> None:
        entry = self._qualify(scope, "".join(part[:1].upper() + part[1:] for part in node.name.split("_")) + "Entry")
        inner = ProtoMessage(entry)
        inner.fields[1] = ProtoField("key", 1, node.key_type, "scalar", "optional" if not self.proto3 else "implicit", json_name="key")
        value = ProtoField("value", 2, node.value_type, "scalar", "optional" if not self.proto3 else "implicit", json_name="value")
        if node.value_type not in SCALARS:
            self.pending.append((value, node.value_type, scope))
        inner.fields[2] = value
        self.messages[entry] = inner
        self.known[entry] = "message"
        options = {o.name: o.value for o in node.options}
        message.fields[node.number] = ProtoField(node.name, node.number, entry, "message", "repeated", None, _json_name(node.name, options.get("json_name")))

    def _enum(self, node: ast.Enum, scope: str) -> None:
        full = self._qualify(scope, node.name)
        enum = ProtoEnum(full)
        for element in node.elements:
            if isinstance(element, ast.EnumValue):
                enum.values.setdefault(element.number, []).append(element.name)
            elif isinstance(element, ast.EnumReserved):
                enum.reserved_numbers.extend(_ranges(element.ranges))
                enum.reserved_names.update(element.names)
        self.enums[full] = enum
        self.known[full] = "enum"

    def _resolve(self, written: str, scope: str) -> tuple[str, str]:
        """Protobuf's scoping: a leading dot is absolute; otherwise the innermost enclosing scope that has the name."""
        if written.startswith("."):
            candidates = [written[1:]]
        else:
            parts = scope.split(".") if scope else []
            candidates = [self._qualify(".".join(parts[:i]), written) for i in range(len(parts), -1, -1)]
        for candidate in candidates:
            if candidate in self.known:
                return candidate, self.known[candidate]
        if written.lstrip(".").startswith("google.protobuf."):
            return written.lstrip("."), "message"  # a well-known type from an import we did not read
        raise SchemaError(self.file, "", f"unknown type {written!r} (not defined here or in an import)", line=_line(self.text, written))


def _json_name(field_name: str, option: Any) -> str:
    """The field's JSON name: its `json_name` option, else protoc's lowerCamelCase of the name."""
    if isinstance(option, str):
        return option
    out, upper = [], False
    for char in field_name:
        if char == "_":
            upper = True
        else:
            out.append(char.upper() if upper else char)
            upper = False
    return "".join(out)


def _ranges(ranges: list[str]) -> list[tuple[int, int]]:
    found = []
    for text in ranges:
        parts = [p.strip() for p in str(text).split("to")]
        try:
            low = int(parts[0], 0)
            high = low if len(parts) == 1 else (536870911 if parts[1] == "max" else int(parts[1], 0))
        except ValueError:
            continue
        found.append((low, high))
    return found


def _reserved(number: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= number <= high for low, high in ranges)


def compare(old: Schema, new: Schema, options: Options = Options()) -> list[Change]:
    """buf's breaking changes at `options.protobuf_level` (WIRE_JSON or WIRE), each naming buf's rule id; compatible differences too."""
    level = options.protobuf_level
    if level not in PROTOBUF_LEVELS:
        raise ValueError(f"protobuf level must be one of {', '.join(PROTOBUF_LEVELS)}, got {level!r}")
    return sorted_changes(_Differ(old.document, new.document, level == "WIRE_JSON").changes())


class _Differ:
    def __init__(self, old: ProtoFile, new: ProtoFile, json: bool) -> None:
        self.old, self.new, self.json = old, new, json

    def changes(self) -> Iterator[Change]:
        if self.old.package != self.new.package:
            yield _break("/package", "FILE_SAME_PACKAGE", f"package {self.old.package or '(none)'} → {self.new.package or '(none)'}")
        for full in sorted(set(self.old.messages) | set(self.new.messages)):
            a, b = self.old.messages.get(full), self.new.messages.get(full)
            if a is None:
                yield _note(f"/{self._local(full, self.new)}", "message-added", f"message {full} added")
            elif b is None:
                yield _note(f"/{self._local(full, self.old)}", "message-deleted", f"message {full} deleted (buf's wire levels do not judge deleted messages)")
            else:
                yield from self._message(a, b, f"/{self._local(full, self.new)}")
        for full in sorted(set(self.old.enums) & set(self.new.enums)):
            yield from self._enum(self.old.enums[full], self.new.enums[full], f"/{self._local(full, self.new)}")

    def _local(self, full: str, model: ProtoFile) -> str:
        prefix = f"{model.package}." if model.package else ""
        return full[len(prefix):] if prefix and full.startswith(prefix) else full

    def _message(self, a: ProtoMessage, b: ProtoMessage, path: str) -> Iterator[Change]:
        short = a.name.rsplit(".", 1)[-1]
        for number in sorted(set(a.fields) | set(b.fields)):
            x, y = a.fields.get(number), b.fields.get(number)
            if x is None and y is not None:
                yield _note(f"{path}/{y.name}", "field-added", f"field {number} `{y.name}` added")
                if y.cardinality == "required":
                    yield _break(f"{path}/{y.name}", "MESSAGE_SAME_REQUIRED_FIELDS", f"required field {number} `{y.name}` added to {short}")
                continue
            if y is None and x is not None:
                at = f"{path}/{x.name}"
                if not _reserved(number, b.reserved_numbers):
                    yield _break(at, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", f"field {number} `{x.name}` deleted without reserving the number {number}")
                if self.json and x.name not in b.reserved_names:
                    yield _break(at, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", f"field {number} `{x.name}` deleted without reserving the name `{x.name}`")
                if x.cardinality == "required":
                    yield _break(at, "MESSAGE_SAME_REQUIRED_FIELDS", f"required field {number} `{x.name}` deleted from {short}")
                continue
            assert x is not None and y is not None
            yield from self._field(x, y, f"{path}/{y.name}")
        if not all(any(lo >= l2 and hi <= h2 for l2, h2 in b.reserved_numbers) for lo, hi in a.reserved_numbers) or not a.reserved_names <= b.reserved_names:
            yield _break(f"{path}/reserved", "RESERVED_MESSAGE_NO_DELETE", f"reserved numbers or names of {short} deleted")

    def _field(self, x: ProtoField, y: ProtoField, at: str) -> Iterator[Change]:
        number = x.number
        if self.json and x.name != y.name:
            yield _break(at, "FIELD_SAME_NAME", f"field {number} renamed `{x.name}` → `{y.name}`")
        if self.json and x.json_name != y.json_name:
            yield _break(at, "FIELD_SAME_JSON_NAME", f"field {number} JSON name `{x.json_name}` → `{y.json_name}`")
        if (x.oneof is None) != (y.oneof is None) or (x.oneof and y.oneof and x.oneof != y.oneof):
            where = lambda f: f"oneof `{f.oneof}`" if f.oneof else "outside any oneof"  # noqa: E731
            yield _break(at, "FIELD_SAME_ONEOF", f"field {number} `{y.name}` moved from {where(x)} to {where(y)}")
        if (x.cardinality == "repeated") != (y.cardinality == "repeated"):
            rule = "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY" if self.json else "FIELD_WIRE_COMPATIBLE_CARDINALITY"
            yield _break(at, rule, f"field {number} `{y.name}` cardinality {_PRESENCE[x.cardinality]} → {_PRESENCE[y.cardinality]}")
        if x.type != y.type and not self._same_type(x.type, y.type):
            rule = "FIELD_WIRE_JSON_COMPATIBLE_TYPE" if self.json else "FIELD_WIRE_COMPATIBLE_TYPE"
            yield _break(at, rule, f"field {number} `{y.name}` type {x.type} → {y.type}")
        if x.default != y.default and x.default is not None:
            yield _break(at, "FIELD_SAME_DEFAULT", f"field {number} `{y.name}` default {x.default!r} → {y.default!r}")

    def _same_type(self, a: str, b: str) -> bool:
        groups = _WIRE_JSON_GROUPS if self.json else _WIRE_GROUPS
        return any(a in group and b in group for group in groups)

    def _enum(self, a: ProtoEnum, b: ProtoEnum, path: str) -> Iterator[Change]:
        for number in sorted(set(a.values) | set(b.values)):
            old_names, new_names = a.values.get(number, []), b.values.get(number, [])
            if not old_names:
                yield _note(f"{path}/{new_names[0]}", "enum-value-added", f"enum value {new_names[0]} = {number} added")
                continue
            at = f"{path}/{old_names[0]}"
            if not new_names:
                if not _reserved(number, b.reserved_numbers):
                    yield _break(at, "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", f"enum value {old_names[0]} = {number} deleted without reserving the number")
                if self.json and not set(old_names) & b.reserved_names:
                    yield _break(at, "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", f"enum value {old_names[0]} = {number} deleted without reserving the name")
                continue
            if self.json and not set(old_names) <= set(new_names):
                yield _break(at, "ENUM_VALUE_SAME_NAME", f"enum value {number} renamed {', '.join(old_names)} → {', '.join(new_names)}")
        if not all(any(lo >= l2 and hi <= h2 for l2, h2 in b.reserved_numbers) for lo, hi in a.reserved_numbers) or not a.reserved_names <= b.reserved_names:
            yield _break(f"{path}/reserved", "RESERVED_ENUM_NO_DELETE", f"reserved numbers or names of enum {a.name.rsplit('.', 1)[-1]} deleted")


def _break(path: str, rule: str, description: str) -> Change:
    return Change(path, rule, description, True, True)


def _note(path: str, kind: str, description: str) -> Change:
    return Change(path, kind, description, False, False)


_JSON_TYPES = {
    "double": ["number", "string"],
    "float": ["number", "string"],
    "int32": ["integer"],
    "uint32": ["integer"],
    "sint32": ["integer"],
    "fixed32": ["integer"],
    "sfixed32": ["integer"],
    "int64": ["integer", "string"],
    "uint64": ["integer", "string"],
    "sint64": ["integer", "string"],
    "fixed64": ["integer", "string"],
    "sfixed64": ["integer", "string"],
    "bool": ["boolean"],
    "string": ["string"],
    "bytes": ["string"],
}


def first_message_name(document: ProtoFile) -> str | None:
    """The fully qualified name of the file's first message (the one Confluent's serializer writes), None for none."""
    return document.order[0] if document.order else None


def attribute_names(document: ProtoFile) -> frozenset[str]:
    """The fields of the file's first message: the attributes its generated Python class has."""
    if not document.order:
        return frozenset()
    return frozenset(f.name for f in document.messages[document.order[0]].fields.values())


def message_attributes(document: ProtoFile, full: str) -> frozenset[str] | None:
    """The fields of the message `full` (its generated class's attributes), None when the file does not define it."""
    message = document.messages.get(full)
    return frozenset(f.name for f in message.fields.values()) if message is not None else None


def message_json_view(document: ProtoFile, full: str) -> dict[str, Any] | None:
    """The message `full` as `json_view` reads the first one, None when the file does not define it."""
    return _view(document, full, frozenset()) if full in document.messages else None


def json_view(document: ProtoFile) -> dict[str, Any]:
    """The first message of the file (Confluent's serializer's choice) as the JSON its proto3 JSON mapping accepts.

    Fields are known by their name and their JSON name; none is required (proto3 has
    no required fields; proto2 `required` ones are); a parser rejects unknown fields.
    """
    if not document.order:
        return {}
    return _view(document, document.order[0], frozenset())


def _view(document: ProtoFile, full: str, inside: frozenset[str]) -> dict[str, Any]:
    message = document.messages.get(full)
    if message is None or full in inside:
        return {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for number in sorted(message.fields):
        f = message.fields[number]
        if f.kind == "message":
            entry = document.messages.get(f.type)
            if f.cardinality == "repeated" and entry is not None and f.type.endswith("Entry") and set(entry.fields) == {1, 2}:
                value = entry.fields[2]
                prop: dict[str, Any] = {"type": "object", "additionalProperties": _scalar_view(document, value, inside | {full})}
            else:
                prop = _view(document, f.type, inside | {full}) or {}
                prop = {"anyOf": [prop, {"type": "null"}]} if prop else {}
        else:
            prop = _scalar_view(document, f, inside)
        if f.cardinality == "repeated" and prop.get("type") != "object":
            prop = {"type": "array", "items": prop}
        properties[f.name] = prop
        if f.json_name != f.name:
            properties[f.json_name] = prop
        if f.cardinality == "required":
            required.append(f.name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _scalar_view(document: ProtoFile, f: ProtoField, inside: frozenset[str]) -> dict[str, Any]:
    if f.kind == "enum":
        enum = document.enums.get(f.type)
        symbols = [n for names in (enum.values.values() if enum else []) for n in names]
        return {"type": ["integer", "string"], **({"enum": [*symbols, *sorted((enum.values if enum else {}))]} if symbols else {})}
    if f.kind == "message":
        return _view(document, f.type, inside)
    return {"type": _JSON_TYPES.get(f.type, ["string"])}


def multi_format(schema: Schema) -> str:
    """The `.proto` text, for an AsyncAPI multi-format schema object."""
    return schema.store.text(schema.file)
