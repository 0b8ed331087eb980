"""Where a run stands: the projects under the paths, the repository around them, and paths as users and CI see them.

A check reports paths relative to the project root internally (baselines, noqa
and fingerprints use those). What a person or a CI system opens is another
matter: the text report names paths relative to the current directory (absolute
when outside it, as ruff does), the machine formats (SARIF, GitHub annotations,
JUnit, JSON) relative to the repository root (the git top level, else the
current directory), so GitHub resolves them wherever the configuration sits.

From a folder with no configuration at or above it, every configuration below it
is a project of its own (ruff's hierarchical configurations, one report).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit, urlunsplit

from eventlint import api
from eventlint.config import CONFIG_FILES, Config, find_config, load_config
from eventlint.discover import PRUNED_DIRS
from eventlint.facts import Diagnostic, ProjectFacts, Skipped
from eventlint.graph import TraceEvent
from eventlint.report import coverage

LOOKED_FOR = (*CONFIG_FILES, "pyproject.toml ([tool.eventlint])")


@dataclass(frozen=True)
class Plan:
    """The projects of a run: each one's paths and configuration, and how they were found."""

    projects: tuple[tuple[tuple[Path, ...], Config], ...]
    start: Path
    # "configured" (one configuration), "several" (the paths' nearest configurations differ), "below" (the
    # configurations below the start) or "inferred" (no configuration)
    how: str = "configured"

    @property
    def inferred(self) -> bool:
        return self.how == "inferred"


def plan(paths: Sequence[Path], config_file: Path | None) -> Plan:
    """The projects of a run over `paths`.

    An explicit configuration, or the one at or above the first path, is one
    project; paths whose nearest configurations differ are one project each;
    with none at or above, every configuration below the start is a project;
    with none anywhere, one inferred project.
    """
    start = (Path(paths[0]) if paths else Path.cwd()).resolve()
    if config_file is None and len(paths) > 1:
        nearest = [find_config(Path(p).resolve()) for p in paths]
        if None not in nearest and len(set(nearest)) > 1:  # paths in different projects: each checked as its own
            groups: dict[Path, list[Path]] = {}
            for path, found in zip(paths, nearest):
                groups.setdefault(found, []).append(Path(path))  # type: ignore[arg-type]
            return Plan(tuple((tuple(group), load_config(group, found)) for found, group in sorted(groups.items())), start, "several")
    if config_file is not None or find_config(start) is not None:
        return Plan(((tuple(paths), load_config(paths, config_file)),), start)
    below = find_configs(start) if start.is_dir() else []
    if below:
        return Plan(tuple(((found.parent,), load_config([found.parent], found)) for found in below), start, "below")
    return Plan(((tuple(paths), load_config(paths)),), start, "inferred")


def find_configs(directory: Path) -> list[Path]:
    """Every configuration file below `directory` (one per folder, the first of CONFIG_FILES, then pyproject.toml).

    The first configuration on each way down wins: the folders below it are its
    project's (their files are that project's files), not projects of their own.
    The walk prunes what discovery prunes (VCS data, virtualenvs, caches, build
    output) and hidden folders, and never follows a symbolic link.
    """
    found: list[Path] = []
    for current, dirs, _files in os.walk(directory, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in PRUNED_DIRS and not d.startswith(".") and not os.path.islink(os.path.join(current, d)))
        here = Path(current)
        if here == directory:
            continue
        config = find_config_in(here)
        if config is not None:
            found.append(config)
            dirs[:] = []  # the folders below belong to this project: checking them again would report twice
    return found


def find_config_in(directory: Path) -> Path | None:
    """The configuration file in `directory` itself, if any (the same precedence as `find_config`)."""
    for name in CONFIG_FILES:
        if (directory / name).is_file():
            return directory / name
    if not (directory / "pyproject.toml").is_file():
        return None  # most folders: no file to parse, and no walk up
    found = find_config(directory)
    return found if found is not None and found.parent == directory else None


# --- the repository ----------------------------------------------------------------------------


def repository_root(start: Path) -> Path | None:
    """The git top level at or above `start` (the nearest folder holding `.git`, a folder or a worktree's file)."""
    here = start.resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None


