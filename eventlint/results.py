"""The findings cache: a whole `check` run's output, replayed when none of its inputs changed.

A run is keyed by what can be known before it starts (eventlint's version, the
interpreter, the working directory, the options, whether stdout and stderr are
terminals). Its *inputs* are recorded while it runs, without any loader having
to declare them (the files, directories and commands by `reads.py`, the audit
hook the rules' findings cache shares):

- every file it opened for reading (an audit hook on `open`: sources, the
  configuration, catalog, schemas and their `$ref`s, AsyncAPI documents,
  policies, packs, baselines, traces, plugins' metadata), and the source of
  every module it imported (local plugins and eventlint itself included), each as
  `(mtime_ns, size, inode)` and a content hash;
- every directory it listed (`os.scandir`/`os.listdir`: discovery's walk, the
  import system's look at `site-packages`), by the names it holds, so a file
  added or removed anywhere the run looked is seen — including one whose absence
  a loader only checked with `Path.exists()`;
- the configuration files probed above each start (the nearest one wins, so a
  new one there changes the project);
- every environment variable read, with its value (or its absence), and the set
  of variable names when the run iterated the environment (networkx does);
- every `git` query (discovery's `ls-files`, SARIF's provenance), by its output:
  re-running one costs a few milliseconds and is exact. Any other subprocess
  makes the run uncacheable, as does a verdict of the machine rather than of the
  inputs (a file over its time budget: `sys.audit("eventlint.uncacheable", why)`).

A later run with the same key checks those inputs (`stat` first, as ruff and
mypy do; the content hash decides when the stat differs, and always for a file
changed within two seconds of the entry being written) and, when nothing changed,
writes the stored stdout, stderr and report file and exits with the stored code —
before importing the rules, networkx, libcst or jsonschema. Everything here is
standard library; the entry is a `Cache` entry (checksummed, written atomically).
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

from eventlint import __version__
from eventlint.cache import CACHE_DIR, Cache, digest, replace_file
from eventlint.reads import UNCACHEABLE, Reads, content_digest

__all__ = [
    "KIND", "UNCACHEABLE", "Recording", "active", "cache_directory", "cached", "known_files", "load", "lookup_key", "record", "replay", "store", "wrote"
]

KIND = "results"
FORMAT = 2
RACY_NS = 2_000_000_000  # a file changed this close to the entry's writing is always hashed (mtime granularity)
PROBED = ("eventlint.yaml", "eventlint.yml", ".eventlint.yaml", ".eventlint.yml", "pyproject.toml", ".git")
SAFE_GIT = frozenset({"ls-files", "rev-parse", "symbolic-ref", "remote", "config", "branch", "log", "show", "cat-file", "ls-tree"})
# the shell's own bookkeeping, never anyone's configuration: read only by code that walks the whole
# environment (networkx at import), and OLDPWD changes with every `cd`
SHELL_STATE = frozenset({"OLDPWD", "PWD", "SHLVL", "_", "PS1", "PS2", "PS4"})
_STDLIB = os.path.dirname(os.__file__) + os.sep


def lookup_key(options: Mapping[str, Any], cwd: Path | None = None) -> str:
    """The key of a run: what is known before it starts (the rest is checked against the recorded inputs)."""
    cwd = cwd or Path.cwd()
    streams = [(_isatty(s), getattr(s, "encoding", None), getattr(s, "errors", None)) for s in (sys.stdout, sys.stderr)]
    return digest(
        "eventlint-results", str(FORMAT), __version__, sys.version, sys.executable, str(cwd), repr(streams), repr(sorted(options.items()))
    )


def cache_directory(paths: Sequence[Path], cwd: Path | None = None) -> Path | None:
    """Where results live: `$EVENTLINT_CACHE_DIR`, else the nearest `.eventlint_cache` at or above the first path."""
    configured = os.environ.get("EVENTLINT_CACHE_DIR")
    if configured:
        return Path(configured)
    start = Path(os.path.abspath(paths[0] if paths else (cwd or Path.cwd())))
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        candidate = directory / CACHE_DIR
        if candidate.is_dir():
            return candidate
    return None


# --- replay ----------------------------------------------------------------------------------


def load(directory: Path | None, key: str) -> dict[str, Any] | None:
    """The stored entry of the run `key`, if any."""
    entry = Cache(directory).get(KIND, key) if directory is not None else None
    return entry if isinstance(entry, dict) and entry.get("format") == FORMAT and _well_formed(entry) else None


def _well_formed(entry: dict[str, Any]) -> bool:
    """Whether an entry has the shape `store` writes (its checksum held, but an entry is never trusted to)."""

    def pairs(value: Any, first: type, second: tuple[type, ...]) -> bool:
        return isinstance(value, list) and all(
            isinstance(item, list) and len(item) == 2 and isinstance(item[0], first) and isinstance(item[1], second) for item in value
        )

    files = entry.get("files")
    output = entry.get("output")
    env = entry.get("env")
    return (
        isinstance(entry.get("written_ns"), int)
        and type(entry.get("exit")) is int
        and isinstance(files, list)
        and all(
            isinstance(f, list) and len(f) == 5 and isinstance(f[0], str) and all(type(n) is int for n in f[1:4]) and isinstance(f[4], (str, type(None)))
            for f in files
        )
        and pairs(entry.get("dirs"), str, (str, type(None)))
        and pairs(entry.get("probes"), str, (str, type(None)))
        and isinstance(env, dict)
        and all(isinstance(v, (str, type(None))) for v in env.values())
        and isinstance(entry.get("env_names"), (str, type(None)))
        and isinstance(entry.get("commands"), list)
        and all(isinstance(c, list) and len(c) == 3 and isinstance(c[0], str) and isinstance(c[1], list) and isinstance(c[2], str) for c in entry["commands"])
        and pairs(entry.get("writes"), int, (str,))
        and all(w[0] in (0, 1) for w in entry["writes"])
        and (output is None or (isinstance(output, list) and len(output) == 2 and all(isinstance(o, str) for o in output)))
    )


def replay(directory: Path, key: str, entry: dict[str, Any] | None = None) -> int | None:
    """Write the stored output of the run `key` and return its exit code; None when any input changed."""
    cache = Cache(directory)
    entry = entry if entry is not None else load(directory, key)
    if entry is None:
        return None
    refreshed = _unchanged(entry)
    if refreshed is None:
        return None
    if refreshed:
        cache.put(KIND, key, entry)  # same contents under new stats (a checkout, a `touch`): stay on the fast path
    output = entry.get("output")
    if output is not None:
        try:
            replace_file(Path(output[0]), output[1].encode("utf-8", "surrogateescape"))  # whole or not at all
        except OSError:
            return None  # let the real run report why it cannot write
    streams = (sys.stdout, sys.stderr)
    for stream, text in entry["writes"]:  # in the order they were written: `2>&1` sees the same bytes
        _emit(streams[stream], text)
    return int(entry["exit"])


def known_files(entry: dict[str, Any] | None) -> dict[str, tuple[int, int, int, str | None]]:
    """The files of a previous entry by path, those safely older than it (so a re-recording hashes only what changed)."""
    if entry is None:
        return {}
    settled = entry["written_ns"] - RACY_NS
    return {f[0]: (f[1], f[2], f[3], f[4]) for f in entry["files"] if f[4] is not None and f[1] < settled}


def _unchanged(entry: dict[str, Any]) -> bool | None:
    """None when an input changed; else whether some file's stat changed with its contents the same."""
    written = entry["written_ns"]
    refreshed = False
    for record in entry["files"]:
        path, mtime, size, inode, hashed = record
        stat = _stat(path)
        if stat is None or hashed is None:
            if (stat is None) != (hashed is None):
                return None
            continue
        if stat == (mtime, size, inode) and mtime < written - RACY_NS:
            continue
        if stat[1] != size or content_digest(path) != hashed:
            return None
        if stat != (mtime, size, inode):
            record[1:4] = stat
            refreshed = True
    report = entry["output"][0] if entry["output"] is not None else None
    for path, listing in entry["dirs"]:
        if _listing(path, report) != listing:
            return None
    for path, state in entry["probes"]:
        if _state(path) != state:
            return None
    if entry["env_names"] is not None and _env_names() != entry["env_names"]:
        return None
    for name, value in entry["env"].items():
        if os.environ.get(name) != value:
            return None
    for cwd, argv, result in entry["commands"]:
        if _command(cwd, argv) != result:
            return None
    return refreshed


