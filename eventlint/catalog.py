"""The event catalog: declared events (owner, key, channel, consumers) and events crossing the repository.

Read from the `events` and `external` configuration keys. This is the part the
rules need today; schemas, AsyncAPI and compatibility build on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from eventlint import schemas
from eventlint.config import Config, ConfigError, load_yaml_file


@dataclass(frozen=True)
class EventSpec:
    """One declared event."""

    name: str
    owner: str | None = None
    key: str | None = None
    channel: str | None = None
    consumers: tuple[str, ...] = ()
    schema: str | None = None
    description: str | None = None
    deprecated: bool | str = False
    compatibility: str | None = None
    payload: Mapping[str, Any] | None = field(default=None, compare=False)
    source: str = "eventlint.yaml"
    line: int = 1
    base: str = "."

    @property
    def has_schema(self) -> bool:
        return self.schema is not None or self.payload is not None


@dataclass(frozen=True)
class Catalog:
    """Declared events, and the events or channels other repositories publish or consume."""

    events: Mapping[str, EventSpec] = field(default_factory=dict)
    external_consumed: tuple[str, ...] = ()
    external_published: tuple[str, ...] = ()
    root: Path = Path(".")

    def latest_view(self, spec: EventSpec) -> ObjectView | None:
        """The top level of the event's newest schema, or None when it has none."""
        if spec.payload is not None:
            return object_view(spec.payload, spec.payload)
        versions = schema_versions(spec)
        if not versions:
            return None
        document = load_schema_document(versions[-1], self.root)
        return object_view(document, document)

    def event(self, name: str | None) -> EventSpec | None:
        return self.events.get(name) if name else None

    def for_channel(self, channel: str | None) -> list[EventSpec]:
        return [e for e in self.events.values() if channel and e.channel == channel]

    def consumed_elsewhere(self, event: str | None, channel: str | None) -> bool:
        """Declared as consumed by another repository (by event name or channel, globs allowed)."""
        return _listed(event, channel, self.external_consumed)

    def published_elsewhere(self, event: str | None, channel: str | None) -> bool:
        """Declared as published by another repository."""
        return _listed(event, channel, self.external_published)


def load_catalog(config: Config) -> Catalog:
    """The catalog of a configuration; shape mistakes are ConfigErrors naming the key."""
    events = _declared_events(config)
    external = config.raw.get("external") or {}
    if not isinstance(external, Mapping):
        raise ConfigError(config.source, "external", "expected a mapping with `consumed` and `published` lists")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("consumed", "published"):
        value = external.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(config.source, f"external.{key}", f"expected a list of event names or channel globs, got {value!r}")
        lists[key] = tuple(value)
    unknown = sorted(set(external) - {"consumed", "published"})
    if unknown:
        raise ConfigError(config.source, f"external.{unknown[0]}", "unknown key; expected `consumed` or `published`")
    return Catalog(
        events=events,
        external_consumed=lists["consumed"],
        external_published=lists["published"],
        root=config.root,
    )


def _declared_events(config: Config) -> dict[str, EventSpec]:
    """The `events` key: a mapping of event name to its declaration, or the path of a YAML file holding one."""
    raw_events: Any = config.raw.get("events") or {}
    source: Path | None = config.source
    if isinstance(raw_events, str):
        source = _inside(config, raw_events, "events")
        if not source.is_file():
            raise ConfigError(config.source, "events", f"file not found: {raw_events}")
        raw_events = load_yaml_file(source, "event catalog") or {}
        for key, message in schemas.problems({"events": raw_events}, "config"):
            raise ConfigError(source, key.removeprefix("events."), message)
    lines = _key_lines(source, raw_events) if source is not None else {}
    label = str(source) if source is not None else config.label
    events: dict[str, EventSpec] = {}
    for name, spec in raw_events.items():
        spec = spec or {}
        where = f"events.{name}"
        if spec.get("schema") is not None:
            schema = _inside(config, spec["schema"], f"{where}.schema", base=source.parent if source else None)
            if not schema.exists():
                raise ConfigError(label, f"{where}.schema", f"no such file or folder: {spec['schema']}")
            if schema.is_dir() and not _versions(schema):
                raise ConfigError(label, f"{where}.schema", "the folder holds no schema versions (v1.json, v2.json, ...)")
        events[str(name)] = EventSpec(
            name=str(name),
            owner=spec.get("owner"),
            key=spec.get("key"),
            channel=spec.get("channel"),
            consumers=tuple(spec.get("consumers") or ()),
            schema=spec.get("schema"),
            description=spec.get("description"),
            deprecated=spec.get("deprecated", False),
            compatibility=spec.get("compatibility"),
            source=label,
            line=lines.get(str(name), 1),
            base=str((source.parent if source else config.root)),
        )
    return events


