"""Score eventlint's facts against the hand labels of the field check (benchmarks/field/).

    python benchmarks/field/score.py /work/field-repos            # a table, per repository and in total
    python benchmarks/field/score.py /work/field-repos --json     # the same figures as JSON
    python benchmarks/field/score.py /work/field-repos --repo nameko_test --details

DIRECTORY holds one checkout per repository of `repos.yaml`, named after its `name` (fetch.md
says how to make them). For each repository the scorer runs `eventlint facts --format json
--no-cache` on the checkout (on `subdir` when repos.yaml names one), with the configuration the
labels name (`config:`, a path inside the checkout) or with none — a new user's first run — and
compares the facts with `labels/<name>.yaml`:

- **sites**: a labelled site and a reported record meet when they are of the same kind
  (publish / subscribe), in the same file, and their lines differ by at most `--tolerance`
  (default 2: a call split over lines, a decorator above its function). Sites are counted by
  location (kind, path, line), one to one, nearest line first.
- **names**: at matched locations, a labelled record whose `event` or `channel` is known is
  found when some reported record there carries one of those names (or one of the site's
  `aliases`); a reported record carrying a name is correct when every name it carries (its
  `event` and its `channel`) is among the names labelled there. A name reported where the label
  says `null` (only known at run time, or no logical event) counts against precision.
- **edges**: service -> event -> service. Reported edges are the pairs of records that eventlint's
  own flow (`eventlint.routes.Flow.reaches`: same event, same channel, patterns, AMQP bindings)
  connects; each record's service is the labelled service of its site (when it matched one), else
  the labelled service whose globs hold its path. Self-edges and records outside every labelled
  service make no edge. A reported edge (A, name, B) matches the labelled edge (A, event, B) when
  `name` is its `event` or one of its `aliases` (or starts with one of them followed by `/`: an
  AMQP `exchange/routing_key` or `exchange/{template}` on an edge labelled by its exchange).

The scorer is deterministic: same checkouts and labels, same output, byte for byte. It needs no
network; fetching the checkouts does (see fetch.md), which is why the field check runs on demand
and not in CI.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KINDS = ("publish", "subscribe")
DEFAULT_TOLERANCE = 2


class LabelError(Exception):
    """A labels file that does not have the documented shape."""


# -- labels ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    kind: str
    path: str
    line: int
    framework: str | None
    event: str | None
    channel: str | None
    service: str | None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in (self.event, self.channel, *self.aliases) if n)


@dataclass(frozen=True)
class Edge:
    source: str
    event: str
    target: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset((self.event, *self.aliases))


@dataclass(frozen=True)
class Labels:
    name: str
    services: Mapping[str, tuple[str, ...]]
    sites: tuple[Site, ...]
    edges: tuple[Edge, ...]
    config: str | None = None

    def service_of(self, path: str) -> str | None:
        """The labelled service whose globs hold `path` (first match in file order)."""
        for service, globs in self.services.items():
            if any(_glob_match(path, g) for g in globs):
                return service
        return None


def _glob_match(path: str, glob: str) -> bool:
    if glob.endswith("/"):
        return path.startswith(glob)
    return path == glob or path.startswith(glob + "/") or fnmatch.fnmatchcase(path, glob)


def load_labels(path: Path) -> Labels:
    """Read and check one labels file; a mistake names the file and the key."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = str(path)
    if not isinstance(data, dict):
        raise LabelError(f"{where}: expected a mapping")
    services_raw = data.get("services") or {}
    if not isinstance(services_raw, dict):
        raise LabelError(f"{where}: services: expected a mapping service -> list of globs")
    services = {str(k): tuple(v if isinstance(v, list) else [v]) for k, v in services_raw.items()}
    sites: list[Site] = []
    for i, raw in enumerate(data.get("sites") or []):
        key = f"{where}: sites[{i}]"
        if not isinstance(raw, dict):
            raise LabelError(f"{key}: expected a mapping")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise LabelError(f"{key}.kind: expected one of {KINDS}, got {kind!r}")
        if not isinstance(raw.get("path"), str) or not isinstance(raw.get("line"), int):
            raise LabelError(f"{key}: expected `path` (a string) and `line` (an integer)")
        for name in ("event", "channel"):
            if raw.get(name) is not None and not isinstance(raw.get(name), str):
                raise LabelError(f"{key}.{name}: expected a string or null")
        service = raw.get("service")
        if service is not None and service not in services:
            raise LabelError(f"{key}.service: {service!r} is not a labelled service")
        sites.append(
            Site(
                kind=kind,
                path=raw["path"],
                line=raw["line"],
                framework=raw.get("framework"),
                event=raw.get("event"),
                channel=raw.get("channel"),
                service=service,
                aliases=tuple(raw.get("aliases") or ()),
            )
        )
    edges: list[Edge] = []
    for i, raw in enumerate(data.get("edges") or []):
        key = f"{where}: edges[{i}]"
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("from", "event", "to")):
            raise LabelError(f"{key}: expected `from`, `event` and `to` (strings)")
        for end in ("from", "to"):
            if raw[end] not in services:
                raise LabelError(f"{key}.{end}: {raw[end]!r} is not a labelled service")
        edges.append(Edge(raw["from"], raw["event"], raw["to"], tuple(raw.get("aliases") or ())))
    return Labels(
        name=str(data.get("repo") or path.stem),
        services=services,
        sites=tuple(sites),
        edges=tuple(edges),
        config=data.get("config"),
    )


