"""The IR built from CPython's `ast` (`astir`) is the IR the libcst visitor builds, byte for byte once encoded.

libcst's visitor is the reference: every file either gets the same encoded IR from both builders, or `astir`
refuses it with one of its declared reasons (and the run builds it from libcst).
"""

from __future__ import annotations

import ast
import sys

import pytest

from eventlint import extract
from eventlint.extract import astir, codec
from eventlint.extract.visitor import parse_module
from tests.helpers import FIXTURES, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate  # noqa: E402

SOURCES = sorted(FIXTURES.rglob("*.py"))


def _both(source: bytes, path: str = "pkg/m.py", module: str = "pkg.m") -> tuple[str, str | None]:
    """(libcst's encoded IR, astir's encoded IR or None when astir refuses the file)."""
    reference = codec.encode(parse_module(source, path, module))
    try:
        built = astir.build(ast.parse(source), astir.decoded(source), path, module)
    except astir.Unsupported as exc:
        assert exc.reason in astir.FALLBACKS
        return reference, None
    return reference, codec.encode(built)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_gets_the_same_ir_from_both_builders(path):
    reference, built = _both(path.read_bytes(), str(path.relative_to(FIXTURES)), "fixture.module")
    assert built is None or built == reference


def test_astir_builds_nearly_every_fixture_itself():
    refused = [p for p in SOURCES if _both(p.read_bytes())[1] is None]
    assert len(refused) <= len(SOURCES) // 50, refused


def test_a_generated_monorepo_gets_the_same_ir_from_both_builders(tmp_path):
    generate(tmp_path, lines=6000, messaging=0.2, seed=11)
    files = sorted(tmp_path.rglob("*.py"))
    assert len(files) > 30
    for path in files:
        reference, built = _both(path.read_bytes(), path.name, path.stem)
        assert built == reference, path


SHAPES = [
    'import a.b as c\nfrom .x import (y as z, w)\nfrom .. import q\nfrom . import *\n@dec(1)\n@ other . thing\nclass K(Base, metaclass=M):\n    attr: int = 3\n    other = (1, 2)\n    async def m(self, p: "T" = f"{x!r:>{w}}", *a, k=1, **kw) -> None:\n        global G\n        async with self.c as (q, self.r), open(p) as h:\n            async for i in aiter(q):\n                x = [j async for j in g if j] or {k: v for k, v in d.items()} or {*s} or (n := 2)\n        try:\n            await self.bus.publish("t", {"k": v, **extra, ** more})\n        except (ValueError, mod.Err) as e:\n            raise Other() from e\n        except (A.B):\n            pass\n        finally:\n            del x[1:2, ::3]\n        match p:\n            case {"type": t, **rest} if t: pass\n            case [1, *others]: pass\n            case "a" | "b": send(1)\n            case Order() | Refund(): send(2)\n            case {"kind": "x"}: send(3)\n            case None: pass\n            case -1: pass\n        lambda a, *, b=2: a + b if a else -b\n        return (yield from g) if p else (yield)\n\ndef f(event, /, other, *, flag=g()) -> h():\n    t = event["a"]["b"]\n    u = event["a",]\n    v = event[("a", "b")]\n    w = event["a", "b"]\n    xx = event[(a), b]\n    yy = json.loads(msg.value)["id"]\n    z = event[1:2]\n    s = event["a" "b"]\n    e = event.customer.id\n    if event.type == "a" or event.type == "b":\n        call_a()\n    elif event.type in ("c", "d"):\n        call_b()\n    else:\n        if x:\n            call_c()\n    if isinstance(event, (A, B)):\n        topic = "x"\n    elif isinstance(event, C):\n        topic = "y"\n    else:\n        return\n    if (event.k) == 1 or event.k == 2:\n        pass\n    if not created:\n        return\n    if True:\n        q = 1\n    a, b = make()\n    c, *d, e = make()\n    g, h = 1, 2\n    i, j = 1, 2, 3\n    k, l = (1, 2, 3)\n    m, n = (\n        1,  # one\n        2, 3)\n    registry["x"] = handler\n    self.registry["y"] = handler\n    o = (a + b) * c\n    p = ((a  +  b))\n    r = (  # comment\n        a or b\n    )\n    s2 = "%s/%s" % (base, topic)\n    s3 = "%s" % name\n    s4 = "%(x)s" % d\n    s5 = 1j\n    s6 = ...\n    s7 = -1\n    s8 = not x\n    s9 = 10**20\n    s10 = 1.5e3\n    s11 = b"by" + "x"\n    s12 = [*a, *b]\n    s13 = f(k=h(), *g())\n    s14 = f(*g(), k=h())\n    s15 = x if y else z\n    s16 = {**a}\n    s17 = {1, 2}\n    s18 = (i for i in range(3))\n    s19 = sum(i for i in range(3))\n    s20 = f"{a}" "b" f"{c}" "d" "e"\n    s21 = "a" "b" f"c"\n    s22 = f"x{{y}}" rf"\\d{z}"\n    s23 = await_(lambda: (x))\n    s24 = (x) + (y)\n    with open(p) as fh, ctx():\n        fh.read()\n    for (a1, b1) in pairs:\n        process(a1)\n    else:\n        done()\n    while x:\n        break\n    print((a), (b))\n    return (a)\n',
    'def handler(msg):\n    try:\n        body = json.loads(msg.body)\n    except ValueError:\n        log.error("bad")\n        return\n    if body["type"] == "x":\n        topic = body["a"]\n    elif body["type"] == "y":\n        topic = body["b"]\n    publish(topic, body)\n    x = [f(y) for y in ys for z in zs if g(z)]\n    d = {k: f(v) for k, v in items}\n    n = x[::2]\n    m = x[a:b, c]\n    p = x[()]\n    q = x[:]\n    r = (x)[1]\n    s = (x).y\n    t = (f)(1)\n    if a:\n        pass\n    else:\n        if b:\n            return\n        else:\n            raise X\n    u = very_long_function_name_that_goes_on(argument_number_one, argument_number_two, argument_number_three, argument_four, and_five)\n    v = (a,\n         b,)\n    w = cond and (a or b)\n    return f"""multi\n{line} text""" + f\'{a!s}\' + f"{b:{c}.{d}}"\n',
    # what an except clause assigns (a fallback), in nested clauses, tuples, walrus and if arms inside it
    'def f(x):\n    try:\n        c = g()\n    except Exception as e:\n        c = None\n        a, (b, d) = 1, (2, 3)\n        if e:\n            z = 1\n        else:\n            z = 2\n        try:\n            w = h()\n        except:\n            w = q = (r := 0)\n    if not c:\n        c = k()\n    return c\n',
    # unpacking a call's result by position: nested targets, a starred rest, attribute and subscript targets
    'class Svc:\n    def __init__(self, conf):\n        (self.producer, self.topic), [self.consumer, *_] = make(conf)\n\n'
    'def g(conf):\n    ((a, b), c), *rest, (d, e) = make(conf)\n    [x, (y, *z)] = make()\n    (p, q), r = (1, 2), make()\n'
    '    regs["k"], (m, n) = make()\n    (  # why\n        s,\n        t,\n    ) = make()\n    return (a, b)\n',
    # `**` before a parenthesised value (ast's span starts inside the parentheses)
    "x = {'a': f(), **(b or c(1)), ** ( d ), **(\n  e())}\n",
]


