"""An on-disk store of JSON entries under `.eventlint_cache/`, keyed by content.

Entries are immutable: a key names its content (hashes of the inputs), so two
runs writing the same key write the same bytes. Writes go to a temporary file in
the same directory and are moved into place with `os.replace`, which is atomic,
so concurrent runs never see half an entry. An entry that cannot be read or
decoded is treated as missing and rewritten. The directory holds a `.gitignore`
containing `*` so that it never shows up in `git status` (as ruff does).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["CACHE_DIR", "Cache", "clean", "digest", "replace_file"]

CACHE_DIR = ".eventlint_cache"
_GITIGNORE = "# Created by eventlint automatically.\n*\n"


def digest(*parts: bytes | str) -> str:
    """A hex key for the given parts (length-prefixed, so ("ab", "c") and ("a", "bc") differ)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """JSON entries in `directory/<kind>/<key[:2]>/<key>.json`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._ready = False
        self._made: set[Path] = set()  # directories known to exist: a mkdir per entry was a tenth of a cold run

    def get(self, kind: str, key: str) -> Any | None:
        """The stored value, or None when it is missing or unreadable (a corrupt entry is rebuilt)."""
        text = self.get_text(kind, key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def get_text(self, kind: str, key: str) -> str | None:
        """The stored JSON text itself (for callers that decode it their own way); None unless intact."""
        body = self.get_bytes(kind, key)
        if body is None:
            return None
        try:
            return body.decode("utf-8", "surrogateescape")
        except UnicodeDecodeError:  # pragma: no cover - surrogateescape decodes any bytes
            return None

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        """The stored bytes (an entry written by `put_bytes`, or the UTF-8 of a JSON one); None unless intact."""
        try:
            with open(self._path(kind, key), "rb") as handle:
                raw = handle.read()
        except OSError:
            return None
        check, _, body = raw.partition(b"\n")
        if check.decode("ascii", "replace") != digest(body):
            return None
        return body

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store `value`; a failure to write only costs the next run a rebuild."""
        # Encoded piece by piece (the bytes of json.dumps, in slices): a large entry (a million-line project's
        # facts, ~30 MB) is never held as one text, its bytes and a concatenated copy together.
        self._put_pieces(kind, key, list(_pieces(value)))

    def put_text(self, kind: str, key: str, text: str) -> None:
        self._put_pieces(kind, key, [text.encode("utf-8", "surrogateescape")])

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        """Store bytes encoded by the caller (the facts, in msgspec's JSON: `facts.encode_facts`)."""
        self._put_pieces(kind, key, [data])

    def _put_pieces(self, kind: str, key: str, pieces: list[bytes]) -> None:
        path = self._path(kind, key)
        try:
            self._prepare()
            if path.parent not in self._made:
                # not `parents=True`: a cache removed under a running process (`cache clean`) stays removed, rather
                # than coming back without its .gitignore; this run's later writes fail and are skipped
                path.parent.parent.mkdir(exist_ok=True)
                path.parent.mkdir(exist_ok=True)
                self._made.add(path.parent)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_digest_of(pieces).encode("ascii") + b"\n")
                    handle.writelines(pieces)
                os.replace(temp, path)
            except BaseException:
                _unlink(temp)
                raise
        except OSError:
            pass  # a read-only checkout or a full disk: run without caching

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key[:2] / f"{key}.json"

    def _prepare(self) -> None:
        if self._ready:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_GITIGNORE)
            os.replace(temp, ignore)
        self._ready = True


_SLICE = 512  # list items encoded per piece
_FEW = 64  # mappings up to this many keys are encoded key by key


def _pieces(value: Any) -> Iterator[bytes]:
    """The UTF-8 bytes of `json.dumps(value, separators=(",", ":"), ensure_ascii=False)`, in pieces."""

    def encoded(item: Any) -> bytes:
        return json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogateescape")

    # a few large parts are split (a facts document's lists); a mapping of many small values (the per-file
    # scans) is cheaper encoded at once
    if type(value) is dict and len(value) <= _FEW and all(type(k) is str for k in value):
        yield b"{"
        for index, (name, item) in enumerate(value.items()):
            yield (b"," if index else b"") + encoded(name) + b":"
            yield from _pieces(item)
        yield b"}"
    elif type(value) is list and len(value) > _SLICE:
        yield b"["
        for start in range(0, len(value), _SLICE):
            yield (b"," if start else b"") + encoded(value[start : start + _SLICE])[1:-1]
        yield b"]"
    else:
        yield encoded(value)


def _digest_of(pieces: list[bytes]) -> str:
    """`digest(b"".join(pieces))` without the joined copy."""
    h = hashlib.blake2b(digest_size=20)
    h.update(sum(len(p) for p in pieces).to_bytes(8, "little"))
    for piece in pieces:
        h.update(piece)
    return h.hexdigest()


def clean(directory: Path) -> bool:
    """Remove a cache directory; True when there was one. Refuses a directory that is not a cache.

    Safe while other runs use it: the directory is first renamed aside (`<name>.removing-…`, which discovery
    never walks), in one step, so a run that reads sees missing entries and computes them, and one that writes
    cannot recreate it (its writes fail and are skipped, `Cache._put_pieces`) nor write into the tree being
    removed. Where the rename is refused, the tree is removed in place, going round again when an entry is
    written behind the removal.
    """
    if not directory.is_dir():
        return False
    if directory.is_symlink() or not (directory.name == CACHE_DIR or _marked(directory)):
        raise ValueError(f"{directory} is not an eventlint cache directory (it has no .gitignore written by eventlint)")
    aside = directory.with_name(f"{directory.name}.removing-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(directory, aside)
    except FileNotFoundError:
        return True  # removed meanwhile (another `cache clean`)
    except OSError:
        aside = directory
    for attempt in range(_CLEAN_ATTEMPTS):
        try:
            shutil.rmtree(aside)
            break
        except FileNotFoundError:
            if not aside.exists():
                break  # removed meanwhile (another `cache clean`)
        except OSError:  # "directory not empty": a run wrote an entry behind the removal
            if attempt == _CLEAN_ATTEMPTS - 1:
                raise
    return True


_CLEAN_ATTEMPTS = 20


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that no reader ever sees a part of it: into a temporary file in the same
    directory, then `os.replace`. Two runs writing the same report at once leave one whole copy, and a
    reader (a CI upload, another run) sees the old file or the new one, never an empty or a cut one.

    A symlink keeps pointing where it did (its target is replaced); a path that is not a regular file
    (`/dev/stdout`, a named pipe) and a directory the user may not create files in are written in place.
    Raises OSError as `Path.write_bytes` does.
    """
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        target.write_bytes(data)
        return
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except PermissionError:
        target.write_bytes(data)
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if hasattr(os, "fchmod"):  # mkstemp makes it 0600: give it the old file's mode, or a new file's
                os.fchmod(handle.fileno(), stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException:
        _unlink(temp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # read by setting it: there is no other way; set back at once
    os.umask(mask)
    return mask


def _marked(directory: Path) -> bool:
    try:
        return (directory / ".gitignore").read_text(encoding="utf-8") == _GITIGNORE
    except (OSError, UnicodeDecodeError):
        return False


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
