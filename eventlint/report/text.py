"""Human-readable output for `check` and `facts --format text`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from eventlint.facts import Diagnostic, ProjectFacts
from eventlint.report.coverage import NO_VALUE, NO_VALUE_DETAIL, UNRESOLVED_NEXT, Coverage

_STYLES = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def diagnostic_line(d: Diagnostic, color: bool = False) -> str:
    """`path:line:col: CODE message`, the shape editors and CI annotators parse; `[*]` marks a safe fix (as ruff does)."""
    mark = "[*] " if d.fix is not None and d.fix.applicability == "safe" else ""
    if not color:
        return f"{d.path}:{d.line}:{d.column}: {d.code} {mark}{d.message}"
    return f"{_BOLD}{d.path}{_RESET}:{d.line}:{d.column}: {_STYLES.get(d.severity, '')}{_BOLD}{d.code}{_RESET} {mark}{d.message}"


def fixable_line(diagnostics: tuple[Diagnostic, ...]) -> str | None:
    """`[*] N fixable with the `--fix` option.` (and the unsafe ones `--unsafe-fixes` would add), or None."""
    safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability != "safe")
    if not safe and not unsafe:
        return None
    parts = []
    if safe:
        parts.append(f"[*] {safe} fixable with the `--fix` option")
    if unsafe:
        parts.append(f"{_plural(unsafe, 'hidden fix', 'hidden fixes')} can be enabled with the `--unsafe-fixes` option")
    return ("; ".join(parts) if safe else parts[0][0].upper() + parts[0][1:]) + "."


def check_report(
    facts: ProjectFacts,
    diagnostics: tuple[Diagnostic, ...],
    verbose: bool = False,
    color: bool = False,
    statistics: bool = False,
    names: dict[str, str] | None = None,
    baselined: int = 0,
    coupling: list[str] | None = None,
    projects: int = 1,
    not_shown: str | None = None,
    coverage: Coverage | None = None,
) -> str:
    """The text report of a check: one line per finding (and its hint), then a summary; `not_shown` (from
    `not_shown_line`) closes it when info-level notes were left out; `coverage` says what could not be judged."""
    lines: list[str] = []
    for d in diagnostics:
        lines.append(diagnostic_line(d, color))
        for r in d.related:
            note = f"  = related: {r.path}:{r.line}:{r.column}" + (f": {r.message}" if r.message else "")
            lines.append(f"{_DIM}{note}{_RESET}" if color else note)
        if d.hint:
            hint = f"  = hint: {d.hint}"
            lines.append(f"{_DIM}{hint}{_RESET}" if color else hint)
    if verbose:
        lines.extend(f"{s.path}: skipped: {s.reason}" for s in facts.skipped)
    if statistics:
        lines.extend(statistics_table(diagnostics, names or {}))
        lines.extend(coupling or ())
    lines.append(summary(facts) if projects == 1 else f"{_plural(projects, 'project')}: {summary(facts)}")
    if facts.skipped and not verbose:
        lines.append(f"Skipped {_plural(len(facts.skipped), 'path')} (run with --verbose to list them).")
    if baselined:
        lines.append(f"{_plural(baselined, 'finding')} recorded in the baseline not shown.")
    lines.extend(coverage_lines(coverage))
    if diagnostics:
        counts = Counter(d.code for d in diagnostics)
        per_code = ", ".join(f"{code} × {n}" for code, n in sorted(counts.items()))
        lines.append(f"Found {_plural(len(diagnostics), 'problem')} ({per_code}).")
        fixable = fixable_line(diagnostics)
        if fixable:
            lines.append(fixable)
    else:
        lines.extend(verdict_lines(facts, coverage))
    if not_shown:
        lines.append(not_shown)
    return "\n".join(lines) + "\n"


def not_shown_line(hidden: Sequence[Diagnostic]) -> str:
    """One line counting the info-level notes a report for people leaves out, and how to see them."""
    counts = Counter(d.code for d in hidden)
    per_code = ", ".join(f"{code} × {n}" for code, n in sorted(counts.items()))
    return f"{_plural(len(hidden), 'info-level note')} not shown ({per_code}): --show-info shows them."


def verdict(facts: ProjectFacts) -> str:
    """The last line of a clean run: never a green pass for a run that recognised no messaging code."""
    if not facts.publishers and not facts.subscribers:
        return "Nothing checked: no publisher or subscriber recognised."
    return "All checks passed."


def verdict_lines(facts: ProjectFacts, coverage: Coverage | None) -> list[str]:
    """The close of a run without findings: a plain pass only when the checks had something to judge."""
    if coverage is None:
        return [verdict(facts)]
    if any(limit.kind == "nothing-recognised" for limit in coverage.limits):
        return []  # `coverage_lines` said it: "Nothing checked: ..."
    return ["No problems found in what could be checked."] if coverage.limited else ["All checks passed."]


def coverage_lines(coverage: Coverage | None, concise: bool = False) -> list[str]:
    """What the run could not judge (report/coverage.py), and the command to run next; nothing for a run that judged it all."""
    if coverage is None or not coverage.limited:
        return []
    nothing = [limit for limit in coverage.limits if limit.kind == "nothing-recognised"]
    if nothing:
        lines = [f"Nothing checked: {nothing[0].message}."]
    elif concise:
        lines = ["Limited check: " + "; ".join(limit.message for limit in coverage.limits) + "."]
    else:
        lines = ["Limited check:", *(f"  - {limit.message}" for limit in coverage.limits)]
    if coverage.next == UNRESOLVED_NEXT:
        lines.append(f"Next: `{coverage.next}` lists each site whose destination is unknown, and why (what to declare).")
    elif coverage.next:
        lines.append(
            f"Next: `{coverage.next}` shows what was read; docs/frameworks.md describes a client or an in-house bus eventlint does not know."
        )
    return lines


def concise_report(
    facts: ProjectFacts, diagnostics: tuple[Diagnostic, ...], baselined: int = 0, not_shown: str | None = None, coverage: Coverage | None = None
) -> str:
    """One line per finding (`path:line:col: CODE message`, no hints), then one line of totals (ruff's `concise`),
    what the run could not judge, and `not_shown` when findings below `--fail-on` were left out."""
    lines = [diagnostic_line(d) for d in diagnostics]
    lines.extend(coverage_lines(coverage, concise=True))
    if diagnostics:
        lines.append(f"Found {_plural(len(diagnostics), 'problem')}." + (f" ({baselined} in the baseline not shown.)" if baselined else ""))
        fixable = fixable_line(diagnostics)
        if fixable:
            lines.append(fixable)
    else:
        lines.extend(verdict_lines(facts, coverage))
    if not_shown:
        lines.append(not_shown)
    return "\n".join(lines) + "\n"


def statistics_table(diagnostics: tuple[Diagnostic, ...], names: dict[str, str]) -> list[str]:
    """Counts per code, most frequent first (like `ruff --statistics`)."""
    counts = Counter(d.code for d in diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return [f"{n:>{width}}  {code}  {names.get(code, '')}".rstrip() for code, n in rows]


def summary(facts: ProjectFacts) -> str:
    """One line counting what was found."""
    return (
        f"Analysed {_plural(facts.files, 'file')}: {_plural(len(facts.services), 'service')}, "
        f"{_plural(len(facts.publishers), 'publisher')}, {_plural(len(facts.subscribers), 'subscriber')}."
    )


def facts_text(facts: ProjectFacts) -> str:
    """Facts grouped for reading: services, publishers, subscribers, bindings, problems."""
    out = [f"root: {facts.root}", summary(facts), ""]
    out.append("services:")
    for service in facts.services:
        decided = f"  [{service.signal}]" if service.signal else ""  # which signal decided the service
        out.append(f"  {service.name}  ({', '.join(service.paths)}){decided}")
    out.append("")
    out.append("publishers:")
    for p in facts.publishers:
        what = _what(p.event, p.event_expr, p.channel, p.channel_expr)
        extra = f"  key={p.key}" if p.key else ""
        via = f"  via {' -> '.join(p.via)}" if p.via else ""
        via += "  (derived)" if p.derived else ""
        out.append(f"  {p.path}:{p.line}:{p.column}  [{p.service or '-'}] {p.framework}: {what}  in {p.function or '-'}{extra}{via}")
    out.append("")
    out.append("subscribers:")
    for s in facts.subscribers:
        what = _what(s.event, s.event_expr, s.channel, s.channel_expr)
        handler = s.handler or (f"<unresolved: {s.handler_expr}>" if s.handler_expr else "-")
        group = f"  group={s.group}" if s.group else ""
        group += f"  via {' -> '.join(s.via)}" if s.via else ""  # wrappers, then the dispatch site
        group += "  (derived)" if s.derived else ""
        out.append(f"  {s.path}:{s.line}:{s.column}  [{s.service or '-'}] {s.framework}: {what} -> {handler}{group}")
    unresolved = unresolved_lines(facts)
    if unresolved:
        out.append("")
        out.append("unresolved:")
        out.extend(f"  {line}" for line in unresolved)
    if facts.bindings:
        out.append("")
        out.append("bindings:")
        for b in facts.bindings:
            out.append(f"  {b.path}:{b.line}:{b.column}  {b.framework}: queue {b.queue or '?'} <- {b.exchange or '?'} / {b.routing_key or ''}")
    if facts.diagnostics or facts.skipped:
        out.append("")
        out.append("problems:")
        out.extend(f"  {diagnostic_line(d)}" for d in facts.diagnostics)
        out.extend(f"  {s.path}: skipped: {s.reason}" for s in facts.skipped)
    return "\n".join(out) + "\n"


def unresolved_records(facts: ProjectFacts) -> list[dict[str, object]]:
    """Every publisher and subscriber whose name or handler stayed unknown, with the reason, in file order."""
    rows: list[dict[str, object]] = []
    for kind, records in (("publisher", facts.publishers), ("subscriber", facts.subscribers)):
        for r in records:
            reason = r.unresolved
            if reason is None and all(v is None for v in (r.event, r.channel, r.event_expr, r.channel_expr)):
                reason = f"{NO_VALUE}: {NO_VALUE_DETAIL}"  # a site with no name, no expression and no reason: still listed
            # a name or handler left unknown; a producer's serializer schema left unknown (`schema_unresolved`)
            for why in (reason, getattr(r, "schema_unresolved", None)):
                if why is None:
                    continue
                category, _, detail = why.partition(": ")
                rows.append(
                    {
                        "path": r.path,
                        "line": r.line,
                        "column": r.column,
                        "kind": kind,
                        "framework": r.framework,
                        "service": r.service,
                        "reason": category,
                        "detail": detail,
                    }
                )
    rows.sort(key=lambda row: (row["path"], row["line"], row["column"], row["kind"], row["reason"], row["detail"]))
    # one line per site and reason: a site with several records (one per handler) is listed once
    unique: list[dict[str, object]] = []
    for row in rows:
        if not unique or unique[-1] != row:
            unique.append(row)
    return unique


def unresolved_lines(facts: ProjectFacts) -> list[str]:
    """`path:line:col  kind framework: reason: detail` for each unresolved site."""
    return [
        f"{r['path']}:{r['line']}:{r['column']}  {r['kind']} {r['framework']}: {r['reason']}: {r['detail']}"
        for r in unresolved_records(facts)
    ]


def unresolved_text(facts: ProjectFacts) -> str:
    lines = unresolved_lines(facts)
    if not lines:
        return "Every publisher and subscriber found has a known name and handler.\n"
    counts: dict[str, int] = {}
    for r in unresolved_records(facts):
        counts[str(r["reason"])] = counts.get(str(r["reason"]), 0) + 1
    tally = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return "\n".join([*lines, "", f"{_plural(len(lines), 'unresolved site')} ({tally})."]) + "\n"


def unresolved_json(facts: ProjectFacts) -> str:
    return json.dumps(unresolved_records(facts), indent=2, ensure_ascii=False) + "\n"


def facts_json(facts: ProjectFacts) -> str:
    """The public facts document (docs/facts.md), stable key order, trailing newline."""
    return json.dumps(facts.to_json(), indent=2, ensure_ascii=False) + "\n"


def _what(event: str | None, event_expr: str | None, channel: str | None, channel_expr: str | None) -> str:
    ev = event or (f"<{event_expr}>" if event_expr else "?")
    ch = channel or (f"<{channel_expr}>" if channel_expr else "?")
    return f"{ev} @ {ch}"


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"