def load_repos(path: Path = HERE / "repos.yaml") -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    repos = data.get("repos") if isinstance(data, dict) else None
    if not isinstance(repos, list):
        raise LabelError(f"{path}: expected `repos:`, a list")
    return repos


# -- eventlint's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    kind: str
    path: str
    line: int
    event: str | None
    channel: str | None
    raw: Mapping[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in (self.event, self.channel) if n)


def run_eventlint(root: Path, config: Path | None, command: Sequence[str]) -> dict[str, Any]:
    """`eventlint facts --format json` on `root` (no cache, so the checkout stays untouched)."""
    args = [*command, "facts", str(root), "--format", "json", "--no-cache"]
    if config is not None:
        args += ["--config", str(config)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def records_of(facts: Mapping[str, Any]) -> list[Record]:
    out: list[Record] = []
    for kind, key in (("publish", "publishers"), ("subscribe", "subscribers")):
        for r in facts.get(key, []):
            out.append(Record(kind, r["path"], r["line"], r.get("event"), r.get("channel"), r))
    return out


def reported_links(facts: Mapping[str, Any], records: Sequence[Record]) -> list[tuple[Record, Record]]:
    """(publication, subscription) pairs eventlint's flow connects, as records of `records`."""
    pubs = [r for r in records if r.kind == "publish"]
    subs = [r for r in records if r.kind == "subscribe"]
    try:
        from eventlint.catalog import Catalog
        from eventlint.facts import ProjectFacts
        from eventlint.routes import Flow, template_pattern

        project = ProjectFacts.from_json(dict(facts))
        flow = Flow(project, Catalog())
    except Exception as exc:  # an eventlint whose flow API moved: say so, and judge by name equality
        print(f"score.py: edges judged by equal names, eventlint's Flow is unavailable ({exc!r})", file=sys.stderr)
        return [(p, s) for p in pubs for s in subs if p.names & s.names]
    # as the graph judges a subscription: by its names, or a queue the broker names by the bindings made through it
    bound = getattr(flow, "bound_broker_named", lambda s: False)

    def receives(s: Any) -> bool:
        return flow.judged(s) or bound(s)

    def sends(p: Any) -> bool:  # by its names, or its channel template (`direct_logs/{sys.argv[1]}`), as the graph does
        return flow.judged(p) or template_pattern(p.channel_expr) is not None

    # ProjectFacts keeps the JSON order, so the i-th publisher is the i-th record of its kind.
    by_identity_pub = {id(p): r for p, r in zip(project.publishers, pubs)}
    by_identity_sub = {id(s): r for s, r in zip(project.subscribers, subs)}
    return [
        (by_identity_pub[id(p)], by_identity_sub[id(s)])
        for p in flow.publications
        for s in flow.subscriptions
        if sends(p) and receives(s) and flow.reaches(p, s)
    ]


def link_name(pub: Record, sub: Record) -> str | None:
    """The name an edge goes by: the publication's event, else its channel, else the subscription's, else (as the
    graph names it) the publication's channel template (`direct_logs/{...}`: a run-time routing key)."""
    return pub.event or pub.channel or sub.event or sub.channel or pub.raw.get("channel_expr")


# -- scoring -----------------------------------------------------------------------------------


@dataclass
class Score:
    found: int = 0
    labelled: int = 0
    correct: int = 0
    reported: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.labelled if self.labelled else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.reported if self.reported else None

    def add(self, other: Score) -> None:
        self.found += other.found
        self.labelled += other.labelled
        self.correct += other.correct
        self.reported += other.reported

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "labelled": self.labelled,
            "correct": self.correct,
            "reported": self.reported,
            "recall": _round(self.recall),
            "precision": _round(self.precision),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


Location = tuple[str, str, int]


def match_locations(labelled: Iterable[Location], reported: Iterable[Location], tolerance: int) -> dict[Location, Location]:
    """One-to-one matching reported -> labelled: same kind and path, lines within tolerance, nearest first."""
    candidates = sorted(
        (abs(l[2] - r[2]), r, l)
        for r in set(reported)
        for l in set(labelled)
        if l[0] == r[0] and l[1] == r[1] and abs(l[2] - r[2]) <= tolerance
    )
    matched: dict[Location, Location] = {}
    used: set[Location] = set()
    for _, r, l in candidates:
        if r in matched or l in used:
            continue
        matched[r] = l
        used.add(l)
    return matched


@dataclass
class RepoResult:
    name: str
    sites: Score
    names: Score
    edges: Score
    missed_sites: list[Site]
    extra_sites: list[Record]
    wrong_names: list[tuple[Record, Site | None]]
    missed_names: list[Site]
    missed_edges: list[Edge]
    extra_edges: list[tuple[str, str, str]]
    error: str | None = None
    by_framework: dict[str, dict[str, Score]] = field(default_factory=dict)

    def to_json(self, details: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sites": self.sites.to_json(),
            "names": self.names.to_json(),
            "edges": self.edges.to_json(),
        }
        if self.error:
            out["error"] = self.error
        if details:
            out["missed_sites"] = [f"{s.kind} {s.path}:{s.line} {s.event or s.channel}" for s in self.missed_sites]
            out["extra_sites"] = [f"{r.kind} {r.path}:{r.line} {r.event or r.channel}" for r in self.extra_sites]
            out["missed_names"] = [f"{s.kind} {s.path}:{s.line} {sorted(s.names)}" for s in self.missed_names]
            out["wrong_names"] = [
                f"{r.kind} {r.path}:{r.line} reported {sorted(r.names)}, labelled {sorted(s.names) if s else None}"
                for r, s in self.wrong_names
            ]
            out["missed_edges"] = [f"{e.source} -> {e.event} -> {e.target}" for e in self.missed_edges]
            out["extra_edges"] = [f"{a} -> {n} -> {b}" for a, n, b in self.extra_edges]
        return out


def score_repo(labels: Labels, facts: Mapping[str, Any], tolerance: int = DEFAULT_TOLERANCE) -> RepoResult:
    """Compare one repository's facts with its labels."""
    records = records_of(facts)
    label_at: dict[Location, list[Site]] = {}
    for s in labels.sites:
        label_at.setdefault((s.kind, s.path, s.line), []).append(s)
    record_at: dict[Location, list[Record]] = {}
    for r in records:
        record_at.setdefault((r.kind, r.path, r.line), []).append(r)
    matched = match_locations(label_at, record_at, tolerance)
    matched_labels = set(matched.values())

    sites = Score(found=len(matched_labels), labelled=len(label_at), correct=len(matched), reported=len(record_at))
    missed_sites = sorted((s for loc, ss in label_at.items() if loc not in matched_labels for s in ss), key=_site_key)
    extra_sites = sorted((r for loc, rs in record_at.items() if loc not in matched for r in rs), key=_record_key)

    names = Score()
    missed_names: list[Site] = []
    wrong_names: list[tuple[Record, Site | None]] = []
    reported_at_label = {l: record_at[r] for r, l in matched.items()}
    for loc, ss in sorted(label_at.items()):
        here = reported_at_label.get(loc, [])
        for s in ss:
            if not s.names:
                continue
            names.labelled += 1
            if any(r.names & s.names for r in here):
                names.found += 1
            else:
                missed_names.append(s)
    for r_loc, l_loc in sorted(matched.items()):
        labelled_here = frozenset().union(*(s.names for s in label_at[l_loc]))
        for r in record_at[r_loc]:
            if not r.names:
                continue
            names.reported += 1
            # every name the record carries must be right: an envelope class or a builtin type
            # reported as the event is wrong even when the channel next to it is right
            if r.names <= labelled_here:
                names.correct += 1
            else:
                wrong_names.append((r, label_at[l_loc][0]))

    # edges
    site_of_record: dict[int, Site] = {}
    for r_loc, l_loc in matched.items():
        for r in record_at[r_loc]:
            candidates = [s for s in label_at[l_loc] if s.names & r.names] or label_at[l_loc]
            site_of_record[id(r)] = candidates[0]

    def service(r: Record) -> str | None:
        site = site_of_record.get(id(r))
        if site is not None and site.service:
            return site.service
        return labels.service_of(r.path)

    reported_edges: set[tuple[str, str, str]] = set()
    for pub, sub in reported_links(facts, records):
        a, b, name = service(pub), service(sub), link_name(pub, sub)
        if a and b and name and a != b:
            reported_edges.add((a, name, b))
    label_edges = sorted(set(labels.edges), key=lambda e: (e.source, e.event, e.target))
    edges = Score(labelled=len(label_edges), reported=len(reported_edges))
    missed_edges = []
    for e in label_edges:
        if any(a == e.source and b == e.target and _edge_name_matches(n, e) for a, n, b in reported_edges):
            edges.found += 1
        else:
            missed_edges.append(e)
    extra_edges = []
    for a, n, b in sorted(reported_edges):
        if any(a == e.source and b == e.target and _edge_name_matches(n, e) for e in label_edges):
            edges.correct += 1
        else:
            extra_edges.append((a, n, b))
    result = RepoResult(labels.name, sites, names, edges, missed_sites, extra_sites, wrong_names, missed_names, missed_edges, extra_edges)
    # recall by the labelled framework (a location counts under its first record's framework)
    missed_name_ids = {id(s) for s in missed_names}
    for loc, ss in label_at.items():
        fw = result.by_framework.setdefault(ss[0].framework or "?", {"sites": Score(), "names": Score()})
        fw["sites"].labelled += 1
        fw["sites"].found += loc in matched_labels
    for s in labels.sites:
        if s.names:
            fw = result.by_framework.setdefault(s.framework or "?", {"sites": Score(), "names": Score()})
            fw["names"].labelled += 1
            fw["names"].found += id(s) not in missed_name_ids
    return result


def _edge_name_matches(name: str, edge: Edge) -> bool:
    """The reported name is the edge's event or an alias, or an AMQP `exchange/key` on an edge labelled by its exchange."""
    return name in edge.names or any(name.startswith(n + "/") for n in edge.names)


def _site_key(s: Site) -> tuple[Any, ...]:
    return (s.path, s.line, s.kind, s.event or "", s.channel or "")


def _record_key(r: Record) -> tuple[Any, ...]:
    return (r.path, r.line, r.kind, r.event or "", r.channel or "")


# -- the command -------------------------------------------------------------------------------


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.2f}"


