"""Runs sharing one cache at the same time (a pre-commit hook, an editor, a CI step on one checkout).

Each must print and write what a lone run does, byte for byte — never an empty or a cut report, never a
traceback — and leave a cache whose every entry is whole or ignored. A corrupt or truncated entry (a
process killed mid-write, a full disk) is computed again, and the output stays right.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint import results
from eventlint.cache import CACHE_DIR, Cache, clean, digest, replace_file
from eventlint.cli import main
from tests.test_results import Runs, _project


def _command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "eventlint.cli", *args, str(root)]


def _env(cache_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EVENTLINT_CACHE_DIR", "NO_COLOR")}
    if cache_dir is not None:
        env["EVENTLINT_CACHE_DIR"] = str(cache_dir)
    return env


# what each process runs: argv after `eventlint`, and the report file it writes (OUT), if any
MIX = [
    (["check", "--format", "json"], None),
    (["check", "--format", "sarif", "--output-file", "OUT"], "report.sarif"),
    (["check", "--no-color"], None),
    (["facts", "--output-file", "OUT"], "facts.json"),
]


def _lone(root: Path, tmp: Path) -> list[tuple[int, bytes, bytes]]:
    """Each command of MIX run alone, without any cache (in this process): (exit code, stdout, report file)."""
    expected = []
    for index, (args, report) in enumerate(MIX):
        out = tmp / f"lone-{index}-{report}" if report else None
        argv = [str(out) if a == "OUT" else a for a in args]
        result = CliRunner(env={"EVENTLINT_CACHE_DIR": None, "NO_COLOR": None}).invoke(main, [*argv, "--no-cache", str(root)])
        assert result.exit_code in (0, 1), result.output
        expected.append((result.exit_code, result.stdout_bytes, out.read_bytes() if out else b""))
        assert result.stdout_bytes or (out and out.read_bytes())
    return expected


# started at the same moment: each command once, and the SARIF report twice (two writers of one file)
AT_ONCE = [*range(len(MIX)), 1]


def _at_once(root: Path, shared: Path) -> list[tuple[int, bytes, bytes, bytes]]:
    """The commands of AT_ONCE started at the same moment, their report files in one shared directory."""
    procs = []
    for args, report in [MIX[i] for i in AT_ONCE]:
        argv = [str(shared / report) if a == "OUT" else a for a in args]
        procs.append((report, subprocess.Popen(_command(root, *argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())))
    done = []
    for report, proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        done.append((proc.returncode, stdout, (shared / report).read_bytes() if report else b"", stderr))
    return done


def test_runs_at_the_same_time_print_what_a_lone_run_prints(tmp_path):
    """Five processes at once on one project and one cache, cold, then warm after an edit: each one's exit code,
    stdout and report file are a lone uncached run's, and so is the warm run after them (what they stored)."""
    root = _project(tmp_path / "p")
    shared = tmp_path / "shared"
    shared.mkdir()
    for round_number in range(2):
        if round_number:  # an edit between the rounds: some entries are reused, others computed again
            with open(root / "shipping/consumer.py", "a", encoding="utf-8") as handle:
                handle.write("\n\ndef late(event):\n    return event\n")
        expected = _lone(root, tmp_path)
        for index, (code, stdout, report, stderr) in zip(AT_ONCE, _at_once(root, shared)):
            assert b"Traceback" not in stderr, stderr.decode()
            assert (code, stdout, report) == expected[index], f"round {round_number}, {MIX[index][0]}: {stderr.decode()}"
        for index, (args, report) in enumerate(MIX):  # alone now: replayed from what the processes stored
            argv = [str(shared / report) if a == "OUT" else a for a in args]
            proc = subprocess.run(_command(root, *argv), capture_output=True, env=_env(), check=False)
            assert (proc.returncode, proc.stdout, (shared / report).read_bytes() if report else b"") == expected[index]
    entries = [p for p in (root / CACHE_DIR).rglob("*.json")]
    assert entries and all(_intact(p) for p in entries)
    assert not list((root / CACHE_DIR).rglob(".tmp-*")) and not list(shared.glob(".*.tmp"))


def _intact(path: Path) -> bool:
    check, _, body = path.read_bytes().partition(b"\n")
    return check.decode() == digest(body)


# -- the report file --------------------------------------------------------------------------------------


