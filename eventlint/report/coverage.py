"""What a check could judge: how much of the messaging code it recognised and resolved.

A clean report means something only when the checks had something to judge. The
reports (text, concise, JSON, SARIF) therefore say, from the facts alone, when a
run checked little:

- `nothing-recognised`: no publisher or subscriber was recognised;
- `mostly-unresolved`: more than `unresolved-share` of the recognised sites have
  a destination that is not statically known (the flow checks cannot pair them);
- `no-subscriber` / `no-publisher`: one side only was recognised, and the
  configuration does not say the other side lives elsewhere (`external`);
- `unrecognised-imports`: a service with no site at all has files importing a
  messaging library's client, and no site of that library is recognised anywhere
  (a service with sites imports libraries as its transport, for types or for
  declarations; an application framework recognised elsewhere also serves HTTP
  and RPC: neither says anything);
- `imports-without-sites`: beside another limit, the files that import a messaging
  library but hold none of its sites (where the unrecognised code may be).

An import of a library's errors, exceptions or types only (`support_only` in the
facts) is listed under `imports` but is never a limit.

Each limit is a sentence with the counts; `next` is the command to run next.
Thresholds and the libraries whose import alone says nothing (a `boto3` client
is as often S3 as SNS) are the `coverage` table of the configuration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eventlint.facts import ProjectFacts, Publication, Subscription

# Defaults of the configuration's `coverage` table (docs/configuration.md).
UNRESOLVED_SHARE = 0.5
# libraries used for much more than messaging: their import says nothing about unrecognised messaging code
SHARED_MODULES = ("boto3", "aiobotocore", "redis")
# categories of `unresolved` whose destination is still judged: a template by its pattern, a broker-named queue by its bindings
PARTLY_KNOWN = ("partial", "broker-named")
# the reason `facts --unresolved` gives a site that records no name, no expression and no reason
NO_VALUE = "no-value"
NO_VALUE_DETAIL = "no channel or event was read at this call (the argument is absent, or built in a way eventlint does not follow, such as a comprehension)"
UNRESOLVED_NEXT = "eventlint facts --unresolved"
NOTHING_NEXT = "eventlint facts --format text"


@dataclass(frozen=True)
class Options:
    """The configuration's `coverage` table."""

    unresolved_share: float = UNRESOLVED_SHARE
    shared_modules: tuple[str, ...] = SHARED_MODULES
    external_consumed: bool = False  # `external.consumed` is declared: consumers elsewhere are known
    external_published: bool = False

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> Options:
        """From a configuration's raw mapping (already schema-valid)."""
        table = raw.get("coverage") or {}
        external = raw.get("external") or {}
        return cls(
            unresolved_share=float(table.get("unresolved-share", UNRESOLVED_SHARE)),
            shared_modules=tuple(table.get("shared-modules", SHARED_MODULES)),
            external_consumed=bool(external.get("consumed")),
            external_published=bool(external.get("published")),
        )


@dataclass(frozen=True)
class Limit:
    """One reason the run checked less than it seems: `kind` (stable, for machines) and a sentence."""

    kind: str
    message: str


@dataclass(frozen=True)
class ImportCount:
    """A messaging library imported in the project: in how many files, and in how many of them no site was found."""

    module: str
    files: int
    without_sites: int


@dataclass(frozen=True)
class Coverage:
    """What a run could judge (module docstring)."""

    files: int
    sites: int
    unresolved: int
    imports: tuple[ImportCount, ...]
    limits: tuple[Limit, ...]
    next: str | None

    @property
    def limited(self) -> bool:
        return bool(self.limits)

    def to_json(self) -> dict[str, Any]:
        return {
            "limited": self.limited,
            "sites": self.sites,
            "unresolved_sites": self.unresolved,
            "limits": [{"kind": limit.kind, "message": limit.message} for limit in self.limits],
            "imports": [{"module": i.module, "files": i.files, "files_without_sites": i.without_sites} for i in self.imports],
            "next": self.next,
        }


def destination_unknown(record: Publication | Subscription) -> bool:
    """Its destination is not known, not even in part, and it is not a wrapper's inner call (whose call sites carry
    the names: those are the sites): what `facts --unresolved` lists as a site with an unknown destination."""
    if record.event is not None or record.channel is not None:
        return False
    if record.unresolved is not None:
        return record.unresolved.partition(": ")[0] not in PARTLY_KNOWN
    return record.event_expr is None and record.channel_expr is None  # nothing read at all (NO_VALUE)


def _is_wrapper_inner(record: Publication | Subscription) -> bool:
    return record.event is None and record.channel is None and record.unresolved is None and bool(record.event_expr or record.channel_expr)


