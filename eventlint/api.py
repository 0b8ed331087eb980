"""The one entry point for the CLI, the tests and plugins: configuration in, facts and findings out.

This module is eventlint's public, stable API. Plugins import what they need
from here (never from eventlint's internal modules, which may change):

- rules: `Rule` (a check over the whole project; `ProjectRule` is the same base
  under the name the docs use), `HandlerRule`, `PublicationRule`,
  `SubscriptionRule`, `RuleContext`, `Severity`, `Example`, `Diagnostic`;
- facts: `ProjectFacts`, `Publication`, `Subscription`, `Binding`, `Handler`,
  `HandlerCall`, `ExceptClause`, `FieldRead`, `SiteRef`, `Service`;
- catalog: `Catalog`, `EventSpec`; configuration: `Config`, `ConfigError`;
- helpers: `matches` (globs on qualified names), `call_matches` (a handler's call
  against globs, the way the built-in rules classify calls);
- running: `lint`, `facts`, `rules`, `rule_set`, `load_config`, `Result`.

See docs/writing-rules.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from eventlint import adopt, asyncapi, compat, fixes, merge, plugins, rule_results, suppress, traces as trace_files
from eventlint.cache import CACHE_DIR, Cache
from eventlint.cache import clean as _clean_cache
from eventlint.catalog import Catalog, EventSpec, load_catalog
from eventlint.compat import Change, SchemaError
from eventlint.config import CONFIG_FILES, Config, ConfigError, find_config, load_config
from eventlint.discover import discover
from eventlint.extract import Options, extract
from eventlint.facts import (
    Binding,
    Diagnostic,
    ExceptClause,
    FieldRead,
    Handler,
    HandlerCall,
    ProjectFacts,
    Publication,
    Service,
    SiteRef,
    Subscription,
)
from eventlint.graph import Context, EventGraph, Metrics, build_graph, load_contexts
from eventlint.plugins import RuleSet
from eventlint.report.asyncapi import export_asyncapi
from eventlint.rules import engine as rule_engine
from eventlint.rules.base import (
    Example,
    HandlerRule,
    ProjectRule,
    PublicationRule,
    Rule,
    RuleContext,
    Severity,
    SubscriptionRule,
    matches,
)
from eventlint.rules.contracts import Contracts
from eventlint.rules.handler_queries import named as call_matches
from eventlint.rules.policy import classifications
from eventlint.runtime import Comparison

__all__ = [
    "FOREIGN",
    "Binding",
    "Catalog",
    "Config",
    "ConfigError",
    "Context",
    "Diagnostic",
    "EventGraph",
    "EventSpec",
    "Example",
    "ExceptClause",
    "FieldRead",
    "Handler",
    "HandlerCall",
    "HandlerRule",
    "Metrics",
    "Options",
    "ProjectFacts",
    "ProjectRule",
    "Publication",
    "PublicationRule",
    "Result",
    "Rule",
    "RuleContext",
    "RuleSet",
    "SchemaCheck",
    "SchemaDiff",
    "SchemaError",
    "Service",
    "Severity",
    "SiteRef",
    "Subscription",
    "SubscriptionRule",
    "builtin_rules",
    "call_matches",
    "clean_cache",
    "export_catalog",
    "facts",
    "graph",
    "init_project",
    "lint",
    "load_config",
    "matches",
    "rule_set",
    "rules",
    "schema_check",
    "schema_diff",
]

PathLike = str | os.PathLike[str]
FOREIGN = merge.FOREIGN
FAILING = ("error", "warning")


@dataclass(frozen=True)
class Result:
    """What a check found: the facts it worked from, the findings (sorted), and what was set aside."""

    config: Config
    facts: ProjectFacts
    diagnostics: tuple[Diagnostic, ...]
    rules: tuple[type[Rule], ...] = ()
    baselined: int = 0
    sources: suppress.SourceLines | None = field(default=None, compare=False)
    context: RuleContext | None = field(default=None, compare=False, repr=False)

    @property
    def exit_code(self) -> int:
        """1 when an error or warning remains; informational findings do not fail a run."""
        return 1 if any(d.severity in FAILING for d in self.diagnostics) else 0

    @property
    def runtime(self) -> Comparison | None:
        """The traces of the run against the event graph (None without traces)."""
        return self.context.runtime if self.context is not None else None

    @cached_property
    def graph(self) -> EventGraph:
        """The event graph of the checked project (for metrics, diagrams and traces): the one the rules used."""
        if self.context is not None:
            return self.context.graph
        return build_graph(self.facts, self.config, load_catalog(self.config))

    def baseline(self) -> str:
        """A baseline document recording every finding of this result."""
        sources = self.sources or suppress.SourceLines(Path(self.config.root))
        return suppress.baseline_document(self.diagnostics, sources)


def rules(config: Config | None = None) -> tuple[type[Rule], ...]:
    """Every available rule, sorted by code: built-ins, built-in policies, plugins and the configuration's policies."""
    return rule_set(config).rules


