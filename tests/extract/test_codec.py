"""The per-file cache's IR codec: exact round trip, object sharing kept, bad input refused."""

from __future__ import annotations

import dataclasses

import pytest

from eventlint.extract import codec, ir
from eventlint.extract.visitor import parse_module
from tests.helpers import FIXTURES

SOURCES = sorted(FIXTURES.rglob("*.py"))


def _sharing(module: ir.Module) -> list[int]:
    """For each record met in a walk, the index of its first meeting: equal lists mean equal sharing."""
    seen: dict[int, int] = {}
    out: list[int] = []

    def walk(value: object) -> None:
        if dataclasses.is_dataclass(value):
            out.append(seen.setdefault(id(value), len(seen)))
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, tuple):
            for item in value:
                walk(item)

    walk(module)
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_round_trip_is_exact_and_keeps_sharing(path):
    module = parse_module(path.read_bytes(), path.relative_to(FIXTURES).as_posix(), "m")
    decoded = codec.decode(codec.encode(module))
    assert decoded == module
    assert _sharing(decoded) == _sharing(module)
    assert _types(decoded) == _types(module)  # every field of the same type: no list left where a tuple was


def _types(value: object) -> list[str]:
    """The type of every value met in a walk of the IR, fields and tuple items alike."""
    out = [type(value).__name__]
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            out += _types(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            out += _types(item)
    return out


def test_decoding_walks_only_the_fields_that_can_hold_a_record():
    # read from ir.py's type hints: a field of strings is taken as it is, a tuple of strings rebuilt as a tuple
    plans = dict(zip(codec._CLASSES, codec._PLANS))
    assert plans[ir.Name] is None and plans[ir.Str] is None and plans[ir.Const] is None
    assert plans[ir.Loop] == ((0, True), (1, False))  # targets: tuple[str, ...]; iter: Expr
    assert (1, False) in plans[ir.Call] and all(index not in (3, 4, 5) for index, _ in plans[ir.Call])


def test_calls_kept_by_an_assignment_stay_the_same_object():
    module = parse_module(b"def f(c):\n    r = c.poll()\n    try:\n        g()\n    except E:\n        log(r)\n", "a.py", "a")
    decoded = codec.decode(codec.encode(module))
    fn = next(f for f in decoded.functions if f.name == "f")
    assert any(fn.assigns[0].value is call for call in fn.calls)
    assert any(fn.excepts[0].calls[0] is call for call in fn.calls)


@pytest.mark.parametrize("text", ["", "[", "3", "[99]", "[25, 1]", '{"a": 1}', "[-1, 4]"])
def test_bad_text_is_refused(text):
    with pytest.raises(ValueError):
        codec.decode(text)


def test_fingerprint_names_every_class_and_field():
    assert "Call(func,args,kwargs,line,col,awaited)" in codec.fingerprint()
    for cls in (ir.Module, ir.Function, ir.Read, ir.Name, ir.Opaque):
        assert f"{cls.__name__}(" in codec.fingerprint()


def test_a_hint_that_cannot_be_resolved_walks_every_field(monkeypatch):
    # a record class whose hint names something not defined at run time is decoded the general way, not refused
    @dataclasses.dataclass(frozen=True)
    class Odd:
        a: "Undefined"  # noqa: F821
        b: str

    monkeypatch.setitem(codec._FIELDS, Odd, ("a", "b"))
    assert codec._plan(Odd) == ((0, False), (1, False))


class _PlainEncoder:
    """The encoder as it was before its scalar fast path: `enc` called on every field and item."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.keep: list[object] = []

    def enc(self, value: object) -> object:
        cls = type(value)
        tag = codec._TAG.get(cls)
        if tag is not None:
            number = self.numbers.get(id(value))
            if number is not None:
                return [-1, number]
            out = [tag, *[self.enc(getattr(value, name)) for name in codec._FIELDS[cls]]]
            self.numbers[id(value)] = len(self.keep)
            self.keep.append(value)
            return out
        if cls is tuple:
            if value and type(value[0]) is int:
                raise TypeError("an IR tuple starting with an integer cannot be encoded")
            return [self.enc(item) for item in value]
        return value


def test_the_encoding_is_the_plain_encoders_on_every_fixture_module():
    import json

    from eventlint.extract import parse_file

    compared = 0
    for path in SOURCES:
        source = path.read_bytes()
        try:
            module = parse_file(source, path.relative_to(FIXTURES).as_posix(), path.stem)
        except Exception:  # noqa: BLE001 - a fixture that does not parse has no IR to encode
            continue
        plain = json.dumps(_PlainEncoder().enc(module), separators=(",", ":"), ensure_ascii=False)
        assert codec.encode(module) == plain, path
        compared += 1
    assert compared > 500


def test_a_tuple_starting_with_an_integer_is_still_refused():
    with pytest.raises(TypeError):
        codec._Encoder().enc((1, "a"))
