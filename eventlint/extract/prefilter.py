"""Which files can matter to the facts, found from their bytes without parsing them.

A file is *seeded* when its bytes name a messaging library or anything a loaded
pattern names (a framework module, the root of a qualified name a pack matches,
a registry's variable name) or the shape of an in-house bus (`[type(event)]`,
`self.events.append(`), or when a SAM / Serverless template names it. Then
the import graph, scanned with a regular expression, decides the rest:

- every file that imports a seeded file, directly or transitively, can publish
  through it (a wrapper call, a call of a publishing function) and is kept;
- every file those files import, transitively, can hold what the resolver
  follows: handlers, helpers, constants, event classes, wrapper definitions.

A file outside that set imports nothing that leads to a broker and is imported
by nothing that does, so the resolver never reaches it and it cannot hold a
site: parsing it cannot change a fact. The scan over-approximates on purpose
(an import inside a string or comment counts; every module an import could name
counts), so the kept set is always a superset of what a full run reads.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eventlint.extract.patterns import PatternSet

_S = rb"(?:[ \t]|\\\r?\n)"  # blanks, and line continuations
_IMPORTS = re.compile(
    rb"(?:^|[;:])" + _S + rb"*(?:from(?:" + _S + rb"+|(?=\.))(\.*)" + _S + rb"*([\w.\x80-\xff]*)" + _S + rb"+import" + _S
    + rb"*(\([^)]*\)|(?:[^\n#;\\]|\\\r?\n)*)|import" + _S + rb"+((?:[^\n#;\\]|\\\r?\n)*))",
    re.MULTILINE,
)
_STARTS = re.compile(rb"^|[;:]", re.MULTILINE)  # where a match of _IMPORTS can start
_ID = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"  # bytes >= 0x80: UTF-8 of non-ASCII identifiers
_NAME = re.compile(rb"\s*(" + _ID + rb"(?:\s*\.\s*" + _ID + rb")*)")
_WORD = re.compile(r"[A-Za-z_]\w*")
# an in-house bus's dispatch (`[type(event)]`) and a domain object's event list (`self.events.append(`);
# kept in step with extract/inhouse.py, which this module does not import (it would bring in libcst)
_INHOUSE = re.compile(rb"(?:\[|\.get\()type\(|\.__class__[\],)]|\.(?:_?events|_?domain_events|_?pending_events)\.(?:append|pop)\(")


@dataclass(frozen=True)
class ScanFile:
    """What the prefilter needs to know of one Python file."""

    path: str
    module: str
    import_name: str
    data: bytes


def _inhouse_shape(data: bytes) -> bool:
    """Whether the bytes may hold an in-house bus's dispatch or a domain object's event list.

    Searched apart from the packs' trigger, behind substring tests: an alternation without a
    common literal would cost the trigger's own fast scan on every file.
    """
    return (b"type(" in data or b"__class__" in data or b"events." in data) and _INHOUSE.search(data) is not None


def triggers(patterns: PatternSet) -> re.Pattern[bytes]:
    """A pattern that finds any name the loaded packs could match in a file's bytes."""
    roots: set[str] = set(patterns.modules)
    # a call or type that matters only with some text in the file (an HTTP API's URL, a web app's route
    # for it) is found by that text, not by its module's name
    triggered = {q for q, sites in patterns.call_sites.items() if sites and all(s.trigger for s in sites)}
    triggered |= {q for q, sites in patterns.decorator_sites.items() if sites and all(s.trigger for s in sites)}
    triggered |= set(patterns.type_triggers)
    triggered |= {a for a, t in patterns.aliases.items() if t in patterns.type_triggers}
    triggered |= {q for q, ps in patterns.call_producers.items() if ps and all(p.type in patterns.type_triggers for p in ps)}
    qnames: list[str] = [
        q
        for q in (
            *patterns.call_sites,
            *patterns.decorator_sites,
            *patterns.type_binds,
            *patterns.aliases,
            *(t for t in patterns.aliases.values() if t not in patterns.type_triggers),
            *patterns.call_producers,
            *patterns.attr_producers,
            *patterns.decorator_producers,
            *(p.target for p in patterns.param_producers),
        )
        if q not in triggered
    ]
    roots.update(q.split(".")[0] for q in qnames if q)
    fragments: set[str] = {s.trigger for q in triggered for s in (*patterns.call_sites.get(q, ()), *patterns.decorator_sites.get(q, ())) if s.trigger}
    fragments |= set(patterns.type_triggers.values())
    for site in patterns.registries:
        if site.registry_call:
            roots.add(site.registry_call.split(".")[0])
        if site.registry_assigned:
            pieces = [p for p in re.split(r"[*?\[\]]+", site.registry_assigned) if p]
            fragments.add(max(pieces, key=len) if pieces else "")
    for site in patterns.settings:
        # a configuration module need not import the framework (Django settings: CELERY_BEAT_SCHEDULE = {...})
        fragments.update(site.setting_assigned)
        if site.target:
            roots.add(site.target.split(".")[0])
    if "" in fragments:  # a registry matching any variable name: every file may hold one
        return re.compile(rb"")
    words = [re.escape(r.encode()) for r in sorted(roots) if r]
    alternatives = [rb"\b(?:" + rb"|".join(words) + rb")\b"] if words else []
    alternatives += [re.escape(f.encode()) for f in sorted(fragments)]
    return re.compile(rb"|".join(alternatives)) if alternatives else re.compile(rb"(?!)")


