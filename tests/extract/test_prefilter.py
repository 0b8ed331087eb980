"""The prefilter: which files can matter, from bytes and the import graph alone."""

from __future__ import annotations

from eventlint import api
from eventlint.extract import Options
from eventlint.extract.patterns import load_patterns
from eventlint.extract.prefilter import ScanFile, imported_names, relevant, triggers
from eventlint.config import Config
from tests.helpers import FIXTURES, write_project


def test_imported_names_cover_every_import_form():
    source = b"""
import os, a.b as ab
from .sibling import thing
from .. import parent_mod
from pkg.sub import (
    first,
    second as two,  # a comment
)
if TYPE_CHECKING: from typing_only import T
x = 1; import after_semicolon
from deep \\
    import continued
from.nospace import y
import caf\xc3\xa9
"""
    names = imported_names(source, "svc.pkg.mod", is_package=False)
    assert {"os", "a.b", "svc.pkg.sibling", "svc.pkg.sibling.thing", "svc.parent_mod", "pkg.sub", "pkg.sub.first", "pkg.sub.second"} <= names
    assert {"typing_only", "after_semicolon", "deep.continued", "svc.pkg.nospace.y", "caf\u00e9"} <= names
    assert "two" not in names and "pkg.sub.two" not in names


def test_relative_imports_in_a_package_init():
    assert "svc.pkg.handlers" in imported_names(b"from .handlers import *\n", "svc.pkg", is_package=True)


def test_triggers_come_from_the_loaded_packs():
    trigger = triggers(load_patterns(Config(root=__import__("pathlib").Path("."))))
    assert trigger.search(b"from confluent_kafka import Producer")
    assert trigger.search(b"import pika")
    assert not trigger.search(b"import json\nfrom dataclasses import dataclass\n")


def _scan(root, paths):
    config = api.load_config([root])
    from eventlint.discover import discover

    files = [ScanFile(s.path, s.module, s.import_name, s.abspath.read_bytes()) for s in discover([root], config).files if s.kind == "python"]
    return relevant(files, load_patterns(config))


def test_keeps_what_the_messaging_code_reaches_and_what_reaches_it(tmp_path):
    root = write_project(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/bus.py": "from kafka import KafkaProducer\nproducer = KafkaProducer()\ndef publish(topic, msg):\n    producer.send(topic, msg)\n",
            "shop/orders.py": "from shop.bus import publish\nfrom shop.pricing import total\ndef place(o):\n    publish('orders.placed', {'t': total(o)})\n",
            "shop/pricing.py": "from shop.money import cents\ndef total(o):\n    return cents(o)\n",
            "shop/money.py": "def cents(o):\n    return 1\n",
            "shop/api.py": "from shop import orders\ndef post(o):\n    orders.place(o)\n",
            "shop/reports.py": "from shop.money import cents\ndef report(rows):\n    return [cents(r) for r in rows]\n",
            "tools/lint.py": "import ast\n",
        },
        config={},
    )
    kept = _scan(root, None)
    assert {"shop/bus.py", "shop/orders.py", "shop/api.py", "shop/pricing.py", "shop/money.py", "shop/__init__.py"} <= kept
    assert "shop/reports.py" not in kept and "tools/lint.py" not in kept


def test_a_syntax_error_in_a_skipped_file_is_still_reported(tmp_path):
    root = write_project(tmp_path, {"app.py": "import pika\n", "tools/broken.py": "def broken(:\n    pass\n"}, config={})
    assert "tools/broken.py" not in _scan(root, None)
    facts = api.facts([root], api.load_config([root]), Options(prefilter=True))
    assert [(d.code, d.path, d.line) for d in facts.diagnostics] == [("EDA000", "tools/broken.py", 1)]


def test_in_house_registry_names_are_triggers(tmp_path):
    """A module assigning `*_HANDLERS` matters to a pack with such a registry even without importing it."""
    pack = """
framework: our-bus
modules: [ourbus]
types:
  - name: ourbus.Bus
subscribe:
  - registry: {assigned: "*_HANDLERS"}
"""
    root = write_project(
        tmp_path,
        {"bus.yaml": pack, "wiring.py": "from handlers import on_order\nORDER_HANDLERS = {'OrderPlaced': [on_order]}\n", "handlers.py": "def on_order(e):\n    return e\n"},
        config={"frameworks": ["bus.yaml"]},
    )
    assert {"wiring.py", "handlers.py"} <= _scan(root, None)


def _every_match(data: bytes) -> list[tuple[int, int]]:
    from eventlint.extract.prefilter import _IMPORTS

    return [m.span() for m in _IMPORTS.finditer(data)]


def test_import_statements_are_found_as_a_scan_of_every_position_finds_them():
    # the scan starts only from each `import` in the bytes; it must give exactly the matches of the
    # pattern tried at every position: on every fixture and on random mixes of the hard pieces
    # (continuations, `;`/`:` starts, CRLF, words that contain "import", parenthesised names, comments)
    import random

    from eventlint.extract.prefilter import _import_statements

    for path in sorted(FIXTURES.rglob("*.py")):
        data = path.read_bytes()
        assert [m.span() for m in _import_statements(data)] == _every_match(data), path
    pieces = [b"from", b"import", b".", b"\\\n", b"\\\r\n", b";", b":", b"(", b")", b"#", b" ", b"\n", b"\r\n",
              b"x", b"important", b"a.b", b" as ", b",", b"\t", b"\xc3\xa9"]  # fmt: skip
    rng = random.Random(5)
    for _ in range(20000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        assert [m.span() for m in _import_statements(data)] == _every_match(data), data


def test_the_trigger_is_found_as_its_search_finds_it():
    # the trigger is tried only where one of its literals occurs; it must answer as `trigger.search` does: on every
    # fixture, on random mixes of words, their parts and boundaries, and for patterns of other shapes (searched as
    # they are)
    import random
    import re

    from eventlint.extract.prefilter import _finds, _literal_starts

    trigger = triggers(load_patterns(Config(root=__import__("pathlib").Path("."))))
    assert _literal_starts(trigger) is not None  # the fast path is the one taken
    for path in sorted(FIXTURES.rglob("*.py")):
        data = path.read_bytes()
        assert _finds(trigger, data) == (trigger.search(data) is not None), path
    others = [re.compile(rb"\b(?:ab|a\.b)\b|x\|y"), re.compile(rb"\.x|y"), re.compile(rb""), re.compile(rb"(?!)"), re.compile(rb"\b(?:a\b|b)\b")]
    assert [_literal_starts(p) is not None for p in others] == [True, True, False, False, False]
    pieces = [b"kafka", b"aiokafka", b"redis", b"_", b"a", b" ", b".", b"/publish/", b"beat_schedule", b"\n", b"\xc3\xa9",
              b"9", b"ab", b"a.b", b"x|y", b"y", b"pika"]  # fmt: skip
    rng = random.Random(7)
    for _ in range(20000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        for pattern in (trigger, *others):
            assert _finds(pattern, data) == (pattern.search(data) is not None), (pattern.pattern, data)
