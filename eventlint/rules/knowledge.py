"""The side-effect knowledge of the delivery rules, read from rules/knowledge/side-effects.yaml
(the calls EDA501 takes as inert, from rules/knowledge/inert-calls.yaml, and the best-effort and
recording calls of EDA502 and EDA402, from rules/knowledge/failure-handling.yaml).

An entry is a glob on a call (`named`'s convention: with a dot, the qualified name or source
text; without, the called function's own name), optionally with one condition written
`GLOB if keyword NAME[|NAME]`, `GLOB if literal REGEX` or `GLOB if field KEY[|KEY]`; the YAML's
mapping form (`{call: GLOB, literal: REGEX}`) is turned into that string, which is also what a
team writes in a rule option or a `classify` policy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from eventlint import schemas
from eventlint.config import FAST_SAFE_LOADER
from eventlint.facts import HandlerCall
from eventlint.resources import rules_dir
from eventlint.rules.handler_queries import named

CONDITIONS = ("keyword", "literal", "field")


@dataclass(frozen=True)
class Knowledge:
    """The built-in knowledge file, as option-ready strings."""

    effects: dict[str, tuple[str, ...]]
    dedup_calls: tuple[str, ...]
    conditional_writes: tuple[str, ...]
    marker_writes: tuple[str, ...]
    keywords: tuple[str, ...]
    headers: tuple[str, ...]
    upsert_sql: str
    duplicate_errors: tuple[str, ...]
    once_frameworks: tuple[str, ...] = ()
    redelivering: tuple[str, ...] = ()  # "ack:after-handler", "retry:on-error"
    retry_calls: tuple[str, ...] = ()
    rollback_decorators: tuple[str, ...] = ()
    created_flags: tuple[str, ...] = ()


def entry_text(entry: str | dict[str, Any]) -> str:
    """The string form of a YAML entry."""
    if isinstance(entry, str):
        return entry
    (kind, value), = ((k, v) for k, v in entry.items() if k != "call")
    if isinstance(value, list):
        value = "|".join(value)
    return f"{entry['call']} if {kind} {value}"


def _shipped(name: str, schema: str) -> dict:
    """A knowledge file shipped in rules/knowledge/, read safely and validated against its schema."""
    path = rules_dir() / "knowledge" / name
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_SAFE_LOADER)
    found = schemas.problems(data, schema)
    if found:
        key, message = found[0]
        raise ValueError(f"{path}: {key}: {message}")
    return data


@functools.cache
def load() -> Knowledge:
    """Read and validate the shipped knowledge file (a mistake in it is a bug: it raises)."""
    data = _shipped("side-effects.yaml", "side_effects")
    dedup = data["dedup"]
    redelivery = data.get("redelivery", {})
    return Knowledge(
        effects={k: tuple(entry_text(e) for e in v) for k, v in data["effects"].items()},
        dedup_calls=tuple(entry_text(e) for e in dedup["calls"]),
        conditional_writes=tuple(entry_text(e) for e in dedup["conditional-writes"]),
        marker_writes=tuple(entry_text(e) for e in dedup.get("marker-writes", ())),
        keywords=tuple(dedup["keywords"]),
        headers=tuple(dedup["headers"]),
        upsert_sql=dedup["upsert-sql"],
        duplicate_errors=tuple(dedup["duplicate-errors"]),
        once_frameworks=tuple(redelivery.get("once", ())),
        redelivering=tuple(f"{k}:{v}" for setting in redelivery.get("redelivering", ()) for k, v in setting.items()),
        retry_calls=tuple(entry_text(e) for e in redelivery.get("retry-calls", ())),
        rollback_decorators=tuple(redelivery.get("rollback-decorators", ())),
        created_flags=tuple(entry_text(e) for e in dedup.get("created-flags", ())),
    )


@functools.lru_cache(maxsize=4096)
def _parse(entry: str) -> tuple[str, str | None, str | None]:
    glob, sep, rest = entry.partition(" if ")
    if not sep:
        return entry, None, None
    kind, _, value = rest.strip().partition(" ")
    if kind not in CONDITIONS or not value:
        # an option value a person wrote: take it as a plain glob rather than guess
        return entry, None, None
    return glob.strip(), kind, value.strip()


def matches_entry(call: HandlerCall, entry: str) -> bool:
    """The call matches one knowledge entry, condition included."""
    glob, kind, value = _parse(entry)
    if not named(call, (glob,)):
        return False
    if kind is None:
        return True
    assert value is not None
    if kind == "keyword":
        return bool(set(value.split("|")) & set(call.keywords))
    if kind == "field":
        return bool(set(value.split("|")) & set(call.fields))
    return any(re.search(value, text, re.IGNORECASE) for text in call.literals)


def matches_any(call: HandlerCall, entries: Iterable[str]) -> bool:
    """The call matches one of the entries.

    Asked for every call of every handler with a whole option list: the globs are matched together
    (one compiled alternation), and an entry's condition is read only when its own glob matches.
    """
    every, plain, conditional = _grouped(tuple(entries))
    if not every or not named(call, every):
        return False
    if plain and named(call, plain):
        return True
    return any(matches_entry(call, e) for e in conditional)


@functools.lru_cache(maxsize=1024)
def _grouped(entries: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(every entry's glob, the globs of the entries without a condition, the entries with one)."""
    parsed = [(e, _parse(e)) for e in entries]
    every = tuple(dict.fromkeys(glob for _, (glob, _, _) in parsed))
    plain = tuple(glob for _, (glob, kind, _) in parsed if kind is None)
    return every, plain, tuple(e for e, (_, kind, _) in parsed if kind is not None)