def _inside(config: Config, relative: str, key: str, base: Path | None = None) -> Path:
    """A path named in the configuration, which must stay inside the project (symlinks resolved)."""
    root = config.root.resolve()
    path = ((base or config.root) / relative).resolve()
    if path != root and root not in path.parents:
        raise ConfigError(config.label, key, f"{relative} is outside the project root {root}")
    return path


def _key_lines(source: Path, events: Mapping[str, Any]) -> dict[str, int]:
    """The line where each event is declared in its file (1 when it cannot be told)."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    lines: dict[str, int] = {}
    patterns = {
        name: re.compile(
            rf"^\s*(?:['\"]?{re.escape(str(name))}['\"]?\s*[:=]|\[tool\.eventlint\.events\.['\"]?{re.escape(str(name))}['\"]?\])"
        )
        for name in events
    }
    for number, line in enumerate(text.splitlines(), start=1):
        for name, pattern in patterns.items():
            if name not in lines and pattern.match(line):
                lines[str(name)] = number
    return lines


_VERSION = re.compile(r"^v(\d+)(?:\.(?:json|ya?ml))$", re.IGNORECASE)


def _versions(folder: Path) -> list[Path]:
    """Schema versions in a folder, oldest first: v1.json, v2.json, ... (numeric order)."""
    found = [(int(m.group(1)), p) for p in folder.iterdir() if p.is_file() and (m := _VERSION.match(p.name))]
    return [p for _, p in sorted(found)]


def schema_versions(spec: EventSpec) -> list[Path]:
    """The schema files of an event, oldest first (one file, or every version in its folder)."""
    if spec.schema is None:
        return []
    path = Path(spec.base) / spec.schema
    return _versions(path) if path.is_dir() else [path]


def _listed(event: str | None, channel: str | None, patterns: tuple[str, ...]) -> bool:
    values: list[Any] = [v for v in (event, channel) if v]
    return any(fnmatchcase(v, p) for v in values for p in patterns)


# -- schemas ------------------------------------------------------------------------------


def load_schema_document(path: Path, root: Path) -> Mapping[str, Any]:
    """A schema file (JSON, or YAML safe-loaded), which must be a JSON object."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(label, "(file)", f"cannot read the schema: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(label, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None
    else:
        document = load_yaml_file(path, "schema")
    if not isinstance(document, Mapping):
        raise ConfigError(label, "(document)", "expected a JSON Schema object")
    return document


@dataclass(frozen=True)
class ObjectView:
    """The top-level object of a schema: its properties, required fields, and whether it is closed."""

    properties: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]
    closed: bool
    patterns: tuple[str, ...] = ()
    open_schema: bool = False

    def defines(self, name: str) -> bool:
        return name in self.properties or self.open_schema or any(re.search(p, name) for p in self.patterns)

    def types_of(self, name: str) -> frozenset[str]:
        """The JSON types a property accepts (empty when unconstrained)."""
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


def object_view(schema: Mapping[str, Any], document: Mapping[str, Any], depth: int = 0) -> ObjectView:
    """The top-level object of `schema`: local `$ref`s followed, `allOf` members merged."""
    schema = _local(schema, document, depth)
    properties: dict[str, Mapping[str, Any]] = {}
    required: list[str] = []
    closed = schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False
    patterns = [p for p in (schema.get("patternProperties") or {}) if isinstance(p, str)]
    open_schema = isinstance(schema.get("additionalProperties"), Mapping) and bool(schema.get("additionalProperties"))
    for name, prop in (schema.get("properties") or {}).items():
        properties[str(name)] = _local(prop, document, depth) if isinstance(prop, Mapping) else {}
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


def _local(schema: Mapping[str, Any], document: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
    """Follow a `$ref` to a place in the same document (a few hops at most); other refs are left as they are."""
    hops = 0
    while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#") and hops < 16:
        target: Any = document
        for part in schema["$ref"][1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, Mapping) else None
        if not isinstance(target, Mapping):
            break
        schema, hops = target, hops + 1
    return schema


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