def builtin_rules() -> tuple[type[Rule], ...]:
    """The rules shipped with eventlint: the Python rules and the built-in policies (rules/policies)."""
    return plugins.builtin_rules()


def rule_set(config: Config | None = None, extra: Sequence[type[Rule]] = ()) -> RuleSet:
    """The rules of a run with the origin of each, plugin framework packs and plugin problems."""
    return plugins.rule_set(config, extra)


def facts(paths: Sequence[PathLike] = (), config: Config | None = None, options: Options | None = None) -> ProjectFacts:
    """Extract the facts of the project that contains `paths` (`options`: cache, prefilter, jobs, progress)."""
    config = config or load_config(paths)
    config = _with_plugin_frameworks(config, plugins.discover_plugins().frameworks)
    return extract(discover(paths, config), config, options)


def clean_cache(config: Config, directory: Path | None = None) -> Path | None:
    """Remove the project's cache (`directory`, default `.eventlint_cache` at its root); None when there was none."""
    directory = directory or Path(config.root).resolve() / CACHE_DIR
    try:
        return directory if _clean_cache(directory) else None
    except ValueError as exc:
        raise ConfigError(directory, "cache", str(exc)) from exc
    except OSError as exc:  # a permission, or runs that kept writing into it
        raise ConfigError(directory, "cache", f"cannot remove: {exc.strerror or exc}") from exc


def export_catalog(
    paths: Sequence[PathLike] = (), config: Config | None = None, service: str | None = None, syntax: str = "yaml"
) -> str:
    """The AsyncAPI 3.0 document of what the code does (with the catalog's payloads), as YAML or JSON text."""
    config = config or load_config(paths)
    catalog = load_catalog(config)
    found = facts(paths, config)
    document = export_asyncapi(found, catalog, Path(config.root), service=service)
    return asyncapi.render(document, syntax)


def read_traces(config: Config, extra: Sequence[PathLike] = ()) -> trace_files.Observations | None:
    """The trace files of `runtime.traces` (relative to the configuration) and `extra`, read; None when there are none."""
    runtime = config.raw.get("runtime") or {}
    base = Path(config.source).parent if config.source else Path(config.root)
    paths = [base / p for p in runtime.get("traces") or ()] + [Path(p) for p in extra]
    if not paths:
        return None
    try:
        return trace_files.read(paths)
    except trace_files.MissingExtra as exc:
        raise ConfigError(None, "--traces", str(exc)) from exc


def _with_plugin_frameworks(config: Config, frameworks: Sequence[Path]) -> Config:
    extra = tuple(p for p in frameworks if p not in config.frameworks)
    return replace(config, frameworks=config.frameworks + extra) if extra else config


def configured_baseline(config: Config) -> Path | None:
    """The baseline file named by the `baseline` configuration key, relative to the config file."""
    entry = config.raw.get("baseline")
    if not isinstance(entry, str) or not entry:
        return None
    path = config.root / entry
    if not path.is_file():
        raise ConfigError(config.source, "baseline", f"baseline file not found: {entry} (write one with `eventlint check --write-baseline {entry}`)")
    return path