def test_a_second_writer_of_the_report_does_not_reach_the_stored_result(tmp_path, monkeypatch):
    """A run stores the bytes it wrote, not the file read back: another run truncating the same report to write
    it (or a replay doing so) must not make every later warm run write an empty report."""
    root = _project(tmp_path / "p")
    report = tmp_path / "report.sarif"
    runs = Runs(monkeypatch, tmp_path / "cache")
    real_store = results.store

    def store_after_another_writer_truncated(recording, directory, key, code, starts, output_file=None, known=None):
        with open(output_file, "wb"):  # the second writer's open(..., "w"), before its write
            pass
        return real_store(recording, directory, key, code, starts, output_file, known)

    monkeypatch.setattr(results, "store", store_after_another_writer_truncated)
    runs(root, "--format", "sarif", "-o", str(report))
    monkeypatch.setattr(results, "store", real_store)
    lone = tmp_path / "lone.sarif"
    runs(root, "--format", "sarif", "-o", str(lone), cache=False)
    runs(root, "--format", "sarif", "-o", str(report))
    assert runs.computed == 2, "the second run is a replay"
    assert report.read_bytes() == lone.read_bytes() != b""


def test_a_reader_of_the_report_sees_the_old_file_or_the_new_one(tmp_path):
    report = tmp_path / "report.json"
    versions = [b"a" * 300_000, b"b" * 500_000]
    replace_file(report, versions[0])
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            data = report.read_bytes()
            seen.add(len(data))
            assert data in versions, f"a reader saw {len(data)} bytes"

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for index in range(60):
            replace_file(report, versions[index % 2])
    finally:
        stop.set()
        reader.join()
    assert seen <= {len(v) for v in versions}
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_report_keeps_its_mode_its_symlink_and_a_pipe_stays_a_pipe(tmp_path):
    old_mask = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.json"
        replace_file(fresh, b"{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640  # a new file's mode, not mkstemp's 0600
    finally:
        os.umask(old_mask)
    kept = tmp_path / "kept.json"
    kept.write_bytes(b"old")
    kept.chmod(0o604)
    replace_file(kept, b"new")
    assert kept.read_bytes() == b"new" and stat.S_IMODE(kept.stat().st_mode) == 0o604
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "real.sarif"
    target.write_bytes(b"old")
    link = tmp_path / "link.sarif"
    link.symlink_to(target)
    replace_file(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    replace_file(fifo, b"through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_failed_report_write_leaves_the_old_report_and_no_temporary_file(tmp_path, monkeypatch):
    report = tmp_path / "report.json"
    report.write_bytes(b"yesterday")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError):
        replace_file(report, b"today")
    assert report.read_bytes() == b"yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


# -- corrupt entries, killed and starved runs -----------------------------------------------------------


def _lone_json(root: Path) -> subprocess.CompletedProcess[bytes]:
    """`check --format json` alone and uncached, in this process (as a completed process: code, stdout, stderr)."""
    result = CliRunner(env={"EVENTLINT_CACHE_DIR": None, "NO_COLOR": None}).invoke(main, ["check", "--format", "json", "--no-cache", str(root)])
    return subprocess.CompletedProcess([], result.exit_code, result.stdout_bytes, result.stderr_bytes)


def test_corrupt_stored_results_are_computed_again(tmp_path, monkeypatch):
    """A results entry cut short, flipped, or intact but of another shape: the run is computed, never replayed wrong."""
    root = _project(tmp_path / "p")
    runs = Runs(monkeypatch, tmp_path / "cache")
    lone = runs(root, "--format", "json", cache=False)
    assert runs(root, "--format", "json") == lone  # computed, and stored
    [entry] = (tmp_path / "cache" / results.KIND).rglob("*.json")
    good = entry.read_bytes()
    check, _, body = good.partition(b"\n")
    shapes = [b'{"format": 2, "files": "x"}', b'{"format": 2, "written_ns": 1, "exit": 0, "files": [], "dirs": [], "probes": [], '
              b'"env": {}, "env_names": null, "commands": [], "writes": [[7, "not a stream"]], "output": null}']
    damaged = [good[: len(good) // 2], b"", good[:-1] + bytes([good[-1] ^ 1]), *[digest(s).encode() + b"\n" + s for s in shapes]]
    for number, data in enumerate(damaged, start=1):
        entry.write_bytes(data)
        assert runs(root, "--format", "json") == lone
        assert runs.computed == 2 + number
        assert _intact(entry)  # rewritten whole by the run
    assert runs(root, "--format", "json") == lone
    assert runs.computed == 2 + len(damaged)  # and replayed from then on


def test_a_run_killed_mid_write_leaves_a_cache_the_next_run_can_use(tmp_path):
    """SIGKILL at several moments of a cold run (entries half-written in temporary files, some whole): the next
    runs print what a lone uncached run prints."""
    root = _project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    lone = _lone_json(root)
    for delay in (0.4, 1.2):
        proc = subprocess.Popen(_command(root, "check", "--format", "json"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(cache_dir))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for _ in range(2):  # the run that meets the cache as the kill left it, then a warm one
            again = subprocess.run(_command(root, "check", "--format", "json"), capture_output=True, env=_env(cache_dir), check=False)
            assert (again.returncode, again.stdout) == (lone.returncode, lone.stdout), again.stderr.decode()
    assert all(_intact(p) for p in cache_dir.rglob("*.json") if not p.name.startswith(".tmp-"))


def test_a_full_disk_costs_the_cache_not_the_output(tmp_path):
    """Every cache write fails with EFBIG past 2 KB (RLIMIT_FSIZE: a real failing write): the output is right."""
    root = _project(tmp_path / "p")
    cache_dir = tmp_path / "cache"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    lone = _lone_json(root)
    for _ in range(2):
        starved = subprocess.run(
            _command(root, "check", "--format", "json"), capture_output=True, env=_env(cache_dir), preexec_fn=small_files, check=False
        )
        assert (starved.returncode, starved.stdout, starved.stderr) == (lone.returncode, lone.stdout, lone.stderr)
    assert all(_intact(p) for p in cache_dir.rglob("*.json"))  # no cut entry was kept
    assert not list(cache_dir.rglob(".tmp-*"))
    warm = subprocess.run(_command(root, "check", "--format", "json"), capture_output=True, env=_env(cache_dir), check=False)
    assert (warm.returncode, warm.stdout) == (lone.returncode, lone.stdout)


# -- inputs that change while a run goes on; cleaning under a running process ------------------------------------


def test_a_file_added_while_the_run_goes_on_keeps_the_run_out_of_the_cache(tmp_path, monkeypatch):
    """The directory's names are taken when the run lists it: one added after (and before the entry is written)
    would be in the stored listing but not in the output, and a warm run would replay the output without it."""
    from eventlint import workspace

    root = _project(tmp_path / "p")
    runs = Runs(monkeypatch, tmp_path / "cache")
    counting = workspace.check

    def check_then_add(*args, **kwargs):
        checked = counting(*args, **kwargs)
        if runs.computed == 1:
            (root / "shipping/returns.py").write_text(
                "from kafka import KafkaConsumer\n\nfor m in KafkaConsumer('orders.refunded', group_id='shipping'):\n    print(m)\n"
            )
        return checked

    monkeypatch.setattr(workspace, "check", check_then_add)
    runs(root, "--format", "json")
    lone = runs(root, "--format", "json", cache=False)
    assert runs(root, "--format", "json") == lone
    assert "returns.py" in lone[1]
    assert runs.computed == 3, "the first run was not stored"


def test_cleaning_the_cache_while_runs_write_to_it(tmp_path):
    directory = tmp_path / CACHE_DIR
    value = {"data": "x" * 5_000}
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(number: int) -> None:
        cache = Cache(directory)
        try:
            index = 0
            while not stop.is_set():
                cache.put("ir", digest(str(number), str(index)), value)
                index += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for writer in writers:
        writer.start()
    try:
        for _ in range(3):
            time.sleep(0.02)
            Cache(directory).put("ir", "0" * 40, value)  # (a cache to clean, whatever the writers did)
            assert clean(directory)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert not errors
    # a writer that saw its cache removed does not bring it back without its .gitignore
    assert not directory.exists() or (directory / ".gitignore").exists()


def test_the_first_run_is_stored_though_it_creates_the_cache_in_a_directory_it_listed(tmp_path, monkeypatch):
    """The project root is listed before `.eventlint_cache` exists in it; the cache is not an input."""
    from eventlint import workspace

    root = _project(tmp_path / "p")
    computed = []
    real = workspace.check
    monkeypatch.setattr(workspace, "check", lambda *a, **k: computed.append(1) or real(*a, **k))
    runner = CliRunner(env={"EVENTLINT_CACHE_DIR": None})
    first = runner.invoke(main, ["check", "--format", "json", str(root)])
    assert (root / CACHE_DIR).is_dir()
    second = runner.invoke(main, ["check", "--format", "json", str(root)])
    assert (second.exit_code, second.stdout_bytes) == (first.exit_code, first.stdout_bytes)
    assert len(computed) == 1, "the second run is a replay"
