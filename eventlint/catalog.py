"""The event catalog: declared events (owner, key, channel, consumers) and events crossing the repository.

Read from the `events` and `external` configuration keys. This is the part the
rules need today; schemas, AsyncAPI and compatibility build on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from eventlint import asyncapi, schemas
from eventlint.config import Config, ConfigError, load_yaml_file


@dataclass(frozen=True)
class EventSpec:
    """One declared event."""

    name: str
    owner: str | None = None
    key: str | None = None
    channel: str | None = None
    consumers: tuple[str, ...] = ()
    also_on: tuple[str, ...] = ()  # further channels (an AsyncAPI message listed by several channels)
    schema: str | None = None
    key_schema: str | None = None  # the key's schema (file or folder of versions), for a key serializer's schema and `<topic>-key`
    key_payload: Any = field(default=None, compare=False)  # a key schema an AsyncAPI Kafka binding writes out (`bindings.kafka.key`)
    key_payload_format: str | None = None  # `json-schema`/`avro`/`protobuf`: the format of `key_payload`
    aliases: tuple[str, ...] = ()  # other names of the event (identity.py): declared, AsyncAPI names, schema title
    description: str | None = None
    deprecated: bool | str = False
    compatibility: str | None = None
    payload: Mapping[str, Any] | None = field(default=None, compare=False)
    payload_format: str | None = None  # an inline AsyncAPI payload in Avro or Protobuf: its schemaFormat
    payload_text: str | None = field(default=None, compare=False)  # an inline Protobuf payload's text
    source: str = "eventlint.yaml"
    line: int = 1
    base: str = "."

    @property
    def channels(self) -> tuple[str, ...]:
        """Every channel the event travels on, its main `channel` first."""
        return ((self.channel,) if self.channel else ()) + tuple(c for c in self.also_on if c != self.channel)

    @property
    def has_schema(self) -> bool:
        return self.schema is not None or self.payload is not None or self.payload_text is not None


@dataclass(frozen=True)
class Catalog:
    """Declared events, and the events or channels other repositories publish or consume."""

    events: Mapping[str, EventSpec] = field(default_factory=dict)
    external_consumed: tuple[str, ...] = ()
    external_published: tuple[str, ...] = ()
    root: Path = Path(".")

    def event(self, name: str | None) -> EventSpec | None:
        return self.events.get(name) if name else None

    def for_channel(self, channel: str | None) -> list[EventSpec]:
        return [e for e in self.events.values() if channel and channel in e.channels]

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
    documents = asyncapi_documents(config)
    if documents:
        events = _with_asyncapi(events, asyncapi.read_catalog(documents, config.root), config.root)
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
        schema_path = None
        if spec.get("schema") is not None:
            schema = schema_path = _inside(config, spec["schema"], f"{where}.schema", base=source.parent if source else None)
            if not schema.exists():
                raise ConfigError(label, f"{where}.schema", f"no such file or folder: {spec['schema']}")
        if spec.get("key_schema") is not None:
            key_path = _inside(config, spec["key_schema"], f"{where}.key_schema", base=source.parent if source else None)
            if not key_path.exists():
                raise ConfigError(label, f"{where}.key_schema", f"no such file or folder: {spec['key_schema']}")
        events[str(name)] = EventSpec(
            name=str(name),
            owner=spec.get("owner"),
            key=spec.get("key"),
            channel=spec.get("channel"),
            consumers=tuple(spec.get("consumers") or ()),
            schema=spec.get("schema"),
            key_schema=spec.get("key_schema"),
            aliases=_aliases(spec.get("aliases") or (), _schema_title(schema_path)),
            description=spec.get("description"),
            deprecated=spec.get("deprecated", False),
            compatibility=spec.get("compatibility"),
            source=label,
            line=lines.get(str(name), 1),
            base=str(source.parent if source else config.root),
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


def asyncapi_documents(config: Config) -> list[Path]:
    """The AsyncAPI documents named by the `catalog` key, relative to the configuration's folder."""
    value = config.raw.get("catalog")
    if value is None:
        return []
    entries = [value] if isinstance(value, str) else list(value)
    key = "tool.eventlint.catalog" if config.source is not None and config.source.name == "pyproject.toml" else "catalog"
    documents = []
    for index, entry in enumerate(entries):
        where = key if isinstance(value, str) else f"{key}[{index}]"
        path = _inside(config, entry, where)
        if not path.is_file():
            raise ConfigError(config.label, where, f"file not found: {entry}")
        documents.append(path)
    return documents


