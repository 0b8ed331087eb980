"""The benchmark generator: deterministic, realistic in shape, and the runner's table."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from eventlint import api
from tests.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import Generator, generate  # noqa: E402


def _tree_digest(root):
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = generate(tmp_path / "a", lines=3000, seed=11)
    generate(tmp_path / "b", lines=3000, seed=11)
    generate(tmp_path / "c", lines=3000, seed=12)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b") != _tree_digest(tmp_path / "c")
    assert first["lines"] >= 3000  # at least the size asked for (two services are the least it makes)


def test_shape_is_a_messaging_monorepo(tmp_path):
    size = generate(tmp_path / "m", lines=12000, messaging=0.10, seed=5)
    assert 0.08 <= size["messaging_files"] / size["files"] <= 0.2
    facts = api.facts([tmp_path / "m"], api.load_config([tmp_path / "m"]))
    assert not facts.diagnostics, facts.diagnostics  # every generated file parses
    assert {p.framework for p in facts.publishers} == {"kafka-python", "confluent-kafka"}  # one framework per service
    assert len({s.name for s in facts.services}) >= 2
    # handlers reach helpers in other modules, several levels deep
    deep = [h for h in facts.handlers if h.role == "handler" and any(c.depth >= 2 for c in h.calls)]
    assert deep
    assert any(len({c.path for c in h.calls}) >= 3 for h in deep)


def test_full_size_uses_every_framework_shape():
    modules = Generator(200_000, 0.10, 7).build()  # in memory only: no parse
    text = "\n".join(line for m in modules for line in m.lines)
    for shape in ("KafkaProducer(", "Producer({", "AIOKafkaProducer(", "channel.basic_publish(", "client.publish(", "sns.publish(", "sqs.receive_message("):
        assert shape in text, shape
    assert sum(len(m.lines) for m in modules) >= 200_000


@pytest.mark.slow
def test_runner_prints_a_table(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--lines", "2500", "--repeat", "1", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "| scenario |" in out and "lines/s" in out and "peak MB" in out
    for scenario in ("cold", "warm", "one file changed", "no prefilter", "--jobs 1"):
        assert scenario in out


def test_runner_scale_curve_has_a_row_per_size_and_scenario(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--sizes", "2.5k,5k", "--repeat", "1", "--only", "warm", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[2] for row in rows] == ["plain ast.parse pass (baseline, 1 process)", "warm, nothing changed"] * 2
    # each size is generated apart: the second is the larger, and the first size's rows are the reference
    first, second = int(rows[0].split(" | ")[0].strip("| ").replace(",", "")), int(rows[2].split(" | ")[0].strip("| ").replace(",", ""))
    assert first < second
    assert rows[0].endswith("| 1.00 |") and rows[1].endswith("| 1.00 |")


def test_runner_sizes_read_k_and_m():
    import run

    assert run._sizes("50k, 200k,1M,1.5m,300") == [50_000, 200_000, 1_000_000, 1_500_000, 300]
    with pytest.raises(Exception, match="not a size"):
        run._sizes("50k,lots")
