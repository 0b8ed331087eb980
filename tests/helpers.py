"""Shared helpers for tests: run extraction on a fixture and project the facts for exact assertions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from eventlint import api
from eventlint.facts import ProjectFacts

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def fixture(name: str) -> Path:
    return FIXTURES / name


def facts_of(path: str | Path) -> ProjectFacts:
    """Facts of a fixture (by name under fixtures/, or a path)."""
    root = Path(path)
    if not root.is_absolute():
        root = fixture(str(path))
    return api.facts([root], api.load_config([root]))


def line_of(path: Path, snippet: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `snippet` (fails loudly when absent)."""
    seen = 0
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if snippet in text:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{snippet!r} not found {occurrence} time(s) in {path}")


def pubs(facts: ProjectFacts) -> set[tuple]:
    """(path, line, event, channel, service, function) of every publication."""
    return {(p.path, p.line, p.event, p.channel, p.service, p.function) for p in facts.publishers}


def subs(facts: ProjectFacts) -> set[tuple]:
    """(path, line, event, channel, service, handler) of every subscription."""
    return {(s.path, s.line, s.event, s.channel, s.service, s.handler) for s in facts.subscribers}


def by_site(records, path: str, line: int) -> list:
    """The records at one site."""
    return [r for r in records if r.path == path and r.line == line]


def write_project(root: Path, files: dict[str, str], config: dict | None = None) -> Path:
    """A small project on disk: each file dedented, and `config` (when given) as its eventlint.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "eventlint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


class Counted:
    """Calls of `owner.name` counted in `calls` (the real function still runs), with the cache directory the
    calls use: how a cache test tells a run that was computed from one that was replayed."""

    def __init__(self, monkeypatch, owner: object, name: str, cache_dir: Path) -> None:
        self.calls = 0
        self.cache_dir = cache_dir
        real = getattr(owner, name)

        def counting(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)

    def around_edit(self, root: Path, edit) -> tuple[object, object, object, int]:
        """Run (`self(root)` in the subclass), run again (from the cache), `edit(root)`, run without the cache
        and with it: (first, uncached, after, how many times `after` was computed: 0 or 1). `after` must be
        stored again."""
        first = self(root)
        assert self.calls == 1
        assert self(root) == first and self.calls == 1, "unchanged inputs: the stored result"
        edit(root)
        uncached = self(root, cache=False)
        before = self.calls
        after = self(root)
        computed = self.calls - before
        assert self(root) == after and self.calls == before + computed, "stored again"
        return first, uncached, after, computed