def imported_names(data: bytes, module: str, is_package: bool) -> set[str]:
    """Every dotted name the file's import statements could load (relative imports made absolute)."""
    found: set[str] = set()
    for match in _import_statements(data):
        dots, base, names, plain = match.groups()
        if plain is not None:
            found.update(_first_names(plain))
            continue
        level = len(dots or b"")
        absolute = _clean(base) if base else ""
        if level:
            package = module.split(".") if module else []
            if not is_package:
                package = package[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)] if len(package) >= level - 1 else []
            absolute = ".".join([*package, absolute] if absolute else package)
        if absolute:
            found.add(absolute)
        for text in _first_names((names or b"").strip(b"()")):
            found.add(f"{absolute}.{text}" if absolute else text)
    return found


def _import_statements(data: bytes) -> Iterator[re.Match[bytes]]:
    """The matches `_IMPORTS.finditer(data)` gives, found from each `import` in the bytes instead of trying
    the pattern at every position (its start, a line start or `;`/`:`, gives the engine no literal to skip
    ahead by: that was most of the prefilter's time). A match holds the word `import` on the logical line
    it starts on, so it starts at a line start, `;` or `:` between that logical line's start and the word."""
    pos = 0
    match = _IMPORTS.match
    at = data.find(b"import")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        while start >= 2 and data[start - 2] == 0x5C or start >= 3 and data[start - 3 : start] == b"\\\r\n":
            start = data.rfind(b"\n", 0, start - 1) + 1  # the line before ends in a continuation
        for candidate in _STARTS.finditer(data, max(start, pos), at + 1):
            found = match(data, candidate.start())
            if found is not None:
                yield found
                pos = found.end()
                break
        at = data.find(b"import", max(at + 1, pos))


_COMMENT_OR_CONTINUATION = re.compile(rb"#[^\n]*|\\\r?\n")
_BLANKS = re.compile(r"\s+")


def _first_names(clause: bytes) -> list[str]:
    """`a.b as c, d` -> ["a.b", "d"]: the dotted name that starts each comma-separated part."""
    out = []
    if b"#" in clause or b"\\" in clause:
        clause = _COMMENT_OR_CONTINUATION.sub(b" ", clause)
    for part in clause.split(b","):
        match = _NAME.match(part)
        if match:
            out.append(_clean(match.group(1)))
    return out


def _clean(name: bytes) -> str:
    text = name.decode("utf-8", "replace")
    # an identifier holds no blank: most names are dotted identifiers, with nothing to take out
    return text if text.replace(".", "_").isidentifier() else _BLANKS.sub("", text)


