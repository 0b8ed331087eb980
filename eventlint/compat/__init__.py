"""Compatibility between versions of an event's schema: JSON Schema, Avro and Protobuf, one interface.

Public API (the rest is private):

- ``load_versions(path, store) -> list[tuple[str, Schema]]``: a schema file, or a folder
  of versions (``v1.json``, ``v2.avsc``, ``v3.proto``... ordered by version number, one
  format per folder), loaded and checked, labelled by file name.
- ``load_schema(path, store) -> Schema``: one schema file; its format comes from its
  suffix (``.json``/``.yaml``/``.yml`` JSON Schema, ``.avsc`` Avro, ``.proto`` Protobuf).
- ``SchemaStore.from_directory(root)`` / ``SchemaStore(root, read, listdir)``: where
  files come from (the working tree, or a git ref through ``read``); every file
  lives under ``root`` and nothing outside it is ever read.
- ``compare(old, new, policy="strict", protobuf_level="WIRE_JSON") -> list[Change]``:
  every difference with a path, a stable ``kind``, a description and whether it breaks
  BACKWARD (consumers on ``new`` reading data written with ``old``) and FORWARD
  (consumers on ``old`` reading data written with ``new``).
- ``history(versions, mode, ...) -> list[Break]`` and ``History``: the breaks in an
  ordered version history; each pair is compared once and every mode reads the same
  changes (non-transitive modes compare each version with the one before, transitive
  modes with every earlier one).
- ``settings(contracts, event_mode=None)`` / ``protobuf_level(contracts)``: what applies
  to an event, from the `contracts` configuration key and the event's `compatibility`.
- ``text_schema(format, text, file)``: a schema written in the analysed code (a serializer's), loaded like a file.
- ``SchemaError``: an unreadable, malformed or unresolvable schema (file, where, expectation).

A format is a module with ``name``, ``suffixes``, ``load`` and ``compare`` (see
``base.Format``); adding one is adding a module and a line in ``_FORMATS``.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventlint.compat import json_schema
from eventlint.compat.base import (
    DEFAULT_MODE,
    DEFAULT_POLICY,
    DEFAULT_PROTOBUF_LEVEL,
    MODES,
    POLICIES,
    PROTOBUF_LEVELS,
    Break,
    Change,
    Format,
    History,
    Options,
    Schema,
    SchemaError,
    SchemaStore,
    breaks,
    protobuf_level,
    settings,
)
from eventlint.compat.json_schema import check_schema

__all__ = [
    "DEFAULT_MODE",
    "attribute_names",
    "DEFAULT_POLICY",
    "DEFAULT_PROTOBUF_LEVEL",
    "MODES",
    "POLICIES",
    "PROTOBUF_LEVELS",
    "SCHEMA_SUFFIXES",
    "Break",
    "Change",
    "History",
    "Options",
    "Schema",
    "SchemaError",
    "SchemaStore",
    "breaks",
    "check_schema",
    "compare",
    "first_message",
    "message_view",
    "format_of",
    "history",
    "inline_schema",
    "json_view",
    "load_schema",
    "load_versions",
    "multi_format",
    "protobuf_level",
    "settings",
    "text_schema",
]

# suffix → format module; Avro and Protobuf are imported only when a run meets one of their files
_FORMATS: dict[str, str] = {
    ".json": "json_schema",
    ".yaml": "json_schema",
    ".yml": "json_schema",
    ".avsc": "avro_schema",
    ".proto": "protobuf",
}
_NAMES = {"json-schema": "json_schema", "avro": "avro_schema", "protobuf": "protobuf"}
SCHEMA_SUFFIXES = tuple(_FORMATS)
_VERSION_FILE = re.compile(r"^v(\d+)\.(json|ya?ml|avsc|proto)$", re.IGNORECASE)


def format_of(rel: str) -> Format:
    """The format module for a file, by its suffix (JSON Schema when the suffix says nothing)."""
    suffix = posixpath.splitext(rel)[1].lower()
    module = _FORMATS.get(suffix, "json_schema")
    if module == "json_schema":
        return json_schema  # type: ignore[return-value]
    return importlib.import_module(f"eventlint.compat.{module}")  # type: ignore[return-value]


def load_schema(path: Path | str, store: SchemaStore, label: str | None = None) -> Schema:
    """The schema file at `path` (relative to the store's root, or absolute inside it)."""
    rel = store.relative(path)
    return format_of(rel).load(rel, store, label or posixpath.basename(rel))


def load_versions(path: Path | str, store: SchemaStore) -> list[tuple[str, Schema]]:
    """A schema file as one version, or a folder's `v<N>.<suffix>` files ordered by N (one format per folder)."""
    rel = store.relative(path)
    if store.exists(rel):
        schema = load_schema(rel, store)
        return [(schema.label, schema)]
    numbered: list[tuple[int, str]] = []
    for name in store.listdir(rel):
        match = _VERSION_FILE.match(name)
        if match:
            numbered.append((int(match.group(1)), name))
    if not numbered:
        raise SchemaError(rel, "", "expected a schema file or a folder of versions (v1.json, v2.json, ... or v1.avsc, v1.proto, ...)")
    numbered.sort()
    duplicates = sorted({n for n, _ in numbered if sum(1 for m, _ in numbered if m == n) > 1})
    if duplicates:
        raise SchemaError(rel, "", f"expected one file per version, found several for v{duplicates[0]}")
    kinds = sorted({format_of(name).name for _, name in numbered})
    if len(kinds) > 1:
        raise SchemaError(rel, "", f"expected the versions of one format in a folder, found {' and '.join(kinds)}")
    return [(name, load_schema(posixpath.join(rel, name), store, label=name)) for _, name in numbered]


def compare(
    old: Schema | Any, new: Schema | Any, policy: str = DEFAULT_POLICY, protobuf_level: str = DEFAULT_PROTOBUF_LEVEL
) -> list[Change]:
    """Every difference from `old` to `new`, sorted by path then kind (plain mappings are JSON Schemas)."""
    old, new = _as_schema(old), _as_schema(new)
    if old.format != new.format:
        raise SchemaError(new.file, "", f"expected a {old.format} schema like {old.file}, got a {new.format} schema")
    return format_of_name(new.format).compare(old, new, Options(policy=policy, protobuf_level=protobuf_level))


def history(
    versions: Sequence[tuple[str, Schema | Any]],
    mode: str = DEFAULT_MODE,
    policy: str = DEFAULT_POLICY,
    protobuf_level: str = DEFAULT_PROTOBUF_LEVEL,
) -> list[Break]:
    """The breaks of `mode` in an ordered history: each later version against the previous one (or all earlier ones)."""
    if mode not in MODES:
        raise ValueError(f"compatibility mode must be one of {', '.join(MODES)}, got {mode!r}")
    checked = [(label, _as_schema(value, label)) for label, value in versions]  # check each version once
    return History(checked, lambda a, b: compare(a, b, policy, protobuf_level)).breaks(mode)


def json_view(schema: Schema) -> Any:
    """The data a schema accepts as JSON Schema (the document itself for JSON Schema), for the contract rules."""
    if schema.format == json_schema.name:
        return json_schema.contract_view(schema)
    return format_of_name(schema.format).json_view(schema.document)  # type: ignore[attr-defined]


def inline_schema(schema_format: str, document: Any, file: str) -> Schema:
    """An Avro (a mapping) or Protobuf (its text) schema written inside an AsyncAPI document, loaded like a file."""
    name = "avro" if schema_format.startswith("application/vnd.apache.avro") else "protobuf"
    text = document if isinstance(document, str) else json.dumps(document)
    store = SchemaStore(Path("."), lambda rel: text if rel == "(payload)" else None, origin=f" ({file})")
    return format_of_name(name).load("(payload)", store, "(payload)")


def text_schema(format_name: str, text: str, file: str, label: str = "(code)") -> Schema:
    """A schema written in the analysed code (`avro`, `json-schema` or `protobuf` text), loaded and checked like a file."""
    suffix = {"avro": ".avsc", "json-schema": ".json", "protobuf": ".proto"}.get(format_name)
    if suffix is None:
        raise ValueError(f"unknown schema format {format_name!r}")
    rel = f"(code){suffix}"
    store = SchemaStore(Path("."), lambda wanted: text if wanted == rel else None, origin=f" ({file})")
    loaded = format_of(rel).load(rel, store, label)
    return Schema(label=label, file=file, document=loaded.document, store=loaded.store, format=loaded.format)


def multi_format(schema: Schema) -> tuple[str, Any]:
    """(AsyncAPI `schemaFormat`, the schema as AsyncAPI carries it) for an Avro or Protobuf version."""
    module = format_of_name(schema.format)
    return module.SCHEMA_FORMAT, module.multi_format(schema)  # type: ignore[attr-defined]


def attribute_names(schema: Schema) -> frozenset[str] | None:
    """The attributes a decoded message has when the format fixes them (a generated Protobuf class), else None."""
    names = getattr(format_of_name(schema.format), "attribute_names", None)
    return names(schema.document) if names is not None else None


def message_view(schema: Schema, message: str) -> tuple[frozenset[str], Any] | None:
    """(the attributes, the JSON view) of one message of a Protobuf schema; None when it does not define it (or is not Protobuf)."""
    if schema.format != "protobuf":
        return None
    from eventlint.compat import protobuf

    attributes = protobuf.message_attributes(schema.document, message)
    view = protobuf.message_json_view(schema.document, message)
    return (attributes, view) if attributes is not None and view is not None else None


def first_message(schema: Schema) -> str | None:
    """A Protobuf schema's first message (the one Confluent's serializer names when the class is not known), else None."""
    if schema.format != "protobuf":
        return None
    from eventlint.compat import protobuf

    return protobuf.first_message_name(schema.document)


def format_of_name(name: str) -> Format:
    """The format module called `name` (`json-schema`, `avro`, `protobuf`)."""
    module = _NAMES.get(name)
    if module is None:
        raise ValueError(f"unknown schema format {name!r}")
    return json_schema if module == "json_schema" else importlib.import_module(f"eventlint.compat.{module}")  # type: ignore[return-value]


def _as_schema(value: Schema | Any, label: str = "(schema)") -> Schema:
    return value if isinstance(value, Schema) else json_schema.as_schema(value, label)
