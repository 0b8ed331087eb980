"""When the parse runs in a pool of processes, and how many: the pool must pay for itself or not start."""

from __future__ import annotations

import os

import pytest

from eventlint import extract


def test_an_explicit_jobs_count_is_taken_as_asked(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (50.0, 50.0, 50.0))
    assert extract._workers(3) == 3
    assert extract._workers(1) == 1


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="the affinity mask exists on Linux only")
def test_by_default_one_worker_per_idle_core_of_this_process(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the machine's count is not this process's share
    monkeypatch.setattr(os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    assert extract._workers(None) == 4
    monkeypatch.setattr(os, "getloadavg", lambda: (2.2, 1.0, 1.0))  # two cores busy elsewhere
    assert extract._workers(None) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (6.4, 4.0, 2.0))  # every core busy: no pool
    assert extract._workers(None) == 1


def test_a_busy_machine_parses_without_a_pool(monkeypatch, tmp_path):
    # enough files to parse for a pool, every core busy: nothing is handed to a pool
    monkeypatch.setattr(extract, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (float(os.cpu_count() or 1) + 4, 1.0, 1.0))
    started = []
    monkeypatch.setattr(extract, "_pooled", lambda jobs, workers: started.append(workers) or iter(()))
    for index in range(3):
        (tmp_path / f"m{index}.py").write_text("import kafka\nproducer = kafka.KafkaProducer()\nproducer.send('t', b'x')\n")
    from eventlint import api

    found = api.facts([tmp_path], api.load_config([tmp_path]), extract.Options())
    assert started == [] and len(found.publishers) == 3
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    api.facts([tmp_path], api.load_config([tmp_path]), extract.Options(jobs=2))
    assert started == [2]
