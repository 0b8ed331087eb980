"""astir's line starts, summed from the lengths of `\\n`-split lines where the text has no `\\r`, are the ends of
`_NEWLINES`' matches."""

from __future__ import annotations

from pathlib import Path

from eventlint.extract.astir import _NEWLINES, _line_starts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _reference(text: str) -> list[int]:
    return [0, *(m.end() for m in _NEWLINES.finditer(text))]


def test_line_starts_on_crafted_texts():
    for text in ["", "a", "a\n", "\n", "\n\n", "a\nb", "ab\ncd\n\nx\n", "a\r\nb\n", "a\rb\nc", "\r", "x\u2028y\nz\x0c\n", "é\nü\n"]:
        assert _line_starts(text) == _reference(text), repr(text)


def test_line_starts_on_every_fixture_file():
    files = sorted(FIXTURES.rglob("*.py"))
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert _line_starts(text) == _reference(text), path
