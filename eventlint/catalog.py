"""The event catalog: declared events (owner, key, channel, consumers) and events crossing the repository.

Read from the `events` and `external` configuration keys. This is the part the
rules need today; schemas, AsyncAPI and compatibility build on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from eventlint import asyncapi
from eventlint.config import Config, ConfigError


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


@dataclass(frozen=True)
class Catalog:
    """Declared events, and the events or channels other repositories publish or consume."""

    events: Mapping[str, EventSpec] = field(default_factory=dict)
    external_consumed: tuple[str, ...] = ()
    external_published: tuple[str, ...] = ()

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
    raw_events = config.raw.get("events") or {}
    events: dict[str, EventSpec] = {}
    for name, spec in raw_events.items():
        where = f"events.{name}"
        if spec is None:
            spec = {}
        if not isinstance(spec, Mapping):
            raise ConfigError(config.source, where, "expected a mapping (owner, schema, key, consumers, channel, ...)")
        consumers = spec.get("consumers") or []
        if not isinstance(consumers, list) or not all(isinstance(c, str) for c in consumers):
            raise ConfigError(config.source, f"{where}.consumers", f"expected a list of service names, got {consumers!r}")
        for key in ("owner", "key", "channel", "schema", "description"):
            if key in spec and spec[key] is not None and not isinstance(spec[key], str):
                raise ConfigError(config.source, f"{where}.{key}", f"expected a string, got {spec[key]!r}")
        events[str(name)] = EventSpec(
            name=str(name),
            owner=spec.get("owner"),
            key=spec.get("key"),
            channel=spec.get("channel"),
            consumers=tuple(consumers),
            schema=spec.get("schema"),
            description=spec.get("description"),
            deprecated=spec.get("deprecated", False),
            compatibility=spec.get("compatibility"),
            source=config.label,
        )
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
        events = _with_asyncapi(events, asyncapi.read_catalog(documents, config.root))
    return Catalog(events=events, external_consumed=lists["consumed"], external_published=lists["published"])


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
        path = config.root / entry
        if not asyncapi.inside(path, config.root):
            raise ConfigError(config.source, where, f"{entry} is outside the project root {config.root}")
        if not path.is_file():
            raise ConfigError(config.source, where, f"file not found: {entry}")
        documents.append(path.resolve())
    return documents


def _with_asyncapi(events: dict[str, EventSpec], declared: Mapping[str, asyncapi.DeclaredEvent]) -> dict[str, EventSpec]:
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
                consumers=found.consumers,
                description=found.description,
                deprecated=found.deprecated,
                compatibility=found.compatibility,
                payload=found.payload,
                source=found.source,
            )
            continue
        merged[name] = replace(
            stated,
            owner=stated.owner or found.owner,
            key=stated.key or found.key,
            channel=stated.channel or found.channel,
            consumers=stated.consumers + tuple(c for c in found.consumers if c not in stated.consumers),
            description=stated.description or found.description,
            deprecated=stated.deprecated or found.deprecated,
            compatibility=stated.compatibility or found.compatibility,
            payload=None if stated.schema else found.payload,
        )
    return merged


def _listed(event: str | None, channel: str | None, patterns: tuple[str, ...]) -> bool:
    values: list[Any] = [v for v in (event, channel) if v]
    return any(fnmatchcase(v, p) for v in values for p in patterns)
