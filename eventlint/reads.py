"""What code reads while it runs, heard by one audit hook: the recorder both findings caches use (#18).

`results.py` (a whole `check` run's output) and `rule_results.py` (the rules'
findings) both key an entry on what was known before the code ran and keep,
beside it, what the code read that is none of that. This module hears those
reads — one audit hook for the process, one place that decides what an event
means — and each cache turns them into its own entry:

- every file opened for reading (by path: a descriptor opened earlier was heard
  when it was opened by path), which both caches check again by its bytes'
  `content_digest`;
- every directory listed (`os.listdir`, `os.scandir`), with, when the cache
  asks for it, its names as first seen;
- with `probes`, every path whose existence or kind was asked (`os.stat`:
  `Path.exists()`, `is_file()`; `os.lstat`: `Path.resolve()`, where whether the
  path itself is a link counts);
- every subprocess started (its working directory and arguments);
- the reason, if any, a read cannot be followed by path (a directory listed or a
  file asked about by descriptor, `os.system`, `os.chdir`, or eventlint's own
  `sys.audit(UNCACHEABLE, why)`: a verdict of the machine, not of the inputs).

Recordings nest (the rules' inside the whole run's): every active one hears
every read. Standard library only: the whole run's cache replays before the
rules are imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventlint.cache import digest

__all__ = ["UNCACHEABLE", "Reads", "content_digest"]

UNCACHEABLE = "eventlint.uncacheable"  # `sys.audit(UNCACHEABLE, reason)` keeps a run's reads out of every cache
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

_active: list[Reads] = []  # the recordings under way, outermost first
_hooked = False


class Reads:
    """What the code run inside `recording()` opened, listed, probed and started; `uncacheable` says why not all of it
    can be followed by path (then nothing recorded is stored)."""

    def __init__(self, probes: bool = False, listing: Callable[[str], str | None] | None = None) -> None:
        self.opened: set[str] = set()
        # each directory listed, with `listing(path)` as the code first saw it (None without `listing`)
        self.listed: dict[str, str | None] = {}
        self.probed: set[str] = set()
        self.linked: set[str] = set()  # asked with os.lstat: whether the path itself is a link counts
        self.commands: list[tuple[str, list[str]]] = []
        self.uncacheable: str | None = None
        self._probes = probes
        self._listing = listing

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Hear the reads of the code run inside (single-threaded: the hook does not ask which thread read)."""
        global _hooked
        if not _hooked:
            sys.addaudithook(_audit)  # a hook cannot be removed; it does nothing outside a recording
            _hooked = True
        real_stat, real_lstat = os.stat, os.lstat
        if self._probes:

            def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
                self._probe(path, self.probed)
                return real_stat(path, *args, **kwargs)

            def lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
                self._probe(path, self.linked)
                return real_lstat(path, *args, **kwargs)

            # Path.exists/is_file/is_dir and os.path.* ask os.stat; Path.resolve and os.path.realpath os.lstat
            os.stat, os.lstat = stat, lstat  # type: ignore[assignment]
        _active.append(self)
        try:
            yield
        finally:
            _active.remove(self)
            if self._probes:
                os.stat, os.lstat = real_stat, real_lstat  # type: ignore[assignment]

    def _probe(self, path: Any, into: set[str]) -> None:
        if isinstance(path, int):
            self.uncacheable = "a file was asked about by descriptor"
            return
        into.add(os.path.abspath(os.fsdecode(path)))

    def _listed(self, where: str) -> None:
        if where not in self.listed:
            self.listed[where] = None  # (a listing taken below is heard here too)
            if self._listing is not None:
                self.listed[where] = self._listing(where)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int) or path is None:
            return  # a descriptor opened earlier (by path, which was heard then)
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
        if not writes:
            where = os.path.abspath(os.fsdecode(path))
            for reads in _active:
                reads.opened.add(where)
    elif event in ("os.listdir", "os.scandir"):
        path = args[0]
        if isinstance(path, int):
            _cannot_follow("a directory was listed by descriptor")
            return
        where = os.path.abspath(os.fsdecode(path) if path is not None else ".")
        for reads in list(_active):  # (a listing taken here is heard too)
            reads._listed(where)
    elif event == "subprocess.Popen":
        _executable, argv, cwd, _env = args
        argv = [os.fsdecode(a) for a in ([argv] if isinstance(argv, (str, bytes, os.PathLike)) else argv)]
        command = (os.path.abspath(os.fsdecode(cwd)) if cwd is not None else os.getcwd(), argv)
        for reads in _active:
            reads.commands.append((command[0], list(command[1])))
    elif event in ("os.chdir", "os.system"):
        _cannot_follow(f"the run called {event}")
    elif event == UNCACHEABLE:  # raised by eventlint itself: a verdict of the machine, not of the inputs
        _cannot_follow(str(args[0]) if args else event)


def _cannot_follow(why: str) -> None:
    for reads in _active:
        reads.uncacheable = why


def content_digest(path: str) -> str | None:
    """The digest of a file's bytes, as both caches check an opened file again; None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except OSError:
        return None