def report_base(project_root: Path, cwd: Path | None = None) -> Path:
    """What the machine formats' paths are relative to: the project's repository root, else the current directory.

    A project in no repository and outside the current directory keeps its own
    root (paths climbing out of the current directory with `..` help nobody).
    """
    found = repository_root(project_root)
    if found is not None:
        return found
    here, root = (cwd or Path.cwd()).resolve(), project_root.resolve()
    return here if root.is_relative_to(here) else root


def provenance(repo: Path) -> dict[str, object] | None:
    """SARIF `versionControlProvenance` of the repository at `repo` (remote URI without credentials, commit, branch).

    Read with local git commands only (no network); None when git cannot say.
    """
    commit = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD")
    remote = _git(repo, "config", "--get", "remote.origin.url")
    uri = _public_uri(remote) if remote else repo.resolve().as_uri()
    if uri is None:
        return None
    details: dict[str, object] = {"repositoryUri": uri}
    if commit:
        details["revisionId"] = commit
    branch = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    if branch:
        details["branch"] = branch
    details["mappedTo"] = {"uriBaseId": "%SRCROOT%"}
    return details


def _git(repo: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.decode("utf-8", "replace").strip()
    return out if proc.returncode == 0 and out else None


def _public_uri(remote: str) -> str | None:
    """A remote as an absolute URI with any user name or token removed (`git@host:o/r.git` becomes ssh://host/o/r.git)."""
    if "://" not in remote:
        if ":" in remote and not remote.startswith("/"):
            host, _, path = remote.partition(":")
            remote = f"ssh://{host.rpartition('@')[2]}/{path.lstrip('/')}"
        else:
            return Path(remote).resolve().as_uri() if Path(remote).is_absolute() else None
    parts = urlsplit(remote)
    if not parts.scheme or not parts.hostname and parts.scheme != "file":
        return None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def base_uri(directory: Path) -> str:
    """`directory` as a file URI ending in a slash (SARIF `originalUriBaseIds` need the slash)."""
    uri = directory.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def uri_path(path: str) -> str:
    """A relative POSIX path as a URI reference (spaces and the like percent-encoded)."""
    return quote(path, safe="/._-~")


# --- paths -------------------------------------------------------------------------------------


def relative_to(project_root: Path, path: str, base: Path, absolute_outside: bool) -> str:
    """A project-relative `path` made relative to `base` (POSIX); outside `base`, absolute or with `..`."""
    target = Path(os.path.normpath(project_root / path))
    try:
        return PurePosixPath(target.relative_to(base)).as_posix() or "."
    except ValueError:
        if absolute_outside:
            return str(target)
        return PurePosixPath(Path(os.path.relpath(target, base))).as_posix()


def rebase(
    diagnostics: Sequence[Diagnostic], project_root: Path, base: Path, absolute_outside: bool = False
) -> tuple[Diagnostic, ...]:
    """The findings with their paths made relative to `base` (see `relative_to`)."""
    root = project_root.resolve()
    return tuple(_rebased(d, root, base, absolute_outside) for d in diagnostics)


def _rebased(d: Diagnostic, root: Path, base: Path, absolute_outside: bool) -> Diagnostic:
    fix = d.fix
    if fix is not None:  # a fix's edits name their files as the finding does
        edits = tuple(dataclasses.replace(e, path=relative_to(root, e.path, base, absolute_outside)) for e in fix.edits)
        fix = dataclasses.replace(fix, edits=edits)
    related = tuple(dataclasses.replace(r, path=relative_to(root, r.path, base, absolute_outside)) for r in d.related)
    return dataclasses.replace(d, path=relative_to(root, d.path, base, absolute_outside), fix=fix, related=related)


def rebase_skipped(skipped: Sequence[Skipped], project_root: Path, base: Path, absolute_outside: bool = False) -> tuple[Skipped, ...]:
    root = project_root.resolve()
    return tuple(Skipped(relative_to(root, s.path, base, absolute_outside), s.reason) for s in skipped)


def rebase_facts(facts: ProjectFacts, base: Path) -> ProjectFacts:
    """The facts with the file of every site, binding, problem and skipped file relative to `base` (outside it,
    absolute), as a person reads them from where they stand (`facts --format text`)."""
    root = Path(facts.root).resolve()

    def moved(records: Sequence) -> tuple:
        return tuple(dataclasses.replace(r, path=relative_to(root, r.path, base, True)) for r in records)

    return dataclasses.replace(
        facts,
        publishers=moved(facts.publishers),
        subscribers=moved(facts.subscribers),
        bindings=moved(facts.bindings),
        diagnostics=rebase(facts.diagnostics, root, base, True),
        skipped=rebase_skipped(facts.skipped, root, base, True),
    )


def rebase_trace(event: TraceEvent, project_root: Path, base: Path) -> TraceEvent:
    """A trace with every file relative to `base` (outside it, absolute), as `rebase` moves the findings it shows."""
    root = project_root.resolve()

    def move(path: str) -> str:
        return relative_to(root, path, base, True)

    def walk(e: TraceEvent) -> TraceEvent:
        steps = tuple(
            dataclasses.replace(
                s, path=move(s.path), handler_path=move(s.handler_path), sites=tuple((move(p), n) for p, n in s.sites),
                causes=tuple(walk(c) for c in s.causes),
            )
            for s in e.steps
        )
        return dataclasses.replace(e, published=tuple(dataclasses.replace(p, path=move(p.path)) for p in e.published), steps=steps)

    return walk(event)


# --- one report over several projects ---------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """The results of a check over every project of a plan."""

    plan: Plan
    results: tuple[api.Result, ...]

    @property
    def exit_code(self) -> int:
        return max((r.exit_code for r in self.results), default=0)

    def diagnostics(self, base: Path, absolute_outside: bool = False) -> tuple[Diagnostic, ...]:
        """Every finding, paths relative to `base`, sorted."""
        found = [d for r in self.results for d in rebase(r.diagnostics, Path(r.config.root), base, absolute_outside)]
        return tuple(sorted(set(found), key=lambda d: (d.path, d.line, d.column, d.code, d.message)))

    def facts(self, base: Path, absolute_outside: bool = False) -> ProjectFacts:
        """The facts of the one project, or the projects' facts summed (for the report's counts and skipped paths)."""
        first = self.results[0].facts
        skipped = tuple(s for r in self.results for s in rebase_skipped(r.facts.skipped, Path(r.config.root), base, absolute_outside))
        if len(self.results) == 1:
            return dataclasses.replace(first, skipped=skipped)
        return dataclasses.replace(
            first,
            files=sum(r.facts.files for r in self.results),
            services=tuple(s for r in self.results for s in r.facts.services),
            publishers=tuple(p for r in self.results for p in r.facts.publishers),
            subscribers=tuple(s for r in self.results for s in r.facts.subscribers),
            skipped=tuple(sorted(skipped, key=lambda s: s.path)),
            imports=tuple(i for r in self.results for i in r.facts.imports),
        )

    def coverage(self) -> coverage.Coverage:
        """What the run could judge (report/coverage.py), over every project's facts, each project's `coverage` and
        `external` settings joined (the first project's threshold)."""
        options = [coverage.Options.from_config(r.config.raw) for r in self.results]
        joined = dataclasses.replace(
            options[0],
            shared_modules=tuple(sorted({m for o in options for m in o.shared_modules})),
            external_consumed=any(o.external_consumed for o in options),
            external_published=any(o.external_published for o in options),
        )
        return coverage.assess(self.facts(Path(self.results[0].config.root)), joined)

    @property
    def baselined(self) -> int:
        return sum(r.baselined for r in self.results)

    def problems(self, base: Path) -> list[str]:
        """What makes a run check nothing, with the next step: no file, no service, no messaging site recognised."""
        out = []
        for result in self.results:
            root = Path(result.config.root).resolve()
            where = relative_to(root, ".", base, True)
            facts = result.facts
            if facts.files == 0:
                out.append(
                    f"{where}: no Python file found; check the paths given and `include`/`exclude` in {result.config.label}"
                )
            elif not facts.publishers and not facts.subscribers:
                imported = coverage.assess(facts).imports
                seen = f" (messaging libraries imported: {', '.join(f'{i.module} in {i.files}' for i in imported)})" if imported else ""
                out.append(
                    f"{where}: no publisher or subscriber recognised in {facts.files} files{seen}; "
                    "`eventlint facts --format text` shows what was read, docs/frameworks.md how to describe an in-house bus"
                )
            elif not facts.services:
                out.append(f"{where}: no service found; run `eventlint init` or declare `services` in the configuration")
        return out


def check(plan: Plan, **kwargs: object) -> Checked:
    """`api.lint` for every project of the plan."""
    return Checked(plan, tuple(api.lint(paths, config, **kwargs) for paths, config in plan.projects))  # type: ignore[arg-type]
