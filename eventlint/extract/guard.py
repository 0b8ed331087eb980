"""CPython's verdict on a file, before (or instead of) libcst: no libcst import here.

`ast.parse` is about ten times faster than libcst and its syntax errors carry
better messages; input nested deeply enough to exhaust the C stack inside
libcst's native parser is refused here so libcst never sees it.
"""

from __future__ import annotations

import ast


class ParseFailure(Exception):
    """A module libcst cannot read; carries a 1-based position for the diagnostic."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# CPython refuses these before libcst would see them; libcst's native parser can exhaust the
# C stack on the same input and take the whole process down, so it is never given them.
_REFUSED = ("too many nested parentheses", "too many levels of indentation", "too many statically nested blocks")


def python_parse(source: bytes) -> tuple[ast.Module | None, SyntaxError | None]:
    """CPython's own parse: its tree gives positions, its verdict guards libcst against pathological nesting."""
    try:
        return ast.parse(source), None
    except SyntaxError as exc:
        if any(text in (exc.msg or "") for text in _REFUSED):
            raise from_python(exc) from None
        return None, exc
    except (RecursionError, MemoryError):
        raise ParseFailure("the file nests too deeply to parse") from None
    except ValueError as exc:  # "source code string cannot contain null bytes"
        raise ParseFailure(f"cannot parse the file: {exc}") from None


def from_python(exc: SyntaxError) -> ParseFailure:
    message = exc.msg or "invalid syntax"
    if "unicode error" in message or "encoding" in message:
        return ParseFailure(f"cannot decode the file: {message}; declare its encoding (PEP 263) or save it as UTF-8")
    return ParseFailure(f"syntax error: {message}", exc.lineno or 1, max(exc.offset or 1, 1))


