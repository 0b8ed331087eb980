"""Code against runtime: the event graph the code declares beside the flows a trace export shows.

`compare(observations, graph, config, catalog)` joins consumer spans to the producer
spans they continue or link, maps runtime services to configured ones (by name, or
the `runtime.service-names` map) and runtime destinations to events
(`runtime_event`, the one place that decides it), and returns a `Comparison`:
every runtime edge with its counts, latency and errors, whether the code has it,
the code's edges never seen, and the consumer spans that started a new trace.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eventlint.catalog import Catalog
from eventlint.config import Config, ConfigError
from eventlint.graph import DELIVERS, EventGraph
from eventlint.identity import compatible, runtime_transport, transport_suffix
from eventlint.routes import channel_pattern
from eventlint.traces import Observations, Problem, Tally

Destination = tuple[str, str, str]  # system, destination name, routing key


def runtime_event(system: str, destination: str, routing_key: str, graph: EventGraph, catalog: Catalog) -> str | None:
    """The code's event that a runtime destination carries, or None when the code knows no such event.

    A destination is tried as the code writes channels: `exchange/routing_key` (AMQP),
    the destination name itself (a topic, a queue, an exchange published with an empty
    key) and the routing key alone (AMQP's default exchange routes by queue name). Each
    is looked up through the event-identity resolver (identity.py: an event id, or a name
    of exactly one event — catalog key, alias, catalog channel, or a channel, queue or
    class name of the code), then as a pattern channel of exactly one event; an exchange
    named without a key, as the one event the code publishes there. Only events the code
    may send on the span's broker are candidates: `messaging.system` gives the transport
    (`identity.RUNTIME_SYSTEMS`), so a Kafka topic `orders` is never the code's Redis
    channel `orders`.
    """
    transport = runtime_transport(system)
    candidates = [f"{destination}/{routing_key}"] if destination and routing_key else []
    candidates += [c for c in (destination, routing_key) if c]
    known = graph.events()
    events = [e for e in known if _on(graph, e, transport)]
    in_code = set(known)
    for candidate in candidates:
        named = [e for e in _named(graph, catalog, in_code, candidate) if _on(graph, e, transport)]
        if len(named) == 1:
            return named[0]
        patterned = sorted({e for e in events for c in graph.event(e)["channels"] if _pattern_matches(c, candidate)})
        if len(patterned) == 1:
            return patterned[0]
    if destination and not routing_key:
        routed = sorted({e for e in events for c in graph.event(e)["channels"] if c.startswith(destination + "/")})
        if len(routed) == 1:
            return routed[0]  # an exchange that carries one event of the code, whatever the key
    return None


def _named(graph: EventGraph, catalog: Catalog, known: set[str], name: str) -> list[str]:
    """The events (of the code, `known`, or declared in the catalog) that `name` names, by the graph's resolver."""
    found = graph.identity.find(name) if graph.identity is not None else ()  # build_graph always gives it one
    return sorted({e for e in found if e in known or catalog.event(e) is not None})


def _on(graph: EventGraph, event: str, transport: str | None) -> bool:
    """The code may send the event on the transport (unknown transports are compatible)."""
    if transport is None:
        return True
    suffix = transport_suffix(event)
    if suffix:
        return suffix == f"@{transport}"
    found = graph.transports_of(event)
    return not found or any(compatible(t, transport) for t in found)


def _pattern_matches(channel: str, text: str) -> bool:
    pattern = channel_pattern(channel)
    return pattern is not None and pattern.fullmatch(text) is not None


@dataclass
class Edge:
    """Producer service → event → consumer service, as seen at runtime (and whether the code has it).

    `producer`/`consumer` are configured service names, a runtime service name that is
    not in the repository (`*_known` False), or None when that side was not seen.
    """

    producer: str | None
    event: str
    consumer: str | None
    destination: str
    resolved: bool
    producer_known: bool = True
    consumer_known: bool = True
    count: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    example_trace: str = ""
    in_code: bool = False
    why: str = ""

    @property
    def relevant(self) -> bool:
        """The edge touches this repository: one of its services, or an event of its code.

        A company-wide export carries other teams' flows between their own services on
        their own topics; those say nothing about this code.
        """
        return bool((self.producer and self.producer_known) or (self.consumer and self.consumer_known) or self.resolved)

    def add(self, tally: Tally) -> None:
        self.count += tally.count
        self.errors += tally.errors
        self.latencies_ms.extend(tally.latencies_ms)
        if not self.example_trace or (tally.example_trace and tally.example_trace < self.example_trace):
            self.example_trace = tally.example_trace

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.producer or "", self.event, self.consumer or "")

    def percentile(self, share: float) -> float | None:
        """Nearest-rank percentile of the producer → consumer latency, in milliseconds."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(1, -(-len(ordered) * share // 1))
        return ordered[int(rank) - 1]

    def to_json(self) -> dict[str, Any]:
        p50, p95 = self.percentile(0.5), self.percentile(0.95)
        return {
            "producer": self.producer,
            "producer_in_repository": self.producer_known if self.producer else None,
            "event": self.event,
            "destination": self.destination,
            "consumer": self.consumer,
            "consumer_in_repository": self.consumer_known if self.consumer else None,
            "messages": self.count,
            "errors": self.errors,
            "latency_ms": {"p50": _round(p50), "p95": _round(p95)},
            "example_trace": self.example_trace or None,
            "in_code": self.in_code,
        }


@dataclass(frozen=True)
class CodeEdge:
    """An edge the code has and the traces never showed in their window; `judged` False when a side sent no messaging spans."""

    producer: str
    event: str
    consumer: str
    path: str
    line: int
    column: int
    judged: bool


@dataclass
class Broken:
    """Consumer spans of one (service, event) that started a new trace instead of continuing the producer's."""

    consumer: str
    event: str
    destination: str
    consumer_known: bool
    count: int = 0
    example_trace: str = ""


