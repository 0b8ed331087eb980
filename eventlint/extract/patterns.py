"""Loads the declarative framework patterns (rules/frameworks/*.yaml and a team's own files).

A pack names the library's types (how the code comes to hold a producer, a
channel, a topic object) and its sites (the calls and decorators that publish,
consume or bind). This module validates the packs and compiles them into lookup
tables keyed by canonical qualified names; `resolve.py` does the matching.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from eventlint import schemas
from eventlint.config import Config, ConfigError, load_yaml_file
from eventlint.resources import builtin_frameworks

SITE_FIELDS = {
    "publish": frozenset({"event", "channel", "key", "payload", "headers", "kind", "broker"}),
    "subscribe": frozenset({"event", "channel", "handler", "group", "ack", "dead_letter", "kind", "queue_type", "lifetime", "broker", "retry"}),
    "bind": frozenset({"queue", "exchange", "routing_key", "dead_letter", "lifetime"}),
}


@dataclass(frozen=True, slots=True)
class Source:
    """One way of reading a value at a site (see the `source` definition in framework.json)."""

    arg: int | None = None
    kw: str | None = None
    args: int | None = None
    receiver: str | None = None
    unbound_unknown: bool = False  # `unbound: unknown`: a receiver with nothing bound holds an unknown value
    decorated: bool = False
    decorated_name: bool = False
    annotation: int | str | None = None
    class_attr: str | None = None
    item: str | None = None
    const: Any = None
    has_const: bool = False
    key: str | tuple[str, ...] | None = None  # a list in a pack: a path of keys (`[event_type, StringValue]`)
    keys: bool = False
    join_sep: str = ""
    join_parts: tuple[tuple[Source, ...], ...] = ()
    regex: str | None = None
    match: str | None = None
    format: str | None = None
    map: tuple[tuple[str, Any], ...] = ()
    default: Any = None
    has_default: bool = False
    loop: bool = False
    returned: bool = False
    routed: bool = False
    kwargs: bool = False
    when_present: tuple[int | None, str | None] | None = None
    when_absent: tuple[int | None, str | None] | None = None
    when_value: tuple[Source, frozenset[str]] | None = None
    placeholders: str | None = None
    items: bool = False


Spec = tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    arg: int | None
    kw: str | None
    equals: Any


@dataclass(frozen=True, slots=True)
class Producer:
    """How an instance of `type` comes into being."""

    type: str
    form: str  # "call", "attr", "param"
    target: str
    when: Condition | None = None
    bind: tuple[tuple[str, Spec], ...] = ()
    param_method: str | None = None
    param_name: str | None = None
    param_index: int | None = None
    is_class: bool = False


@dataclass(frozen=True, slots=True)
class SitePattern:
    framework: str
    kind: str  # "publish", "subscribe", "bind"
    form: str  # "call", "decorator", "registry", "setting"
    target: str
    fields: tuple[tuple[str, Spec], ...]
    untyped: bool = False
    requires: tuple[str, ...] = ()
    each: Spec | None = None
    registry_assigned: str | None = None
    registry_call: str | None = None
    registry_arg: int | None = None
    registry_kw: str | None = None
    registry_key: str = "event"
    # a setting: module-level names that hold it in a configuration module (`CELERY_BEAT_SCHEDULE`)
    setting_assigned: tuple[str, ...] = ()
    origin: str = ""
    trigger: str | None = None  # text a file must hold for the site to be looked for (prefilter)

    def spec(self, name: str) -> Spec | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Framework:
    name: str
    path: str
    modules: tuple[str, ...]
    description: str = ""


@dataclass
class PatternSet:
    """Every loaded pack, compiled into lookup tables."""

    frameworks: dict[str, Framework] = field(default_factory=dict)
    type_binds: dict[str, tuple[tuple[str, Spec], ...]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    call_producers: dict[str, list[Producer]] = field(default_factory=lambda: defaultdict(list))
    attr_producers: dict[str, list[Producer]] = field(default_factory=lambda: defaultdict(list))
    decorator_producers: dict[str, list[Producer]] = field(default_factory=lambda: defaultdict(list))
    param_producers: list[Producer] = field(default_factory=list)
    call_sites: dict[str, list[SitePattern]] = field(default_factory=lambda: defaultdict(list))
    decorator_sites: dict[str, list[SitePattern]] = field(default_factory=lambda: defaultdict(list))
    untyped_sites: dict[str, list[SitePattern]] = field(default_factory=lambda: defaultdict(list))
    registries: list[SitePattern] = field(default_factory=list)
    # mappings assigned to a framework setting, each entry a site (`app.conf.beat_schedule = {...}`)
    settings: list[SitePattern] = field(default_factory=list)
    # names a framework injects into handler parameters (not the message): FastStream's Context, Depends, Logger
    injected: set[str] = field(default_factory=set)
    # types that matter only in files holding some text (a web app, for one API's routes): the prefilter's
    # trigger is that text, not the type's module
    type_triggers: dict[str, str] = field(default_factory=dict)
    _by_root_and_name: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    @property
    def modules(self) -> frozenset[str]:
        """Top-level module names of every loaded library."""
        return frozenset(m.split(".")[0] for fw in self.frameworks.values() for m in fw.modules)

    def canonical(self, qname: str) -> str:
        """The pack's own name for `qname`: aliases, then re-exports within the same top-level package."""
        if qname in self.aliases:
            return self.aliases[qname]
        parts = qname.split(".")
        if len(parts) < 2:
            return qname
        found = self._by_root_and_name.get((parts[0], parts[-1]))
        if found and len(found) == 1 and qname not in found:
            return next(iter(found))
        return qname

    def is_type(self, name: str) -> bool:
        return name in self.type_binds

    def _known(self, qname: str) -> None:
        parts = qname.split(".")
        if len(parts) >= 2:
            self._by_root_and_name[(parts[0], parts[-1])].add(qname)


