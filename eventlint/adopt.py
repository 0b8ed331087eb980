"""`eventlint init`: a starting configuration written from what the code does today.

The services found, one bounded context per service (public: the events it owns
that other services consume today), and every event with its inferred owner,
channel, partition key and current consumers. With a baseline of today's
findings, the next `eventlint check` is green and any drift is caught.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import yaml

from eventlint.catalog import Catalog
from eventlint.config import Config
from eventlint.facts import ProjectFacts, Publication
from eventlint.graph import PUBLISHES, EventGraph, build_graph
from eventlint.report.config_schema import EDITOR_COMMENT

BASELINE_FILE = "eventlint-baseline.json"
# keys init derives from the code; every other key of an existing configuration is kept
DERIVED = ("services", "contexts", "events", "baseline")
HEADER = f"""\
{EDITOR_COMMENT}
# Written by `eventlint init` from what the code does today: review it, then commit it.
# - services: where each service's files are; contexts: one per service to start with,
#   `public` lists the events other services consume today (merge contexts as you see fit);
# - events: each event's owner (the service publishing it), channel, partition key and
#   the services consuming it today;
# - baseline: today's findings, accepted; `eventlint check` reports only new ones.
"""


def initial_config(facts: ProjectFacts, base: Config, catalog: Catalog) -> dict[str, Any]:
    """The configuration mapping `init` writes: `base`'s own settings plus what the code shows."""
    data: dict[str, Any] = {k: v for k, v in base.raw.items() if k not in DERIVED}
    data["services"] = {s.name: list(s.paths) for s in sorted(facts.services, key=lambda s: s.name)}
    undeclared = replace(base, raw={k: v for k, v in base.raw.items() if k not in DERIVED})
    events = infer_events(build_graph(facts, undeclared, catalog), facts)
    data["contexts"] = _contexts(facts, events)
    data["events"] = events
    data["baseline"] = BASELINE_FILE
    return data


def render(data: Mapping[str, Any], signals: Mapping[str, str] | None = None) -> str:
    """The YAML text of a configuration written by init (stable key order, short lists inline).

    `signals` (service -> what decided it) are written as a comment above each inferred service.
    """
    body = yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)
    if not signals:
        return HEADER + body
    lines, in_services = [], False
    for line in body.splitlines(keepends=True):
        if not line.startswith(" "):
            in_services = line.startswith("services:")
        elif in_services and not line.startswith("   ") and ":" in line:
            name = line[2:].split(":", 1)[0].strip("'\"")
            if signals.get(name):
                lines.append(f"  # inferred from {signals[name]}\n")
        lines.append(line)
    return HEADER + "".join(lines)


def infer_events(graph: EventGraph, facts: ProjectFacts) -> dict[str, dict[str, Any]]:
    """Every event of the graph (as routing joins publishers and consumers): owner, channel, key and consumers."""
    at = {(p.path, p.line, p.column): p for p in facts.publishers}
    publications: dict[str, list[Publication]] = {}
    for _, event, data in graph.edges(PUBLISHES):
        publication = at.get((data["path"], data["line"], data["column"]))
        if publication is not None:
            publications.setdefault(event, []).append(publication)
    events: dict[str, dict[str, Any]] = {}
    for name in graph.events():
        pubs = publications.get(name, [])
        spec: dict[str, Any] = {}
        owner = _owner(pubs)
        if owner:
            spec["owner"] = owner
        channels = sorted(set(graph.event(name).get("channels", ())))
        if len(channels) == 1:
            spec["channel"] = channels[0]
        key = _key(pubs)
        if key:
            spec["key"] = key
        consumers = graph.consumers_of(name)
        if consumers:
            spec["consumers"] = consumers
        events[name] = spec
    return events


def _owner(pubs: list[Publication]) -> str | None:
    """The service publishing the event; with several, the one publishing it most often (then by name)."""
    counts = Counter(p.service for p in pubs if p.service)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


_FIELD = re.compile(r"""(?:\[\s*['"](\w+)['"]\s*\]|\.(\w+)|^(\w+))\)*$""")


def _key(pubs: list[Publication]) -> str | None:
    """The payload field every publication keys by (`event["order_id"]`, `order.order_id`), if they agree."""
    keys = set()
    for p in pubs:
        if not p.key:
            continue
        match = _FIELD.search(p.key.strip())
        field = next((g for g in match.groups() if g), None) if match else None
        if field is None or p.payload_fields is None or field not in p.payload_fields:
            return None
        keys.add(field)
    return keys.pop() if len(keys) == 1 else None


def _contexts(facts: ProjectFacts, events: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    contexts: dict[str, dict[str, Any]] = {}
    for service in sorted(s.name for s in facts.services):
        public = sorted(
            name
            for name, spec in events.items()
            if spec.get("owner") == service and any(c != service for c in spec.get("consumers", ()))
        )
        context: dict[str, Any] = {"services": [service], "description": f"written by eventlint init: the {service} service"}
        if public:
            context["public"] = public
        contexts[service] = context
    return contexts


__all__ = ["BASELINE_FILE", "infer_events", "initial_config", "render"]
