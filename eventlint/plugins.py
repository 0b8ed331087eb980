"""Every rule of a run and where it comes from: built-ins, built-in policies, plugins and the team's policies.

Plugins are found through two entry point groups:

- `eventlint.rules`: a Rule subclass, a list or tuple of them, or a module whose
  `RULES` attribute lists them;
- `eventlint.frameworks`: a path (str or Path) or a list of paths of framework
  pattern files (the format of rules/frameworks/*.yaml).

A plugin that fails (it does not import, names something that is not a rule,
reuses a code, or raises inside `check`) is reported as EDA002 with its name and
the run goes on without it, like flake8 names a broken plugin; a mistake in the
team's own policy files is a configuration error (exit 2).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from eventlint.config import Config, ConfigError
from eventlint.resources import builtin_policies
from eventlint.rules import BUILTIN
from eventlint.rules.base import Rule
from eventlint.rules.policy import load_policy_file

RULES_GROUP = "eventlint.rules"
FRAMEWORKS_GROUP = "eventlint.frameworks"
BUILTIN_ORIGIN = "eventlint"
CODE = re.compile(r"^[A-Z]{2,}[0-9]{3,}$")
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be used: who (distribution and entry point) and why."""

    origin: str
    message: str


@dataclass(frozen=True)
class RuleSet:
    """The rules of a run (sorted by code), the origin of each, plugin framework packs and plugin problems."""

    rules: tuple[type[Rule], ...]
    origins: Mapping[str, str]
    frameworks: tuple[Path, ...] = ()
    problems: tuple[PluginProblem, ...] = ()
    plugin_codes: frozenset[str] = frozenset()

    def origin(self, code: str) -> str:
        return self.origins.get(code, BUILTIN_ORIGIN)

    def is_builtin(self, code: str) -> bool:
        return self.origin(code) == BUILTIN_ORIGIN


@dataclass(frozen=True)
class Plugins:
    rules: tuple[tuple[type[Rule], str], ...] = ()
    frameworks: tuple[Path, ...] = ()
    problems: tuple[PluginProblem, ...] = field(default_factory=tuple)


def builtin_rules() -> tuple[type[Rule], ...]:
    """The built-in rules and the built-in policies (rules/policies/*.yaml), sorted by code."""
    return tuple(sorted((*BUILTIN, *_builtin_policy_rules()), key=lambda r: r.code))


@cache
def _builtin_policy_rules() -> tuple[type[Rule], ...]:
    rules: list[type[Rule]] = []
    for path in builtin_policies():
        rules.extend(load_policy_file(path, shown=f"rules/policies/{path.name}"))
    return tuple(rules)


def rule_set(config: Config | None = None, extra: Iterable[type[Rule]] = (), use_plugins: bool = True) -> RuleSet:
    """Built-ins, installed plugins, `extra` rules (tests) and the policies named by the configuration."""
    rules: dict[str, type[Rule]] = {r.code: r for r in builtin_rules()}
    origins: dict[str, str] = {}
    plugins = discover_plugins() if use_plugins else Plugins()
    problems = list(plugins.problems)
    for rule, origin in plugins.rules:
        if rule.code in rules:
            taken = origins.get(rule.code, BUILTIN_ORIGIN)
            problems.append(PluginProblem(origin, f"rule {rule.code} ({rule.__qualname__}) reuses the code of {taken}'s {rules[rule.code].name}; it is not loaded"))
            continue
        rules[rule.code] = rule
        origins[rule.code] = origin
    plugin_codes = frozenset(origins)
    for rule in extra:  # rules under test: not guarded, so their exceptions surface in the test
        rules[rule.code] = rule
        origins[rule.code] = f"{rule.__module__}"
    if config is not None:
        for index, entry in enumerate(config.raw.get("policies") or ()):
            for path, shown in _policy_files(config, entry, f"policies[{index}]"):
                for rule in load_policy_file(path, shown=str(path)):
                    if rule.code in rules:
                        where = f"{path}:{rule.policy.line}"
                        taken = f"{origins.get(rule.code, BUILTIN_ORIGIN)}'s {rules[rule.code].name}"
                        raise ConfigError(where, "id", f"{rule.code} is already the code of {taken}; choose a team prefix such as ACME001")
                    rules[rule.code] = rule
                    origins[rule.code] = f"policy {shown}"
    ordered = tuple(sorted(rules.values(), key=lambda r: r.code))
    return RuleSet(ordered, origins, plugins.frameworks, tuple(problems), plugin_codes - {r.code for r in extra})