@dataclass
class Comparison:
    """What the traces and the code say, side by side."""

    edges: list[Edge]
    code_only: list[CodeEdge]
    broken: list[Broken]
    start_ns: int | None
    end_ns: int | None
    spans: int
    messaging: int
    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    unknown_services: tuple[str, ...]
    without_destination: int = 0
    unrelated: int = 0

    @property
    def window(self) -> str:
        """The time the traces cover, `2026-12-07T10:00:00Z .. 2026-12-07T11:00:00Z` (UTC)."""
        if self.start_ns is None or self.end_ns is None:
            return "an empty window"
        return f"{_time(self.start_ns)} .. {_time(self.end_ns)}"

    def runtime_only(self) -> list[Edge]:
        return [e for e in self.edges if not e.in_code]


    def to_json(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "window": {"start": _time(self.start_ns) if self.start_ns else None, "end": _time(self.end_ns) if self.end_ns else None},
            "spans": self.spans,
            "messaging_spans": self.messaging,
            "edges": [e.to_json() for e in self.edges],
            "code_only": [
                {"producer": c.producer, "event": c.event, "consumer": c.consumer, "path": c.path, "line": c.line, "judged": c.judged}
                for c in self.code_only
            ],
            "broken_propagation": [
                {"consumer": b.consumer, "event": b.event, "destination": b.destination, "spans": b.count, "example_trace": b.example_trace}
                for b in self.broken
            ],
            "unknown_services": list(self.unknown_services),
            "unrelated_edges": self.unrelated,
            "problems": [str(p) for p in self.problems],
        }

    def edge_lines(self) -> list[str]:
        """The per-edge table of `eventlint runtime`'s text report."""
        lines = [f"Runtime edges ({self.window}; {self.messaging} messaging spans of {self.spans}):"]
        for e in self.edges:
            p50, p95 = e.percentile(0.5), e.percentile(0.95)
            latency = f"p50 {_ms(p50)} p95 {_ms(p95)}" if p50 is not None else "latency -"
            status = "code+runtime" if e.in_code else "runtime only"
            lines.append(
                f"  {_side(e.producer, e.producer_known)} -> {e.event} -> {_side(e.consumer, e.consumer_known)}  "
                f"{e.count} msgs, {e.errors} errors, {latency}  [{status}]"
            )
        for c in self.code_only:
            if c.judged:
                lines.append(f"  {c.producer} -> {c.event} -> {c.consumer}  0 msgs  [code only]")
        if self.unrelated:
            lines.append(f"  ({self.unrelated} runtime edges between other repositories' services on destinations this code does not know: left out)")
        unjudged = sum(1 for c in self.code_only if not c.judged)
        if unjudged:
            lines.append(f"  ({unjudged} code edges not judged: a service at one end sent no messaging spans in the window)")
        return lines