def _emit(stream: Any, text: str) -> None:
    if not text:
        return
    data = text.encode("utf-8", "surrogateescape")
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # pragma: no cover - a text-only stream
        stream.write(data.decode(getattr(stream, "encoding", None) or "utf-8", "replace"))
        stream.flush()


# --- recording ---------------------------------------------------------------------------------


class Recording(Reads):
    """What one run read, listed, asked git (heard by `reads.Reads`), read of the environment, and printed."""

    def __init__(self) -> None:
        # each directory listed, with its names as the run first saw them (digest): an entry added or removed
        # while the run went on would otherwise be in the stored listing but not in the output
        super().__init__(listing=lambda path: _listing(path, self.report))
        self.report: str | None = None  # the report file's absolute path (--output-file): not one of the inputs
        self.env: dict[str, str | None] = {}
        self.env_names = False  # the run iterated os.environ: the set of names is an input too
        self.writes: list[tuple[int, bytearray]] = []  # (0 stdout | 1 stderr, bytes), in order
        self.reports: dict[str, bytes] = {}  # report files written (`wrote`): absolute path -> the bytes written
        self.stdout = _Tee(self.writes, 0)
        self.stderr = _Tee(self.writes, 1)
        self.started_ns = time.time_ns()
        self.modules_before = set(sys.modules)  # imported before the run: not its inputs (eventlint's own excepted)

    def original_stderr(self) -> Any:
        return self.stderr.target_stream