def graph(paths: Sequence[PathLike] = (), config: Config | None = None) -> EventGraph:
    """The event graph of the project that contains `paths`."""
    config = config or load_config(paths)
    return build_graph(facts(paths, config), config, load_catalog(config))


def lint(
    paths: Sequence[PathLike] = (),
    config: Config | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    baseline: PathLike | None = None,
    extra_rules: Sequence[type[Rule]] = (),
    use_config_baseline: bool = True,
    options: Options | None = None,
    foreign_facts: Sequence[PathLike] = (),
    traces: Sequence[PathLike] = (),
) -> Result:
    """Check the project that contains `paths`, merged with the facts files (or directories) `foreign_facts`.

    `extra_rules` run beside the installed ones (the testing kit uses it for a
    rule that is not installed); `baseline` wins over the configuration's
    `baseline` key, which `use_config_baseline=False` ignores (to write a new one).
    """
    config = config or load_config(paths)
    # what the rules read besides the facts and the configuration (policies, the catalog's files, plugins'
    # metadata) is recorded here and after extraction, for the rules' findings cache (rule_results.py)
    keep = options is not None and options.cache and not extra_rules and not traces
    recorder = rule_results.Recorder()
    with recorder.recording() if keep else contextlib.nullcontext():
        foreign = merge.load_foreign(foreign_facts)
        ruleset = rule_set(config, extra_rules)
        config = _with_plugin_frameworks(config, ruleset.frameworks)
        available = ruleset.rules
        candidates = rule_engine.select(available, config, select, ignore, extend_select)
        selection = rule_engine.select(available, config, select, ignore, extend_select, classified=classifications(candidates.rules))
        catalog: Catalog = load_catalog(config)
    discovery = discover(paths, config)
    found = extract(discovery, config, options)
    if foreign:
        found = merge.merge(found, foreign)
    load_contexts(config, (s.name for s in found.services))  # a mistake there is a config error, whatever runs
    guarded = {code: ruleset.origin(code) for code in ruleset.plugin_codes}
    # other repositories' findings are theirs to report: their facts only inform the graph here
    context = RuleContext(facts=found, config=config, catalog=catalog, traces=read_traces(config, traces))

    def run_rules() -> list[Diagnostic]:
        return rule_engine.run(selection, found, config, catalog, guarded=guarded, ctx=context)

    rules_key = rule_results.key(found, config, selection.codes, select, ignore, extend_select) if keep and not guarded else None
    if rules_key is not None:
        assert options is not None
        cache = Cache(options.cache_dir or discovery.root / CACHE_DIR)
        produced = rule_results.findings(cache, rules_key, recorder, run_rules)
    else:
        produced = run_rules()
    findings = [f for f in produced if not merge.is_foreign(f.path)]
    if selection.is_selected("EDA002"):
        findings += [rule_engine.plugin_error(config, p.origin, p.message) for p in ruleset.problems]
    findings = suppress.apply_per_file_ignores(findings, selection.per_file_ignores)
    overlay = (options.overlay if options is not None else None) or {}
    sources = suppress.SourceLines(discovery.root, overlay=overlay)
    findings, used = suppress.apply_noqa(findings, sources)
    if selection.is_selected("EDA001"):
        rule = next(r for r in selection.rules if r.code == "EDA001")
        for comment, code in suppress.unused_suppressions([f.path for f in discovery.files], sources, used, [r.code for r in available]):
            findings.append(
                rule.finding((comment.path, comment.line, comment.column), f"`{comment.spelling}` names {code}, which has no finding on this line")
            )
        findings = suppress.apply_per_file_ignores(findings, selection.per_file_ignores)
    absorbed = 0
    if baseline is None and use_config_baseline:
        baseline = configured_baseline(config)
    if baseline is not None:
        findings, absorbed = suppress.apply_baseline(findings, suppress.load_baseline(Path(baseline)), sources, context.identity.aliases)
    findings = fixes.attach(findings, context, overlay)
    return Result(
        config=config,
        facts=found,
        diagnostics=tuple(rule_engine.sort_findings(findings)),
        rules=tuple(type(r) for r in selection.rules),
        baselined=absorbed,
        sources=sources,
        context=context,
    )


