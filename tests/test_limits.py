"""Per-file budgets: a file over `limits.max-file-size` or `limits.file-timeout` is EDA000 and the run goes on."""

from __future__ import annotations

import time

import pytest

from eventlint import api, extract
from eventlint.extract import Options
from eventlint.extract.limits import DEFAULT_MAX_FILE_MB, MB
from tests.hostile import run, write

KAFKA = 'from kafka import KafkaProducer\nproducer = KafkaProducer()\nproducer.send("{channel}", b"x")\n'


def slow_module(lines: int) -> str:
    """A module libcst must parse (it names a framework) whose size makes the parse take a while."""
    body = "".join(f"VALUE_{i} = {{'id': {i}, 'name': 'item-{i}', 'tags': ['a', 'b'], 'nested': {{'k': [{i}, {i + 1}]}}}}\n" for i in range(lines))
    return KAFKA.format(channel="slow.topic") + body


def project(tmp_path, config: str, **files: str):
    write(tmp_path, "eventlint.yaml", config)
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/good.py", KAFKA.format(channel="orders.placed"))
    for rel, text in files.items():
        write(tmp_path, rel, text)
    return tmp_path


def facts(root, **options):
    return api.facts([root], api.load_config([root]), Options(**options))


def eda000(found) -> dict[str, str]:
    return {d.path: d.message for d in found.diagnostics if d.code == "EDA000"}


def test_a_file_over_the_size_limit_is_not_read_and_the_rest_is_checked(tmp_path):
    blob = "BLOB = '" + "x" * int(1.2 * MB) + "'\n" + KAFKA.format(channel="in.blob")
    root = project(tmp_path, "services:\n  app: [app/**]\n", **{"app/blob.py": blob})
    found = facts(root)
    assert eda000(found) == {"app/blob.py": "the file is 1.2 MB, above limits.max-file-size (1.0 MB) (the file was not analysed)"}
    [diag] = found.diagnostics
    assert "extend-exclude" in (diag.hint or "") and "limits" in (diag.hint or "")
    assert [p.channel for p in found.publishers] == ["orders.placed"]
    assert DEFAULT_MAX_FILE_MB == 1.0


def test_the_size_limit_is_configurable_and_zero_disables_it(tmp_path):
    blob = "BLOB = '" + "x" * int(1.2 * MB) + "'\n" + KAFKA.format(channel="in.blob")
    for config in ("limits: {max-file-size: 2}\n", "limits: {max-file-size: 0}\n"):
        root = project(tmp_path, config, **{"app/blob.py": blob})
        found = facts(root)
        assert eda000(found) == {}, config
        assert sorted(p.channel for p in found.publishers) == ["in.blob", "orders.placed"], config
    root = project(tmp_path, "limits: {max-file-size: 0.00001}\n", **{"app/blob.py": blob})
    assert set(eda000(facts(root))) == {"app/blob.py", "app/good.py"}  # 10 bytes: only the empty __init__ is within


def _timed(root, **options):
    started = time.perf_counter()
    found = facts(root, **options)
    return found, time.perf_counter() - started


def test_a_file_over_the_time_budget_is_reported_and_the_run_goes_on(tmp_path):
    root = project(tmp_path, "limits: {file-timeout: 0.2}\n", **{"app/slow.py": slow_module(4000)})
    found, elapsed = _timed(root)
    assert eda000(found) == {"app/slow.py": "analysing the file took longer than limits.file-timeout (0.2 s) (the file was not analysed)"}
    assert [p.channel for p in found.publishers] == ["orders.placed"]
    unbounded, full = _timed(project(tmp_path, "limits: {file-timeout: 0}\n"))
    assert eda000(unbounded) == {}
    assert sorted(p.channel for p in unbounded.publishers) == ["orders.placed", "slow.topic"]
    assert elapsed < full, (elapsed, full)  # the walk was cut short, not waited for
    print(f"4,000-line module: {full:.2f}s unbounded, {elapsed:.2f}s with a 0.2 s budget")


def test_the_time_budget_holds_in_the_process_pool(tmp_path, monkeypatch):
    monkeypatch.setattr(extract, "POOL_THRESHOLD", 1)
    slow = slow_module(4000)
    root = project(tmp_path, "limits: {file-timeout: 0.2}\n", **{"app/slow.py": slow, "app/slow2.py": slow.replace("slow.topic", "slow2")})
    pooled = facts(root, jobs=2)
    single = facts(root, jobs=1)
    assert eda000(pooled) == eda000(single) == {
        "app/slow.py": "analysing the file took longer than limits.file-timeout (0.2 s) (the file was not analysed)",
        "app/slow2.py": "analysing the file took longer than limits.file-timeout (0.2 s) (the file was not analysed)",
    }
    assert [p.channel for p in pooled.publishers] == ["orders.placed"]


def test_a_budget_verdict_is_never_cached(tmp_path):
    cache = tmp_path / "cache"
    root = project(tmp_path / "p", "limits: {file-timeout: 0.2}\n", **{"app/slow.py": slow_module(4000)})
    assert set(eda000(facts(root, cache=True, cache_dir=cache))) == {"app/slow.py"}
    write(root, "eventlint.yaml", "limits: {file-timeout: 0}\n")
    found = facts(root, cache=True, cache_dir=cache)
    assert eda000(found) == {}
    assert "slow.topic" in {p.channel for p in found.publishers}


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ("{max-file-size: big}", "limits.max-file-size: expected a number, got a string \"big\""),
        ("{file-timeout: -1}", "limits.file-timeout: expected a number of at least 0, got -1"),
        ("{file-memory: 512}", "limits.file-memory: unknown key 'file-memory'; did you mean 'file-timeout'?"),
    ],
)
def test_limits_are_validated(tmp_path, limits, message):
    project(tmp_path, f"limits: {limits}\n")
    result = run(["check", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().endswith(message), result.output


def test_the_check_command_reports_the_budget_and_exits_1(tmp_path):
    project(tmp_path, "limits: {file-timeout: 0.2}\n", **{"app/slow.py": slow_module(4000)})
    result = run(["check", str(tmp_path), "--no-cache", "--select", "EDA000"])
    assert result.exit_code == 1
    assert "app/slow.py:1:1: EDA000 analysing the file took longer than limits.file-timeout (0.2 s)" in result.output


def test_a_pool_worker_that_dies_costs_its_file_only(tmp_path, monkeypatch):
    """A worker killed mid-file (as the OOM killer would) breaks the pool; the run redoes the rest and names the file."""
    import os

    monkeypatch.setattr(extract, "POOL_THRESHOLD", 1)
    for i in range(6):
        write(tmp_path, f"app/m{i}.py", KAFKA.format(channel=f"topic.{i}"))
    analyse = extract._analyse

    def dies_on_m3(job):
        if job.path == "app/m3.py":
            os._exit(137)  # in the forked worker only
        return analyse(job)

    monkeypatch.setattr(extract, "_analyse", dies_on_m3)
    found = api.facts([tmp_path], api.load_config([tmp_path]), Options(jobs=2))
    assert sorted(p.channel for p in found.publishers) == [f"topic.{i}" for i in (0, 1, 2, 4, 5)]
    [diag] = found.diagnostics
    assert (diag.code, diag.path) == ("EDA000", "app/m3.py")
    assert diag.message == "the process analysing the file died (out of memory, or a crash in the parser) (the file was not analysed)"
    assert "--jobs 1" in (diag.hint or "")
