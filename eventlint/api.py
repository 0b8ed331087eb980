"""The one entry point for the CLI, the tests and plugins: configuration in, facts and findings out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from eventlint.config import Config, ConfigError, load_config
from eventlint.discover import discover
from eventlint.extract import extract
from eventlint.facts import Diagnostic, ProjectFacts

__all__ = ["Config", "ConfigError", "Result", "facts", "lint", "load_config"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Result:
    """What a check found: the facts it worked from and the findings, sorted."""

    config: Config
    facts: ProjectFacts
    diagnostics: tuple[Diagnostic, ...]

    @property
    def exit_code(self) -> int:
        return 1 if self.diagnostics else 0


def facts(paths: Sequence[PathLike] = (), config: Config | None = None) -> ProjectFacts:
    """Extract the facts of the project that contains `paths`."""
    config = config or load_config(paths)
    return extract(discover(paths, config), config)


def lint(paths: Sequence[PathLike] = (), config: Config | None = None) -> Result:
    """Check the project that contains `paths`."""
    config = config or load_config(paths)
    found = facts(paths, config)
    return Result(config=config, facts=found, diagnostics=found.diagnostics)