@dataclass(frozen=True)
class InitOutcome:
    """What `eventlint init` wrote."""

    config_file: Path
    baseline_file: Path
    services: int
    events: int
    findings: int
    bus_packs: tuple[str, ...] = ()  # packs written for the in-house buses recognised, relative to the directory


def init_project(paths: Sequence[PathLike] = (), force: bool = False) -> InitOutcome:
    """Write eventlint.yaml (services, contexts, events, baseline) and the baseline of today's findings.

    The configuration goes to the first path (a directory; default the current
    one). An existing configuration there is a ConfigError unless `force`; its
    settings other than those init derives are kept.
    """
    directory = Path(paths[0]) if paths else Path.cwd()
    directory = (directory if directory.is_dir() else directory.parent).resolve()
    target = directory / "eventlint.yaml"
    existing = [directory / name for name in CONFIG_FILES if (directory / name).is_file()]
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file() and find_config(directory) == pyproject:
        existing.append(pyproject)
    if existing and not force:
        raise ConfigError(existing[0], "init", "a configuration exists already; pass --force to replace it (its other settings are kept)")
    base = load_config([directory], existing[0]) if existing else Config(root=directory)
    bus_packs: list[tuple[str, str]] = []
    found = facts([directory], base, Options(bus_packs=bus_packs))
    data = adopt.initial_config(found, base, load_catalog(replace(base, raw={k: v for k, v in base.raw.items() if k != 'events'})))
    for other in existing:
        if other != target and other.name != "pyproject.toml":
            other.unlink()
    written = _write_bus_packs(directory, bus_packs)
    if written:
        # listed, each pack describes its bus from now on; the team confirms or edits it
        listed = [str(p) for p in base.raw.get("frameworks", ())] if isinstance(base.raw.get("frameworks"), list) else []
        data["frameworks"] = listed + [w for w in written if w not in listed]
    # what decided each service, also when an earlier init's services are configured now (a re-run writes the same file)
    inferred = discover([directory], replace(base, services=None)).services if base.services is not None else found.services
    written_services = data["services"]
    signals = {s.name: s.signal for s in inferred if s.signal and list(s.paths) == written_services.get(s.name)}
    target.write_text(adopt.render(data, signals), encoding="utf-8")
    config = load_config([directory], target)
    result = lint([directory], config, use_config_baseline=False)
    baseline_file = directory / adopt.BASELINE_FILE
    baseline_file.write_text(result.baseline(), encoding="utf-8")
    return InitOutcome(target, baseline_file, len(data["services"]), len(data["events"]), len(result.diagnostics), tuple(written))


def _write_bus_packs(directory: Path, packs: list[tuple[str, str]]) -> list[str]:
    """Write each recognised in-house bus's pack under eventlint/ (an existing file is the team's: kept)."""
    written = []
    for name, text in packs:
        path = directory / "eventlint" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        written.append(f"eventlint/{name}")
    return written


# --- schema compatibility ------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaDiff:
    """The changes from one schema file to another, judged under a mode and an open-content policy."""

    old: str
    new: str
    mode: str
    policy: str
    changes: tuple[Change, ...]
    format: str = "json-schema"
    protobuf_level: str = compat.DEFAULT_PROTOBUF_LEVEL

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(compat.breaks(self.changes, self.mode))

    @property
    def exit_code(self) -> int:
        return 1 if self.breaking else 0


