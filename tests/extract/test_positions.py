"""Positions taken from CPython's ast equal libcst's own PositionProvider, node for node."""

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from eventlint.extract import visitor as v
from eventlint.extract.positions import AstPositions
from tests.helpers import FIXTURES

TRICKY = [
    "f(x)(y)(g(z))\n",
    "x = {'a': f(), **g(), 'b': {'c': h()}}\n",
    "s = f'{a(1)!r:>{width(2)}} {b(3)}'\n",
    "@ spaced . deco ( 1 )\n@(lambda f: f)\ndef h(): pass\n",
    "café = 'é'; ñ = f(é(1), 'ü'); g()\n",
    "class A(B, metaclass=M(1)):\n    x: int = y(2)\n    @d(3)\n    async def m(self, a=k(4), *, b: T = j(5)) -> R(6):\n        async with c(7) as w, e(8):\n            async for i in it(9):\n                (q := r(10))\n",
    "x = [f(i) for i in g() if h(i)], k()\n",
    "a = b = c(1) if d(2) else e(3)\n",
    "d = {\n    1: x(),\n    **y(),\n}\nimport os.path as p, sys\nfrom . import (a, b)\n",
    "\r\n".join(["def f():", "    return g(1)", "z = 2", ""]),
    # `**` before a parenthesised value: ast's span starts inside the parentheses
    "x = {'a': f(), **(b or c(1)), ** ( d ), **(\n  e())}\n",
]


def _both(source: bytes):
    tree = cst.parse_module(source)
    slow = v._Visitor(tree, "x.py", "x", None, None)
    MetadataWrapper(tree, unsafe_skip_copy=True).visit(slow)
    positions = AstPositions(ast.parse(source), source.decode(tree.encoding))
    fast = v._Visitor(tree, "x.py", "x", positions.take, lambda: positions.last_end)
    tree.visit(fast)
    positions.check_consumed()
    return slow.result(), fast.result()


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_shapes(source):
    slow, fast = _both(source.encode("utf-8"))
    assert fast == slow


def test_every_fixture_file():
    files = sorted(FIXTURES.rglob("*.py"))
    assert len(files) > 100
    for path in files:
        slow, fast = _both(path.read_bytes())
        assert fast == slow, path