def service_names(config: Config) -> dict[str, str]:
    """`runtime.service-names`: runtime `service.name` → configured service."""
    runtime = config.raw.get("runtime") or {}
    raw = runtime.get("service-names") or {} if isinstance(runtime, Mapping) else {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ConfigError(config.source, "runtime.service-names", "expected a mapping of runtime service.name to configured service name")
    return dict(raw)


def compare(seen: Observations, graph: EventGraph, config: Config, catalog: Catalog) -> Comparison:
    """Join the spans, map them onto the code's services and events, and set both graphs side by side."""
    services = set(graph.services())
    names = service_names(config)
    for runtime_name, configured in sorted(names.items()):
        if configured not in services:
            raise ConfigError(config.source, f"runtime.service-names.{runtime_name}", f"unknown service '{configured}'; expected one of: {', '.join(sorted(services)) or 'none'}")

    def service(name: str) -> tuple[str, bool]:
        mapped = names.get(name, name)
        if mapped in services:
            return mapped, True
        return name, False

    events: dict[Destination, tuple[str, bool]] = {}

    def event(dest: Destination) -> tuple[str, bool]:
        if dest not in events:
            found = runtime_event(*dest, graph, catalog)
            events[dest] = (found, True) if found else (_label(dest), False)
        return events[dest]

    edges: dict[tuple[str, str, str], Edge] = {}

    def edge(producer: str | None, dest: Destination, consumer: str | None) -> Edge:
        name, resolved = event(dest)
        (p, p_known), (c, c_known) = service(producer) if producer else (None, True), service(consumer) if consumer else (None, True)
        key = (p or "", name, c or "")
        if key not in edges:
            edges[key] = Edge(p, name, c, _label(dest), resolved, p_known, c_known)
        return edges[key]

    seen.finish()
    broken: dict[tuple[str, str], Broken] = {}
    for (producer, pdest, consumer, cdest), tally in seen.pairs.items():
        dest = cdest
        if not pdest[1] and pdest[2] == cdest[1]:
            dest = pdest  # published to the default exchange, consumed from the queue of that name
        elif pdest[1] == cdest[1] and pdest[2] and not cdest[2]:
            dest = pdest  # the consumer names only the exchange: the producer knows the routing key
        edge(producer, dest, consumer).add(tally)
    for (consumer, dest), tally in seen.consumed_only.items():
        edge(None, dest, consumer).add(tally)
        if tally.broken:
            name, _ = event(dest)
            c, c_known = service(consumer)
            item = broken.setdefault((c, name), Broken(c, name, _label(dest), c_known, example_trace=tally.broken_trace))
            item.count += tally.broken
    for (producer, dest), tally in seen.produced_only.items():
        edge(producer, dest, None).add(tally)

    code = _code_edges(graph)
    publishers = {(p, e) for p, e, _ in code} | {(p, e) for e in graph.events() for p in graph.publishers_of(e)}
    consumers = {(c, e) for _, e, c in code} | {(c, e) for e in graph.events() for c in graph.consumers_of(e)}
    for item in edges.values():
        item.in_code, item.why = _judge(item, publishers, consumers, catalog)
    seen_triples = {e.key for e in edges.values()}
    observed = {service(s)[0] for s in seen.services}
    code_only = []
    for (producer, name, consumer), site in sorted(code.items()):
        if (producer, name, consumer) in seen_triples:
            continue
        if (producer, name, "") in seen_triples and ("", name, consumer) in seen_triples:
            continue  # the hop's context was cut: both halves ran
        judged = producer in observed and consumer in observed
        code_only.append(CodeEdge(producer, name, consumer, *site, judged))
    relevant = [e for e in edges.values() if e.relevant]
    ordered = sorted(relevant, key=lambda e: (e.event, e.producer or "", e.consumer or ""))
    unknown = {name for e in relevant for name, known in ((e.producer, e.producer_known), (e.consumer, e.consumer_known)) if name and not known}
    return Comparison(
        edges=ordered,
        code_only=code_only,
        broken=sorted(broken.values(), key=lambda b: (b.event, b.consumer)),
        start_ns=seen.start_ns,
        end_ns=seen.end_ns,
        spans=seen.spans,
        messaging=seen.messaging,
        files=tuple(seen.files),
        problems=tuple(seen.problems),
        unknown_services=tuple(sorted(unknown)),
        without_destination=seen.without_destination,
        unrelated=len(edges) - len(relevant),
    )


def _judge(edge: Edge, publishers: set[tuple[str, str]], consumers: set[tuple[str, str]], catalog: Catalog) -> tuple[bool, str]:
    """Whether the code has the edge, and if not, why (for the finding's message)."""
    if not edge.resolved:
        return False, f"no event or channel of the code is {edge.destination}"
    reasons = []
    if edge.producer is not None:
        if not edge.producer_known:
            if not catalog.published_elsewhere(edge.event, edge.destination):
                reasons.append(f"producer {edge.producer} is not in the repository")
        elif (edge.producer, edge.event) not in publishers:
            reasons.append(f"the code of {edge.producer} does not publish {edge.event}")
    if edge.consumer is not None:
        if not edge.consumer_known:
            if not catalog.consumed_elsewhere(edge.event, edge.destination):
                reasons.append(f"consumer {edge.consumer} is not in the repository")
        elif (edge.consumer, edge.event) not in consumers:
            reasons.append(f"the code of {edge.consumer} does not consume {edge.event}")
    return not reasons, "; ".join(reasons)


def _code_edges(graph: EventGraph) -> dict[tuple[str, str, str], tuple[str, int, int]]:
    """(publisher, event, consumer) of the code, each with the consumer's first subscription site."""
    out: dict[tuple[str, str, str], tuple[str, int, int]] = {}
    for event in graph.events():
        publishers = graph.publishers_of(event)
        for _handler, data in graph.handlers_of(event):
            consumer = data.get("service")
            if not consumer:
                continue
            for producer in publishers:
                out.setdefault((producer, event, consumer), (data["path"], data["line"], data["column"]))
    return out


def handler_site(graph: EventGraph, event: str, service: str) -> tuple[str, int, int] | None:
    """Where `service` handles `event` in the code: the handler's own file:line (else its subscription)."""
    for handler, data in graph.handlers_of(event):
        if data.get("service") == service and data.get("kind") == DELIVERS:
            attrs = graph.handler(handler)
            return (attrs.get("path") or data["path"], attrs.get("line") or data["line"], 1)
    return None


def publication_site(graph: EventGraph, event: str, service: str | None = None) -> tuple[str, int, int] | None:
    """A site publishing `event` (by `service` when given)."""
    for _, _, data in graph.edges("publishes"):
        if data["event"] == event and (service is None or data["service"] == service):
            return (data["path"], data["line"], data["column"])
    return None


def _label(dest: Destination) -> str:
    system, name, key = dest
    where = f"{name}/{key}" if name and key else name or key or "(default exchange)"
    return f"{where} ({system})" if system else where


def _side(name: str | None, known: bool) -> str:
    if name is None:
        return "?"
    return name if known else f"{name} (not in repository)"


def _time(ns: int) -> str:
    moment = datetime.datetime.fromtimestamp(ns // 1000 / 1e6, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}ms"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)