def bad_entries(entries: Iterable[str]) -> list[str]:
    """Entries whose condition cannot be read (for a clear message where options are checked)."""
    out = []
    for entry in entries:
        _, sep, rest = entry.partition(" if ")
        if sep:
            kind, _, value = rest.strip().partition(" ")
            if kind not in CONDITIONS or not value:
                out.append(entry)
            elif kind == "literal":
                try:
                    re.compile(value)
                except re.error:
                    out.append(entry)
    return out


@dataclass(frozen=True)
class Ordering:
    """The ordered transports of rules/knowledge/ordering.yaml."""

    partitioned: tuple[str, ...]
    fifo_publishers: tuple[str, ...]
    fifo_consumers: tuple[str, ...]
    fifo_channels: tuple[str, ...]


@functools.cache
def ordering() -> Ordering:
    """Read and validate the shipped ordering knowledge (a mistake in it is a bug: it raises)."""
    data = _shipped("ordering.yaml", "ordering")
    fifo = data["fifo"]
    return Ordering(
        partitioned=tuple(data["partitioned"]),
        fifo_publishers=tuple(fifo["publishers"]),
        fifo_consumers=tuple(fifo["consumers"]),
        fifo_channels=tuple(fifo["channels"]),
    )


@functools.cache
def inert_calls() -> dict[str, tuple[str, ...]]:
    """The shipped inert calls of rules/knowledge/inert-calls.yaml, by group (a mistake in it is a bug: it raises)."""
    return {group: tuple(entries) for group, entries in _inert_file()["inert"].items()}


def state_by_assignment() -> tuple[str, ...]:
    """Frameworks whose handlers keep durable state by plain assignment (rules/knowledge/inert-calls.yaml)."""
    return tuple(_inert_file().get("state-by-assignment", ()))


@functools.cache
def _inert_file() -> dict:
    return _shipped("inert-calls.yaml", "inert_calls")


@dataclass(frozen=True)
class FailureHandling:
    """rules/knowledge/failure-handling.yaml, with the side-effect groups it names folded in."""

    best_effort: tuple[str, ...]  # calls that notify a person: their failure a team commonly accepts
    preparing: tuple[str, ...]  # calls that only build, address or authorise such a notification
    recording: tuple[str, ...]  # writes that record a failure durably
    groups: dict[str, tuple[str, ...]]  # the file's own entries by `section.group`, for the tests


@functools.cache
def failure_handling() -> FailureHandling:
    """Read and validate the shipped failure-handling knowledge (a mistake in it is a bug: it raises)."""
    data = _shipped("failure-handling.yaml", "failure_handling")
    effects = load().effects
    groups = {f"best-effort.{k}": tuple(v) for k, v in data["best-effort"].items()}
    groups.update({f"preparing.{k}": tuple(v) for k, v in data["preparing"].items()})
    groups["recording"] = tuple(data["recording"])
    best_effort = [e for k, v in groups.items() if k.startswith("best-effort.") for e in v]
    best_effort += [e for g in data.get("effect-groups", ()) for e in effects[g]]
    recording = list(data["recording"]) + [e for g in data.get("recording-effect-groups", ()) for e in effects[g]]
    return FailureHandling(
        best_effort=tuple(dict.fromkeys(best_effort)),
        preparing=tuple(e for k, v in groups.items() if k.startswith("preparing.") for e in v),
        recording=tuple(dict.fromkeys(recording)),
        groups=groups,
    )
