"""End positions for findings that carry only a start: the extent of the Python expression that starts there.

Rules report where a thing starts (a call, a decorator, a handler). Code scanning
and editors underline a region, so the machine formats add where it ends: the
outermost expression that starts at the finding's line and column (the whole
`producer.send(...)` call, over several lines if need be; a decorator from its `@`), or for a statement
that is not an expression (a `def`, a `class`) the end of its first line. The
standard library's parser reads the file (never imported or run); a file that
does not parse, or a position where nothing starts, keeps its finding as it was.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path

from eventlint.facts import Diagnostic


def with_end_positions(diagnostics: Sequence[Diagnostic], root: Path) -> tuple[Diagnostic, ...]:
    """The findings, each Python one without an end given the end of what starts at its position."""
    wanted: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for d in diagnostics:
        if d.end_line is None and d.path.endswith(".py") and d.code != "EDA000":
            wanted[d.path].add((d.line, d.column))
    ends: dict[tuple[str, int, int], tuple[int, int]] = {}
    for path, starts in wanted.items():
        for start, end in _ends(root / path, starts).items():
            ends[(path, *start)] = end
    out = []
    for d in diagnostics:
        end = ends.get((d.path, d.line, d.column)) if d.end_line is None else None
        out.append(dataclasses.replace(d, end_line=end[0], end_column=end[1]) if end else d)
    return tuple(out)


def _ends(file: Path, starts: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    try:
        source = file.read_bytes()
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    lines = source.splitlines()

    def column(line: int, byte_offset: int) -> int:
        """ast's UTF-8 byte offset as a 1-based code-point column."""
        text = lines[line - 1] if 0 < line <= len(lines) else b""
        return len(text[:byte_offset].decode("utf-8", "replace")) + 1

    lines_wanted = {line for line, _ in starts}
    wanted = sorted(lines_wanted)

    def holds_wanted(first: int, last: int) -> bool:
        at = bisect.bisect_left(wanted, first)
        return at < len(wanted) and wanted[at] <= last

    found: dict[tuple[int, int], tuple[int, int]] = {}
    expression: dict[tuple[int, int], tuple[int, int]] = {}
    todo: deque[ast.AST] = deque([tree])
    while todo:  # `ast.walk`'s order, without the subtrees whose lines hold no start
        node = todo.popleft()
        decorators = getattr(node, "decorator_list", ())
        last = getattr(node, "end_lineno", None)
        if last is not None and not holds_wanted(min((node.lineno, *(d.lineno for d in decorators))), last):  # type: ignore[attr-defined]
            continue  # a node's children lie within its lines (a `def`'s decorators above them, counted)
        todo.extend(ast.iter_child_nodes(node))
        for decorator in decorators:  # a finding at the `@` covers the decorator
            if decorator.lineno not in lines_wanted:
                continue
            at = (decorator.lineno, column(decorator.lineno, decorator.col_offset) - 1)
            if at in starts and decorator.end_lineno is not None:
                expression[at] = (decorator.end_lineno, column(decorator.end_lineno, decorator.end_col_offset))  # type: ignore[arg-type]
        if last is None or not isinstance(node, (ast.expr, ast.stmt)) or node.lineno not in lines_wanted:
            continue
        start = (node.lineno, column(node.lineno, node.col_offset))
        if start not in starts:
            continue
        if isinstance(node, ast.expr):
            end = (node.end_lineno, column(node.end_lineno, node.end_col_offset))  # type: ignore[arg-type]
            if start not in expression or end > expression[start]:
                expression[start] = end
        elif start not in found:
            header = lines[node.lineno - 1] if node.lineno <= len(lines) else b""
            found[start] = (node.lineno, len(header.rstrip().decode("utf-8", "replace")) + 1)
    found.update(expression)
    return found
