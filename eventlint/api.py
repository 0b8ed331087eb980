"""The one entry point for the CLI, the tests and plugins: configuration in, facts and findings out."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eventlint import asyncapi, compat, suppress
from eventlint.catalog import Catalog, EventSpec, load_catalog
from eventlint.compat import Change, SchemaError
from eventlint.config import Config, ConfigError, load_config
from eventlint.discover import discover
from eventlint.extract import extract
from eventlint.facts import Diagnostic, ProjectFacts
from eventlint.report.asyncapi import export_asyncapi
from eventlint.rules import all_rules
from eventlint.rules import engine as rule_engine
from eventlint.rules.base import Rule, RuleContext
from eventlint.rules.contracts import Contracts

__all__ = [
    "Config",
    "ConfigError",
    "Result",
    "SchemaCheck",
    "SchemaDiff",
    "SchemaError",
    "export_catalog",
    "facts",
    "lint",
    "load_config",
    "rules",
    "schema_check",
    "schema_diff",
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

    def baseline(self) -> str:
        """A baseline document recording every finding of this result."""
        sources = self.sources or suppress.SourceLines(Path(self.config.root))
        return suppress.baseline_document(self.diagnostics, sources)


def rules() -> tuple[type[Rule], ...]:
    """Every available rule, sorted by code."""
    return all_rules()


def facts(paths: Sequence[PathLike] = (), config: Config | None = None) -> ProjectFacts:
    """Extract the facts of the project that contains `paths`."""
    config = config or load_config(paths)
    return extract(discover(paths, config), config)


def export_catalog(
    paths: Sequence[PathLike] = (), config: Config | None = None, service: str | None = None, syntax: str = "yaml"
) -> str:
    """The AsyncAPI 3.0 document of what the code does (with the catalog's payloads), as YAML or JSON text."""
    config = config or load_config(paths)
    catalog = load_catalog(config)
    found = facts(paths, config)
    document = export_asyncapi(found, catalog, Path(config.root), service=service)
    return asyncapi.render(document, syntax)


def lint(
    paths: Sequence[PathLike] = (),
    config: Config | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    baseline: PathLike | None = None,
) -> Result:
    """Check the project that contains `paths`."""
    config = config or load_config(paths)
    available = all_rules()
    selection = rule_engine.select(available, config, select, ignore, extend_select)
    catalog: Catalog = load_catalog(config)
    discovery = discover(paths, config)
    found = extract(discovery, config)
    findings = rule_engine.run(selection, found, config, catalog)
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


# --- schema compatibility ------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaDiff:
    """The changes from one schema file to another, judged under a mode and an open-content policy."""

    old: str
    new: str
    mode: str
    policy: str
    changes: tuple[Change, ...]

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
    status: str  # "changed", "unchanged" or "new" (absent at the ref)
    mode: str
    changes: tuple[Change, ...] = ()
    consumers: tuple[str, ...] = ()

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


def schema_diff(old: PathLike, new: PathLike, mode: str | None = None, policy: str | None = None, config: Config | None = None) -> SchemaDiff:
    """Compare two schema files (their `$ref`s resolve within their project, or their own folder)."""
    config = config or load_config([old])
    default_mode, default_policy = compatibility_settings(config)
    mode, policy = mode or default_mode, policy or default_policy
    old_schema, new_schema = _schema_file(Path(old), config), _schema_file(Path(new), config)
    changes = compat.compare(old_schema, new_schema, policy)
    return SchemaDiff(str(old), str(new), mode, policy, tuple(changes))


def schema_check(against: str, paths: Sequence[PathLike] = (), config: Config | None = None) -> SchemaCheck:
    """Compare every schema file the catalog names with the same file at git ref `against` (no checkout)."""
    config = config or load_config(paths)
    root = Path(config.root)
    _verify_ref(root, against)
    catalog = load_catalog(config)
    _, policy = compatibility_settings(config)
    specs = [spec for _, spec in sorted(catalog.events.items()) if spec.schema]
    if not specs:
        return SchemaCheck(against, policy, ())
    readers = _readers(facts(paths or [root], config), config, catalog)
    work, then = compat.SchemaStore.from_directory(root), _git_store(root, against)
    files: list[SchemaFileCheck] = []
    for spec in specs:
        mode, _ = compatibility_settings(config, spec)
        consumers = tuple(sorted(set(spec.consumers) | readers.get(spec.name, set())))
        for _, current in compat.load_versions(_catalog_path(spec), work):
            if not then.exists(current.file):
                files.append(SchemaFileCheck(spec.name, current.file, "new", mode, (), consumers))
                continue
            before = compat.load_schema(current.file, then, label=f"{current.file}@{against}")
            changes = tuple(compat.compare(before, current, policy))
            files.append(SchemaFileCheck(spec.name, current.file, "changed" if changes else "unchanged", mode, changes, consumers))
    return SchemaCheck(against, policy, tuple(files))


def _schema_file(path: Path, config: Config) -> compat.Schema:
    resolved = path.resolve()
    root = Path(config.root).resolve()
    if not resolved.is_relative_to(root):
        root = resolved.parent
    return compat.load_schema(resolved, compat.SchemaStore.from_directory(root))


def _catalog_path(spec: EventSpec) -> Path:
    """The event's schema file or folder; relative to the file that declares the event."""
    return (Path(spec.base) / (spec.schema or "")).resolve()


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
