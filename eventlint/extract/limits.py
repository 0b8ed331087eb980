"""Per-file budgets, so one pathological file cannot stall a CI pipeline.

Two limits, both set under `limits` in the configuration:

- `max-file-size` (MB, default 1, as Semgrep's `--max-target-bytes`): a larger
  Python file is not read at all. It is also the memory bound: libcst needs
  about 0.7 KB of memory per byte of source (measured: a 3.4 MB module took
  2.4 GB and 32 s, a 330 KB one 290 MB and 2.7 s), so 1 MB caps a parse near
  700 MB and ten seconds on a slow core.
- `file-timeout` (seconds, default 30): a file whose parse and extraction take
  longer is given up. The clock is a SIGALRM interval timer around each file,
  in the process that parses it — the main process on a small run, each pool
  worker on a large one (workers run their jobs on their main thread), so the
  pool needs no watchdog and never loses a worker. The signal's exception is
  raised at the next Python bytecode: libcst's native parse runs to its end
  (bounded by the size limit) and the walk over its tree, which is Python, is
  cut short. Where no timer is available (not the main thread, no SIGALRM) the
  elapsed time is checked after the file: reported the same way, not cut short.

A file over a budget is an EDA000 finding that names the limit, and every other
file is still checked. So is a file whose pool worker dies (the kernel's OOM
killer, a crash in native code): the pool breaks, and the files it had not
finished are redone one process each, so the file that kills its process is
the one reported and the run completes. Such an outcome is never cached: it depends on the
machine, not on the file.
"""

from __future__ import annotations

import _signal
import contextlib
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from eventlint.extract.guard import ParseFailure

DEFAULT_MAX_FILE_MB = 1.0
DEFAULT_FILE_TIMEOUT = 30.0
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The per-file budgets of a run; 0 disables one."""

    max_file_bytes: int = int(DEFAULT_MAX_FILE_MB * MB)
    file_timeout: float = DEFAULT_FILE_TIMEOUT


def limits_of(raw: Mapping[str, Any]) -> Limits:
    """The `limits` of a (schema-valid) configuration mapping, with defaults for what it leaves out."""
    section = raw.get("limits") or {}
    size = float(section.get("max-file-size", DEFAULT_MAX_FILE_MB))
    return Limits(max_file_bytes=int(size * MB), file_timeout=float(section.get("file-timeout", DEFAULT_FILE_TIMEOUT)))


class OverBudget(ParseFailure):
    """A file given up because it exceeded a limit (an EDA000 finding, never cached)."""

    hint = "exclude the file (`extend-exclude`) if it is generated, or raise the limit under `limits` in the configuration"


class Expired(BaseException):
    """Raised by the timer; a BaseException so that no `except Exception` in the analysis swallows it."""


def too_large(size: int, limits: Limits) -> OverBudget | None:
    """The finding for a file of `size` bytes, or None when it is within `max-file-size`."""
    if limits.max_file_bytes <= 0 or size <= limits.max_file_bytes:
        return None
    return OverBudget(f"the file is {_mb(size)}, above limits.max-file-size ({_mb(limits.max_file_bytes)})")


def timed_out(seconds: float) -> OverBudget:
    return OverBudget(f"analysing the file took longer than limits.file-timeout ({seconds:g} s)")


class ProcessDied(OverBudget):
    """The pool worker analysing the file died; the file alone was redone in a process of its own, which died too."""

    hint = "exclude the file (`extend-exclude`) if it is generated; `--jobs 1` shows whether the parser itself crashes on it"


def process_died() -> OverBudget:
    return ProcessDied("the process analysing the file died (out of memory, or a crash in the parser)")


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise OverBudget when the block runs longer than `seconds` (0: no limit)."""
    if seconds <= 0:
        yield
        return
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        started = time.monotonic()
        yield
        if time.monotonic() - started > seconds:
            raise timed_out(seconds)
        return

    # `_signal.signal` is what `signal.signal` calls, without its conversion of the handlers to and from enums
    # (the previous handler, a function, is tried as an enum value first: a ValueError per call); once per file,
    # that conversion was ~1 % of a cold check
    previous = _signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except Expired:
        raise timed_out(seconds) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _signal.signal(signal.SIGALRM, previous)


def _expire(signum: int, frame: object) -> None:
    raise Expired()


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"
