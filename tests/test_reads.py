"""The one recorder of reads both findings caches use (eventlint/reads.py): recordings nest, each hears every read."""

from __future__ import annotations

import os
import subprocess
import sys

from eventlint import reads, results, rule_results


def test_nested_recordings_each_hear_every_read(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "d").mkdir()
    real_stat = os.stat
    outer = reads.Reads()
    inner = reads.Reads(probes=True)
    with outer.recording():
        (tmp_path / "a.txt").read_text()
        with inner.recording():
            os.listdir(tmp_path / "d")
            (tmp_path / "missing.json").exists()
            (tmp_path / "b.txt").write_text("written, not read")
        (tmp_path / "later.json").exists()
    assert str(tmp_path / "a.txt") in outer.opened and str(tmp_path / "a.txt") not in inner.opened
    assert str(tmp_path / "d") in outer.listed and str(tmp_path / "d") in inner.listed
    assert str(tmp_path / "b.txt") not in outer.opened | inner.opened
    assert inner.probed == {str(tmp_path / "missing.json")}, "only a probing recording hears os.stat, only while it runs"
    assert not outer.probed
    assert os.stat is real_stat and not reads._active


def test_a_subprocess_keeps_the_rules_out_of_their_cache_and_is_a_command_of_the_run(tmp_path):
    with results.record() as run:
        recorder = rule_results.Recorder()
        with recorder.recording():
            subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert recorder.states() is None, "the rules' cache keeps no process"
    assert [argv[0] for _, argv in run.commands] == [sys.executable], "the run's cache checks it (and refuses all but git)"
    assert not results.store(run, tmp_path, "k" * 40, 0, [tmp_path])


def test_a_read_that_cannot_be_followed_is_heard_by_every_recording():
    with results.record() as run:
        recorder = rule_results.Recorder()
        with recorder.recording():
            sys.audit(reads.UNCACHEABLE, "a file went over a budget")
    assert run.uncacheable == recorder.uncacheable == "a file went over a budget"
    assert recorder.states() is None


def test_an_opened_file_is_checked_by_one_digest(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"bytes")
    assert reads.content_digest(str(tmp_path / "a.txt")) == rule_results._state("open", str(tmp_path / "a.txt"))
    assert reads.content_digest(str(tmp_path / "absent")) is None
