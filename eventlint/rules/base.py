"""The Rule base class: a code, a name, a severity, docs, typed options and the examples that test it.

A rule's docstring uses ruff's sections (`## What it does`, `## Why is this bad?`,
`## How to fix it`); its `valid` and `invalid` examples are run by the test
suite and rendered by `eventlint explain`. A line of an invalid example carrying
`# expect: CODE` is where the finding must be.
"""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import functools
import inspect
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from eventlint.catalog import Catalog
from eventlint.config import Config
from eventlint.facts import (
    Diagnostic,
    Handler,
    ProjectFacts,
    Publication,
    SiteRef,
    Subscription,
)
from eventlint.graph import EventGraph, build_graph
from eventlint.identity import Identity
from eventlint.routes import Flow
from eventlint.rules.schema_view import Schemas
from eventlint.runtime import Comparison, compare
from eventlint.traces import Observations


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Example:
    """A small project for a rule's tests and docs: `source` is `app.py`; `files` add more; `config` is eventlint.yaml."""

    source: str
    files: Mapping[str, str] = field(default_factory=dict)
    config: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    path: str = "app.py"

    def all_files(self) -> dict[str, str]:
        """Every file of the example, dedented, by root-relative path."""
        out = {self.path: _dedent(self.source)}
        out.update({path: _dedent(text) for path, text in self.files.items()})
        if self.config:
            out["eventlint.yaml"] = _dedent(self.config)
        return out


@dataclass(frozen=True)
class NoOptions:
    """This rule has no options."""


class Rule:
    """Base of every rule. Subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    default_enabled: ClassVar[bool] = True
    Options: ClassVar[type] = NoOptions
    valid: ClassVar[list[Example]] = []
    invalid: ClassVar[list[Example]] = []

    def __init__(self, options: Any = None) -> None:
        self.options = options if options is not None else self.Options()

    # -- what a rule does ----------------------------------------------------------

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        """Findings for the whole project."""
        raise NotImplementedError

    def finding(
        self,
        where: Publication | Subscription | Handler | SiteRef | tuple[str, int, int],
        message: str,
        hint: str | None = None,
        service: str | None = None,
        event: str | None = None,
    ) -> Diagnostic:
        """A finding of this rule at a record's site (or a (path, line, column))."""
        if isinstance(where, tuple):
            path, line, column = where
        else:
            path, line, column = where.path, where.line, where.column
        if service is None:
            service = getattr(where, "service", None)
        if event is None:
            event = getattr(where, "event", None)
        return Diagnostic(
            code=self.code,
            message=message,
            path=path,
            line=line,
            column=column,
            severity=self.severity.value,
            hint=hint,
            service=service,
            event=event,
        )

    # -- documentation ---------------------------------------------------------------

    @classmethod
    def summary(cls) -> str:
        """The docstring's first line."""
        return inspect.cleandoc(cls.__doc__ or "").splitlines()[0] if cls.__doc__ else cls.name

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's `## Title` sections, in order."""
        text = inspect.cleandoc(cls.__doc__ or "")
        parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
        return {title.strip(): body.strip() for title, body in zip(parts[1::2], parts[2::2])}

    @classmethod
    def option_fields(cls) -> list[dataclasses.Field[Any]]:
        return list(dataclasses.fields(cls.Options)) if dataclasses.is_dataclass(cls.Options) else []

    @classmethod
    def option_docs(cls) -> dict[str, str]:
        """`name: what it does` lines from the Options class docstring (`- name: text`)."""
        docs: dict[str, str] = {}
        for line in inspect.cleandoc(cls.Options.__doc__ or "").splitlines():
            match = re.match(r"-\s*`?(\w+)`?\s*:\s*(.+)", line.strip())
            if match:
                docs[match.group(1)] = match.group(2).strip()
        return docs


class ProjectRule(Rule):
    """A rule over the whole project: implement `check(ctx)` and read `ctx.facts`, `ctx.catalog`, `ctx.config`."""


