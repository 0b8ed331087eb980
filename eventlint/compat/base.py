"""What every schema format shares: the compatibility modes, a change and its verdicts, a break, the file store.

A format module (`json_schema`, `avro`, `protobuf`) supplies two functions behind
`Format`: `load(rel, store, label) -> Schema` and `compare(old, new, options) -> list[Change]`.
Each change carries its verdict for the two directions Confluent's modes are built
from; `History` derives every mode's breaks from the pairs it compared once.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eventlint.schemas import printable

MODES = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE")
POLICIES = ("strict", "lenient")
PROTOBUF_LEVELS = ("WIRE_JSON", "WIRE")
DEFAULT_MODE = "BACKWARD"
DEFAULT_POLICY = "strict"
DEFAULT_PROTOBUF_LEVEL = "WIRE_JSON"


class SchemaError(Exception):
    """A schema that cannot be used: which file, where in it (JSON pointer or line), what was expected."""

    def __init__(self, file: str, pointer: str, message: str, line: int | None = None, show_line: bool = True) -> None:
        self.file = file
        self.pointer = pointer
        self.message = message
        self.line = line
        where = f" at {pointer}" if pointer else ""
        where += f":{line}" if line is not None and show_line and not pointer else ""
        super().__init__(printable(f"{file}{where}: {message}"))


@dataclass(frozen=True)
class Change:
    """One difference between two schema versions and what it breaks."""

    path: str
    kind: str
    description: str
    breaks_backward: bool
    breaks_forward: bool

    def breaks(self, mode: str) -> bool:
        """Whether this change violates `mode` (a Confluent compatibility mode)."""
        if mode == "NONE":
            return False
        if mode.startswith("BACKWARD"):
            return self.breaks_backward
        if mode.startswith("FORWARD"):
            return self.breaks_forward
        return self.breaks_backward or self.breaks_forward

    @property
    def classification(self) -> str:
        """`compatible`, `breaks BACKWARD`, `breaks FORWARD` or `breaks BACKWARD and FORWARD`."""
        broken = [name for name, hit in (("BACKWARD", self.breaks_backward), ("FORWARD", self.breaks_forward)) if hit]
        return "breaks " + " and ".join(broken) if broken else "compatible"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "description": self.description,
            "breaks_backward": self.breaks_backward,
            "breaks_forward": self.breaks_forward,
        }


@dataclass(frozen=True)
class Break:
    """Version `newer` violates `mode` with respect to version `older`, through `changes`."""

    older: str
    newer: str
    mode: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Options:
    """What a comparison needs beyond the two schemas (each format reads its own part)."""

    policy: str = DEFAULT_POLICY
    protobuf_level: str = DEFAULT_PROTOBUF_LEVEL


class SchemaStore:
    """Schema files under one root, read through `read` (posix path relative to root → text, None if absent)."""

    def __init__(
        self, root: Path | str, read: Callable[[str], str | None], listdir: Callable[[str], list[str]] | None = None, origin: str = ""
    ) -> None:
        self.root = Path(root)
        self.origin = origin
        self._read = read
        self._listdir = listdir or (lambda folder: [])
        self.documents: dict[str, Any] = {}  # JSON Schema documents by path (parsed, checked)
        self.memo: dict[tuple[str, str], Any] = {}  # per-format caches: (format, key) → value

    @classmethod
    def from_directory(cls, root: Path | str) -> SchemaStore:
        """Files of the working tree under `root`; a symlink out of the root reads as absent."""
        base = Path(root).resolve()

        def read(rel: str) -> str | None:
            target = (base / rel).resolve()
            if not target.is_relative_to(base) or not target.is_file():
                return None
            try:
                return target.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise SchemaError(rel, "", f"expected a readable UTF-8 file: {exc}") from exc

        def listdir(rel: str) -> list[str]:
            folder = (base / rel).resolve()
            if not folder.is_relative_to(base) or not folder.is_dir():
                return []
            return sorted(p.name for p in folder.iterdir())

        return cls(base, read, listdir)

    @classmethod
    def in_memory(cls, files: Mapping[str, Any]) -> SchemaStore:
        """Already-parsed JSON Schema documents by relative path (tests, plain mappings)."""
        store = cls(Path("."), lambda rel: None)
        for rel, document in files.items():
            store.documents[rel] = document
        return store

    def relative(self, path: Path | str) -> str:
        """`path` as a posix path relative to the root; SchemaError when it lies outside."""
        candidate = Path(path)
        if candidate.is_absolute():
            try:
                return candidate.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                raise SchemaError(str(path), "", f"expected a file inside the project root {self.root}") from None
        rel = posixpath.normpath(candidate.as_posix())
        if rel.startswith("../") or rel == "..":
            raise SchemaError(str(path), "", f"expected a file inside the project root {self.root}")
        return rel

    def display(self, rel: str) -> str:
        """How messages name a file of this store (`path@ref` for a git ref)."""
        return f"{rel}{self.origin}"

    def exists(self, rel: str) -> bool:
        return rel in self.documents or self._read(rel) is not None

    def listdir(self, rel: str) -> list[str]:
        return self._listdir(rel)

    def text(self, rel: str) -> str:
        """The file's text; SchemaError when it is missing (or a symlink out of the root)."""
        text = self._read(rel)
        if text is None:
            raise SchemaError(self.display(rel), "", "expected a file inside the project root (it is missing, or a symlink out of the root)")
        return text


