"""Which rules run, with which options and severities, and running them.

Configuration (`rules` and `per-file-ignores` in eventlint.yaml) works like ruff's:
`select` replaces the default set, `extend-select` adds to it, `ignore` removes
from it; codes and prefixes (`EDA4`) both work, `ALL` selects everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eventlint.catalog import Catalog
from eventlint.config import Config, ConfigError
from eventlint.facts import Diagnostic, ProjectFacts
from eventlint.rules.base import Rule, RuleContext, Severity, coerce_options

SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class Selection:
    """The rules of a run, configured."""

    rules: tuple[Rule, ...]
    severity: Mapping[str, str]
    per_file_ignores: Mapping[str, tuple[str, ...]]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rules)

    def is_selected(self, code: str) -> bool:
        return code in self.codes


def select(
    available: Sequence[type[Rule]],
    config: Config,
    cli_select: Sequence[str] | None = None,
    cli_ignore: Sequence[str] = (),
    cli_extend_select: Sequence[str] = (),
    classified: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
) -> Selection:
    """The configured selection; a mistake is a ConfigError naming the key (CLI flags: the flag)."""
    raw = config.raw.get("rules") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(config.source, "rules", "expected a mapping (select, extend-select, ignore, severity, options)")
    unknown = sorted(set(raw) - {"select", "extend-select", "ignore", "severity", "options"})
    if unknown:
        raise ConfigError(config.source, f"rules.{unknown[0]}", "unknown key; expected select, extend-select, ignore, severity or options")
    codes = [r.code for r in available]

    def patterns(key: str, value: Any, source: Any = config.source) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(source, key, f"expected a list of rule codes or prefixes, got {value!r}")
        for index, item in enumerate(value):
            if item.upper() != "ALL" and not any(c.startswith(item.upper()) for c in codes):
                raise ConfigError(source, f"{key}[{index}]", f"no rule code starts with '{item}'")
        return [v.upper() for v in value]

    def parse_flag(flag: str, values: Sequence[str]) -> list[str]:
        items = [v.strip() for value in values for v in value.split(",") if v.strip()]
        return patterns(flag, items, "command line")

    layers = [
        (
            patterns("rules.select", raw["select"]) if "select" in raw else None,
            patterns("rules.extend-select", raw.get("extend-select", [])),
            patterns("rules.ignore", raw.get("ignore", [])),
        ),
        (parse_flag("--select", cli_select) if cli_select else None, parse_flag("--extend-select", cli_extend_select), parse_flag("--ignore", cli_ignore)),
    ]
    on_codes = resolve_selection([r.code for r in available if r.default_enabled], codes, layers)
    selected = [rule for rule in available if rule.code in on_codes]

    severity = _severities(raw.get("severity", {}), codes, config)
    options = raw.get("options", {})
    if not isinstance(options, Mapping):
        raise ConfigError(config.source, "rules.options", "expected a mapping of rule code to options")
    instances = []
    by_code = {r.code: r for r in available}
    for code in options:
        if code not in by_code:
            raise ConfigError(config.source, f"rules.options.{code}", "no such rule code")
        if not isinstance(options[code], Mapping):
            raise ConfigError(config.source, f"rules.options.{code}", "expected a mapping of option names to values")
    for rule in selected:
        configured, problems = coerce_options(rule, options.get(rule.code, {}))
        if problems:
            key, message = problems[0]
            raise ConfigError(config.source, f"rules.options.{rule.code}.{key}", message)
        instances.append(rule(_classified(configured, (classified or {}).get(rule.code, {}))))
    return Selection(tuple(instances), severity, _per_file_ignores(config, codes))


def run(
    selection: Selection,
    facts: ProjectFacts,
    config: Config,
    catalog: Catalog,
    guarded: Mapping[str, str] | None = None,
    ctx: RuleContext | None = None,
) -> list[Diagnostic]:
    """Every finding of the selected rules, with severity overrides applied, in deterministic order.

    `guarded` maps the codes of third-party rules to their origin: an exception
    inside one of them becomes an EDA002 finding naming it, and the run goes on.
    `ctx`, when given, is the context the rules share (so its graph can serve the caller too).
    """
    ctx = ctx or RuleContext(facts=facts, config=config, catalog=catalog)
    findings: list[Diagnostic] = []
    for rule in selection.rules:
        origin = (guarded or {}).get(rule.code)
        produced = _guarded_check(rule, ctx, origin, config, selection.is_selected("EDA002")) if origin else rule.check(ctx)
        for finding in produced:
            level = _severity_for(finding.code, selection.severity)
            if level is not None and level != finding.severity:
                finding = _with_severity(finding, level)
            findings.append(finding)
    return sort_findings(findings)


def plugin_error(config: Config, origin: str, message: str) -> Diagnostic:
    """EDA002: a plugin that failed, reported at the configuration file (or the root)."""
    where = config.source.name if config.source is not None and config.source.parent == config.root else "."
    return Diagnostic(
        code="EDA002",
        message=f"plugin {origin} {message}",
        path=where,
        line=1,
        column=1,
        severity="error",
        hint="upgrade or fix the plugin, or uninstall it; `eventlint rules` lists every plugin rule with its origin",
    )


def _guarded_check(rule: Rule, ctx: RuleContext, origin: str, config: Config, report: bool) -> list[Diagnostic]:
    try:
        return list(rule.check(ctx))
    except Exception as exc:  # a third-party rule's bug must not take the run down
        message = f"failed in {rule.code} ({type(rule).__qualname__}.check): {type(exc).__name__}: {exc}"
        return [plugin_error(config, origin, message)] if report else []


def _classified(options: Any, extra: Mapping[str, tuple[str, ...]]) -> Any:
    """Options with the globs of classify policies appended to the fields they name."""
    if not extra or not dataclasses.is_dataclass(options):
        return options
    names = {f.name for f in dataclasses.fields(options)}
    changes = {name: tuple(getattr(options, name)) + tuple(g for g in globs if g not in getattr(options, name)) for name, globs in extra.items() if name in names}
    return dataclasses.replace(options, **changes)


def sort_findings(findings: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(findings), key=lambda d: (d.path, d.line, d.column, d.code, d.message))


Layer = tuple[Sequence[str] | None, Sequence[str], Sequence[str]]


def resolve_selection(defaults: Iterable[str], codes: Sequence[str], layers: Sequence[Layer]) -> set[str]:
    """The selected codes after each layer (select, extend-select, ignore) in turn: the configuration, then the flags.

    ruff's resolution: a layer's `select` replaces everything before it (earlier
    layers' extend-select and ignore included); without one, the layer's
    extend-select adds and its ignore removes. Within a layer the more specific
    pattern wins (`EDA401` over `EDA4` over `ALL`), and at equal specificity
    ignore wins over select. An empty `select` with only an `ignore` carries
    the ignore over to the next layer.
    """
    selected = set(defaults)
    carried: Sequence[str] = ()
    for chosen, extra, dropped in layers:
        updates: dict[str, bool] = {}
        enable = [*(chosen or ()), *extra]
        disable = [*dropped, *carried]
        carried = ()
        for specificity in sorted({_specificity(p) for p in (*enable, *disable)}):
            for pattern in (p for p in enable if _specificity(p) == specificity):
                updates.update((c, True) for c in codes if _matches(c, [pattern]))
            for pattern in (p for p in disable if _specificity(p) == specificity):
                updates.update((c, False) for c in codes if _matches(c, [pattern]))
        if chosen is not None:
            selected = {c for c, on in updates.items() if on}
            if not chosen and not extra and dropped:
                carried = dropped
        else:
            selected |= {c for c, on in updates.items() if on}
            selected -= {c for c, on in updates.items() if not on}
    return selected


def _specificity(pattern: str) -> int:
    return 0 if pattern == "ALL" else len(pattern)


def _matches(code: str, patterns: Sequence[str]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def _severities(raw: Any, codes: list[str], config: Config) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ConfigError(config.source, "rules.severity", "expected a mapping of rule code or prefix to error, warning or info")
    out = {}
    for key, value in raw.items():
        if not any(c.startswith(str(key).upper()) for c in codes):
            raise ConfigError(config.source, f"rules.severity.{key}", "no rule code starts with this")
        if value not in SEVERITIES:
            raise ConfigError(config.source, f"rules.severity.{key}", f"expected one of {', '.join(SEVERITIES)}, got {value!r}")
        out[str(key).upper()] = value
    return out


def _severity_for(code: str, overrides: Mapping[str, str]) -> str | None:
    best = None
    for prefix, level in overrides.items():
        if code.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, level)
    return best[1] if best else None


def _with_severity(finding: Diagnostic, level: str) -> Diagnostic:
    from dataclasses import replace

    return replace(finding, severity=level)


def _per_file_ignores(config: Config, codes: list[str]) -> dict[str, tuple[str, ...]]:
    raw = config.raw.get("per-file-ignores") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(config.source, "per-file-ignores", "expected a mapping of glob to rule codes")
    out = {}
    for glob, value in raw.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise ConfigError(config.source, f"per-file-ignores.{glob}", f"expected rule codes or prefixes, got {value!r}")
        for item in items:
            if not any(c.startswith(item.upper()) for c in codes):
                raise ConfigError(config.source, f"per-file-ignores.{glob}", f"no rule code starts with '{item}'")
        out[str(glob)] = tuple(v.upper() for v in items)
    return out
