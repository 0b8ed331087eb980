"""The progress bar: on stderr, only on a terminal, only after a second."""

from __future__ import annotations

import time

from click.testing import CliRunner

from eventlint import extract
from eventlint.cli import _ProgressBar, main
from tests.helpers import fixture


def test_bar_shows_after_a_second_on_a_terminal_and_clears_itself(capsys):
    bar = _ProgressBar()
    bar.enabled = True
    bar(1, 10)
    assert capsys.readouterr().err == ""  # within the first second: silent
    bar.start = time.monotonic() - 2
    bar(5, 10)
    err = capsys.readouterr().err
    assert "5/10 files" in err and "#" * 15 in err and err.startswith("\r")
    bar(10, 10)
    err = capsys.readouterr().err
    assert "10/10 files" in err and err.endswith("\r")  # the line is wiped at the end
    assert not bar.shown


def test_bar_is_silent_when_stderr_is_not_a_terminal(capsys):
    bar = _ProgressBar()
    assert not bar.enabled  # pytest captures stderr: not a TTY
    bar.start = time.monotonic() - 5
    bar(3, 4)
    assert capsys.readouterr().err == ""


def test_check_reports_progress_per_file(monkeypatch):
    seen: list[tuple[int, int]] = []
    original = _ProgressBar.__call__

    def record(self, done, total):
        seen.append((done, total))
        original(self, done, total)

    monkeypatch.setattr(_ProgressBar, "__call__", record)
    result = CliRunner().invoke(main, ["check", str(fixture("kafka_python")), "--no-cache"])
    assert result.exit_code in (0, 1)
    assert seen and seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == list(range(1, len(seen) + 1))
    assert "files]" not in result.output and "/" + str(seen[-1][1]) + " files" not in result.output
    assert extract.POOL_THRESHOLD > 1
