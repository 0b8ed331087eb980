"""The planted-defect systems' scorer (benchmarks/systems/score.py): matching, the key's anchors, and one real run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

# loaded under a name of its own: benchmarks/field/score.py is imported as `score` by its tests
_spec = importlib.util.spec_from_file_location("systems_score", REPO / "benchmarks" / "systems" / "score.py")
score = importlib.util.module_from_spec(_spec)
sys.modules["systems_score"] = score  # dataclasses look their module up while the class is built
_spec.loader.exec_module(score)

TINY = REPO / "tests" / "data" / "systems" / "tiny"


def _diag(code, path, line):
    return {"code": code, "path": path, "line": line, "message": f"{code} here"}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_anchors_resolve_to_lines_and_occurrences(tmp_path):
    root = _write(
        tmp_path,
        {
            "a.py": "x = 1\npublish(1)\ny = 2\npublish(2)\n",
            "answers.yaml": "defects:\n"
            "  - {code: EDA101, at: [{file: a.py, anchor: 'publish('}], why: first}\n"
            "  - {code: EDA301, at: [{file: a.py, anchor: 'publish(', occurrence: 2}, {file: a.py, anchor: 'y = 2'}]}\n",
        },
    )
    answers = score.load_answers(root)
    assert [(a.code, [p.line for p in a.places]) for a in answers] == [("EDA101", [2]), ("EDA301", [4, 3])]


@pytest.mark.parametrize(
    "answers_text, message",
    [
        ("defects:\n  - {code: EDA101, at: [{file: a.py, anchor: 'nowhere'}]}\n", r"occurs 0 time\(s\)"),
        ("defects:\n  - {code: EDA101, at: [{file: b.py, anchor: 'x'}]}\n", "b.py does not exist"),
        ("defects: {}\n", "a `defects` list"),
        ("defects:\n  - {code: EDA101, at: []}\n", "`at` is empty"),
    ],
)
def test_a_broken_key_is_a_clear_error(tmp_path, answers_text, message):
    root = _write(tmp_path, {"a.py": "x = 1\n", "answers.yaml": answers_text})
    with pytest.raises(score.AnswerKeyError, match=message):
        score.load_answers(root)


def test_matching_by_code_file_and_line_tolerance(tmp_path):
    root = _write(
        tmp_path,
        {
            "a.py": "\n".join(f"line{i}" for i in range(1, 21)) + "\n",
            "answers.yaml": "defects:\n"
            "  - {code: EDA101, at: [{file: a.py, anchor: line5}]}\n"
            "  - {code: EDA401, at: [{file: a.py, anchor: line10}, {file: a.py, anchor: line18}]}\n"
            "  - {code: EDA502, at: [{file: a.py, anchor: line15}]}\n",
        },
    )
    report = {
        "diagnostics": [
            _diag("EDA101", "a.py", 7),  # two lines off: found
            _diag("EDA101", "a.py", 5),  # the same defect again: not a false finding
            _diag("EDA401", "a.py", 18),  # its second place
            _diag("EDA502", "a.py", 18),  # three lines off: a miss and a false finding
            _diag("EDA301", "a.py", 5),  # no such answer: false
            _diag("EDA000", "a.py", 1),  # not scored
        ]
    }
    s = score.score_system(root, "unused", report=report)
    assert [a.code for a in s.found] == ["EDA101", "EDA401"]
    assert [a.code for a in s.missed] == ["EDA502"]
    assert sorted((f.code, f.line) for f in s.false) == [("EDA301", 5), ("EDA502", 18)]
    assert [f.code for f in s.unscored] == ["EDA000"]
    assert len(s.true) == 3
    rows = score.table([s])
    assert f"| **{root.name}** | 3 | 2 | 0.67 | 5 | 3 | 0.60 |" in rows
    assert f"| {root.name} EDA4xx delivery | 1 | 1 | 1.00 | 1 | 1 | 1.00 |" in rows


def test_paths_relative_to_a_folder_above_the_system_are_brought_back_to_it(tmp_path):
    root = _write(tmp_path / "bench" / "sys", {"a.py": "x\n", "answers.yaml": "defects: []\n"})
    assert score.relative_path(root, "bench/sys/a.py") == "a.py"
    assert score.relative_path(root, "a.py") == "a.py"


def test_the_scorer_runs_eventlint_on_a_system(capsys):
    assert score.main([str(TINY), "--details"]) == 0
    out = capsys.readouterr().out
    assert "| **tiny** | 2 |" in out
    assert "MISS  EDA502 app/announce.py:6" in out
    assert "MISS  EDA101" not in out  # the orphan is reported, and matched
