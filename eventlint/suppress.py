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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    overlay: Mapping[str, bytes] = field(default_factory=dict)  # absolute path -> unsaved content (the language server)

    def lines(self, path: str) -> list[str]:
        if path not in self._cache:
            unsaved = self.overlay.get(str(self.root / path))
            self._cache[path] = _read_lines(self.root / path) if unsaved is None else _decode_lines(unsaved)
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
    findings: Iterable[Diagnostic],
    baseline: Counter[tuple[str, str, str]],
    sources: SourceLines,
    names: Callable[[str], Iterable[str]] | None = None,
) -> tuple[list[Diagnostic], int]:
    """Findings not recorded in the baseline, and how many were absorbed by it.

    `names(event)` gives the other names of a finding's event (identity.py): a baseline written
    when the event was named otherwise (its channel, a class name, without the `@transport`
    that now tells two brokers apart) still absorbs the finding.
    """
    remaining = Counter(baseline)
    kept: list[Diagnostic] = []
    absorbed = 0
    for finding in findings:
        line = sources.line(finding.path, finding.line)
        for key in _baseline_keys(finding, line, names):
            if remaining[key] > 0:
                remaining[key] -= 1
                absorbed += 1
                break
        else:
            kept.append(finding)
    return kept, absorbed


def _baseline_keys(finding: Diagnostic, line: str, names: Callable[[str], Iterable[str]] | None) -> Iterator[tuple[str, str, str]]:
    """The finding's fingerprint, then those it had under the event's earlier names."""
    yield (finding.code, finding.path, fingerprint(finding, line))
    if names is None or not finding.event or finding.event not in finding.message:
        return
    seen = {finding.message}
    for other in names(finding.event):
        message = finding.message.replace(finding.event, other)
        if message not in seen:
            seen.add(message)
            yield (finding.code, finding.path, fingerprint(replace(finding, message=message), line))


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    return _decode_lines(data)


def _decode_lines(data: bytes) -> list[str]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    text = data.decode(encoding if encoding != "utf-8" else "utf-8-sig", errors="replace")
    return re.split(r"\r\n|\r|\n", text)


# -- adding suppressions (check --add-noqa) ---------------------------------------------


@dataclass(frozen=True)
class NoqaEdit:
    """What --add-noqa did to one file: the new text, the lines it changed, and findings it could not place."""

    path: str
    text: str
    added: int
    unplaceable: tuple[int, ...] = ()


def add_noqa(findings: Iterable[Diagnostic], root: Path) -> list[NoqaEdit]:
    """Per Python file, its text with `# noqa: CODES` on every line that has findings.

    Only the end of each reported line changes: an existing `# noqa: X` gets the
    new codes merged in, a bare `# noqa` already covers everything, otherwise
    `  # noqa: CODES` is appended. A line whose end is inside a multi-line string
    or continued with a backslash cannot carry a comment and is left as is
    (reported as unplaceable). Running it twice changes nothing the second time.
    """
    by_path: dict[str, dict[int, set[str]]] = {}
    for f in findings:
        if f.path.endswith(".py") and f.line > 0:
            by_path.setdefault(f.path, {}).setdefault(f.line, set()).add(f.code)
    edits = []
    for path in sorted(by_path):
        edit = _add_noqa_to_file(root / path, path, by_path[path])
        if edit is not None:
            edits.append(edit)
    return edits


def _add_noqa_to_file(file: Path, path: str, codes_by_line: Mapping[int, set[str]]) -> NoqaEdit | None:
    try:
        data = file.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (OSError, SyntaxError):
        return None
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding)
    lines = text.splitlines(keepends=True)
    blocked = _lines_that_cannot_end_with_a_comment(text)
    added = 0
    unplaceable = []
    for number in sorted(codes_by_line):
        if not 0 < number <= len(lines):
            continue
        if number in blocked:
            unplaceable.append(number)
            continue
        body = lines[number - 1]
        ending = body[len(body.rstrip("\r\n")) :]
        new = _with_noqa(body[: len(body) - len(ending)], sorted(codes_by_line[number]))
        if new is not None:
            lines[number - 1] = new + ending
            added += 1
    if not added and not unplaceable:
        return None
    new_text = "".join(lines)
    if added:
        payload = new_text.encode("utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding)
        file.write_bytes((b"\xef\xbb\xbf" if bom else b"") + payload)
    return NoqaEdit(path, new_text, added, tuple(unplaceable))


def noqa_line(text: str, number: int, codes: Sequence[str]) -> str | None:
    """Line `number` of `text` (without its line break) with a noqa comment covering `codes`; None when it
    already does or cannot carry a comment (an editor's quick fix, one line at a time, as `--add-noqa` writes it)."""
    lines = text.splitlines()
    if not 0 < number <= len(lines) or number in _lines_that_cannot_end_with_a_comment(text):
        return None
    return _with_noqa(lines[number - 1], sorted(codes))


def _with_noqa(line: str, codes: list[str]) -> str | None:
    """The line with its noqa comment covering `codes`, or None when it already does."""
    for match in _NOQA.finditer(line):
        existing = tuple(c.upper() for c in re.split(r"[\s,]+", match.group("codes") or "") if c)
        if not existing:
            return None  # a bare noqa covers everything
        missing = [c for c in codes if not covers(existing, c)]
        if not missing:
            return None
        merged = ", ".join([*existing, *missing])
        return line[: match.start()] + f"# noqa: {merged}" + line[match.end() :]
    for match in _IGNORE.finditer(line):
        existing = tuple(c.strip().upper() for c in (match.group("codes") or "").split(",") if c.strip())
        if not existing or all(covers(existing, c) for c in codes):
            return None
    stripped = line.rstrip()
    separator = "  " if stripped else ""
    return f"{stripped}{separator}# noqa: {', '.join(codes)}"


def _lines_that_cannot_end_with_a_comment(text: str) -> set[int]:
    """Lines whose end lies inside a string token (multi-line strings) or that end with a backslash."""
    blocked = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip().endswith("\\"):
            blocked.add(number)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                blocked.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return blocked