def load_patterns(config: Config, validated: bool = False) -> PatternSet:
    """The built-in packs (minus disabled ones) plus the configured extra files.

    `validated`: the caller knows these exact pack files passed the schema before (the cache records it), so
    checking them against it again (a third of loading them) is skipped. The built-in packs are never checked
    at run time: the test suite checks them, as it checks the rest of eventlint's code.
    """
    builtin = tuple(str(p) for p in builtin_frameworks())
    extra = tuple(str(p) for p in config.frameworks)
    try:
        return _load(builtin, extra, tuple(config.disable_frameworks), validated, _stamps(builtin + extra))
    except ConfigError as exc:
        if exc.file is None:  # a mistake in the configuration itself, not in a pack
            raise ConfigError(config.source, exc.key, exc.message) from None
        raise


def extended(base: PatternSet, data: Mapping[str, Any], origin: str) -> PatternSet:
    """A copy of `base` with one more pack (one eventlint built, e.g. a recognised in-house bus); `base` is shared."""
    patterns = PatternSet(
        frameworks=dict(base.frameworks),
        type_binds=dict(base.type_binds),
        aliases=dict(base.aliases),
        param_producers=list(base.param_producers),
        registries=list(base.registries),
        settings=list(base.settings),
    )
    patterns.type_triggers.update(base.type_triggers)
    for name in ("call_producers", "attr_producers", "decorator_producers", "call_sites", "decorator_sites", "untyped_sites"):
        getattr(patterns, name).update({key: list(value) for key, value in getattr(base, name).items()})
    patterns._by_root_and_name.update({key: set(value) for key, value in base._by_root_and_name.items()})
    _compile(patterns, Path(origin), data)
    return patterns


