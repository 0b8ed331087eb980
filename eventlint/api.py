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

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from eventlint import adopt, plugins, suppress
from eventlint.catalog import Catalog, EventSpec, load_catalog
from eventlint.config import CONFIG_FILES, Config, ConfigError, find_config, load_config
from eventlint.discover import discover
from eventlint.extract import extract
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
from eventlint.rules.handler_queries import named as call_matches
from eventlint.rules.policy import classifications

__all__ = [
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
    "ProjectFacts",
    "ProjectRule",
    "Publication",
    "PublicationRule",
    "Result",
    "Rule",
    "RuleContext",
    "RuleSet",
    "Service",
    "Severity",
    "SiteRef",
    "Subscription",
    "SubscriptionRule",
    "builtin_rules",
    "call_matches",
    "facts",
    "graph",
    "lint",
    "init_project",
    "load_config",
    "matches",
    "rule_set",
    "rules",
]

PathLike = str | os.PathLike[str]
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

    @property
    def exit_code(self) -> int:
        """1 when an error or warning remains; informational findings do not fail a run."""
        return 1 if any(d.severity in FAILING for d in self.diagnostics) else 0

    @cached_property
    def graph(self) -> EventGraph:
        """The event graph of the checked project (for metrics, diagrams and traces)."""
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


def facts(paths: Sequence[PathLike] = (), config: Config | None = None) -> ProjectFacts:
    """Extract the facts of the project that contains `paths`."""
    config = config or load_config(paths)
    config = _with_plugin_frameworks(config, plugins.discover_plugins().frameworks)
    return extract(discover(paths, config), config)


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
) -> Result:
    """Check the project that contains `paths`.

    `extra_rules` run beside the installed ones (the testing kit uses it for a
    rule that is not installed); `baseline` wins over the configuration's
    `baseline` key, which `use_config_baseline=False` ignores (to write a new one).
    """
    config = config or load_config(paths)
    ruleset = rule_set(config, extra_rules)
    available = ruleset.rules
    config = _with_plugin_frameworks(config, ruleset.frameworks)
    candidates = rule_engine.select(available, config, select, ignore, extend_select)
    selection = rule_engine.select(available, config, select, ignore, extend_select, classified=classifications(candidates.rules))
    catalog: Catalog = load_catalog(config)
    discovery = discover(paths, config)
    found = extract(discovery, config)
    load_contexts(config, (s.name for s in found.services))  # a mistake there is a config error, whatever runs
    guarded = {code: ruleset.origin(code) for code in ruleset.plugin_codes}
    findings = rule_engine.run(selection, found, config, catalog, guarded=guarded)
    if selection.is_selected("EDA002"):
        findings += [rule_engine.plugin_error(config, p.origin, p.message) for p in ruleset.problems]
    findings = suppress.apply_per_file_ignores(findings, selection.per_file_ignores)
    sources = suppress.SourceLines(discovery.root)
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
        findings, absorbed = suppress.apply_baseline(findings, suppress.load_baseline(Path(baseline)), sources)
    return Result(
        config=config,
        facts=found,
        diagnostics=tuple(rule_engine.sort_findings(findings)),
        rules=tuple(type(r) for r in selection.rules),
        baselined=absorbed,
        sources=sources,
    )


@dataclass(frozen=True)
class InitOutcome:
    """What `eventlint init` wrote."""

    config_file: Path
    baseline_file: Path
    services: int
    events: int
    findings: int


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
    found = facts([directory], base)
    data = adopt.initial_config(found, base, load_catalog(replace(base, raw={k: v for k, v in base.raw.items() if k != 'events'})))
    for other in existing:
        if other != target and other.name != "pyproject.toml":
            other.unlink()
    target.write_text(adopt.render(data), encoding="utf-8")
    config = load_config([directory], target)
    result = lint([directory], config, use_config_baseline=False)
    baseline_file = directory / adopt.BASELINE_FILE
    baseline_file.write_text(result.baseline(), encoding="utf-8")
    return InitOutcome(target, baseline_file, len(data["services"]), len(data["events"]), len(result.diagnostics))
