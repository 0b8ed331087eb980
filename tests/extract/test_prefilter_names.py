"""The import scan's name cleaning, with its fast paths, gives what the plain regular expressions give."""

from __future__ import annotations

import re
from pathlib import Path

from eventlint.extract import prefilter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _reference_first_names(clause: bytes) -> list[str]:
    out = []
    for part in re.sub(rb"#[^\n]*|\\\r?\n", b" ", clause).split(b","):
        match = prefilter._NAME.match(part)
        if match:
            out.append(re.sub(r"\s+", "", match.group(1).decode("utf-8", "replace")))
    return out


CRAFTED = [
    b"a.b as c, d",
    b"(a,\n  b as c,  # a comment, with a comma\n  d)",
    b"a \\\n  .b, c",
    b"a . b . c",
    b"a\t.\tb",
    b"a.b\\\r\n, c",
    "caf\u00e9 . m\u00fcnze, x".encode(),
    "a\u00a0b".encode(),  # not an identifier: cleaned by the expression
    b"\xff\xfe.x, y",
    b"",
    b"#only a comment",
    b"a.b  # trailing",
]


def test_first_names_match_the_plain_expressions_on_crafted_clauses():
    for clause in CRAFTED:
        assert prefilter._first_names(clause) == _reference_first_names(clause), clause


def test_first_names_match_the_plain_expressions_on_every_fixture_import():
    seen = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        for match in prefilter._import_statements(path.read_bytes()):
            _, _, names, plain = match.groups()
            for clause in (plain, (names or b"").strip(b"()")):
                if clause is not None:
                    assert prefilter._first_names(clause) == _reference_first_names(clause), (path, clause)
                    seen += 1
    assert seen > 1000