def root_package(root: Path, paths: Iterable[str]) -> str | None:
    """The name the analysed root goes by when it is itself a package (`paths`, the run's files, hold its
    `__init__.py`): code inside imports it from the folder above, `from rabbit.tools.conn import ...` for
    `tools/conn.py` when `rabbit/` is analysed."""
    return root.name if root.name.isidentifier() and "__init__.py" in paths else None


def module_names(path: str, module: str, import_name: str) -> set[str]:
    """Every name under which the resolver indexes a module (see resolve.Project)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    # every dotted suffix of the path: a superset of the resolver's namespace names at each folder above the module
    names = {module, import_name, *(".".join(parts[cut:]) for cut in range(len(parts)))}
    return {n for n in names if n}


Scan = tuple[list[str], bool]  # (the dotted names a file's imports could load, whether its bytes name a trigger)


def scan(f: ScanFile, trigger: re.Pattern[bytes]) -> Scan:
    """What the prefilter reads from one file's bytes (a function of its path, module and bytes, and the trigger)."""
    names = sorted(imported_names(f.data, f.module, f.path.endswith("__init__.py")))
    return names, _finds(trigger, f.data) or _inhouse_shape(f.data)


def _finds(trigger: re.Pattern[bytes], data: bytes) -> bool:
    """`trigger.search(data) is not None`, found from each occurrence of the literals a match must start with.

    The trigger (`\\b(?:word|...)\\b|fragment|...`) opens with a word boundary, which gives the regular
    expression engine no literal to skip ahead by: it tries the pattern at every byte. Every match starts with
    one of the literals, so trying the pattern only where one occurs (`bytes.find`, a fast substring search)
    answers the same. A pattern of another shape is searched as it is."""
    literals = _literal_starts(trigger)
    if literals is None:
        return trigger.search(data) is not None
    match = trigger.match  # `\\b` at a position looks at the byte before it
    for base, members in _contained(literals):
        at = data.find(base)
        if at == -1:
            continue  # nor is any literal that contains it (`aiokafka`, `confluent_kafka` for `kafka`)
        for literal in members:
            at = data.find(literal) if literal is not base else at
            while at != -1:
                if match(data, at) is not None:
                    return True
                at = data.find(literal, at + 1)
    return False


@functools.lru_cache(maxsize=8)
def _contained(literals: tuple[bytes, ...]) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    """The literals grouped under one each contains (itself when it contains no other), that one first: a file
    without `kafka` holds neither `aiokafka` nor `confluent_kafka`, so one search rules out the group."""
    groups: dict[bytes, list[bytes]] = {}
    for literal in literals:
        inner = [other for other in literals if other != literal and other in literal]
        # the shortest it contains, which contains no other (that one would be shorter and contained too)
        base = min(inner, key=lambda b: (len(b), b)) if inner else literal
        groups.setdefault(base, [base])
        if literal != base:
            groups[base].append(literal)
    return tuple((base, tuple(members)) for base, members in groups.items())


@functools.lru_cache(maxsize=8)
def _literal_starts(trigger: re.Pattern[bytes]) -> tuple[bytes, ...] | None:
    """The words and fragments of a pattern `triggers` built, or None when the pattern is not exactly that shape
    (rebuilt from the pieces found, it must give the same bytes, every piece a non-empty literal)."""
    text, flags = trigger.pattern, trigger.flags
    if not isinstance(text, bytes) or flags != re.compile(b"").flags:
        return None
    head, tail = rb"\b(?:", rb")\b"
    words: list[bytes] = []
    rest = text
    if text.startswith(head):
        end = text.find(tail)
        pieces = _literal_alternatives(text[len(head) : end]) if end != -1 else None
        if pieces is None:
            return None
        words, rest = pieces, text[end + len(tail) :]
        if rest and not rest.startswith(b"|"):
            return None
        rest = rest[1:]
    fragments = _literal_alternatives(rest) if rest else []
    if fragments is None or not words + fragments or not all(words + fragments):
        return None
    rebuilt = [head + b"|".join(re.escape(w) for w in words) + tail] if words else []
    rebuilt += [re.escape(f) for f in fragments]
    return tuple(words + fragments) if b"|".join(rebuilt) == text else None


