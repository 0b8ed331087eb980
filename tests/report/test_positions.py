"""End positions: the walk that skips subtrees without a start gives what a walk of every node gives."""

from __future__ import annotations

import ast
import random
from pathlib import Path

from eventlint.report.positions import _ends
from tests.helpers import FIXTURES


def _every_node(file: Path, starts: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    """The reference: `ast.walk` over the whole tree, every node's position compared."""
    source = file.read_bytes()
    lines = source.splitlines()

    def column(line: int, offset: int) -> int:
        return len((lines[line - 1] if 0 < line <= len(lines) else b"")[:offset].decode("utf-8", "replace")) + 1

    found: dict[tuple[int, int], tuple[int, int]] = {}
    expression: dict[tuple[int, int], tuple[int, int]] = {}
    for node in ast.walk(ast.parse(source)):
        for decorator in getattr(node, "decorator_list", ()):
            at = (decorator.lineno, column(decorator.lineno, decorator.col_offset) - 1)
            if at in starts:
                expression[at] = (decorator.end_lineno, column(decorator.end_lineno, decorator.end_col_offset))
        if not isinstance(node, (ast.expr, ast.stmt)):
            continue
        start = (node.lineno, column(node.lineno, node.col_offset))
        if start not in starts:
            continue
        if isinstance(node, ast.expr):
            end = (node.end_lineno, column(node.end_lineno, node.end_col_offset))
            if start not in expression or end > expression[start]:
                expression[start] = end
        elif start not in found:
            found[start] = (node.lineno, len(lines[node.lineno - 1].rstrip().decode("utf-8", "replace")) + 1)
    found.update(expression)
    return found


SHAPES = (
    "@ deco(\n    1,\n)\n@other\ndef h(\n    a=f(1),\n):\n    return g(\n        2)\n"
    "class A(B):\n    @d(3)\n    async def m(self):\n        x = [k(i) for i in it()]; y = {'a': z(4)}\n"
    "s = f'{a(1)!r:>{width(2)}}' + f'''\n{b(3)}\n'''\nmatch v:\n    case {'k': [1, *rest]} if c(5):\n        pass\n"
)


def test_skipping_subtrees_finds_what_the_whole_walk_finds(tmp_path):
    shapes = tmp_path / "shapes.py"
    shapes.write_text(SHAPES, encoding="utf-8")
    rng = random.Random(11)
    for file in [shapes, *sorted(FIXTURES.rglob("*.py"))]:
        try:
            tree = ast.parse(file.read_bytes())
        except SyntaxError:
            continue
        lines = file.read_bytes().splitlines()
        positions = sorted(
            {
                (node.lineno, len(lines[node.lineno - 1][: node.col_offset].decode("utf-8", "replace")) + shift)
                for node in ast.walk(tree)
                if isinstance(node, (ast.expr, ast.stmt))
                for shift in (0, 1)  # a node's column, and the column before it (a decorator's `@`)
            }
        )
        for size in (1, 3, 10):
            starts = set(rng.sample(positions, min(size, len(positions)))) if positions else {(1, 1)}
            assert _ends(file, starts) == _every_node(file, starts), (file, sorted(starts))