def _stamps(paths: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Each pack's modification time and size: part of `_load`'s memo key, so an edited pack is read again."""
    stamps = []
    for path in paths:
        try:
            stat = os.stat(path)
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((-1, -1))
    return tuple(stamps)


@cache
def _load(
    builtin: tuple[str, ...], extra: tuple[str, ...], disabled: tuple[str, ...], validated: bool = False, stamps: tuple = ()
) -> PatternSet:
    patterns = PatternSet()
    seen_builtin: set[str] = set()
    for path in builtin:
        data = load_yaml_file(Path(path), "framework pattern")
        name = data.get("framework") if isinstance(data, Mapping) else None
        if isinstance(name, str):
            seen_builtin.add(name)
            if name in disabled:
                continue
        # the shipped packs are part of eventlint's code: the test suite checks them against the schema
        # (tests/extract/test_patterns.py), so a run does not (it was 4 % of a cold check)
        _compile(patterns, Path(path), data, validated=True)
    for path in extra:
        _compile(patterns, Path(path), load_yaml_file(Path(path), "framework pattern"), validated)
    for name in disabled:
        if name not in seen_builtin:
            raise ConfigError(None, "disable-frameworks", f"no built-in framework is named '{name}'")
    return patterns


def _compile(patterns: PatternSet, path: Path, data: Any, validated: bool = False) -> None:
    for key, message in [] if validated else schemas.problems(data, "framework"):
        raise ConfigError(path, key, message)
    name = data["framework"]
    if name in patterns.frameworks:
        other = patterns.frameworks[name].path
        raise ConfigError(path, "framework", f"'{name}' is already defined by {other}")
    patterns.frameworks[name] = Framework(name, str(path), tuple(data.get("modules", ())), data.get("description", ""))
    for qname in data.get("injected", ()):
        patterns.injected.add(qname)
        patterns._known(qname)

    for index, entry in enumerate(data.get("types", ())):
        where = f"types[{index}]"
        type_name = entry["name"]
        patterns.type_binds[type_name] = _fields(entry.get("bind", {}), path, f"{where}.bind")
        if "trigger" in entry:
            patterns.type_triggers[type_name] = entry["trigger"]
        patterns._known(type_name)
        for alias in entry.get("aliases", ()):
            patterns.aliases[alias] = type_name
        producers = entry.get("from") or [{"call": type_name}]
        for p_index, raw in enumerate(producers):
            _producer(patterns, type_name, raw, path, f"{where}.from[{p_index}]")

    for kind in ("publish", "subscribe", "bind"):
        for index, entry in enumerate(data.get(kind, ())):
            _site(patterns, name, kind, entry, path, f"{kind}[{index}]")


def _producer(patterns: PatternSet, type_name: str, raw: Mapping[str, Any], path: Path, where: str) -> None:
    bind = _fields(raw.get("bind", {}), path, f"{where}.bind")
    when = None
    if "when" in raw:
        cond = raw["when"]
        if "arg" not in cond and "kw" not in cond:
            raise ConfigError(path, f"{where}.when", "expected `arg` or `kw` beside `equals`")
        when = Condition(cond.get("arg"), cond.get("kw"), cond["equals"])
    if "call" in raw:
        patterns.call_producers[raw["call"]].append(Producer(type_name, "call", raw["call"], when, bind))
        patterns._known(raw["call"])
    elif "attr" in raw:
        patterns.attr_producers[raw["attr"]].append(Producer(type_name, "attr", raw["attr"], when, bind))
    elif "decorator" in raw:
        patterns.decorator_producers[raw["decorator"]].append(Producer(type_name, "decorator", raw["decorator"], when, bind))
        patterns._known(raw["decorator"])
    else:
        param = raw["param"]
        if "name" not in param and "index" not in param:
            raise ConfigError(path, f"{where}.param", "expected `name` or `index`")
        patterns.param_producers.append(
            Producer(
                type_name,
                "param",
                param["base"],
                when,
                bind,
                param_method=param["method"],
                param_name=param.get("name"),
                param_index=param.get("index"),
                is_class=bool(param.get("is_class", False)),
            )
        )


def _site(patterns: PatternSet, framework: str, kind: str, entry: Mapping[str, Any], path: Path, where: str) -> None:
    fields = _fields(entry.get("fields", {}), path, f"{where}.fields")
    allowed = SITE_FIELDS[kind]
    for name, spec in fields:
        if name not in allowed:
            raise ConfigError(path, f"{where}.fields.{name}", f"not a {kind} field; expected one of: {', '.join(sorted(allowed))}")
        if any(s.loop for s in spec) and name != "handler":
            raise ConfigError(path, f"{where}.fields.{name}", "`loop` applies to the handler field only")
    for required in entry.get("requires", ()):
        if required not in allowed:
            raise ConfigError(path, f"{where}.requires", f"'{required}' is not a {kind} field")
    each = _spec(entry["each"], path, f"{where}.each") if "each" in entry else None
    common = dict(
        framework=framework,
        kind=kind,
        fields=fields,
        untyped=bool(entry.get("untyped", False)),
        requires=tuple(entry.get("requires", ())),
        each=each,
        origin=f"{path}:{where}",
        trigger=entry.get("trigger"),
    )
    if "call" in entry:
        site = SitePattern(form="call", target=entry["call"], **common)
        patterns.call_sites[site.target].append(site)
        patterns._known(site.target)
        if site.untyped:
            method = site.target.rsplit(".", 1)[-1]
            patterns.untyped_sites[method].append(site)
    elif "decorator" in entry:
        if entry.get("untyped"):
            raise ConfigError(path, f"{where}.untyped", "applies to `call` sites only")
        site = SitePattern(form="decorator", target=entry["decorator"], **common)
        patterns.decorator_sites[site.target].append(site)
        patterns._known(site.target)
    elif "setting" in entry:
        setting = entry["setting"]
        if entry.get("untyped") or "each" in entry:
            raise ConfigError(path, f"{where}.setting", "a setting's sites are its mapping's entries: no `untyped` or `each`")
        site = SitePattern(
            form="setting",
            target=setting.get("attribute", ""),
            setting_assigned=tuple(setting.get("assigned", ())),
            **common,
        )
        if kind != "publish":
            raise ConfigError(path, f"{where}.setting", "a setting's entries send messages (a schedule): use it under `publish`")
        patterns.settings.append(site)
    else:
        registry = entry["registry"]
        argument = registry.get("argument", {})
        site = SitePattern(
            form="registry",
            target=registry.get("assigned") or argument.get("call", ""),
            registry_assigned=registry.get("assigned"),
            registry_call=argument.get("call"),
            registry_arg=argument.get("arg"),
            registry_kw=argument.get("kw"),
            registry_key=registry.get("key", "event"),
            **common,
        )
        if kind != "subscribe":
            raise ConfigError(path, f"{where}.registry", "a registry maps events to handlers: use it under `subscribe`")
        if site.registry_call is not None:
            patterns._known(site.registry_call)
        patterns.registries.append(site)


def _fields(raw: Mapping[str, Any], path: Path, where: str) -> tuple[tuple[str, Spec], ...]:
    return tuple((name, _spec(spec, path, f"{where}.{name}")) for name, spec in raw.items())


def _spec(raw: Any, path: Path, where: str) -> Spec:
    items: Iterable[Any] = raw if isinstance(raw, list) else [raw]
    return tuple(_source(item, path, f"{where}[{i}]" if isinstance(raw, list) else where) for i, item in enumerate(items))


def _source(raw: Mapping[str, Any], path: Path, where: str) -> Source:
    join = raw.get("join")
    parts: tuple[Spec, ...] = ()
    if join is not None:
        parts = tuple(_spec(p, path, f"{where}.join.parts[{i}]") for i, p in enumerate(join["parts"]))
    reads = [k for k in _READS if k in raw]
    if not reads and "default" not in raw and not raw.get("loop") and not raw.get("returned"):
        raise ConfigError(path, where, f"says where the value comes from: expected one of {', '.join(_READS)}")
    return Source(
        arg=raw.get("arg"),
        kw=raw.get("kw"),
        args=raw.get("args"),
        receiver=raw.get("receiver"),
        unbound_unknown=raw.get("unbound") == "unknown",
        decorated=bool(raw.get("decorated", False)),
        decorated_name=bool(raw.get("decorated_name", False)),
        annotation=raw.get("annotation"),
        class_attr=raw.get("class_attr"),
        item=raw.get("item"),
        const=raw.get("const"),
        has_const="const" in raw,
        key=tuple(raw["key"]) if isinstance(raw.get("key"), list) else raw.get("key"),
        keys=bool(raw.get("keys", False)),
        join_sep=join.get("sep", "/") if join else "",
        join_parts=parts,
        regex=raw.get("regex"),
        match=raw.get("match"),
        format=raw.get("format"),
        map=tuple((_map_key(k), v) for k, v in (raw.get("map") or {}).items()),
        default=raw.get("default"),
        has_default="default" in raw,
        loop=bool(raw.get("loop", False)),
        returned=bool(raw.get("returned", False)),
        routed=bool(raw.get("routed", False)),
        kwargs=bool(raw.get("kwargs", False)),
        when_present=_argref(raw.get("when_present")),
        when_absent=_argref(raw.get("when_absent")),
        when_value=_when_value(raw.get("when_value"), path, where),
        placeholders=raw.get("placeholders"),
        items=bool(raw.get("items", False)),
    )


def _when_value(raw: Mapping[str, Any] | None, path: Path, where: str) -> tuple[Source, frozenset[str]] | None:
    if raw is None:
        return None
    return _source(raw["read"], path, f"{where}.when_value.read"), frozenset(_map_key(v) for v in raw["in"])


def _argref(raw: Mapping[str, Any] | None) -> tuple[int | None, str | None] | None:
    return None if raw is None else (raw.get("arg"), raw.get("kw"))


_READS = ("arg", "kw", "args", "kwargs", "receiver", "decorated", "decorated_name", "annotation", "class_attr", "item", "const", "join")


def _map_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
