"""Write the measured per-rule precision that `eventlint rules` and `eventlint explain` show, from the hand review.

    python benchmarks/field/precision.py            # (re)write eventlint/assets/field-precision.json
    python benchmarks/field/precision.py --check    # exit 1 when the committed file differs from review.yaml

The figures are review.yaml's verdicts counted per rule: true (a real problem worth fixing), false (the
finding is wrong), pointless (true, not worth a team's time); precision is true / reviewed. Run
`findings.py` first: it reports review entries that no longer match a finding (stale), which this
script cannot see.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent.parent / "eventlint" / "assets" / "field-precision.json"
VERDICTS = ("true", "false", "pointless")


def measured() -> dict[str, Any]:
    """The data file's content: per rule, the verdict counts and the precision."""
    review = yaml.safe_load((HERE / "review.yaml").read_text(encoding="utf-8"))["findings"]
    repos = yaml.safe_load((HERE / "repos.yaml").read_text(encoding="utf-8"))["repos"]
    counts: dict[str, Counter] = defaultdict(Counter)
    for entry in review:
        counts[entry["code"]][entry["verdict"]] += 1
    rules = {}
    for code in sorted(counts):
        c = counts[code]
        reviewed = sum(c[v] for v in VERDICTS)
        rules[code] = {**{v: c[v] for v in VERDICTS}, "reviewed": reviewed, "precision": round(c["true"] / reviewed, 3)}
    return {
        "source": "benchmarks/field/review.yaml",
        "about": f"findings of `eventlint check` with no configuration on the field check's {len(repos)} public repositories, each judged by hand",
        "rules": rules,
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render(measured())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run python benchmarks/field/precision.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"Wrote {TARGET} ({len(json.loads(text)['rules'])} rules).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