def _policy_files(config: Config, entry: str, key: str) -> list[tuple[Path, str]]:
    """The files of one `policies` entry: a path, or a glob (`eventlint/policies/*.yaml`) matching at least one file."""
    if any(c in entry for c in "*?["):
        found = sorted(p for p in config.root.glob(entry) if p.is_file())
        if not found:
            raise ConfigError(config.source, key, f"no policy file matches {entry}")
        return [(p.resolve(), p.relative_to(config.root).as_posix()) for p in found]
    path = (config.root / entry).resolve()
    if not path.is_file():
        raise ConfigError(config.source, key, f"policy file not found: {entry}")
    return [(path, entry)]


@cache
def discover_plugins() -> Plugins:
    """The rules and framework packs of every installed plugin, and what went wrong loading them."""
    rules: list[tuple[type[Rule], str]] = []
    frameworks: list[Path] = []
    problems: list[PluginProblem] = []
    for ep in sorted(_entry_points(RULES_GROUP), key=lambda e: (e.name, e.value)):
        origin = _origin(ep)
        try:
            loaded = ep.load()
        except Exception as exc:  # a plugin's import error must not stop the run
            problems.append(PluginProblem(origin, f"cannot be imported: {type(exc).__name__}: {exc}"))
            continue
        found, bad = _rules_in(loaded)
        problems += [PluginProblem(origin, message) for message in bad]
        rules += [(rule, origin) for rule in found]
    for ep in sorted(_entry_points(FRAMEWORKS_GROUP), key=lambda e: (e.name, e.value)):
        origin = _origin(ep)
        try:
            loaded = ep.load()
        except Exception as exc:
            problems.append(PluginProblem(origin, f"cannot be imported: {type(exc).__name__}: {exc}"))
            continue
        items = loaded if isinstance(loaded, (list, tuple)) else [loaded]
        for item in items:
            if not isinstance(item, (str, Path)) or not Path(item).is_file():
                problems.append(PluginProblem(origin, f"expected the path of a framework pattern file, got {item!r}"))
                continue
            frameworks.append(Path(item).resolve())
    return Plugins(tuple(rules), tuple(frameworks), tuple(problems))


def _rules_in(loaded: Any) -> tuple[list[type[Rule]], list[str]]:
    if isinstance(loaded, types.ModuleType):
        loaded = getattr(loaded, "RULES", None)
        if loaded is None:
            return [], ["the module has no RULES list"]
    items = loaded if isinstance(loaded, (list, tuple)) else [loaded]
    good: list[type[Rule]] = []
    bad: list[str] = []
    for item in items:
        problem = _rule_problem(item)
        if problem:
            bad.append(problem)
        else:
            good.append(item)
    return good, bad


def _rule_problem(item: Any) -> str | None:
    if not (isinstance(item, type) and issubclass(item, Rule)):
        return f"{item!r} is not a subclass of eventlint.api.Rule"
    code, name = getattr(item, "code", None), getattr(item, "name", None)
    if not isinstance(code, str) or not CODE.match(code):
        return f"{item.__qualname__}.code must be a prefix of capitals and three or more digits (ACME101), got {code!r}"
    if not isinstance(name, str) or not NAME.match(name):
        return f"{item.__qualname__}.name must be kebab-case, got {name!r}"
    if item.check is Rule.check:
        return f"{item.__qualname__} does not implement check()"
    return None


def _entry_points(group: str) -> list[metadata.EntryPoint]:
    return list(metadata.entry_points(group=group))


def _origin(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    name = f"{dist.name} {dist.version}" if dist is not None else "unknown distribution"
    return f"{name} (entry point {ep.name} = {ep.value})"


__all__ = ["BUILTIN_ORIGIN", "PluginProblem", "RuleSet", "builtin_rules", "discover_plugins", "rule_set"]
