"""`matches` tests most globs as strings, `named` keeps its answers per list of globs and `imatches` lowers once: all answer what
the glob definitions say (`fnmatch.fnmatchcase`, one pattern at a time), for every call of every fixture's
handlers, against every list the rules ask with, asked twice (the second answer is the kept one)."""

from __future__ import annotations

import dataclasses
import random
from fnmatch import fnmatchcase

import pytest

from eventlint.rules import debugging, handler_queries, knowledge
from eventlint.rules.base import matches
from eventlint.rules.debugging import imatches
from eventlint.rules.handler_queries import named
from tests.helpers import FIXTURES, facts_of

FIXTURE_ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))


def _reference_named(name: str, text: str, patterns: tuple[str, ...]) -> bool:
    """The definition: a pattern with a dot against the qualified name and the text, one without against the last part."""
    for pattern in patterns:
        if "." in pattern:
            if fnmatchcase(name, pattern) or fnmatchcase(text, pattern):
                return True
        elif fnmatchcase(name.rsplit(".", 1)[-1], pattern) or fnmatchcase(text.rsplit(".", 1)[-1], pattern):
            return True
    return False


def _glob_lists() -> list[tuple[str, ...]]:
    """Every list of globs the shipped knowledge gives the rules, and a few of one pattern."""
    lists: list[tuple[str, ...]] = []
    known = knowledge.load()
    values = [getattr(known, field.name) for field in dataclasses.fields(known)]
    values += [v for value in values if isinstance(value, dict) for v in value.values()]
    for value in values:
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            lists.append(tuple(knowledge._parse(v)[0] for v in value))
    lists += [("*.commit",), ("requests.post",), ("*charge*",), ("*",), ()]
    return lists


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_named_answers_the_glob_definition_for_every_call(root):
    calls = [c for h in facts_of(root).handlers for c in h.calls]
    lists = _glob_lists()
    for patterns in lists:
        for call in calls:
            expected = _reference_named(call.name, call.text, patterns)
            assert named(call, patterns) == expected, (call.name, call.text, patterns)
            assert named(call, list(patterns)) == expected  # kept, and asked with a list


def test_named_keeps_a_bounded_number_of_answers(monkeypatch):
    monkeypatch.setattr(handler_queries, "_ANSWERS_KEPT", 2)
    handler_queries._judge.cache_clear()
    judge = handler_queries._judge(("*.send",))
    answers = [judge(f"m{i}.send", f"m{i}.send") for i in range(5)] + [judge("x.recv", "x.recv")]
    assert answers == [True] * 5 + [False]
    assert len(judge.__closure__[0].cell_contents) == 2  # the answers dict stopped growing
    handler_queries._judge.cache_clear()


@pytest.mark.parametrize(
    "value",
    ["orders.DLQ", "orders-dlq", "Dead_Letter", "orders.dlt", "ORDERS", "", None, "a.b.Retry", "[x]", "ß.DLQ", "İ"],
)
def test_imatches_answers_fnmatch_of_the_lowered_value_and_patterns(value):
    for patterns in (debugging.LIFECYCLE_CALLS, debugging.REPLY_CALLS, handler_queries.DEAD_LETTER_CHANNELS, ("*[DL]Q*",), ()):
        expected = bool(value) and any(fnmatchcase(value.lower(), p.lower()) for p in patterns)
        assert imatches(value, patterns) == expected, (value, patterns)


def test_matches_answers_fnmatch_for_every_shape_of_glob():
    """Globs of every shape (names, `*end`, `start*`, `*part*`, `?`, classes, escapes, newlines), alone and together."""
    rng = random.Random(7)
    alphabet = ["a", "b", ".", "*", "?", "[a]", "[!b]", "\\", "]", "\n", "é"]
    globs = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(1500)} | {"*", "**", ""})
    values = sorted({"".join(rng.choice(["a", "b", ".", "\n", "é", "*", "["]) for _ in range(rng.randint(0, 6))) for _ in range(200)})
    for glob in globs:
        for value in values:
            assert matches(value, (glob,)) == fnmatchcase(value, glob), (glob, value)
    for _ in range(200):
        chosen = rng.sample(globs, 5)
        for value in values:
            assert matches(value, chosen) == any(fnmatchcase(value, g) for g in chosen), (chosen, value)
    assert not matches("anything", ())