def _literal_alternatives(text: bytes) -> list[bytes] | None:
    """`a|b\\.c` -> [b"a", b"b.c"]; None if an unescaped character other than `|` has a meaning in a pattern."""
    out: list[bytes] = []
    piece = bytearray()
    i = 0
    while i < len(text):
        byte = text[i : i + 1]
        if byte == b"\\":
            if i + 1 == len(text) or text[i + 1 : i + 2].isalnum():
                return None  # `\\b`, `\\d`, ...: not an escaped literal
            piece += text[i + 1 : i + 2]
            i += 2
            continue
        if byte == b"|":
            out.append(bytes(piece))
            piece = bytearray()
        elif byte in b".^$*+?{}[]()":
            return None
        else:
            piece += byte
        i += 1
    out.append(bytes(piece))
    return out


# where a Django project keeps its settings (`<project>/settings.py`, or a package of them)
DJANGO_SETTINGS_FILES = ("/settings.py", "/settings/__init__.py")


def relevant(
    files: Sequence[ScanFile],
    patterns: PatternSet | re.Pattern[bytes],
    template_texts: Iterable[str] = (),
    scans: Sequence[Scan | None] = (),
    package: str | None = None,
) -> set[str]:
    """The paths of the files that can matter to the facts (see the module docstring).

    `patterns` is the loaded packs or their `triggers`; `scans` may give each file's `scan` as a previous run
    found it (None: scan it now); `package` is the root's own package name (`root_package`).
    """
    trigger = patterns if isinstance(patterns, re.Pattern) else triggers(patterns)
    by_name: dict[str, list[int]] = defaultdict(list)
    for index, f in enumerate(files):
        for name in module_names(f.path, f.module, f.import_name):
            by_name[name].append(index)
    template_words: set[str] = set()
    for text in template_texts:
        template_words.update(_WORD.findall(text))

    imports: list[set[int]] = []
    named: dict[str, frozenset[int]] = {}
    importers: dict[int, set[int]] = defaultdict(set)
    seeds: list[int] = []
    django: set[int] = set()
    for index, f in enumerate(files):
        known = scans[index] if index < len(scans) else None
        names, seeded = known if known is not None else scan(f, trigger)
        if any(n == "django.conf" or n.startswith("django.conf.") for n in names):
            django.add(index)
        targets: set[int] = set()
        for dotted in names:
            found = named.get(dotted)
            if found is None:  # most names are imported by many files (`typing`, a shared models module)
                found = named[dotted] = _files_named(dotted, by_name, package)
            targets.update(found)
        targets.discard(index)
        imports.append(targets)
        for target in targets:
            importers[target].add(index)
        stem = f.path.rsplit("/", 1)[-1][:-3]
        if seeded or stem in template_words:
            seeds.append(index)

    kept = _closure(seeds, lambda i: importers.get(i, ()))
    kept = _closure(sorted(kept), lambda i: imports[i])
    if any(i in django for i in kept):
        # `from django.conf import settings`: the values are in the project's settings module, which nothing imports
        # (and the files that name it: `os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)` in manage.py)
        settings = [
            i
            for i, f in enumerate(files)
            if i not in kept and (f"/{f.path}".endswith(DJANGO_SETTINGS_FILES) or b"DJANGO_SETTINGS_MODULE" in f.data)
        ]
        kept |= _closure(settings, lambda i: imports[i])
    return {files[i].path for i in kept}


def _files_named(dotted: str, by_name: Mapping[str, list[int]], package: str | None) -> frozenset[int]:
    """The files an import of `dotted` could name: every prefix of it (a package's `__init__`, the module)."""
    found: set[int] = set()
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        found.update(by_name.get(".".join(parts[:end]), ()))
    if package is not None and len(parts) > 1 and parts[0] == package:
        # the root package by its own name: its modules are indexed from the root
        for end in range(2, len(parts) + 1):
            found.update(by_name.get(".".join(parts[1:end]), ()))
    return frozenset(found)


def _closure(start: Iterable[int], step) -> set[int]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in step(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