@pytest.mark.parametrize("index", range(len(SHAPES)))
def test_syntax_shapes_where_the_two_trees_differ_give_the_same_ir(index):
    # child order (decorators, keywords among arguments, dict items, `x if c else y`), opaque text with its
    # own parentheses and comments, strings (raw f-string text, implicit concatenation), subscripts
    # (`x[a, b]` / `x[(a, b)]` / `x[a,]`), True/False/None/Ellipsis leaves, `elif` against `else: if`
    reference, built = _both(SHAPES[index].encode())
    assert built is not None, "astir refused the shapes file"
    assert built == reference


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (b"\xef\xbb\xbfx = f('\xc3\xa9', g(1))\n", None),
        (b"# -*- coding: utf-8 -*-\nx = f('\xc3\xa9', g(1))\n", None),
        (b"# -*- coding: latin-1 -*-\nx = f('\xe9')\n", "encoding"),
        (b"x = f(f'{a=} {b.c = !s:>{w}} {d==e}')\n", None),  # ast's added `a=` text is not read: the source is
        (b"x = f(f'\\N{EM DASH} {a}')\n", "fstring-escape"),
        (b"def g():\n    a, b = 1, 2, 3,\n    c, d = x[1, 2,], 3, 4\n", None),  # ast's tuple spans hold the comma
        (b"x = (  # why\n    a or b\n)\nprint('#', x)\ny = ('#' # c\n  , a or b)\n", None),
        (b"class A(*bases):\n    pass\n", "class-star"),
    ],
)
def test_refused_shapes_name_their_reason_and_the_run_builds_them_from_libcst(source, reason):
    try:
        astir.build(ast.parse(source), astir.decoded(source), "m.py", "m")
        found = None
    except astir.Unsupported as exc:
        found = exc.reason
    assert found == reason
    # whichever builder answers, the run's IR is libcst's
    assert codec.encode(extract.parse_file(source, "m.py", "m")) == codec.encode(parse_module(source, "m.py", "m"))


def test_every_fallback_reason_is_explained():
    assert all(len(text) > 20 for text in astir.FALLBACKS.values())
    with pytest.raises(AssertionError):
        astir.Unsupported("not-declared")


def test_the_run_builds_from_ast_and_does_not_need_libcst(monkeypatch):
    calls = []
    import eventlint.extract.visitor as visitor

    monkeypatch.setattr(visitor, "parse_module", lambda *a, **k: calls.append(a) or None)
    module = extract.parse_file(b"import kafka\nkafka.KafkaProducer().send('t', b'x')\n", "m.py", "m")
    assert calls == [] and module.functions[0].calls
    monkeypatch.setattr(extract, "IR_FROM_AST", False)
    extract.parse_file(b"x = 1\n", "m.py", "m")
    assert len(calls) == 1