def render_table(results: Sequence[RepoResult], total: RepoResult) -> str:
    head = f"{'repository':<40} {'sites R':>8} {'sites P':>8} {'names R':>8} {'names P':>8} {'edges R':>8} {'edges P':>8}  counts (sites f/l c/r; names; edges)"
    lines = [head, "-" * len(head)]
    for r in [*results, total]:
        counts = (
            f"{r.sites.found}/{r.sites.labelled} {r.sites.correct}/{r.sites.reported}; "
            f"{r.names.found}/{r.names.labelled} {r.names.correct}/{r.names.reported}; "
            f"{r.edges.found}/{r.edges.labelled} {r.edges.correct}/{r.edges.reported}"
        )
        name = r.name + (" (ERROR)" if r.error else "")
        lines.append(
            f"{name:<40} {_fmt(r.sites.recall):>8} {_fmt(r.sites.precision):>8} {_fmt(r.names.recall):>8} "
            f"{_fmt(r.names.precision):>8} {_fmt(r.edges.recall):>8} {_fmt(r.edges.precision):>8}  {counts}"
        )
    return "\n".join(lines)


def framework_totals(results: Sequence[RepoResult]) -> dict[str, dict[str, Score]]:
    totals: dict[str, dict[str, Score]] = {}
    for r in results:
        for fw, scores in r.by_framework.items():
            into = totals.setdefault(fw, {"sites": Score(), "names": Score()})
            into["sites"].add(scores["sites"])
            into["names"].add(scores["names"])
    return dict(sorted(totals.items()))