@dataclass(frozen=True)
class SchemaFileCheck:
    """One schema file of the catalog against the same file at a git ref."""

    event: str
    path: str
    status: str  # "changed", "unchanged", "new" (absent at the ref, or no such subject) or "no-subject" (cannot be named)
    mode: str
    changes: tuple[Change, ...] = ()
    consumers: tuple[str, ...] = ()
    subject: str | None = None  # against a registry export: the subject looked up

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(compat.breaks(self.changes, self.mode))


@dataclass(frozen=True)
class SchemaCheck:
    """Every catalogued schema file compared with the git ref `ref`."""

    ref: str
    policy: str
    files: tuple[SchemaFileCheck, ...]

    @property
    def exit_code(self) -> int:
        return 1 if any(f.breaking for f in self.files) else 0


def compatibility_settings(config: Config, spec: EventSpec | None = None) -> tuple[str, str]:
    """(mode, open-content policy) for an event: its own `compatibility`, else `contracts.*`, else the defaults."""
    return compat.settings(config.raw.get("contracts"), spec.compatibility if spec else None)


def schema_diff(
    old: PathLike, new: PathLike, mode: str | None = None, policy: str | None = None, config: Config | None = None, protobuf_level: str | None = None
) -> SchemaDiff:
    """Compare two schema files of one format (their references resolve within their project, or their own folder)."""
    config = config or load_config([old])
    default_mode, default_policy = compatibility_settings(config)
    mode, policy = mode or default_mode, policy or default_policy
    level = protobuf_level or compat.protobuf_level(config.raw.get("contracts"))
    old_schema, new_schema = _schema_file(Path(old), config), _schema_file(Path(new), config)
    changes = compat.compare(old_schema, new_schema, policy, level)
    return SchemaDiff(str(old), str(new), mode, policy, tuple(changes), new_schema.format, level)


def schema_check(against: str, paths: Sequence[PathLike] = (), config: Config | None = None) -> SchemaCheck:
    """Compare every schema file the catalog names with the same file at git ref `against` (no checkout),
    or, when `against` is a folder, with its Schema Registry subject's schema exported there."""
    config = config or load_config(paths)
    root = Path(config.root)
    if Path(against).is_dir():
        return _registry_check(Path(against), paths, config)
    _verify_ref(root, against)
    catalog = load_catalog(config)
    _, policy = compatibility_settings(config)
    specs = [spec for _, spec in sorted(catalog.events.items()) if spec.schema or spec.key_schema]
    if not specs:
        return SchemaCheck(against, policy, ())
    readers = _readers(facts(paths or [root], config), config, catalog)
    work, then = compat.SchemaStore.from_directory(root), _git_store(root, against)
    files: list[SchemaFileCheck] = []
    parts = [(spec, False) for spec in specs if spec.schema] + [(spec, True) for spec in specs if spec.key_schema]
    for spec, key in sorted(parts, key=lambda item: (item[0].name, item[1])):
        mode, _ = compatibility_settings(config, spec)
        consumers = tuple(sorted(set(spec.consumers) | readers.get(spec.name, set())))
        for _, current in compat.load_versions(_catalog_path(spec, key), work):
            if not then.exists(current.file):
                files.append(SchemaFileCheck(spec.name, current.file, "new", mode, (), consumers))
                continue
            before = compat.load_schema(current.file, then, label=f"{current.file}@{against}")
            changes = tuple(compat.compare(before, current, policy, compat.protobuf_level(config.raw.get("contracts"))))
            files.append(SchemaFileCheck(spec.name, current.file, "changed" if changes else "unchanged", mode, changes, consumers))
    return SchemaCheck(against, policy, tuple(files))