def _with_asyncapi(events: dict[str, EventSpec], declared: Mapping[str, asyncapi.DeclaredEvent], root: Path) -> dict[str, EventSpec]:
    """Events of the `events` key and of AsyncAPI documents together: what the key states wins, consumers combine."""
    merged = dict(events)
    for name, found in declared.items():
        stated = events.get(name)
        if stated is None:
            merged[name] = EventSpec(
                name=name,
                owner=found.owner,
                key=found.key,
                channel=found.channel,
                also_on=found.also_on,
                consumers=found.consumers,
                aliases=found.aliases,
                description=found.description,
                deprecated=found.deprecated,
                compatibility=found.compatibility,
                payload=found.payload,
                payload_format=found.payload_format,
                payload_text=found.schema_text,
                schema=found.schema_file,
                key_payload=found.key_schema,
                key_payload_format=found.key_format,
                source=found.source,
                line=found.line,
                base=str(root),
            )
            continue
        merged[name] = replace(
            stated,
            owner=stated.owner or found.owner,
            key=stated.key or found.key,
            channel=stated.channel or found.channel,
            also_on=tuple(c for c in (found.channel, *found.also_on) if c and c != (stated.channel or found.channel)),
            consumers=stated.consumers + tuple(c for c in found.consumers if c not in stated.consumers),
            aliases=_aliases(stated.aliases, *found.aliases),
            description=stated.description or found.description,
            deprecated=stated.deprecated or found.deprecated,
            compatibility=stated.compatibility or found.compatibility,
            payload=None if stated.schema else found.payload,
            payload_format=None if stated.schema else found.payload_format,
            payload_text=None if stated.schema else found.schema_text,
            schema=stated.schema or found.schema_file,
            key_payload=None if stated.key_schema else found.key_schema,
            key_payload_format=None if stated.key_schema else found.key_format,
            base=stated.base if stated.schema else str(root) if found.schema_file else stated.base,
        )
    return merged


def _aliases(declared: Iterable[str], *found: str | None) -> tuple[str, ...]:
    """Declared aliases first, then names found in schemas and documents, each once."""
    out: list[str] = []
    for name in (*declared, *found):
        if name and name not in out:
            out.append(str(name))
    return tuple(out)


def _schema_title(path: Path | None) -> str | None:
    """The `title` of a JSON Schema file (the newest version of a folder) or the `name` of an Avro record, else None.

    A schema that does not read is no title here: compat reports it when the schema is checked.
    """
    if path is None:
        return None
    if path.is_dir():
        versions = sorted((p for p in path.iterdir() if p.suffix in (".json", ".avsc")), key=_version_order)
        if not versions:
            return None
        path = versions[-1]
    if path.suffix not in (".json", ".avsc"):
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(document, Mapping):
        return None
    title = document.get("title") if path.suffix == ".json" else document.get("name")
    return title if isinstance(title, str) and title.strip() else None


def _version_order(path: Path) -> tuple[int, str]:
    digits = re.findall(r"\d+", path.stem)
    return (int(digits[-1]) if digits else -1, path.name)


def _listed(event: str | None, channel: str | None, patterns: tuple[str, ...]) -> bool:
    values: list[Any] = [v for v in (event, channel) if v]
    return any(fnmatchcase(v, p) for v in values for p in patterns)
