"""Facts from other repositories, merged with the local facts before the graph rules run.

Each repository's CI writes its facts (`eventlint facts --repository NAME -o
FILE`) and publishes them as an artefact; a check that is given those files
(`--facts FILE` or `--facts DIR`) sees the company's whole event graph. Merged
records keep their repository: a foreign service carries `repository`, and a
foreign record's path (and the names of its functions) are prefixed with
`<repository>::`, so nothing from elsewhere can be mistaken for a local file or
function. Findings are reported only for local files; the other repositories'
own CI reports theirs.

Conflicting definitions are reported, never merged: two files describing the
same repository, or one service defined by two repositories.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventlint import schemas
from eventlint.config import ConfigError
from eventlint.facts import FACTS_VERSION, FactsFormatError, ProjectFacts, Service

__all__ = ["FOREIGN", "ForeignFacts", "is_foreign", "load_foreign", "merge", "repository_name"]

FOREIGN = "::"


@dataclass(frozen=True)
class ForeignFacts:
    """One facts document from another repository, and the file it came from."""

    source: Path
    repository: str
    facts: ProjectFacts


def repository_name(facts: ProjectFacts) -> str:
    """The name a facts document gives its repository, or the name of its root directory."""
    return facts.repository or (facts.root.rstrip("/").rsplit("/", 1)[-1] or facts.root)


def is_foreign(path: str) -> bool:
    """Whether a record's path belongs to a merged repository."""
    return FOREIGN in path


def load_foreign(paths: Sequence[str | os.PathLike[str]]) -> list[ForeignFacts]:
    """Every facts document named (a directory stands for the `*.json` files in it, sorted)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                raise ConfigError(path, "--facts", "expected facts files (*.json) in this directory, found none")
            files.extend(found)
        else:
            files.append(path)
    return [_load(path) for path in files]


def _load(path: Path) -> ForeignFacts:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, "--facts", f"cannot read: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "--facts", f"expected a JSON facts document (`eventlint facts -o FILE`): {exc}") from exc
    version = data.get("eventlint_facts") if isinstance(data, dict) else None
    if version != FACTS_VERSION:
        raise ConfigError(
            path, "eventlint_facts", f"expected facts format version {FACTS_VERSION}, got {version!r}: write it with `eventlint facts -o` of this release"
        )
    for key, message in schemas.problems(data, "facts"):
        raise ConfigError(path, key or "--facts", f"not an eventlint facts document: {message}")
    try:
        facts = ProjectFacts.from_json(data)
    except FactsFormatError as exc:
        raise ConfigError(path, "eventlint_facts", str(exc)) from exc
    return ForeignFacts(path, repository_name(facts), facts)


def merge(local: ProjectFacts, foreign: Sequence[ForeignFacts]) -> ProjectFacts:
    """The local facts plus every foreign record, tagged; raises ConfigError listing every conflict."""
    local_name = repository_name(local)
    conflicts: list[str] = []
    seen_repos: dict[str, Path] = {}
    owners: dict[str, str] = {s.name: f"{local_name} (local)" for s in local.services}
    merged = local
    for item in foreign:
        if item.repository == local_name and item.facts.root == local.root:
            continue  # this repository's own artefact: the fresh local facts win
        if item.repository in seen_repos or item.repository == local_name:
            other = seen_repos.get(item.repository)
            where = f"{other}" if other is not None else "the local repository"
            conflicts.append(f"{item.source}: repository '{item.repository}' is also described by {where}")
            continue
        seen_repos[item.repository] = item.source
        for service in item.facts.services:
            if service.name in owners:
                conflicts.append(
                    f"{item.source}: service '{service.name}' of repository '{item.repository}' is also defined by {owners[service.name]}"
                )
            else:
                owners[service.name] = f"repository '{item.repository}' ({item.source})"
        merged = _add(merged, _tagged(item))
    if conflicts:
        raise ConfigError(None, "--facts", "conflicting facts, not merged:\n  " + "\n  ".join(conflicts))
    return merged.sorted()


def _tagged(item: ForeignFacts) -> ProjectFacts:
    """The foreign facts with their repository on every service, path and function name."""
    prefix = item.repository + FOREIGN
    facts = item.facts

    def path(value: str) -> str:
        return prefix + value

    def name(value: str | None) -> str | None:
        return None if value is None else prefix + value

    def site(record: Any) -> Any:
        changes: dict[str, Any] = {"path": path(record.path)}
        for field in ("function", "handler"):
            if hasattr(record, field):
                changes[field] = name(getattr(record, field))
        return dataclasses.replace(record, **changes)

    handlers = tuple(
        dataclasses.replace(
            h,
            name=prefix + h.name,
            path=path(h.path),
            functions=tuple(prefix + f for f in h.functions),
            calls=tuple(dataclasses.replace(c, path=path(c.path), function=prefix + c.function) for c in h.calls),
            excepts=tuple(dataclasses.replace(e, path=path(e.path), function=prefix + e.function) for e in h.excepts),
            reads=tuple(dataclasses.replace(r, path=path(r.path), function=prefix + r.function) for r in h.reads),
            publications=tuple(dataclasses.replace(p, path=path(p.path)) for p in h.publications),
        )
        for h in facts.handlers
    )
    return dataclasses.replace(
        facts,
        services=tuple(Service(s.name, tuple(prefix + p for p in s.paths), item.repository) for s in facts.services),
        publishers=tuple(site(p) for p in facts.publishers),
        subscribers=tuple(site(s) for s in facts.subscribers),
        bindings=tuple(site(b) for b in facts.bindings),
        handlers=handlers,
    )


def _add(base: ProjectFacts, other: ProjectFacts) -> ProjectFacts:
    return dataclasses.replace(
        base,
        services=base.services + other.services,
        publishers=base.publishers + other.publishers,
        subscribers=base.subscribers + other.subscribers,
        bindings=base.bindings + other.bindings,
        handlers=base.handlers + other.handlers,
    )