@dataclass(frozen=True)
class Schema:
    """One loaded schema version: the file it came from, its document and the store its references resolve in.

    `document` is the format's own parsed form (a JSON mapping, an `avro.schema.Schema`, a
    protobuf file model); `format` names the module that loaded it.
    """

    label: str
    file: str
    document: Any
    store: SchemaStore = field(compare=False, repr=False)
    format: str = "json-schema"


class Format(Protocol):
    """One schema format: how its files are named, loaded and compared.

    A format module may also offer `json_view(document)` (the data it describes, as
    JSON Schema, for the contract rules), `attribute_names(document)` (when a decoded
    message's attributes are fixed, as a generated Protobuf class's are) and
    `multi_format(schema)` with `SCHEMA_FORMAT` (how an AsyncAPI export carries it).
    """

    name: str
    suffixes: tuple[str, ...]

    def load(self, rel: str, store: SchemaStore, label: str) -> Schema: ...

    def compare(self, old: Schema, new: Schema, options: Options) -> list[Change]: ...


class History:
    """An ordered version history: each pair compared at most once, every mode's breaks derived from those changes."""

    def __init__(self, versions: Sequence[tuple[str, Schema]], compare: Callable[[Schema, Schema], list[Change]]) -> None:
        self.versions = list(versions)
        self._compare = compare
        self._pairs: dict[tuple[int, int], list[Change]] = {}

    def changes(self, before: int, after: int) -> list[Change]:
        key = (before, after)
        if key not in self._pairs:
            self._pairs[key] = self._compare(self.versions[before][1], self.versions[after][1])
        return self._pairs[key]

    def breaks(self, mode: str) -> list[Break]:
        """The breaks of `mode`: each later version against the previous one, or every earlier one for `*_TRANSITIVE`."""
        if mode not in MODES:
            raise ValueError(f"compatibility mode must be one of {', '.join(MODES)}, got {mode!r}")
        found: list[Break] = []
        if mode == "NONE":
            return found
        for index in range(1, len(self.versions)):
            earlier = range(index) if mode.endswith("_TRANSITIVE") else range(index - 1, index)
            for before in earlier:
                breaking = [c for c in self.changes(before, index) if c.breaks(mode)]
                if breaking:
                    found.append(Break(self.versions[before][0], self.versions[index][0], mode, tuple(breaking)))
        return found


def settings(contracts: Mapping[str, Any] | None, event_mode: str | None = None) -> tuple[str, str]:
    """(mode, open-content policy): the event's own mode, else `contracts.compatibility`, else BACKWARD; policy likewise."""
    contracts = contracts or {}
    mode = event_mode or contracts.get("compatibility") or DEFAULT_MODE
    return str(mode), str(contracts.get("open-content") or DEFAULT_POLICY)


def protobuf_level(contracts: Mapping[str, Any] | None) -> str:
    """buf's breaking-change level for Protobuf schemas: `contracts.protobuf-level`, else WIRE_JSON."""
    return str((contracts or {}).get("protobuf-level") or DEFAULT_PROTOBUF_LEVEL)


def breaks(changes: Sequence[Change], mode: str) -> list[Change]:
    """The changes that violate `mode`."""
    return [c for c in changes if c.breaks(mode)]


def sorted_changes(changes: Iterator[Change] | list[Change]) -> list[Change]:
    """Changes without duplicates, by path then kind then description (every format's order)."""
    return sorted(set(changes), key=lambda c: (c.path, c.kind, c.description))
