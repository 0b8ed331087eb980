"""Suppressions: `# noqa` comments, per-file ignores, and the baseline of accepted findings.

- `# noqa` silences every finding on its line, `# noqa: EDA401, EDA5` the listed
  codes or prefixes, and `# eventlint: ignore[EDA401]` the same in eventlint's own
  spelling (bare `# eventlint: ignore` silences all). Only the reported line counts.
- `per-file-ignores` maps globs to codes or prefixes.
- A baseline records findings by code, path and a fingerprint that does not
  depend on line numbers, so a legacy codebase can adopt eventlint and be told
  only about new findings. Each recorded finding absorbs one matching finding.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from eventlint.config import ConfigError
from eventlint.facts import Diagnostic
from eventlint.globs import matches_any

BASELINE_VERSION = 1
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]*(?:[\s,]+[A-Za-z]+[0-9]*)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*eventlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")
_LINE_REFERENCE = re.compile(r":\d+(?::\d+)?\b|\bline \d+\b")


@dataclass(frozen=True)
class Suppression:
    """One suppression comment: its line and the codes it names (empty: all codes)."""

    path: str
    line: int
    column: int
    codes: tuple[str, ...]
    spelling: str


@dataclass
class SourceLines:
    """Lines of the project's files, read once, decoded as Python would decode them."""

    root: Path
    _cache: dict[str, list[str]] = field(default_factory=dict)

    def lines(self, path: str) -> list[str]:
        if path not in self._cache:
            self._cache[path] = _read_lines(self.root / path)
        return self._cache[path]

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""


def suppressions_on(text: str, path: str, line: int) -> list[Suppression]:
    """The suppression comments of one line."""
    found = []
    for match in _NOQA.finditer(text):
        codes = tuple(c.upper() for c in re.split(r"[\s,]+", match.group("codes") or "") if c)
        found.append(Suppression(path, line, match.start() + 1, codes, "noqa"))
    for match in _IGNORE.finditer(text):
        codes = tuple(c.strip().upper() for c in (match.group("codes") or "").split(",") if c.strip())
        found.append(Suppression(path, line, match.start() + 1, codes, "eventlint: ignore"))
    return found


def covers(codes: tuple[str, ...], code: str) -> bool:
    """Whether a suppression naming `codes` (empty: all) covers `code`; prefixes count."""
    return not codes or any(code.startswith(c) for c in codes)


def apply_noqa(findings: Iterable[Diagnostic], sources: SourceLines) -> tuple[list[Diagnostic], set[tuple[str, int, int, str]]]:
    """Findings not silenced by a comment on their line, and which (path, line, column, code) each comment used."""
    kept: list[Diagnostic] = []
    used: set[tuple[str, int, int, str]] = set()
    for finding in findings:
        silenced = False
        for suppression in suppressions_on(sources.line(finding.path, finding.line), finding.path, finding.line):
            if covers(suppression.codes, finding.code):
                used.add((suppression.path, suppression.line, suppression.column, finding.code))
                silenced = True
        if not silenced:
            kept.append(finding)
    return kept, used


def unused_suppressions(
    paths: Iterable[str], sources: SourceLines, used: set[tuple[str, int, int, str]], known: Iterable[str]
) -> list[tuple[Suppression, str]]:
    """eventlint codes named in suppression comments that silenced nothing.

    A bare `# noqa` or a code that is not eventlint's belongs to other tools too and is left alone.
    """
    ours = tuple(known)
    found: list[tuple[Suppression, str]] = []
    for path in paths:
        for number, text in enumerate(sources.lines(path), start=1):
            if "noqa" not in text.lower() and "eventlint:" not in text:
                continue
            for suppression in suppressions_on(text, path, number):
                codes = suppression.codes
                if not codes and suppression.spelling == "noqa":
                    continue
                matched = {c for (p, l, col, c) in used if (p, l, col) == (path, number, suppression.column)}
                for code in codes or ("",):
                    if not any(k.startswith(code) for k in ours):
                        continue
                    if not any(m.startswith(code) for m in matched):
                        found.append((suppression, code))
    return found


def apply_per_file_ignores(findings: Iterable[Diagnostic], ignores: Mapping[str, tuple[str, ...]]) -> list[Diagnostic]:
    """Findings whose file is not exempt from their code."""
    kept = []
    for finding in findings:
        exempt = [codes for glob, codes in ignores.items() if matches_any(finding.path, (glob,))]
        if not any(covers(codes, finding.code) for codes in exempt):
            kept.append(finding)
    return kept


# -- baseline ------------------------------------------------------------------------


def fingerprint(finding: Diagnostic, source_line: str) -> str:
    """Stable across edits elsewhere in the file: code, path, message and the reported line's text."""
    message = _LINE_REFERENCE.sub("", finding.message)
    material = "\0".join((finding.code, finding.path, message, " ".join(source_line.split())))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


def baseline_document(findings: Iterable[Diagnostic], sources: SourceLines) -> str:
    """The JSON text of a baseline recording `findings`."""
    entries = [
        {"code": f.code, "path": f.path, "fingerprint": fingerprint(f, sources.line(f.path, f.line)), "message": f.message}
        for f in findings
    ]
    entries.sort(key=lambda e: (e["path"], e["code"], e["fingerprint"], e["message"]))
    return json.dumps({"eventlint_baseline": BASELINE_VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    """The recorded findings of a baseline file, counted by (code, path, fingerprint)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, "--baseline", f"cannot read the baseline: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(path, "--baseline", f"not a JSON baseline file: {exc}") from exc
    if not isinstance(data, dict) or data.get("eventlint_baseline") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise ConfigError(path, "eventlint_baseline", f"expected an eventlint baseline of version {BASELINE_VERSION}")
    counts: Counter[tuple[str, str, str]] = Counter()
    for index, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("code", "path", "fingerprint")):
            raise ConfigError(path, f"findings[{index}]", "expected {code, path, fingerprint} strings")
        counts[(entry["code"], entry["path"], entry["fingerprint"])] += 1
    return counts


def apply_baseline(
    findings: Iterable[Diagnostic], baseline: Counter[tuple[str, str, str]], sources: SourceLines
) -> tuple[list[Diagnostic], int]:
    """Findings not recorded in the baseline, and how many were absorbed by it."""
    remaining = Counter(baseline)
    kept: list[Diagnostic] = []
    absorbed = 0
    for finding in findings:
        key = (finding.code, finding.path, fingerprint(finding, sources.line(finding.path, finding.line)))
        if remaining[key] > 0:
            remaining[key] -= 1
            absorbed += 1
        else:
            kept.append(finding)
    return kept, absorbed


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    text = data.decode(encoding if encoding != "utf-8" else "utf-8-sig", errors="replace")
    return re.split(r"\r\n|\r|\n", text)