class HandlerRule(Rule):
    """A rule about what handlers do; `check_handler` sees one handler at a time."""

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for handler in ctx.facts.handlers:
            if handler.role == "handler":
                yield from self.check_handler(handler, ctx)

    def check_handler(self, handler: Handler, ctx: RuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError


class PublicationRule(Rule):
    """A rule about publications; `check_publication` sees one at a time."""

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for publication in ctx.facts.publishers:
            yield from self.check_publication(publication, ctx)

    def check_publication(self, publication: Publication, ctx: RuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError


class SubscriptionRule(Rule):
    """A rule about subscriptions; `check_subscription` sees one at a time."""

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for subscription in ctx.facts.subscribers:
            yield from self.check_subscription(subscription, ctx)

    def check_subscription(self, subscription: Subscription, ctx: RuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError


@dataclass(frozen=True)
class RuleContext:
    """What every rule may read: the facts, the configuration, the catalog, and lookups over them."""

    facts: ProjectFacts
    config: Config
    catalog: Catalog
    traces: Observations | None = None

    @cached_property
    def graph(self) -> EventGraph:
        """The event graph (services, events, handlers, contexts), built once per run for project rules."""
        return build_graph(self.facts, self.config, self.catalog, self.identity, self.flow)

    @cached_property
    def identity(self) -> Identity:
        """Which event each record stands for, under whichever name (identity.py); the graph and the rules share it."""
        return Identity.of(self.facts, self.catalog)

    @cached_property
    def flow(self) -> Flow:
        """Which publication reaches which subscription (routes.py), built once per run for the rules that follow hops."""
        return Flow(self.facts, self.catalog, identity=self.identity)

    @cached_property
    def runtime(self) -> Comparison | None:
        """The traces of the run (`--traces`) against the event graph; None without traces."""
        return None if self.traces is None else compare(self.traces, self.graph, self.config, self.catalog)

    @cached_property
    def schemas(self) -> Schemas:
        """The catalog's schemas, loaded on first use (compat.SchemaError for a broken one)."""
        return Schemas(self.catalog, self.config.root)

    @cached_property
    def handlers_by_name(self) -> dict[str, Handler]:
        return {h.name: h for h in self.facts.handlers}

    @cached_property
    def publications_at(self) -> dict[tuple[str, int, int], list[Publication]]:
        index: dict[tuple[str, int, int], list[Publication]] = {}
        for p in self.facts.publishers:
            index.setdefault((p.path, p.line, p.column), []).append(p)
        return index

    @cached_property
    def subscriptions_of(self) -> dict[str, list[Subscription]]:
        """Subscriptions by handler name."""
        index: dict[str, list[Subscription]] = {}
        for s in self.facts.subscribers:
            if s.handler:
                index.setdefault(s.handler, []).append(s)
        return index

    def publications_of(self, handler: Handler) -> list[Publication]:
        """The publications a handler causes, directly or through the functions it calls."""
        return [p for ref in handler.publications for p in self.publications_at.get((ref.path, ref.line, ref.column), ())]


def matches(value: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Case-sensitive glob match of a qualified name or text against any pattern."""
    return bool(patterns) and _glob_matcher(tuple(patterns))(value)


_GLOB_SIGNS = re.compile(r"[*?\[]")


@functools.lru_cache(maxsize=4096)
def _glob_matcher(patterns: tuple[str, ...]) -> typing.Callable[[str], bool]:
    """`fnmatch.fnmatchcase` against any of the patterns, as one function: rules ask this for every call of every
    handler. Most globs are a name (`requests.post`), a name's end (`*.commit`), its start or a part of it
    (`*charge*`): those are string tests; the rest are one compiled alternation (compiling the knowledge lists'
    alternations whole was 25 ms, 8 % of the rules on a cold run of the 205k benchmark)."""
    exact: set[str] = set()
    ends: list[str] = []
    starts: list[str] = []
    parts: list[str] = []
    other: list[str] = []
    for p in patterns:
        lead, trail = p.startswith("*"), p.endswith("*") and len(p) > 1
        core = p[1 if lead else 0 : len(p) - 1 if trail else len(p)]
        if not p or _GLOB_SIGNS.search(core):
            other.append(p)
        elif lead and trail:
            parts.append(core)
        elif lead:
            ends.append(core)  # `*` alone: every value ends with ""
        elif trail:
            starts.append(core)
        else:
            exact.add(p)
    ending, starting = tuple(ends), tuple(starts)
    union = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in other)) if other else None

    def match(value: str) -> bool:
        return (
            value in exact
            or bool(ending and value.endswith(ending))
            or bool(starting and value.startswith(starting))
            or any(part in value for part in parts)
            or (union is not None and union.match(value) is not None)
        )

    return match


def coerce_options(rule: type[Rule], raw: Mapping[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
    """Options from configuration, and every problem as (key, what was expected)."""
    problems: list[tuple[str, str]] = []
    known = {f.name: f for f in rule.option_fields()}
    values: dict[str, Any] = {}
    hints = typing.get_type_hints(rule.Options) if known else {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in known:
            choices = ", ".join(sorted(known)) or "none"
            problems.append((key, f"unknown option of {rule.code}; expected one of: {choices}"))
            continue
        expected = hints.get(name)
        converted, problem = _convert(value, expected)
        if problem:
            problems.append((key, problem))
        else:
            values[name] = converted
    return rule.Options(**values), problems


def _convert(value: Any, expected: Any) -> tuple[Any, str | None]:
    origin = typing.get_origin(expected)
    if origin is typing.Literal:
        choices = typing.get_args(expected)
        if value in choices:
            return value, None
        return None, f"expected one of {', '.join(map(str, choices))}, got {value!r}"
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, f"expected a list of strings, got {value!r}"
        return tuple(value), None
    if expected is bool:
        return (value, None) if isinstance(value, bool) else (None, f"expected true or false, got {value!r}")
    if expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (None, f"expected an integer, got {value!r}")
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value), None) if ok else (None, f"expected a number, got {value!r}")
    if expected is str:
        return (value, None) if isinstance(value, str) else (None, f"expected a string, got {value!r}")
    return value, None


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).lstrip("\n")