_active: Recording | None = None


def active() -> Recording | None:
    """The recording under way, if any (the progress bar writes around it: it is not part of the result)."""
    return _active


def wrote(path: Path, data: bytes) -> None:
    """Note the bytes a run wrote to its report file: they are what a replay writes. (The file is not read
    back: by then a second run writing the same report may have replaced it, or be half-way through.)"""
    if _active is not None:
        _active.reports[os.path.abspath(path)] = data


class _RecordingEnviron(os._Environ):  # type: ignore[name-defined,misc]
    """`os.environ` that notes each variable read while a recording is active."""

    def __getitem__(self, key: str) -> str:
        try:
            value = super().__getitem__(key)
        except KeyError:
            _note_env(key, None)
            raise
        _note_env(key, value)
        return value

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        if isinstance(key, str):
            _note_env(key, super().__getitem__(key) if found else None)
        return found

    def __iter__(self) -> Iterator[str]:
        if _active is not None:
            _active.env_names = True  # networkx looks for its NETWORKX_* variables this way
        return super().__iter__()


def _note_env(key: str, value: str | None) -> None:
    if _active is not None and key not in _active.env and key not in SHELL_STATE:
        _active.env[key] = value


class _Tee(io.RawIOBase):
    """A binary stream that writes through to the real one and keeps a copy."""

    def __init__(self, writes: list[tuple[int, bytearray]], number: int) -> None:
        super().__init__()
        self.target: Any = None
        self.target_stream: Any = None
        self.writes = writes
        self.number = number

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        data = bytes(data)
        if self.writes and self.writes[-1][0] == self.number:
            self.writes[-1][1].extend(data)
        else:
            self.writes.append((self.number, bytearray(data)))
        if self.target is not None:
            self.target.write(data)
        else:
            self.target_stream.write(data.decode(getattr(self.target_stream, "encoding", None) or "utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        if self.target is not None:
            self.target.flush()
        self.target_stream.flush()

    def isatty(self) -> bool:
        return _isatty(self.target_stream)



@contextmanager
def record() -> Iterator[Recording]:
    """Record the inputs and output of the code run inside (stdout and stderr still reach their streams)."""
    global _active
    recording = Recording()
    saved = sys.stdout, sys.stderr, os.environ.__class__
    sys.stdout = _wrap(recording.stdout, saved[0])
    sys.stderr = _wrap(recording.stderr, saved[1])
    os.environ.__class__ = _RecordingEnviron
    _active = recording
    try:
        with recording.recording():
            yield recording
    finally:
        _active = None
        os.environ.__class__ = saved[2]
        for wrapped in (sys.stdout, sys.stderr):
            try:
                wrapped.flush()
            except ValueError:  # pragma: no cover - closed by the code inside
                pass
        sys.stdout, sys.stderr = saved[0], saved[1]


def _wrap(tee: _Tee, stream: Any) -> Any:
    stream.flush()
    tee.target_stream = stream
    tee.target = getattr(stream, "buffer", None)
    return io.TextIOWrapper(
        tee, encoding=getattr(stream, "encoding", None) or "utf-8", errors=getattr(stream, "errors", None) or "strict", write_through=True
    )


def store(
    recording: Recording,
    directory: Path,
    key: str,
    exit_code: int,
    starts: Iterable[Path],
    output_file: Path | None = None,
    known: Mapping[str, tuple[int, int, int, str | None]] | None = None,
) -> bool:
    """Write the entry for a finished run; False (nothing written) when the run cannot be replayed safely."""
    if recording.uncacheable:
        return False
    commands = []
    for cwd, argv in recording.commands:
        if len(argv) < 2 or os.path.basename(argv[0]) != "git" or _git_subcommand(argv) not in SAFE_GIT:
            return False
        commands.append([cwd, argv, _command(cwd, argv)])
    cache_root = os.path.abspath(directory) + os.sep
    output = os.path.abspath(output_file) if output_file is not None else None
    paths = set(recording.opened)
    paths.update(_module_files(recording.modules_before))
    files = []
    known = known or {}
    for path in sorted(paths):
        if path.startswith(cache_root) or path.endswith(".pyc") or path == output or path.startswith(("/dev/", "/proc/", "/sys/")):
            continue
        stat = _stat(path)
        if stat is None:
            files.append([path, 0, 0, 0, None])
            continue
        before = known.get(path)
        hashed = before[3] if before is not None and before[:3] == stat else content_digest(path)
        if hashed is None:
            return False  # opened but unreadable now (a directory, a permission change): no safe key
        if stat[0] >= recording.started_ns:
            return False  # changed while the run read it: which version the output reflects is unknown
        files.append([path, *stat, hashed])
    dirs = []
    for path, seen in sorted(recording.listed.items()):
        if (path + os.sep).startswith(cache_root):
            continue
        now = _listing(path, output)
        if now != seen:
            return False  # a file was added or removed while the run went on: which view the output reflects is unknown
        dirs.append([path, now])
    probes = [[str(path), _state(str(path))] for path in sorted(set(_probed(starts)))]
    entry = {
        "format": FORMAT,
        "written_ns": time.time_ns(),
        "files": files,
        "dirs": dirs,
        "probes": probes,
        "env": dict(sorted(recording.env.items())),
        "env_names": _env_names() if recording.env_names else None,
        "commands": commands,
        "writes": [[number, bytes(data).decode("utf-8", "surrogateescape")] for number, data in recording.writes],
        "exit": exit_code,
        "output": None,
    }
    if output is not None:
        written = recording.reports.get(output)
        if written is None:
            return False  # the report was not written through `wrote`: what a replay should write is unknown
        entry["output"] = [output, written.decode("utf-8", "surrogateescape")]
    Cache(directory).put(KIND, key, entry)
    return True


def _probed(starts: Iterable[Path]) -> Iterator[Path]:
    """The configuration (and repository) files looked for at and above each start: a new one changes the project."""
    for start in starts:
        here = Path(os.path.abspath(start))
        if not here.is_dir():
            here = here.parent
        for directory in (here, *here.parents):
            for name in PROBED:
                yield directory / name


def _module_files(before: set[str]) -> Iterator[str]:
    """Sources of the modules the run imported (plugins, packs' code), and eventlint's own."""
    for name, module in list(sys.modules.items()):
        if name in before and name != "eventlint" and not name.startswith("eventlint."):
            continue
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and not (path.startswith(_STDLIB) and "site-packages" not in path):
            yield os.path.abspath(path)


def _git_subcommand(argv: Sequence[str]) -> str:
    rest = list(argv[1:])
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-C", "-c") else rest[1:]
    return rest[0] if rest else ""


def _command(cwd: str, argv: Sequence[str]) -> str:
    import subprocess  # only runs with a git query to check

    try:
        proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"failed: {type(exc).__name__}"
    return digest(str(proc.returncode), proc.stdout, proc.stderr)


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _listing(path: str, report: str | None = None) -> str | None:
    """The names in a directory (a digest), without the run's own report file (nor its temporary name) and the
    cache (discovery never enters it; a first run creates it, which must not keep that run out of the cache)."""
    try:
        names = [n for n in os.listdir(path) if n != CACHE_DIR]
    except OSError:
        return None
    if report is not None and os.path.dirname(report) == path:
        base = os.path.basename(report)
        names = [n for n in names if n != base and not (n.startswith(f".{base}.") and n.endswith(".tmp"))]
    return digest(*sorted(names))


def _env_names() -> str:
    return digest(*sorted(os.fsdecode(name) for name in os.environ._data))  # type: ignore[attr-defined] # unrecorded


def _state(path: str) -> str | None:
    if os.path.isdir(path):
        return "dir"
    if os.path.isfile(path):
        return "file"
    return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def cached(paths_of: Callable[[Mapping[str, Any]], Sequence[Path]], skip: Callable[[Mapping[str, Any]], bool]) -> Callable[[Any], Any]:
    """Decorate a command: replay its stored result when nothing changed, else run it and store the result.

    `paths_of` gives the run's start paths from its arguments; `skip` says when a run must not be cached
    (it writes files, or the cache is off). Only runs that exit 0 or 1 are stored.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            if skip(kwargs):
                return func(**kwargs)
            paths = paths_of(kwargs)
            key = lookup_key(kwargs)
            directory = cache_directory(paths)
            entry = load(directory, key)
            if directory is not None and entry is not None:
                code = replay(directory, key, entry)
                if code is not None:
                    sys.exit(code)
            known = known_files(entry)
            stopped: SystemExit | None = None
            with record() as recording:
                output_file = kwargs.get("output_file")
                recording.report = os.path.abspath(output_file) if output_file is not None else None
                try:
                    func(**kwargs)
                except SystemExit as exc:
                    stopped = exc
            code = 0 if stopped is None or stopped.code is None else stopped.code
            if code in (0, 1):
                directory = cache_directory(paths)  # the run may have made it
                if directory is not None:
                    store(recording, directory, key, code, paths or [Path.cwd()], kwargs.get("output_file"), known)
            if stopped is not None:
                raise stopped

        return wrapper

    return decorate
