"""Loading and validating eventlint's configuration.

The configuration lives in `eventlint.yaml` at the project root or in the
`[tool.eventlint]` table of pyproject.toml, with the same keys. It is checked
against `eventlint/schemas/config.json`; a mistake raises ConfigError naming the
file, the key path and what was expected.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eventlint import schemas
from eventlint.globs import glob_problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILES = ("eventlint.yaml", "eventlint.yml", ".eventlint.yaml", ".eventlint.yml")
DEFAULT_EXCLUDE = (
    "**/tests/**",
    "**/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
)
DEFAULT_PAYLOAD_EVENT_KEYS = ("event_type", "eventType", "event_name", "eventName", "type", "event")


class ConfigError(Exception):
    """A configuration mistake: which file, which key, what was expected."""

    def __init__(self, file: Path | str | None, key: str, message: str) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.message = message
        where = f"{self.file}: " if self.file else ""
        super().__init__(schemas.printable(f"{where}{key}: {message}"))


@dataclass(frozen=True)
class Config:
    """A validated configuration; `root` is the directory paths are relative to."""

    root: Path
    source: Path | None = None
    services: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    frameworks: tuple[Path, ...] = ()
    disable_frameworks: tuple[str, ...] = ()
    payload_event_keys: tuple[str, ...] = DEFAULT_PAYLOAD_EVENT_KEYS
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name the configuration file."""
        return str(self.source) if self.source else "(defaults)"


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start`, or None."""
    here = start if start.is_dir() else start.parent
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    return None


def load_config(paths: Sequence[str | os.PathLike[str]] = (), config_file: str | os.PathLike[str] | None = None) -> Config:
    """The configuration for a run over `paths` (explicit file, else the nearest one, else defaults)."""
    if config_file is not None:
        source = Path(config_file)
        if not source.is_file():
            raise ConfigError(source, "--config", "file not found")
        return _load_file(source.resolve())
    starts = [Path(p).resolve() for p in paths] or [Path.cwd().resolve()]
    found = find_config(starts[0])
    if found is not None:
        return _load_file(found)
    dirs = [p if p.is_dir() else p.parent for p in starts]
    root = Path(os.path.commonpath([str(d) for d in dirs])) if dirs else Path.cwd().resolve()
    return Config(root=root)


def parse_config(data: Any, source: Path, prefix: str = "") -> Config:
    """Validate an already-loaded mapping and build the Config it describes."""
    if data is None:
        data = {}
    for key, message in schemas.problems(data, "config"):
        raise ConfigError(source, _prefixed(prefix, key), message)
    for key, pattern in _globs(data):
        problem = glob_problem(pattern)
        if problem:
            raise ConfigError(source, _prefixed(prefix, key), problem)
    root = source.parent
    services = None
    if "services" in data:
        services = tuple(
            (name, (globs,) if isinstance(globs, str) else tuple(globs)) for name, globs in data["services"].items()
        )
    frameworks = []
    for index, entry in enumerate(data.get("frameworks", ())):
        path = (root / entry).resolve()
        if not path.is_file():
            raise ConfigError(source, _prefixed(prefix, f"frameworks[{index}]"), f"file not found: {entry}")
        frameworks.append(path)
    exclude = tuple(data.get("exclude", DEFAULT_EXCLUDE)) + tuple(data.get("extend-exclude", ()))
    return Config(
        root=root,
        source=source,
        services=services,
        include=tuple(data["include"]) if "include" in data else None,
        exclude=exclude,
        frameworks=tuple(frameworks),
        disable_frameworks=tuple(data.get("disable-frameworks", ())),
        payload_event_keys=tuple(data.get("payload-event-keys", DEFAULT_PAYLOAD_EVENT_KEYS)),
        raw=data,
    )


def _globs(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key path, glob) of every path glob in a schema-valid configuration."""
    found: list[tuple[str, str]] = []
    for key in ("include", "exclude", "extend-exclude"):
        found += [(f"{key}[{i}]", g) for i, g in enumerate(data.get(key, ()))]
    for name, globs in (data.get("services") or {}).items():
        found += [(f"services.{name}", globs)] if isinstance(globs, str) else [(f"services.{name}[{i}]", g) for i, g in enumerate(globs)]
    found += [(f"per-file-ignores.{glob}", glob) for glob in data.get("per-file-ignores") or {}]
    return found


def _load_file(source: Path) -> Config:
    if source.name == "pyproject.toml":
        section = _pyproject_section(source, strict=True)
        return parse_config(section or {}, source, prefix="tool.eventlint")
    return parse_config(load_yaml_file(source, "configuration"), source)


# libyaml's safe loader when it is installed (reading the 18 framework packs took a third of a
# one-file-changed run with PyYAML's), else PyYAML's; both only safe-load.
FAST_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text_file(path: Path, what: str, label: str | Path | None = None) -> str:
    """A UTF-8 file's text (a BOM is dropped); unreadable or undecodable is a ConfigError naming it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(label or path, "(file)", f"cannot read the {what} file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(label or path, "(file)", f"the {what} file is not UTF-8: {exc.reason} at byte {exc.start}") from exc


def load_yaml_file(path: Path, what: str) -> Any:
    """Safe-load one YAML document, turning every failure into a ConfigError."""
    text = read_text_file(path, what)
    try:
        return yaml.load(text, Loader=FAST_SAFE_LOADER)  # libyaml's scanner, the same safe constructor
    except yaml.YAMLError:
        pass  # PyYAML's own loader words the error (libyaml's messages differ)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(path, "(syntax)", f"invalid YAML: {where}{problem}") from exc


def _pyproject_section(path: Path, strict: bool = False) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        if strict:
            raise ConfigError(path, "(syntax)", f"invalid TOML: {exc}") from exc
        # A broken pyproject that is meant for us must be reported, not passed over.
        return {} if _mentions_section(path) else None
    tool = data.get("tool")
    section = tool.get("eventlint") if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        if strict:
            raise ConfigError(path, "tool.eventlint", "expected a table")
        return None
    return section


def _prefixed(prefix: str, key: str) -> str:
    if not prefix:
        return key
    return prefix if key == "(top level)" else f"{prefix}.{key}"


def _mentions_section(path: Path) -> bool:
    try:
        return b"[tool.eventlint" in path.read_bytes()
    except OSError:
        return False
