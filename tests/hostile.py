"""Shared tools for the hardening tests: a recorder of what a run opens, imports, executes and connects to.

The recorder is a CPython audit hook (PEP 578). A hook cannot be removed, so one
is installed for the whole test process and records only while a `Recording` is
active. It sees every `open()` (also `Path.read_bytes`, `io.open`), every import
of a module from a file, every `exec` of a code object, every socket connection
and every subprocess the run starts — which is what "static only, nothing
outside the project, no network" means in terms a test can check.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from eventlint.cli import main


@dataclass
class Recording:
    """What happened while recording: opened paths (with mode), imported files, executed code, connections."""

    opened: list[tuple[str, str]] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)


_active: list[Recording] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    record = _active[-1]
    if event == "open":
        path, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
        if mode is None:  # os.open(): only flags
            writes = isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND)
            mode = "w" if writes else "r"
        if isinstance(path, (str, bytes, os.PathLike)):
            record.opened.append((os.fsdecode(path), str(mode)))
    elif event == "import":
        filename = args[2] if len(args) > 2 else None
        if filename:
            record.imported.append(str(filename))
    elif event == "exec":
        code = args[0]
        record.executed.append(getattr(code, "co_filename", "<?>"))
    elif event in ("socket.connect", "socket.getaddrinfo"):
        record.connected.append(f"{event} {args[1:]!r}")
    elif event == "subprocess.Popen":
        record.processes.append(" ".join(os.fsdecode(a) for a in (args[1] or ())))


sys.addaudithook(_hook)


@contextmanager
def recording() -> Iterator[Recording]:
    """Record audit events until the block ends."""
    record = Recording()
    _active.append(record)
    try:
        yield record
    finally:
        _active.remove(record)


def run(args: list[str], cwd: Path | None = None) -> Result:
    """Run the CLI in this process (so the audit hook sees it), optionally from another directory."""
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(old)


def inside(path: str, *roots: Path) -> bool:
    """Whether `path` (absolute or cwd-relative) lies in one of `roots`, symlinks resolved."""
    real = Path(os.path.realpath(path))
    return any(real == r or r in real.parents for r in (Path(os.path.realpath(x)) for x in roots))


def allowed_roots(*project: Path) -> tuple[Path, ...]:
    """Where a run may read: the project, eventlint's own package data, the Python installation, /dev/null."""
    import eventlint

    package = Path(eventlint.__file__).resolve().parent
    return (
        *project,
        package,
        package.parent / "rules",  # rules/frameworks, rules/policies of an editable install
        Path(sys.prefix),
        Path(sys.base_prefix),
        *(Path(p) for p in sys.path if p and Path(p).is_dir() and "site-packages" in p),
        Path(os.devnull),
    )


def write(root: Path, rel: str, text: str | bytes) -> Path:
    """Write a file under `root`, creating its directories; text is dedented."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path
