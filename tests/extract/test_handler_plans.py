"""What handler analysis plans once per function gives, for any message, what the walks it replaced gave.

`derived_names` closes a message over rules found once per function, `_argument_fields` reads a plan made once
per call, `_opaque_names` walks by a per-class field table, and the prefilter searches the trigger's literals by
group. Each is compared here with the direct definition (the walk done again for every message), on every
function and call of every fixture, with every parameter and every assigned name taken as the message.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from eventlint import api
from eventlint.discover import discover
from eventlint.extract import ir, parse_file
from eventlint.extract import handlers as h
from eventlint.extract import prefilter
from eventlint.extract.guard import ParseFailure
from eventlint.extract.patterns import load_patterns
from tests.helpers import FIXTURES

FIXTURE_ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))


def _modules(root):
    config = api.load_config([root])
    for source in discover([root], config).files:
        if source.kind == "python":
            try:
                yield parse_file(source.abspath.read_bytes(), source.path, source.module), source.abspath.read_bytes()
            except ParseFailure:
                continue


def _derived_reference(fn: ir.Function, tainted: set[str]) -> set[str]:
    names = set(tainted)
    changed = True
    while changed:
        changed = False
        for assign in fn.assigns:
            if assign.target not in names and ir.names_in(assign.value) & names:
                names.add(assign.target)
                changed = True
        for call in fn.calls:
            func = call.func
            if (
                isinstance(func, ir.Attr)
                and func.attr in h._DECODE_INTO
                and isinstance(func.value, ir.Name)
                and func.value.id not in names
                and any(ir.names_in(a) & names for a in call.args)
            ):
                names.add(func.value.id)
                changed = True
        for loop in (*fn.loops, *fn.comprehensions):
            if ir.names_in(loop.iter) & names and not set(loop.targets) <= names:
                names.update(loop.targets)
                changed = True
    return names


def _fields_reference(args, message: set[str]) -> tuple[str, ...]:
    found: list[str] = []
    stack = list(args)
    while stack:
        node = stack.pop()
        match node:
            case ir.DictE(items):
                for item in items:
                    if isinstance(item.key, ir.Str):
                        found.append(item.key.value)
                    stack.append(item.value)
            case ir.Sub(ir.Name(base), ir.Str(field)) if base in message:
                found.append(field)
            case ir.Attr(ir.Name(base), field) if base in message:
                found.append(field)
            case ir.Call(func, call_args, kwargs):
                if isinstance(func, ir.Attr) and func.attr == "get" and call_args and isinstance(call_args[0], ir.Str):
                    if ir.names_in(func.value) & message:
                        found.append(call_args[0].value)
                stack.append(func)
                stack.extend(call_args)
                stack.extend(v for _, v in kwargs)
            case ir.Attr(value, _) | ir.Await(value) | ir.Starred(value):
                stack.append(value)
            case ir.Sub(value, index):
                stack.extend((value, index))
            case ir.FStr(parts):
                stack.extend(p for p in parts if not isinstance(p, str))
            case ir.Seq(items):
                stack.extend(items)
            case ir.Concat(left, right):
                stack.extend((left, right))
    return tuple(sorted(set(found)))


def _opaque_reference(expr) -> frozenset[str]:
    found: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Opaque):
            found |= h._text_names(node.text)
        elif dataclasses.is_dataclass(node):
            stack.extend(getattr(node, f.name) for f in dataclasses.fields(node))
        elif isinstance(node, tuple):
            stack.extend(node)
    return frozenset(found)


def _messages(fn: ir.Function) -> list[set[str]]:
    names = [p.name for p in fn.params] + [a.target for a in fn.assigns] + [t for loop in fn.loops for t in loop.targets]
    return [set(), set(names)] + [{n} for n in dict.fromkeys(names)]


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_plans_give_what_the_walks_give_on_every_function(root):
    for module, _ in _modules(root):
        for fn in module.functions:
            messages = _messages(fn)
            for message in messages:
                assert h.derived_names(fn, message) == _derived_reference(fn, message), (fn.name, message)
            for call in fn.calls:
                args = (*call.args, *(v for _, v in call.kwargs))
                plan = h._fields_plan(args)
                for message in messages:
                    assert h._planned_fields(plan, message) == _fields_reference(args, message), (call, message)
                for arg in args:
                    assert h._opaque_names(arg) == _opaque_reference(arg)


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_grouped_literal_search_finds_what_the_trigger_finds(root):
    patterns = load_patterns(api.load_config([root]))
    trigger = prefilter.triggers(patterns)
    assert prefilter._literal_starts(trigger) is not None  # the shape `_finds` searches by literal
    for _, data in _modules(root):
        assert prefilter._finds(trigger, data) == (trigger.search(data) is not None)


def test_grouped_literal_search_on_crafted_bytes():
    trigger = re.compile(rb"\b(?:kafka|pika|redis)\b|aiokafka|confluent_kafka|aio_pika|redis_om|/dapr/subscribe|dapr")
    literals = prefilter._literal_starts(trigger)
    assert literals is not None
    groups = dict(prefilter._contained(literals))
    assert groups[b"kafka"] == (b"kafka", b"aiokafka", b"confluent_kafka")
    assert groups[b"dapr"] == (b"dapr", b"/dapr/subscribe")
    for data in (
        b"import aiokafka\n",  # only a containing literal matches (`\bkafka\b` does not inside `aiokafka`)
        b"kafkaesque = 1\n",  # the contained literal occurs, no match
        b"x = 'kafkaesque' + confluent_kafka_x\n",
        b"from pika import x",
        b"aio_pikachu",
        b"predis_om",
        b"nothing here",
        b"",
        b"kafka",
        b"xkafka kafka",
    ):
        assert prefilter._finds(trigger, data) == (trigger.search(data) is not None), data
