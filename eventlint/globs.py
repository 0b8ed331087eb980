"""Path globs as users write them in config: `services/orders/**`, `**/tests/**`, `*.py`.

`*` and `?` stay inside one path segment, `**` spans any number of segments, and a
pattern that names a directory also matches everything below it. A pattern without
a slash matches the file name at any depth (as in .gitignore).
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regular expression for one glob over POSIX paths relative to the root."""
    pat = pattern.strip().replace("\\", "/")
    pat = pat.removeprefix("./")
    anchored = "/" in pat.rstrip("/")
    pat = pat.strip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def glob_problem(pattern: str) -> str | None:
    """Why `pattern` is not a usable glob (a character class such as `[z-a]`), or None when it is."""
    try:
        compile_glob(pattern)
    except re.error as exc:
        return f"invalid glob {pattern!r}: {exc.msg}"
    return None


def matches(path: str, pattern: str) -> bool:
    """Whether the root-relative POSIX `path` matches `pattern`."""
    return compile_glob(pattern).match(path) is not None


def matches_any(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether `path` matches at least one of `patterns`."""
    return any(compile_glob(p).match(path) for p in patterns)
