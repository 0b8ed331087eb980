"""Source positions for the nodes the visitor records, taken from CPython's `ast`.

libcst's PositionProvider regenerates the whole module's code to compute
positions and costs about twice the parse itself. The file has already been
parsed by CPython (the syntax guard), and `ast` carries the start of every node
the visitor records. Nodes of one kind appear in the same order in both trees
(source order, an enclosing node before what it contains), so the n-th libcst
call is the n-th `ast.Call`. When the counts of any kind disagree the visitor
is run again with libcst's own provider, so a surprise costs time, not accuracy.
"""

from __future__ import annotations

import ast
import re
from collections import deque

KINDS = (
    "call",
    "dict",
    "decorator",
    "def",
    "class",
    "assign",
    "annassign",
    "namedexpr",
    "with",
    "for",
    "import",
    "importfrom",
    "subscript",
    "attribute",
    "except",
    "try",
)


class PositionMismatch(Exception):
    """The two trees disagree on the number of nodes of some kind."""


class AstPositions:
    """1-based (line, column in characters) of each recorded node kind, in source order."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self._lines = re.split(r"\r\n|\r|\n", text)
        found: dict[str, list[tuple[int, int, int, int]]] = {kind: [] for kind in KINDS}
        for node in _nodes(tree):
            kind = _KIND.get(type(node))
            if kind is not None:
                found[kind].append(_span(node))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for dec in node.decorator_list:
                    line, col, end_line, end_col = _span(dec)
                    found["decorator"].append((line, self._at_sign(line, col), end_line, end_col))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if key is not None:
                        found["dict"].append(_span(key))
                    else:  # `**spread`: libcst starts the element at the two stars
                        found["dict"].append(self._spread(node, value))
        self._queues = {
            kind: deque((line, col, end) for line, col, end, _ in sorted(spans, key=lambda s: (s[0], s[1], -s[2], -s[3])))
            for kind, spans in found.items()
        }
        self.last_end = 0

    def take(self, kind: str) -> tuple[int, int]:
        """The position of the next node of `kind`; its last line is left in `last_end`."""
        queue = self._queues[kind]
        if not queue:
            raise PositionMismatch(kind)
        line, byte_col, self.last_end = queue.popleft()
        return line, self._column(line, byte_col) + 1

    def check_consumed(self) -> None:
        """Every node of every kind was taken exactly once."""
        for kind, queue in self._queues.items():
            if queue:
                raise PositionMismatch(kind)

    def _column(self, line: int, byte_col: int) -> int:
        # ast counts UTF-8 bytes; libcst (and editors) count characters
        if 0 < line <= len(self._lines):
            text = self._lines[line - 1]
            if not text.isascii():
                return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))
        return byte_col

    def _spread(self, mapping: ast.Dict, value: ast.expr) -> tuple[int, int, int, int]:
        """The span of a `**value` element from its two stars, which may stand before parentheses, spaces or a
        line break (`**(a or b)`, `** (\n a)`): ast's span of the value starts inside them."""
        line, col, end_line, end_col = _span(value)
        stop_line, stop_col = mapping.lineno, mapping.col_offset  # the stars are after the dict's `{`
        while line >= stop_line and 0 < line <= len(self._lines):
            raw = self._lines[line - 1].encode("utf-8")
            stars = raw.rfind(b"**", stop_col if line == stop_line else 0, col)
            if stars != -1:
                return line, stars, end_line, end_col
            line -= 1
            col = len(self._lines[line - 1].encode("utf-8")) if line > 0 else 0
        return value.lineno, max(value.col_offset - 2, 0), end_line, end_col

    def _at_sign(self, line: int, byte_col: int) -> int:
        """The byte column of the `@` before a decorator expression."""
        if 0 < line <= len(self._lines):
            raw = self._lines[line - 1].encode("utf-8")
            at = raw.rfind(b"@", 0, byte_col)
            if at != -1:
                return at
        return max(byte_col - 1, 0)


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree (in no particular order: the spans are sorted). `ast.walk` without its
    generator per node and per field, and without the expression contexts and operators (leaves no
    kind is read from): the same nodes of every recorded kind, in about half the time."""
    out: list[ast.AST] = []
    stack = [tree]
    node_type = ast.AST
    fields = _CHILD_FIELDS
    while stack:
        node = stack.pop()
        out.append(node)
        names = fields.get(type(node))
        if names is None:
            names = fields[type(node)] = tuple(f for f in node._fields if f not in _LEAF_FIELDS)
        for name in names:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                stack.append(value)
    return out


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
# fields that only ever hold a context or operator singleton (`Load()`, `Add()`) or plain values
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "kind", "type_comment", "level", "conversion", "is_async", "lineno"})


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return (
        node.lineno,  # type: ignore[attr-defined]
        node.col_offset,  # type: ignore[attr-defined]
        getattr(node, "end_lineno", None) or node.lineno,  # type: ignore[attr-defined]
        getattr(node, "end_col_offset", None) or node.col_offset,  # type: ignore[attr-defined]
    )


_KIND: dict[type, str] = {
    ast.Call: "call",
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def",
    ast.ClassDef: "class",
    ast.Assign: "assign",
    ast.AnnAssign: "annassign",
    ast.NamedExpr: "namedexpr",
    ast.With: "with",
    ast.AsyncWith: "with",
    ast.For: "for",
    ast.AsyncFor: "for",
    ast.Import: "import",
    ast.ImportFrom: "importfrom",
    ast.Subscript: "subscript",
    ast.Attribute: "attribute",
    ast.ExceptHandler: "except",
    ast.Try: "try",
}
if hasattr(ast, "TryStar"):  # Python 3.11+: `try: ... except* E:`
    _KIND[ast.TryStar] = "try"