def render_frameworks(totals: Mapping[str, Mapping[str, Score]]) -> str:
    head = f"{'framework (labelled)':<24} {'sites R':>8} {'names R':>8}  counts (sites found/labelled; names)"
    lines = [head, "-" * len(head)]
    for fw, scores in totals.items():
        st, nm = scores["sites"], scores["names"]
        lines.append(f"{fw:<24} {_fmt(st.recall):>8} {_fmt(nm.recall):>8}  {st.found}/{st.labelled}; {nm.found}/{nm.labelled}")
    return "\n".join(lines)


def render_details(result: RepoResult) -> str:
    out = [f"## {result.name}"]
    for key, values in result.to_json(details=True).items():
        if isinstance(values, list) and values:
            out.append(f"  {key}:")
            out.extend(f"    {v}" for v in values)
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="where the checkouts are (one per repository, named as in repos.yaml)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--details", action="store_true", help="list the missed and extra sites, names and edges")
    parser.add_argument("--repo", action="append", default=[], help="score only this repository (repeatable)")
    parser.add_argument("--tolerance", type=int, default=DEFAULT_TOLERANCE, help="line tolerance for matching sites")
    parser.add_argument("--labels", type=Path, default=HERE / "labels", help="the labels directory")
    parser.add_argument("--repos", type=Path, default=HERE / "repos.yaml", help="the repository list")
    parser.add_argument(
        "--facts",
        type=Path,
        help="read each repository's facts from FACTS/<name>.json instead of running eventlint (to re-score saved facts)",
    )
    parser.add_argument(
        "--save-facts",
        type=Path,
        help="write each repository's facts to SAVE_FACTS/<name>.json as they are produced",
    )
    parser.add_argument(
        "--eventlint",
        default=os.environ.get("EVENTLINT", str(Path(sys.executable).with_name("eventlint"))),
        help="the command that runs eventlint (default: the `eventlint` next to this interpreter; or $EVENTLINT)",
    )
    args = parser.parse_args(argv)
    try:
        repos = load_repos(args.repos)
    except (OSError, LabelError, yaml.YAMLError) as exc:
        print(f"score.py: {exc}", file=sys.stderr)
        return 2
    command = args.eventlint.split()
    results: list[RepoResult] = []
    for repo in sorted(repos, key=lambda r: r["name"]):
        name = repo["name"]
        if args.repo and name not in args.repo:
            continue
        try:
            labels = load_labels(args.labels / f"{name}.yaml")
        except (OSError, LabelError, yaml.YAMLError) as exc:
            print(f"score.py: {exc}", file=sys.stderr)
            return 2
        root = args.directory / name / (repo.get("subdir") or "")
        if args.facts is None and not root.is_dir():
            print(f"score.py: {root}: no checkout (see benchmarks/field/fetch.md)", file=sys.stderr)
            return 2
        config = root / labels.config if labels.config else None
        try:
            if args.facts is not None:
                facts = json.loads((args.facts / f"{name}.json").read_text(encoding="utf-8"))
            else:
                facts = run_eventlint(root, config, command)
            if args.save_facts is not None:
                args.save_facts.mkdir(parents=True, exist_ok=True)
                (args.save_facts / f"{name}.json").write_text(json.dumps(facts, indent=1, sort_keys=True), encoding="utf-8")
        except (OSError, RuntimeError, json.JSONDecodeError) as exc:
            empty = score_repo(labels, {"publishers": [], "subscribers": []}, args.tolerance)
            empty.error = str(exc)
            results.append(empty)
            continue
        results.append(score_repo(labels, facts, args.tolerance))
    total = RepoResult("TOTAL", Score(), Score(), Score(), [], [], [], [], [], [])
    for r in results:
        total.sites.add(r.sites)
        total.names.add(r.names)
        total.edges.add(r.edges)
    if args.json:
        doc = {
            "tolerance": args.tolerance,
            "repositories": {r.name: r.to_json(args.details) for r in results},
            "total": total.to_json(False),
            "frameworks": {
                fw: {k: {"found": v.found, "labelled": v.labelled, "recall": _round(v.recall)} for k, v in scores.items()}
                for fw, scores in framework_totals(results).items()
            },
        }
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        print(render_table(results, total))
        print()
        print(render_frameworks(framework_totals(results)))
        if args.details:
            for r in results:
                print()
                print(render_details(r))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
