"""The read-only walk gives the visitor exactly what libcst's own traversal gives it."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from eventlint.extract import visitor as v
from eventlint.extract.positions import AstPositions
from tests.helpers import FIXTURES

SOURCES = sorted(FIXTURES.rglob("*.py"))


def _ir(source: bytes, use_walk: bool):
    tree = cst.parse_module(source)
    positions = AstPositions(ast.parse(source), source.decode(tree.encoding))
    visitor = v._Visitor(tree, "m.py", "m", positions.take, lambda: positions.last_end)
    if use_walk:
        v.walk(tree, visitor)
    else:
        tree.visit(visitor)
    positions.check_consumed()
    return visitor.result()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_walk_and_libcst_visit_build_the_same_ir(path):
    source = path.read_bytes()
    assert _ir(source, use_walk=True) == _ir(source, use_walk=False)


def test_every_syntax_form_is_walked_like_libcst():
    source = b'''
import a.b as c
from .x import (y as z, w)
@dec(1)
class K(Base, metaclass=M):
    attr: int = 3
    async def m(self, p: "T" = f"{x!r:>{w}}", *a, k=1, **kw) -> None:
        global G
        async with self.c as (q, self.r), open(p) as h:
            async for i in aiter(q):
                x = [j async for j in g if j] or {k: v for k, v in d.items()} or {*s} or (n := 2)
        try:
            await self.bus.publish("t", {"k": v, **extra})
        except* ValueError as e:
            raise Other() from e
        finally:
            del x[1:2, ::3]
        match p:
            case {"type": t, **rest} if t: pass
            case [1, *others]: pass
        lambda a, *, b=2: a + b if a else -b
        return (yield from g) if p else (yield)
'''
    assert _ir(source, use_walk=True) == _ir(source, use_walk=False)


def test_inert_nodes_hold_no_hooked_node():
    hooked = {name.split("_", 1)[1] for name in vars(v._Visitor) if name.startswith(("visit_", "leave_"))}
    assert {"Call", "Attribute", "FunctionDef"} <= hooked
    assert not {cls.__name__ for cls in v._INERT} & hooked
    assert not any(v._has_hooks(v._Visitor, cls) for cls in v._INERT)
    assert v._has_hooks(v._Visitor, cst.Call)


@pytest.mark.parametrize(
    "literal",
    ["''", '""', "'a'", '"a b"', "'''x'''", '"""y\nz"""', '""""""', "'\"'", '"\'\'"', "'\\n'", "r'\\d'", "b'x'", "u'x'",
     "'caf\u00e9'", "f'x'" if False else "'{x}'", "'''a''b'''", "'\\\\'", '"tab\\t"'],
)
def test_string_value_matches_python(literal):
    node = cst.parse_expression(literal)
    assert v.string_value(node) == ast.literal_eval(literal)


def test_string_literals_give_the_same_ir_as_libcst_evaluation(monkeypatch):
    sources = [p.read_bytes() for p in SOURCES]
    fast = [_ir(source, use_walk=True) for source in sources]
    monkeypatch.setattr(v, "string_value", lambda node: node.evaluated_value)
    assert fast == [_ir(source, use_walk=True) for source in sources]


def test_the_expression_conversion_dispatches_only_on_classes_without_subclasses():
    # `_convert` compares `type(node)` with libcst's classes instead of calling `isinstance` (an ABC check
    # per miss): that is the same only while no class it names has a subclass
    import inspect
    import re

    source = inspect.getsource(v._Visitor._convert)
    named = set(re.findall(r"kind (?:is|in) \(?((?:cst\.\w+(?:, )?)+)", source))
    classes = {getattr(cst, name.removeprefix("cst.")) for group in named for name in group.split(", ") if name}
    assert {cst.Name, cst.Call, cst.Integer, cst.GeneratorExp} <= classes
    assert {cls.__name__ for cls in classes if cls.__subclasses__()} == set()


def test_the_walk_skips_only_fields_that_hold_inert_nodes():
    # the fields the walk leaves unread are typed as whitespace, punctuation or operators only
    assert v._pruned(cst.Call, v._field_order(cst.Call)) == ("func", "args")
    assert "test" in v._pruned(cst.If, v._field_order(cst.If))
    # a node or sequence field chosen by a conditional expression is still walked (ImportFrom's names)
    assert v._field_order(cst.ImportFrom) is not None and "names" in v._field_order(cst.ImportFrom)
