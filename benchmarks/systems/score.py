"""Score eventlint's findings on the planted-defect systems (benchmarks/systems/) against their answer keys.

    python benchmarks/systems/score.py                      # every system under benchmarks/systems/
    python benchmarks/systems/score.py --details            # also each miss and each false finding
    python benchmarks/systems/score.py --json               # the same figures as JSON
    python benchmarks/systems/score.py path/to/system ...   # only these systems

A system is a folder holding `answers.yaml` (its answer key, written before eventlint was run on
it). The scorer runs `eventlint check . --output-format json --no-cache` in the folder (with the
folder's own eventlint.yaml, or none: a first run) and compares the findings of the rule
families 1-6 (EDA1xx flow to EDA6xx coupling) with the key:

- an answer is one planted defect: a rule `code` and the places (`at`: file, a snippet of the
  line — `anchor` — and its `occurrence` when the snippet repeats) where a user may honestly
  expect to be told; a finding matches an answer when it has the same code and file and its line
  is within `--tolerance` (default 2) of one of those places;
- recall = answers matched by some finding / answers;
- precision = findings matching some answer / findings. A defect reported at two of its places,
  or twice at one, is not a false finding; a finding that matches no answer is.

Findings of EDA0xx (parse errors, plugins) and EDA7xx (runtime) are listed but not scored.
The scorer is deterministic and needs no network. It runs on demand; CI only checks that it
works (tests/test_systems_score.py), never the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_TOLERANCE = 2
FAMILIES = "123456"
FAMILY_NAMES = {
    "1": "flow/correlation",
    "2": "contracts",
    "3": "ordering",
    "4": "delivery",
    "5": "failure handling",
    "6": "coupling",
}


class AnswerKeyError(Exception):
    """An answer key that does not have the documented shape, or an anchor not found."""


@dataclass(frozen=True)
class Place:
    path: str
    line: int


@dataclass(frozen=True)
class Answer:
    code: str
    places: tuple[Place, ...]
    why: str

    @property
    def where(self) -> str:
        return f"{self.places[0].path}:{self.places[0].line}"


@dataclass(frozen=True)
class Finding:
    code: str
    path: str
    line: int
    message: str


@dataclass
class Score:
    system: str
    answers: list[Answer]
    findings: list[Finding]
    unscored: list[Finding] = field(default_factory=list)
    tolerance: int = DEFAULT_TOLERANCE

    def _meets(self, answer: Answer, finding: Finding) -> bool:
        return answer.code == finding.code and any(
            p.path == finding.path and abs(p.line - finding.line) <= self.tolerance for p in answer.places
        )

    @property
    def found(self) -> list[Answer]:
        return [a for a in self.answers if any(self._meets(a, f) for f in self.findings)]

    @property
    def missed(self) -> list[Answer]:
        return [a for a in self.answers if not any(self._meets(a, f) for f in self.findings)]

    @property
    def true(self) -> list[Finding]:
        return [f for f in self.findings if any(self._meets(a, f) for a in self.answers)]

    @property
    def false(self) -> list[Finding]:
        return [f for f in self.findings if not any(self._meets(a, f) for a in self.answers)]

    def family(self, digit: str) -> Score:
        return Score(
            self.system,
            [a for a in self.answers if a.code[3] == digit],
            [f for f in self.findings if f.code[3] == digit],
            tolerance=self.tolerance,
        )


def ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


# -- the answer key -------------------------------------------------------------------------------


def _line_of(root: Path, path: str, anchor: str, occurrence: int) -> int:
    file = root / path
    if not file.is_file():
        raise AnswerKeyError(f"{root / 'answers.yaml'}: {path} does not exist")
    seen = 0
    for number, text in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if anchor in text:
            seen += 1
            if seen == occurrence:
                return number
    raise AnswerKeyError(f"{root / 'answers.yaml'}: {anchor!r} occurs {seen} time(s) in {path}, not {occurrence}")


def load_answers(root: Path) -> list[Answer]:
    source = root / "answers.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("defects"), list):
        raise AnswerKeyError(f"{source}: expected a mapping with a `defects` list")
    answers = []
    for index, entry in enumerate(data["defects"]):
        where = f"{source}: defects[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str) or not isinstance(entry.get("at"), list):
            raise AnswerKeyError(f"{where}: expected `code` (a rule code) and `at` (a list of places)")
        if not entry["at"]:
            raise AnswerKeyError(f"{where}: `at` is empty")
        places = []
        for place in entry["at"]:
            if not isinstance(place, dict) or not isinstance(place.get("file"), str) or not isinstance(place.get("anchor"), str):
                raise AnswerKeyError(f"{where}: each place needs `file` and `anchor`")
            occurrence = place.get("occurrence", 1)
            places.append(Place(place["file"], _line_of(root, place["file"], place["anchor"], occurrence)))
        answers.append(Answer(entry["code"], tuple(places), str(entry.get("why", ""))))
    return answers


# -- running eventlint ----------------------------------------------------------------------------


def run_eventlint(root: Path, eventlint: str) -> dict:
    done = subprocess.run(
        [eventlint, "check", ".", "--output-format", "json", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"eventlint exited {done.returncode} on {root}:\n{done.stderr}")
    return json.loads(done.stdout)


def relative_path(root: Path, path: str) -> str:
    """The finding's path relative to the system's folder.

    eventlint writes paths relative to the folder it takes as the project's root (inside a git
    checkout, that may be the checkout's top), so a path is tried from the system folder and
    then from each folder above it."""
    if (root / path).exists():
        return path
    for base in root.parents:
        candidate = (base / path).resolve()
        if candidate.exists() and candidate.is_relative_to(root):
            return candidate.relative_to(root).as_posix()
    return path


def findings_of(report: dict, root: Path) -> tuple[list[Finding], list[Finding]]:
    scored, unscored = [], []
    for d in report.get("diagnostics", []):
        finding = Finding(d["code"], relative_path(root, d["path"]), int(d["line"]), d.get("message", ""))
        (scored if d["code"][3] in FAMILIES else unscored).append(finding)
    key = lambda f: (f.path, f.line, f.code)  # noqa: E731
    return sorted(scored, key=key), sorted(unscored, key=key)


def score_system(root: Path, eventlint: str, tolerance: int = DEFAULT_TOLERANCE, report: dict | None = None) -> Score:
    answers = load_answers(root)
    scored, unscored = findings_of(report if report is not None else run_eventlint(root, eventlint), root)
    return Score(root.name, answers, scored, unscored, tolerance)


# -- output ---------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _row(label: str, s: Score) -> str:
    rec = ratio(len(s.found), len(s.answers))
    prec = ratio(len(s.true), len(s.findings))
    return (
        f"| {label} | {len(s.answers)} | {len(s.found)} | {_fmt(rec)} | {len(s.findings)} | {len(s.true)} | {_fmt(prec)} |"
    )


def table(scores: Sequence[Score]) -> list[str]:
    lines = [
        "| system / family | defects | found | recall | findings | true | precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        lines.append(_row(f"**{s.system}**", s))
        for digit in FAMILIES:
            fam = s.family(digit)
            if fam.answers or fam.findings:
                lines.append(_row(f"{s.system} EDA{digit}xx {FAMILY_NAMES[digit]}", fam))
    if len(scores) > 1:
        total = Score("all", [a for s in scores for a in s.answers], [f for s in scores for f in s.findings])
        # answers and findings of different systems never meet: their paths are in different roots,
        # so count them per system and add up
        found = sum(len(s.found) for s in scores)
        true = sum(len(s.true) for s in scores)
        lines.append(
            f"| **all** | {len(total.answers)} | {found} | {_fmt(ratio(found, len(total.answers)))} | "
            f"{len(total.findings)} | {true} | {_fmt(ratio(true, len(total.findings)))} |"
        )
        for digit in FAMILIES:
            fams = [s.family(digit) for s in scores]
            n_a = sum(len(f.answers) for f in fams)
            n_f = sum(len(f.findings) for f in fams)
            if n_a or n_f:
                found = sum(len(f.found) for f in fams)
                true = sum(len(f.true) for f in fams)
                lines.append(
                    f"| all EDA{digit}xx {FAMILY_NAMES[digit]} | {n_a} | {found} | {_fmt(ratio(found, n_a))} | "
                    f"{n_f} | {true} | {_fmt(ratio(true, n_f))} |"
                )
    return lines


def details(scores: Iterable[Score]) -> list[str]:
    lines = []
    for s in scores:
        lines.append(f"## {s.system}")
        for a in s.missed:
            lines.append(f"MISS  {a.code} {a.where}  {a.why}")
        for f in s.false:
            lines.append(f"FALSE {f.code} {f.path}:{f.line}  {f.message}")
        for f in s.unscored:
            lines.append(f"(not scored) {f.code} {f.path}:{f.line}  {f.message}")
    return lines


def as_json(scores: Iterable[Score]) -> dict:
    out = {}
    for s in scores:
        out[s.system] = {
            "defects": len(s.answers),
            "found": len(s.found),
            "findings": len(s.findings),
            "true": len(s.true),
            "missed": [{"code": a.code, "where": a.where, "why": a.why} for a in s.missed],
            "false": [{"code": f.code, "where": f"{f.path}:{f.line}", "message": f.message} for f in s.false],
        }
    return out


def systems_under(folder: Path) -> list[Path]:
    return sorted(p.parent for p in folder.glob("*/answers.yaml"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("systems", nargs="*", type=Path, help="system folders (default: every one under benchmarks/systems/)")
    parser.add_argument("--details", action="store_true", help="list each miss and each false finding")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--tolerance", type=int, default=DEFAULT_TOLERANCE, help="line tolerance (default 2)")
    parser.add_argument(
        "--eventlint",
        default=os.environ.get("EVENTLINT", str(Path(sys.executable).with_name("eventlint"))),
        help="the eventlint executable (default: the one next to this Python)",
    )
    args = parser.parse_args(argv)
    roots = [p.resolve() for p in args.systems] or systems_under(HERE)
    try:
        scores = [score_system(root, args.eventlint, args.tolerance) for root in roots]
    except AnswerKeyError as exc:
        print(f"score.py: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(scores), indent=2, sort_keys=True))
        return 0
    print("\n".join(table(scores)))
    if args.details:
        print()
        print("\n".join(details(scores)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
