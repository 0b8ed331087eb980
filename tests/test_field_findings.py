"""The field check's finding review (benchmarks/field/findings.py, review.yaml): precision per rule, and a review
file that stays well-formed and names only repositories of the field check."""

from __future__ import annotations

import sys

import yaml

from tests.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks" / "field"))
import findings  # noqa: E402


def _finding(code, path, line, repo="r"):
    return {"repo": repo, "code": code, "path": path, "line": line, "severity": "warning", "message": "m"}


def test_precision_is_true_over_reviewed_findings_per_rule():
    found = [_finding("EDA101", "a.py", 1), _finding("EDA101", "a.py", 2), _finding("EDA101", "a.py", 3),
             _finding("EDA102", "b.py", 4)]
    review = {
        ("r", "EDA101", "a.py", 1): {"verdict": "true"},
        ("r", "EDA101", "a.py", 2): {"verdict": "pointless"},
        ("r", "EDA102", "b.py", 4): {"verdict": "false"},
    }
    table = findings.precision(found, review)
    assert table["EDA101"] == {"true": 1, "false": 0, "pointless": 1, "unreviewed": 1, "precision": 0.5}
    assert table["EDA102"]["precision"] == 0.0


def test_the_committed_review_is_well_formed():
    document = yaml.safe_load((REPO / "benchmarks" / "field" / "review.yaml").read_text(encoding="utf-8"))
    names = {r["name"] for r in findings.repositories()}
    entries = document["findings"]
    assert entries
    keys = set()
    for entry in entries:
        assert entry["repo"] in names and entry["verdict"] in findings.VERDICTS and entry["reason"].strip()
        assert entry["code"].startswith("EDA") and isinstance(entry["line"], int)
        key = (entry["repo"], entry["code"], entry["path"], entry["line"])
        assert key not in keys, key
        keys.add(key)
