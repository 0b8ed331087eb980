"""Run `eventlint check` on every field-check repository as a new user would (no configuration) and
print per-rule precision against the hand review in `review.yaml`.

    python benchmarks/field/findings.py /work/field-repos                 # per-rule precision table
    python benchmarks/field/findings.py /work/field-repos --unreviewed    # findings with no verdict yet (YAML stubs)
    python benchmarks/field/findings.py /work/field-repos --json          # the same figures as JSON
    python benchmarks/field/findings.py /work/field-unseen --set unseen   # the unseen set: unseen/repos.yaml, unseen/review.yaml
    python benchmarks/field/findings.py /work/field-unseen2 --set unseen2 # any other set: the folder of that name here

A verdict is `true` (a real problem worth fixing), `false` (the finding is wrong) or `pointless`
(true, but not worth a team's time). Precision is true / all reviewed findings of the rule. A finding
is matched to its verdict by (repo, code, path, line); a review entry that matches no finding is
reported as stale, so the review cannot silently drift from what eventlint reports.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
VERDICTS = ("true", "false", "pointless")
TIMEOUT = 240  # seconds per repository


def repositories(where: Path = HERE) -> list[dict[str, Any]]:
    return yaml.safe_load((where / "repos.yaml").read_text(encoding="utf-8"))["repos"]


def findings(directory: Path, repo: dict[str, Any]) -> list[dict[str, Any]]:
    """`eventlint check --format json --no-cache` on the checkout (its subdir), paths from the analysed root."""
    root = directory / repo["name"] / repo.get("subdir", "")
    try:
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("eventlint")), "check", ".", "--format", "json", "--no-cache", "--exit-zero"],
            cwd=root, capture_output=True, text=True, timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        print(f"{repo['name']}: eventlint check took more than {TIMEOUT} s; left out", file=sys.stderr)
        return []
    if proc.returncode != 0:
        raise SystemExit(f"{repo['name']}: eventlint check exited {proc.returncode}: {proc.stderr.strip()}")
    out = []
    for d in json.loads(proc.stdout)["diagnostics"]:
        out.append({"repo": repo["name"], "code": d["code"], "severity": d["severity"], "path": d["path"], "line": d["line"], "message": d["message"]})
    return out


def load_review(where: Path = HERE) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    path = where / "review.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    review = {}
    for entry in (entries or {}).get("findings", ()):
        if entry["verdict"] not in VERDICTS:
            raise SystemExit(f"review.yaml: {entry}: verdict must be one of {', '.join(VERDICTS)}")
        review[(entry["repo"], entry["code"], entry["path"], int(entry["line"]))] = entry
    return review


def precision(found: list[dict[str, Any]], review: dict) -> dict[str, dict[str, Any]]:
    table: dict[str, Counter] = defaultdict(Counter)
    for f in found:
        entry = review.get((f["repo"], f["code"], f["path"], f["line"]))
        table[f["code"]][entry["verdict"] if entry else "unreviewed"] += 1
    out = {}
    for code, counts in sorted(table.items()):
        reviewed = sum(counts[v] for v in VERDICTS)
        out[code] = {**{v: counts[v] for v in (*VERDICTS, "unreviewed")}, "precision": round(counts["true"] / reviewed, 3) if reviewed else None}
    return out


def sets() -> dict[str, Path]:
    """A set's name -> the folder with its repos.yaml and review.yaml: `field` is this folder, any other set is the
    sub-folder of its name that has a repos.yaml (unseen/, unseen2/, ...)."""
    return {"field": HERE, **{d.name: d for d in sorted(HERE.iterdir()) if (d / "repos.yaml").is_file()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--unreviewed", action="store_true")
    parser.add_argument("--set", choices=tuple(sets()), default="field",
                        help="which set's repos.yaml and review.yaml: the field check's (here) or another set's (its folder)")
    args = parser.parse_args(argv)
    where = sets()[args.set]
    found = [f for repo in repositories(where) if (args.directory / repo["name"]).is_dir() for f in findings(args.directory, repo)]
    review = load_review(where)
    if args.unreviewed:
        missing = [f for f in found if (f["repo"], f["code"], f["path"], f["line"]) not in review]
        print(yaml.safe_dump([{**{k: f[k] for k in ("repo", "code", "path", "line")}, "verdict": "", "reason": f["message"]} for f in missing], sort_keys=False, allow_unicode=True, width=200))
        return 0
    table = precision(found, review)
    seen = {(f["repo"], f["code"], f["path"], f["line"]) for f in found}
    stale = sorted(k for k in review if k not in seen)
    if args.json:
        print(json.dumps({"rules": table, "findings": found, "stale": [list(k) for k in stale]}, indent=2))
        return 0
    print(f"{'rule':8} {'true':>5} {'false':>6} {'pointless':>10} {'unreviewed':>11} {'precision':>10}")
    for code, row in table.items():
        p = "-" if row["precision"] is None else f"{row['precision']:.0%}"
        print(f"{code:8} {row['true']:>5} {row['false']:>6} {row['pointless']:>10} {row['unreviewed']:>11} {p:>10}")
    total = Counter()
    for row in table.values():
        total.update({k: row[k] for k in (*VERDICTS, "unreviewed")})
    reviewed = sum(total[v] for v in VERDICTS)
    print(f"{'all':8} {total['true']:>5} {total['false']:>6} {total['pointless']:>10} {total['unreviewed']:>11} "
          f"{(total['true'] / reviewed if reviewed else 0):>10.0%}")
    gating = [review.get((f["repo"], f["code"], f["path"], f["line"])) for f in found if f["severity"] in ("error", "warning")]
    judged = [e["verdict"] for e in gating if e]
    if judged:  # what fails a run by default (`--fail-on` error and warning)
        print(f"{'warn/err':8} {judged.count('true'):>5} {judged.count('false'):>6} {judged.count('pointless'):>10} "
              f"{len(gating) - len(judged):>11} {judged.count('true') / len(judged):>10.0%}")
    for key in stale:
        print(f"stale review entry (no such finding now): {' '.join(map(str, key))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
