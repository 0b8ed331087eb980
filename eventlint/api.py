"""The one entry point for the CLI, the tests and plugins: configuration in, facts and findings out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eventlint import merge, suppress
from eventlint.cache import CACHE_DIR
from eventlint.cache import clean as _clean_cache
from eventlint.catalog import Catalog, load_catalog
from eventlint.config import Config, ConfigError, load_config
from eventlint.discover import discover
from eventlint.extract import Options, extract
from eventlint.facts import Diagnostic, ProjectFacts
from eventlint.rules import all_rules
from eventlint.rules import engine as rule_engine
from eventlint.rules.base import Rule

__all__ = ["FOREIGN", "Config", "ConfigError", "Options", "Result", "clean_cache", "facts", "lint", "load_config", "rules"]

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

    @property
    def exit_code(self) -> int:
        """1 when an error or warning remains; informational findings do not fail a run."""
        return 1 if any(d.severity in FAILING for d in self.diagnostics) else 0

    def baseline(self) -> str:
        """A baseline document recording every finding of this result."""
        sources = self.sources or suppress.SourceLines(Path(self.config.root))
        return suppress.baseline_document(self.diagnostics, sources)


def rules() -> tuple[type[Rule], ...]:
    """Every available rule, sorted by code."""
    return all_rules()


def facts(paths: Sequence[PathLike] = (), config: Config | None = None, options: Options | None = None) -> ProjectFacts:
    """Extract the facts of the project that contains `paths` (`options`: cache, prefilter, jobs, progress)."""
    config = config or load_config(paths)
    return extract(discover(paths, config), config, options)


def clean_cache(config: Config, directory: Path | None = None) -> Path | None:
    """Remove the project's cache (`directory`, default `.eventlint_cache` at its root); None when there was none."""
    directory = directory or Path(config.root).resolve() / CACHE_DIR
    try:
        return directory if _clean_cache(directory) else None
    except ValueError as exc:
        raise ConfigError(directory, "cache", str(exc)) from exc


def lint(
    paths: Sequence[PathLike] = (),
    config: Config | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    baseline: PathLike | None = None,
    options: Options | None = None,
    foreign_facts: Sequence[PathLike] = (),
) -> Result:
    """Check the project that contains `paths`, merged with the facts files (or directories) `foreign_facts`."""
    config = config or load_config(paths)
    foreign = merge.load_foreign(foreign_facts)
    available = all_rules()
    selection = rule_engine.select(available, config, select, ignore, extend_select)
    catalog: Catalog = load_catalog(config)
    discovery = discover(paths, config)
    found = extract(discovery, config, options)
    if foreign:
        found = merge.merge(found, foreign)
    # other repositories' findings are theirs to report: their facts only inform the graph here
    findings = [f for f in rule_engine.run(selection, found, config, catalog) if not merge.is_foreign(f.path)]
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