def _registry_check(export: Path, paths: Sequence[PathLike], config: Config) -> SchemaCheck:
    """Each catalogued event's newest schema against its subject's in a registry export: `<subject>.avsc|.json|.proto`
    files, as the schema-registry Maven plugin's `download` goal writes them. The subject is named by the strategy
    the event's producers configure their serializer with, when they agree, else by `contracts.subject-strategy`."""
    from eventlint.compat import subjects

    root = Path(config.root)
    catalog = load_catalog(config)
    _, policy = compatibility_settings(config)
    contracts = config.raw.get("contracts")
    strategy = subjects.strategy(contracts)
    level = compat.protobuf_level(contracts)
    specs = [spec for _, spec in sorted(catalog.events.items()) if spec.schema or spec.key_schema]
    if not specs:
        return SchemaCheck(str(export), policy, ())
    found = facts(paths or [root], config)
    readers = _readers(found, config, catalog)
    stated = _stated_strategies(found, config, catalog)
    messages = _stated_messages(found, config, catalog)
    key_stated = _stated_strategies(found, config, catalog, key=True)
    key_messages = _stated_messages(found, config, catalog, key=True)
    work, registry = compat.SchemaStore.from_directory(root), compat.SchemaStore.from_directory(export)
    files: list[SchemaFileCheck] = []
    parts = [(spec, False) for spec in specs if spec.schema] + [(spec, True) for spec in specs if spec.key_schema]
    for spec, key in sorted(parts, key=lambda item: (item[0].name, item[1])):
        mode, _ = compatibility_settings(config, spec)
        consumers = tuple(sorted(set(spec.consumers) | readers.get(spec.name, set())))
        versions = compat.load_versions(_catalog_path(spec, key), work)
        current = versions[-1][1]
        named = (key_stated if key else stated).get(spec.name, set())
        written = (key_messages if key else messages).get(spec.name, set())  # the Protobuf message classes its producers serialize
        record = next(iter(written)) if len(written) == 1 else None
        chosen = next(iter(named)) if len(named) == 1 else strategy
        subject = subjects.subject(chosen, spec.channel, current, key=key, record=record)
        if subject is None:  # no channel for the topic, or no record name (an Avro primitive, a JSON Schema without title)
            files.append(SchemaFileCheck(spec.name, current.file, "no-subject", mode, (), consumers))
            continue
        suffix = {"avro": ".avsc", "protobuf": ".proto"}.get(current.format, ".json")
        rel = subject + suffix
        if "/" in subject or not registry.exists(rel):
            files.append(SchemaFileCheck(spec.name, current.file, "new", mode, (), consumers, subject))
            continue
        registered = compat.load_schema(rel, registry, label=f"{subject} ({export})")
        changes = tuple(compat.compare(registered, current, policy, level))
        files.append(SchemaFileCheck(spec.name, current.file, "changed" if changes else "unchanged", mode, changes, consumers, subject))
    return SchemaCheck(str(export), policy, tuple(files))


@dataclass(frozen=True)
class InferredPayload:
    """The schema one publication's payload is known to have (`eventlint schema infer`)."""

    path: str
    line: int
    column: int
    events: tuple[str, ...]  # the catalogued events it publishes, else the name the code gives
    channel: str | None
    schema: Mapping[str, Any]
    format: str = "json-schema"  # `avro`/`json-schema` with `serializer`: the schema the producer's serializer writes with
    serializer: bool = False


def schema_infer(paths: Sequence[PathLike] = (), config: Config | None = None, event: str | None = None) -> list[InferredPayload]:
    """What every publication under `paths` really sends, inferred from its payload expression (only what is known)."""
    config = config or load_config(paths)
    found = facts(paths or [Path(config.root)], config)
    catalog = load_catalog(config)
    contracts = Contracts(RuleContext(found, config, catalog))
    out: list[InferredPayload] = []
    for p in found.publishers:
        if p.payload_schema is None:
            continue
        names = tuple(sorted(spec.name for spec in contracts.published(p))) or ((p.event,) if p.event else ())
        if event is not None and event not in names:
            continue
        if p.payload_format is not None:  # a serializer's schema, as written in the code
            try:
                written = json.loads(p.payload_schema)
            except ValueError:
                written = p.payload_schema
            out.append(InferredPayload(p.path, p.line, p.column, names, p.channel, written, p.payload_format, serializer=True))
            continue
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **json.loads(p.payload_schema)}
        out.append(InferredPayload(p.path, p.line, p.column, names, p.channel, schema))
    return out


