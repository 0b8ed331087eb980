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
from fnmatch import fnmatchcase
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


def _shipped(name: str, schema: str, validate: bool = False) -> dict:
    """A knowledge file shipped in rules/knowledge/, read safely.

    Like the shipped framework packs (extract/patterns.py), these files are part of eventlint's code: the test
    suite checks each against its schema (tests/rules/test_knowledge_files.py, `validate=True`), so a run
    does not (checking them was 24 of the 108 ms CPU that importing the rules took)."""
    path = rules_dir() / "knowledge" / name
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_SAFE_LOADER)
    found = schemas.problems(data, schema) if validate else []
    if found:
        key, message = found[0]
        raise ValueError(f"{path}: {key}: {message}")
    return data


# every shipped knowledge file and the schema it is checked against (by the test suite: `_shipped`)
SHIPPED = {
    "side-effects.yaml": "side_effects",
    "ordering.yaml": "ordering",
    "inert-calls.yaml": "inert_calls",
    "example-code.yaml": "example_code",
    "failure-handling.yaml": "failure_handling",
}


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


def placeholder_hosts() -> tuple[str, ...]:
    """Host names reserved for documentation (RFC 2606, RFC 6761) of rules/knowledge/inert-calls.yaml."""
    return tuple(_inert_file().get("placeholder-hosts", ()))


# an absolute URL at the start of a literal, or of an f-string's source text (`f'http://example.com/{id}'`): its authority
_URL = re.compile(r"""^(?:[fFrRbBuU]{1,2}(?:'{1,3}|"{1,3}))?(?:https?|wss?)://([^/?#\s'"]*)""", re.IGNORECASE)


def url_hosts(call: HandlerCall) -> tuple[str | None, ...]:
    """The hosts of the absolute URLs the call is given as string literals (`post("http://example.com/x")`), in
    order; None for a URL whose host is not literal (`f"http://{host}/x"`)."""
    hosts: list[str | None] = []
    for literal in call.literals:
        found = _URL.match(literal)
        if found is None:
            continue
        host = found.group(1).rpartition("@")[2]
        host = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host.split(":", 1)[0]
        hosts.append(None if not host or any(ch in host for ch in "{}%") else host.lower().rstrip("."))
    return tuple(hosts)


def reserved_host(host: str, names: Iterable[str]) -> bool:
    """The host is one of the names or below one (`api.example.com` under `example.com`)."""
    return any(host == name or host.endswith("." + name) for name in names)


def placeholder_call(call: HandlerCall, names: Iterable[str]) -> bool:
    """The call is given absolute URLs as literals and every one names a reserved documentation host: a
    placeholder (`session.post("http://example.com/process", json=message)` in a demo), not a real service."""
    names = tuple(names)
    hosts = url_hosts(call)
    return bool(names) and bool(hosts) and all(h is not None and reserved_host(h, names) for h in hosts)


@functools.cache
def _inert_file() -> dict:
    return _shipped("inert-calls.yaml", "inert_calls")


@functools.cache
def example_folders() -> tuple[str, ...]:
    """Folders of example, demo and tutorial code (rules/knowledge/example-code.yaml; a mistake in it is a bug: it raises)."""
    return tuple(_shipped("example-code.yaml", "example_code")["folders"])


def in_example_folder(path: str, folders: Iterable[str]) -> bool:
    """A folder of the root-relative path (the file's own name and the analysed root's name aside) matches one
    of the globs, ignoring case: `library/examples/app.py` is example code for `examples`."""
    folders = tuple(folders)
    return bool(folders) and _folder_matches(path.replace("\\", "/").rpartition("/")[0], folders)


@functools.lru_cache(maxsize=4096)
def _folder_matches(directory: str, folders: tuple[str, ...]) -> bool:
    """Asked once per site of a run: each directory is judged once."""
    patterns = tuple(f.lower() for f in folders)
    return bool(directory) and any(fnmatchcase(part.lower(), p) for part in directory.split("/") for p in patterns)


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
