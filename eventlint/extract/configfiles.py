"""Configuration files the analysed code reads: YAML/JSON documents, INI files, `.env` and docker-compose.

Read lazily (only when a site's value needs one), once per run, and never outside the project root: a
path that leaves it, or a symlink that points out of it, is treated as absent. Every file looked at is
recorded in `reads` with a signature of its content (or that it was absent), so the cache can tell
when an edit to a configuration file changes the facts (`signature`, `extract.__init__`).

YAML is read with `yaml.safe_load` only; INI with the standard library's `configparser`. Nothing here
imports or runs the analysed code.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
from pathlib import Path
from typing import Any

from eventlint.cache import digest

ABSENT = "absent"
OUTSIDE = "outside"
# Files docker compose reads by default, in its own order of preference.
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
# Larger files are not configuration: they are left unread (as absent).
MAX_BYTES = 1 << 20


class Unreadable:
    """A file that exists but does not parse as the format the code reads it with."""

    def __init__(self, why: str) -> None:
        self.why = why


def normalise(path: str, base_dir: str = "") -> str | None:
    """`path` relative to the project root, read from `base_dir` (root-relative); None when it leaves the root."""
    if not path or "\x00" in path or path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", path):
        return None
    joined = posixpath.normpath(posixpath.join(base_dir, path.replace("\\", "/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def signature(root: Path, rel: str) -> str:
    """What the cache compares: the digest of the file's bytes, or why it was not read."""
    data = _bytes(root, rel)
    return data if isinstance(data, str) else digest(data)


def _bytes(root: Path, rel: str) -> bytes | str:
    path = root / rel
    try:
        real = path.resolve()
        if not real.is_relative_to(root.resolve()):
            return OUTSIDE  # a symlink out of the project
        if not real.is_file() or real.stat().st_size > MAX_BYTES:
            return ABSENT
        return real.read_bytes()
    except (OSError, RuntimeError, ValueError):
        return ABSENT


class ConfigFiles:
    """The configuration files of one run, read on first use and kept; `reads` lists every file looked at."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.reads: dict[str, str] = {}
        self._texts: dict[str, str | None] = {}
        self._parsed: dict[tuple[str, str], Any] = {}
        self.memo: dict[tuple[str, str], Any] = {}  # what callers derive from the files, kept for the run

    def text(self, rel: str) -> str | None:
        """The file's text, or None when it is absent, outside the root or not text."""
        if rel in self._texts:
            return self._texts[rel]
        if self.root is None:
            return None
        data = _bytes(self.root, rel)
        if isinstance(data, str):
            self.reads[rel] = data
            text = None
        else:
            self.reads[rel] = digest(data)
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
        self._texts[rel] = text
        return text

    def exists(self, rel: str) -> bool:
        return self.text(rel) is not None

    def document(self, rel: str, fmt: str) -> Any:
        """A YAML or JSON document (plain data), or Unreadable; None when the file is absent."""
        key = (rel, fmt)
        if key not in self._parsed:
            self._parsed[key] = self._document(rel, fmt)
        return self._parsed[key]

    def _document(self, rel: str, fmt: str) -> Any:
        text = self.text(rel)
        if text is None:
            return None
        try:
            if fmt == "json":
                return json.loads(text)
            import yaml

            return yaml.safe_load(text)
        except Exception as exc:  # noqa: BLE001 - any parse failure leaves the values unknown
            return Unreadable(f"{rel} does not parse as {fmt.upper()}: {type(exc).__name__}")

    def ini(self, rel: str, interpolation: str) -> configparser.ConfigParser | None:
        """An INI/CFG file as `configparser` reads it (`interpolation`: "basic", "extended" or "none")."""
        key = (rel, "ini-" + interpolation)
        if key not in self._parsed:
            text = self.text(rel)
            parser: configparser.ConfigParser | None = None
            if text is not None:
                kinds = {
                    "basic": configparser.BasicInterpolation,
                    "extended": configparser.ExtendedInterpolation,
                }
                made = kinds.get(interpolation)
                parser = configparser.ConfigParser(interpolation=made() if made else None)
                try:
                    parser.read_string(text, rel)
                except configparser.Error:
                    parser = None
            self._parsed[key] = parser
        return self._parsed[key]

    def dotenv(self, rel: str) -> dict[str, str]:
        """`KEY=value` lines of a `.env` file (quotes removed, `export ` and comments ignored)."""
        key = (rel, "env")
        if key not in self._parsed:
            found: dict[str, str] = {}
            for line in (self.text(rel) or "").splitlines():
                match = _ENV_LINE.match(line)
                if match is None:
                    continue
                name, value = match.group(1), match.group(2).strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]
                else:
                    value = re.sub(r"\s+#.*$", "", value)
                found[name] = value
            self._parsed[key] = found
        return self._parsed[key]


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def parents(path: str) -> list[str]:
    """The folders from the file's own up to the project root ("" is the root), nearest first."""
    out: list[str] = []
    folder = posixpath.dirname(path)
    while True:
        out.append(folder)
        if not folder:
            return out
        folder = posixpath.dirname(folder)