def _schema_file(path: Path, config: Config) -> compat.Schema:
    resolved = path.resolve()
    root = Path(config.root).resolve()
    if not resolved.is_relative_to(root):
        root = resolved.parent
    return compat.load_schema(resolved, compat.SchemaStore.from_directory(root))


def _catalog_path(spec: EventSpec, key: bool = False) -> Path:
    """The event's schema (or key schema) file or folder; relative to the file that declares the event."""
    return (Path(spec.base) / ((spec.key_schema if key else spec.schema) or "")).resolve()


def _stated_strategies(found: ProjectFacts, config: Config, catalog: Catalog, key: bool = False) -> dict[str, set[str]]:
    """Event name → the subject name strategies its producers' value (or key) serializers are configured with."""
    contracts = Contracts(RuleContext(found, config, catalog))
    stated: dict[str, set[str]] = {}
    for p in found.publishers:
        strategy = p.key_subject_strategy if key else p.subject_strategy
        if strategy:
            for spec in contracts.published(p):
                stated.setdefault(spec.name, set()).add(strategy)
    return stated


def _stated_messages(found: ProjectFacts, config: Config, catalog: Catalog, key: bool = False) -> dict[str, set[str]]:
    """Event name → the Protobuf messages its producers' value (or key) `ProtobufSerializer`s are given."""
    contracts = Contracts(RuleContext(found, config, catalog))
    stated: dict[str, set[str]] = {}
    for p in found.publishers:
        fmt, text = (p.key_format, p.key_schema) if key else (p.payload_format, p.payload_schema)
        try:
            message = json.loads(text).get("message") if fmt == "protobuf" and text else None
        except (ValueError, AttributeError):
            message = None  # not a reference extraction writes (facts merged from elsewhere)
        if isinstance(message, str):
            for spec in contracts.published(p):
                stated.setdefault(spec.name, set()).add(message)
    return stated


def _readers(found: ProjectFacts, config: Config, catalog: Catalog) -> dict[str, set[str]]:
    """Event name → the services whose code consumes it, judged as the contracts rules judge it (name, channel, routing)."""
    contracts = Contracts(RuleContext(found, config, catalog))
    readers: dict[str, set[str]] = {}
    for sub in found.subscribers:
        if sub.service:
            for spec in contracts.consumed(sub):
                readers.setdefault(spec.name, set()).add(sub.service)
    return readers


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(None, "--against", f"cannot run git in {root}: {exc}") from exc


def _verify_ref(root: Path, ref: str) -> None:
    if ref.startswith("-"):
        raise ConfigError(None, "--against", f"expected a git ref, got {ref!r}")
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else "unknown revision"
        raise ConfigError(None, "--against", f"{ref!r} is not a commit of a git repository at {root} ({reason})")


def _git_store(root: Path, ref: str) -> compat.SchemaStore:
    """Schema files as they were at `ref`, read with `git ls-tree` / `git cat-file` (no checkout, no network)."""

    def read(rel: str) -> str | None:
        entries = [e for e in _git(root, "ls-tree", "-z", ref, "--", f"./{rel}").stdout.decode("utf-8", "replace").split("\0") if e]
        if len(entries) != 1 or not entries[0].startswith(("100644 blob", "100755 blob")):
            return None  # absent, a folder, or a symlink (never followed)
        proc = _git(root, "cat-file", "blob", f"{ref}:./{rel}")
        if proc.returncode != 0:
            return None
        try:
            return proc.stdout.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SchemaError(f"{rel}@{ref}", "", f"expected a UTF-8 file: {exc.reason}") from exc

    def listdir(rel: str) -> list[str]:
        proc = _git(root, "ls-tree", "-z", "--name-only", ref, "--", f"./{rel}/" if rel not in ("", ".") else "./")
        return sorted(Path(entry).name for entry in proc.stdout.decode("utf-8", "replace").split("\0") if entry)

    return compat.SchemaStore(root, read, listdir, origin=f"@{ref}")