def assess(facts: ProjectFacts, options: Options | None = None) -> Coverage:
    """The coverage of a run over `facts` (several projects' facts summed work the same way)."""
    options = options or Options()
    sites: dict[tuple[str, str, int, int], bool] = {}  # (kind, path, line, column) -> destination unknown
    publications: dict[tuple[str, int, int], str] = {}
    subscriptions: dict[tuple[str, int, int], str] = {}
    by_file: dict[str, set[str]] = defaultdict(set)  # path -> frameworks with a site there
    for kind, records, sides in (("publisher", facts.publishers, publications), ("subscriber", facts.subscribers, subscriptions)):
        for r in records:
            by_file[r.path].add(r.framework)
            if _is_wrapper_inner(r):
                continue
            key = (kind, r.path, r.line, r.column)
            sites[key] = sites.get(key, False) or destination_unknown(r)
            sides[(r.path, r.line, r.column)] = r.framework
    unresolved = sum(1 for unknown in sites.values() if unknown)
    imports = _imports(facts, by_file)
    limits: list[Limit] = []
    quiet = set(options.shared_modules)
    if not sites:
        limits.append(Limit("nothing-recognised", _nothing(facts, imports)))
    else:
        if unresolved and unresolved > options.unresolved_share * len(sites):
            limits.append(Limit("mostly-unresolved", _mostly(len(sites), unresolved, facts)))
        if publications and not subscriptions and not options.external_consumed:
            limits.append(
                Limit(
                    "no-subscriber",
                    f"no subscriber recognised: nothing here consumes what the {_plural(len(publications), 'publication')} "
                    f"{'sends' if len(publications) == 1 else 'send'}, so the flow checks had nothing to pair them with (consumers in another repository: declare them under `external.consumed`)",
                )
            )
        if subscriptions and not publications and not options.external_published:
            limits.append(
                Limit(
                    "no-publisher",
                    f"no publisher recognised: nothing here sends what the {_plural(len(subscriptions), 'subscription')} "
                    f"{'reads' if len(subscriptions) == 1 else 'read'}, so the flow checks had nothing to pair them with (publishers in another repository: declare them under `external.published`)",
                )
            )
        blind = _blind_services(facts, by_file, quiet)
        if blind:
            listed = "; ".join(f"{service or '(no service)'} ({_counted(mods)})" for service, mods in blind)
            limits.append(
                Limit(
                    "unrecognised-imports",
                    f"messaging libraries imported in services where no publisher or subscriber was recognised: {listed}; "
                    "what they send or receive was not checked",
                )
            )
    kinds = {limit.kind for limit in limits}
    if "mostly-unresolved" in kinds or unresolved and kinds & {"no-subscriber", "no-publisher"}:
        next_step: str | None = UNRESOLVED_NEXT
    else:
        next_step = NOTHING_NEXT if limits else None
    if limits and "unrecognised-imports" not in kinds and "nothing-recognised" not in kinds:
        bare = [i for i in imports if i.without_sites and i.module not in quiet]
        if bare:  # not a limit of its own (a site of the library is recognised elsewhere), but where to look
            listed = ", ".join(f"{i.module} in {_plural(i.without_sites, 'file')}" for i in bare)
            limits.append(Limit("imports-without-sites", f"imported where no publisher or subscriber was recognised: {listed}"))
    return Coverage(facts.files, len(sites), unresolved, imports, tuple(limits), next_step)


def _imports(facts: ProjectFacts, by_file: Mapping[str, set[str]]) -> tuple[ImportCount, ...]:
    files: dict[str, set[str]] = defaultdict(set)
    bare: dict[str, set[str]] = defaultdict(set)
    for seen in facts.imports:
        files[seen.module].add(seen.path)
        if not seen.support_only and seen.path not in by_file:
            # no site at all in the file: a file with another library's sites imports this one as its transport or
            # for its types (FastStream's `aio_pika.RobustConnection`), which says nothing of unrecognised code
            bare[seen.module].add(seen.path)
    return tuple(ImportCount(m, len(files[m]), len(bare[m])) for m in sorted(files, key=lambda m: (-len(files[m]), m)))


def _blind_services(facts: ProjectFacts, by_file: Mapping[str, set[str]], quiet: set[str]) -> list[tuple[str | None, list[tuple[str, int]]]]:
    """The services with no site at all whose files import a messaging library's client, of a library with no site
    anywhere: (service, [(library, files)]). A service with sites imports libraries as their transport, for types or
    for declarations (kombu's `Exchange` beside nameko's publishers), and a library recognised elsewhere may serve
    HTTP or RPC in the others (nameko, tomodachi, FastStream apps): neither says anything of unrecognised code."""
    with_sites = {r.service for records in (facts.publishers, facts.subscribers) for r in records}
    with_sites |= {seen.service for seen in facts.imports if seen.path in by_file}
    recognised = {r.framework for records in (facts.publishers, facts.subscribers) for r in records}
    files: dict[str | None, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for seen in facts.imports:
        if seen.support_only or seen.module in quiet or seen.path in by_file or seen.service in with_sites:
            continue
        if set(seen.frameworks) & recognised:
            continue  # the library is recognised elsewhere: an application framework (nameko, tomodachi) also serves HTTP and RPC
        files[seen.service][seen.module].add(seen.path)
    return [
        (service, sorted(((m, len(paths)) for m, paths in mods.items()), key=lambda item: (-item[1], item[0])))
        for service, mods in sorted(files.items(), key=lambda item: item[0] or "")
    ]


def _nothing(facts: ProjectFacts, imports: Iterable[ImportCount]) -> str:
    seen = list(imports)
    if facts.files == 0:
        return "no Python file found"
    text = f"no publisher or subscriber recognised in {_plural(facts.files, 'file')}"
    if seen:
        listed = ", ".join(f"{i.module} in {_plural(i.files, 'file')}" for i in seen)
        return f"{text}, though messaging libraries are imported ({listed}): their calls were not recognised"
    return f"{text}, and no messaging library eventlint knows is imported"


def _mostly(sites: int, unresolved: int, facts: ProjectFacts) -> str:
    counts: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, int, int, str]] = set()
    for records in (facts.publishers, facts.subscribers):
        for r in records:
            key = (r.path, r.line, r.column, type(r).__name__)
            if key in seen or _is_wrapper_inner(r) or not destination_unknown(r):
                continue
            seen.add(key)
            counts[(r.unresolved or NO_VALUE).partition(": ")[0]] += 1
    why = ", ".join(f"{reason} × {n}" for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return (
        f"{unresolved} of {_plural(sites, 'messaging site')} {'has' if unresolved == 1 else 'have'} a destination eventlint could not resolve ({why}), "
        "so the checks that pair publishers with subscribers judged little"
    )


def _counted(mods: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{module} in {_plural(n, 'file')}" for module, n in mods)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
