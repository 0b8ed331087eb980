"""The rules' findings, kept for the next run whose rules would read the same inputs (#18, the one-file case).

After an edit, most runs give the rules the same facts as the run before: an edit
in a file that holds no site, handler or value a site needs changes no fact. The
rules (and the event graph and routes they build) are then a fifth of a run's
time spent to find what was found before. This cache keeps the engine's findings
under a key of everything the rules are given:

- the facts (msgspec's JSON of them), the configuration and the command line's
  rule selection (pickled only to be hashed, never unpickled; without pickle's
  memo, so two equal values give the same bytes whatever object sharing they
  have); a value that encodes two ways (a set) could only cost a miss;
- eventlint's version and the interpreter's;

and, beside the key, what the rules read that is none of those, recorded while
they ran (by `reads.py`, as `results.py` records a whole run): every file opened for reading
(with a digest of its bytes), every directory listed (its names) and every path
whose existence or kind was asked (`os.stat`: `Path.exists()`, `is_file()`;
`os.lstat`: `Path.resolve()`, with a link's target) —
the catalog's schemas and their `$ref`s, the team's policy files, AsyncAPI
documents; and the file state of every module the run had imported (eventlint's
own code, its knowledge files, the schema libraries). An entry is used only when
every one of them is as it was, which makes it exact, not a guess.

A run with plugin rules, rules under test, traces, or a read the recording
cannot follow is never stored: their inputs are not all known here.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from eventlint import __version__
from eventlint.cache import Cache, digest
from eventlint.facts import Diagnostic, ProjectFacts, encode_facts
from eventlint.reads import Reads, content_digest
from eventlint.resources import rules_dir

__all__ = ["Recorder", "findings"]

KIND = "rules"


class Recorder(Reads):
    """What the rules of a run read besides their arguments (heard by `reads.Reads`): opened files, listed
    directories, stat'ed paths."""

    def __init__(self) -> None:
        super().__init__(probes=True)

    def states(self) -> list[list[str | None]] | None:
        """[how, path, state] for every read (sorted); None when one of them cannot be followed (a subprocess too)."""
        if self.uncacheable is not None or self.commands:
            return None
        out: list[list[str | None]] = []
        for how, paths in (("open", self.opened), ("list", self.listed), ("stat", self.probed), ("lstat", self.linked)):
            out.extend([how, p, _state(how, p)] for p in sorted(paths))
        return out


def _state(how: str | None, path: str | None) -> str | None:
    """What a read saw: a file's content digest, a directory's names, a path's kind; None when absent."""
    assert how is not None and path is not None
    if how == "open":
        return content_digest(path)
    try:
        if how == "list":
            return digest(*sorted(os.listdir(path)))
        if how == "lstat":
            mode = os.lstat(path).st_mode
            if (mode & 0o170000) == 0o120000:
                return "link:" + os.readlink(path)
        mode = os.stat(path).st_mode
        return "dir" if (mode & 0o170000) == 0o040000 else "file" if (mode & 0o170000) == 0o100000 else "other"
    except OSError:
        return None


def _code_state() -> dict[str, list[int]]:
    """(mtime, size, inode) of the file of every imported module (eventlint's own code, the schema libraries) and
    of the knowledge files the rules read at import: an upgrade of either is a miss."""
    files: set[str] = set()
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if isinstance(name, str):
            files.add(name)
    # the knowledge files the rule modules read when they were imported (not a walk of the package: its folders
    # gain a __pycache__ while a run imports, and the run's own findings cache would see a listing change)
    files.update(str(p) for p in (rules_dir() / "knowledge").glob("*.yaml"))
    out: dict[str, list[int]] = {}
    for name in sorted(files):
        try:
            st = os.stat(name)
        except OSError:
            continue
        out[name] = [st.st_mtime_ns, st.st_size, st.st_ino]
    return out


def _code_unchanged(stored: dict[str, list[int]]) -> bool:
    for name, (mtime, size, inode) in stored.items():
        try:
            st = os.stat(name)
        except OSError:
            return False
        if (st.st_mtime_ns, st.st_size, st.st_ino) != (mtime, size, inode):
            return False
    return True


def key(facts: ProjectFacts, *values: Any) -> str | None:
    """The digest of the facts (msgspec's JSON of the dataclasses: 15 times faster than pickling them) and of the
    other values as pickled without memo (equal values, equal bytes); None when one cannot be."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: the bytes depend on the values, not on which objects are shared
    try:
        pickler.dump((__version__, sys.version, values))
        encoded = encode_facts(facts)  # the bytes of the facts cache entry
    except (pickle.PicklingError, msgspec.EncodeError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    return digest(encoded, buffer.getvalue())


def findings(cache: Cache, run_key: str, recorder: Recorder, compute: Callable[[], Sequence[Diagnostic]]) -> list[Diagnostic]:
    """The engine's findings: the stored ones when every input is as it was, else computed (and stored)."""
    stored = cache.get(KIND, run_key)
    if _usable(stored):
        try:
            return [msgspec.convert(d, type=Diagnostic) for d in stored["findings"]]
        except (msgspec.MsgspecError, KeyError, TypeError, ValueError):
            pass  # an entry of another shape: computed again
    with recorder.recording():
        found = list(compute())
    states = recorder.states()
    encoded = msgspec.to_builtins(found)
    # stored only when it reads back as it was (a finding carrying a value JSON cannot hold is never stored)
    if states is not None and [msgspec.convert(d, type=Diagnostic) for d in json.loads(json.dumps(encoded))] == found:
        cache.put(KIND, run_key, {"reads": states, "code": _code_state(), "findings": encoded})
    return found


def _usable(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("findings"), list):
        return False
    reads, code = entry.get("reads"), entry.get("code")
    if not isinstance(reads, list) or not isinstance(code, dict):
        return False
    try:
        return _code_unchanged(code) and all(_state(how, path) == state for how, path, state in reads)
    except (TypeError, ValueError):
        return False
