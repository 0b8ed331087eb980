"""The IR of a module as compact JSON, for the per-file cache (never pickle: the cache is data).

A record is a list `[tag, field, ...]` whose tag is the index of its class in
`_CLASSES`; a tuple is a plain list (no IR tuple starts with an integer, which
is what tells the two apart). The IR shares objects (a call is in its function's
`calls` and in the assignment that keeps its result, or in an `except` clause),
and the resolver relies on that identity: so records are numbered in the order
they are finished, and a record met again is written `[-1, number]`. Decoding
rebuilds the exact dataclasses with the same sharing, so `decode(encode(m)) == m`
and every `is` that held still holds.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import types
import typing
from typing import Any

from eventlint.extract import ir

# Every record class of the IR, by name: a class added to ir.py is encoded without a change here,
# and the fingerprint (names and fields) keeps entries written before the change from being misread.
FORMAT = 2
_CLASSES: tuple[type, ...] = tuple(
    sorted(
        (v for v in vars(ir).values() if isinstance(v, type) and dataclasses.is_dataclass(v) and v.__module__ == ir.__name__),
        key=lambda cls: cls.__name__,
    )
)
_TAG = {cls: index for index, cls in enumerate(_CLASSES)}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES}
_SCALARS = frozenset({str, int, float, bool, type(None)})
# each class's fields as a tuple, in `_FIELDS` order (an attrgetter of one name gives the value itself: wrapped)
def _getter(names: tuple[str, ...]) -> Any:
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        one = operator.attrgetter(names[0])
        return lambda value: (one(value),)
    return lambda value: ()


_GET = {cls: _getter(names) for cls, names in _FIELDS.items()}


def _scalar(hint: Any) -> bool:
    """A field type whose values JSON holds as they are (a string, a number, a boolean, None)."""
    if hint in _SCALARS:
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return all(arg in _SCALARS for arg in typing.get_args(hint))
    return False


def _plan(cls: type) -> tuple[tuple[int, bool], ...] | None:
    """How to decode a record's fields, read from ir.py's type hints: the positions of the fields that are not
    scalars, each with whether it is a tuple of scalars (rebuilt with `tuple()`, not walked); None when every
    field is a scalar (the record is built straight from the list). Decoding walks only what can hold a record."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # a hint naming what ir.py does not define at run time: every field is walked, as it can hold anything
        return tuple((index, False) for index in range(len(_FIELDS[cls])))
    plan = []
    for index, name in enumerate(_FIELDS[cls]):
        hint = hints[name]
        if _scalar(hint):
            continue
        args = typing.get_args(hint)
        flat = typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis and _scalar(args[0])
        plan.append((index, flat))
    return tuple(plan) or None


_PLANS = tuple(_plan(cls) for cls in _CLASSES)


def fingerprint() -> str:
    """Changes whenever the shape of the IR changes, so old cache entries are never misread."""
    return f"{FORMAT}:" + ";".join(f"{cls.__name__}({','.join(_FIELDS[cls])})" for cls in _CLASSES)


def encode(module: ir.Module) -> str:
    return json.dumps(_Encoder().enc(module), separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> ir.Module:
    """The module; raises ValueError on text that is not an encoded module."""
    try:
        data = json.loads(text)
        value = _dec(data, []) if type(data) is list else data
    except (TypeError, IndexError, KeyError, RecursionError) as exc:
        raise ValueError(f"not an encoded module: {exc}") from exc
    if not isinstance(value, ir.Module):
        raise ValueError("not an encoded module")
    return value


class _Encoder:
    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.keep: list[object] = []  # keeps ids stable while encoding

    def enc(self, value: Any) -> Any:
        # A scalar (most fields and items) is written as it is without a call of `enc` for it: what `enc` would
        # return for it. The hot loop of a cold run that writes the cache.
        cls = type(value)
        tag = _TAG.get(cls)
        if tag is not None:
            key = id(value)  # once: an audited call, heard by a run that records its inputs (results.py)
            number = self.numbers.get(key)
            if number is not None:
                return [-1, number]
            enc = self.enc
            out = [tag, *[v if type(v) in _SCALARS else enc(v) for v in _GET[cls](value)]]
            self.numbers[key] = len(self.keep)
            self.keep.append(value)
            return out
        if cls is tuple:
            if value and type(value[0]) is int:
                raise TypeError("an IR tuple starting with an integer cannot be encoded")
            enc = self.enc
            return [v if type(v) in _SCALARS else enc(v) for v in value]
        return value


def _dec(value: list[Any], records: list[object]) -> Any:
    """A record or a tuple from its JSON list; `records` numbers the records finished so far (for `[-1, n]`).
    The hot loop of a run with a changed file: a module-level function, plain values handled inline."""
    if not value or type(value[0]) is not int:
        return tuple([_dec(item, records) if type(item) is list else item for item in value])
    tag = value[0]
    if tag == -1:
        return records[value[1]]
    plan = _PLANS[tag]
    fields = value[1:]
    if plan is not None:
        for index, flat in plan:
            item = fields[index]
            if type(item) is list:
                fields[index] = tuple(item) if flat else _dec(item, records)
    record = _CLASSES[tag](*fields)
    records.append(record)
    return record
