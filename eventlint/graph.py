"""The event graph: services, events and handlers from the facts, the bounded contexts, and coupling metrics.

`build_graph(facts, config, catalog)` returns an `EventGraph`, which holds one
networkx `MultiDiGraph` and answers the questions rules, diagrams and traces ask.
Node ids are `service:<name>`, `event:<name>` and `handler:<qualified name>`;
every node has `kind` and `name`. Edges carry `kind`:

- `publishes`: service → event, one per publication site;
- `consumes`: event → service, one per subscription site;
- `delivers`: event → handler, one per subscription site;
- `causes`: handler → event, one per publication the handler makes, directly or
  through the functions it calls (and its consuming loop's own publications).

Site edges carry `framework`, `channel`, `path`, `line`, `column` (and `function`
for publications, `handler` for subscriptions). Only this module imports networkx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from eventlint.catalog import Catalog
from eventlint.config import Config, ConfigError
from eventlint.facts import Handler, ProjectFacts, Publication, Subscription
from eventlint.identity import Identity, transport_of
from eventlint.routes import Flow

SERVICE, EVENT, HANDLER = "service", "event", "handler"
PUBLISHES, CONSUMES, DELIVERS, CAUSES = "publishes", "consumes", "delivers", "causes"

Site = tuple[str, int]

if TYPE_CHECKING:
    import networkx as nx
else:

    class _Networkx:
        """networkx, imported when a graph is first built (0.1-0.25 s): a run whose rules' findings are stored
        (rule_results.py) builds none, and the rule modules import this one."""

        def __getattr__(self, name: str) -> Any:
            import networkx

            return getattr(networkx, name)

    nx = _Networkx()


def service_node(name: str) -> str:
    return f"service:{name}"


def event_node(name: str) -> str:
    return f"event:{name}"


def handler_node(name: str) -> str:
    return f"handler:{name}"


# -- bounded contexts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """A bounded context: its services and the events (names or globs) other contexts may consume."""

    name: str
    services: tuple[str, ...]
    public: tuple[str, ...] = ()
    description: str | None = None

    def exposes(self, event: str, channels: Iterable[str] = ()) -> bool:
        """The event (by name or one of its channels) is part of this context's public contract."""
        return any(fnmatchcase(value, pattern) for value in (event, *channels) for pattern in self.public)


def load_contexts(config: Config, services: Iterable[str]) -> dict[str, Context]:
    """The `contexts` of a configuration; a service that does not exist or sits in two contexts is a ConfigError."""
    raw = config.raw.get("contexts") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(config.source, "contexts", "expected a mapping of context name to {services, public, description}")
    known = sorted(set(services))
    owner: dict[str, str] = {}
    contexts: dict[str, Context] = {}
    for name in sorted(raw, key=str):
        spec = raw[name] or {}
        members = spec.get("services") or []
        for index, service in enumerate(members):
            key = f"contexts.{name}.services[{index}]"
            if service not in known:
                choices = ", ".join(known) or "none were found"
                raise ConfigError(config.source, key, f"unknown service '{service}'; expected one of: {choices}")
            if service in owner and owner[service] != name:
                raise ConfigError(config.source, key, f"service '{service}' is already in context '{owner[service]}'")
            owner[service] = str(name)
        contexts[str(name)] = Context(
            name=str(name),
            services=tuple(sorted(set(members))),
            public=tuple(spec.get("public") or ()),
            description=spec.get("description"),
        )
    return contexts


# -- metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """Coupling of one service or context (see docs/graph.md for the formulas)."""

    name: str
    fan_in: int
    fan_out: int
    afferent: int
    efferent: int
    instability: float | None
    events_owned: tuple[str, ...]
    events_published: tuple[str, ...]
    events_consumed: tuple[str, ...]
    context: str | None = None
    services: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "fan_in": self.fan_in,
            "fan_out": self.fan_out,
            "afferent": self.afferent,
            "efferent": self.efferent,
            "instability": None if self.instability is None else round(self.instability, 4),
            "events_owned": list(self.events_owned),
            "events_published": list(self.events_published),
            "events_consumed": list(self.events_consumed),
        }
        if self.services:
            out["services"] = list(self.services)
        else:
            out["context"] = self.context
        return out


@dataclass(frozen=True)
class CouplingSummary:
    """Project-level coupling: how entangled the services are through events."""

    services: int
    dependencies: int
    density: float
    coupled_pairs: int
    coupled_share: float
    cycles: tuple[tuple[str, ...], ...]
    largest_component: tuple[str, ...]
    longest_chain: tuple[str, ...]
    events: int

    def to_json(self) -> dict[str, Any]:
        return {
            "services": self.services,
            "events": self.events,
            "dependencies": self.dependencies,
            "density": round(self.density, 4),
            "coupled_pairs": self.coupled_pairs,
            "coupled_share": round(self.coupled_share, 4),
            "cycles": [list(c) for c in self.cycles],
            "largest_component": list(self.largest_component),
            "longest_chain": list(self.longest_chain),
        }

    def lines(self) -> list[str]:
        """The summary for `check --statistics` (long lists shortened; the JSON form has them whole)."""
        chain = _shorten(self.longest_chain, " → ") or "-"
        cycles = "; ".join(_shorten(c, " → ") for c in self.cycles[:5]) or "none"
        if len(self.cycles) > 5:
            cycles += f"; and {len(self.cycles) - 5} more"
        return [
            f"Coupling: {_count(self.services, 'service')}, {_count(self.events, 'event')}, "
            f"{_count(self.dependencies, 'service dependency', 'service dependencies')}, density {self.density:.2f}, "
            f"{_count(self.coupled_pairs, 'coupled pair')} ({self.coupled_share:.0%})",
            f"  cycles: {cycles}",
            f"  largest strongly connected group: {len(self.largest_component)} ({_shorten(self.largest_component, ', ') or '-'})",
            f"  longest causal chain: {_count(len(self.longest_chain), 'event')} ({chain})",
        ]


def _shorten(names: Sequence[str], separator: str, limit: int = 12) -> str:
    if len(names) <= limit:
        return separator.join(names)
    return separator.join([*names[: limit - 2], f"… {len(names) - limit + 1} more …", names[-1]])


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


# -- traces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceSite:
    """Where an event of a trace is published."""

    service: str | None
    function: str | None
    framework: str
    channel: str | None
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class TraceStep:
    """A handler that receives the event: its subscription site, and the events handling it causes."""

    service: str | None
    handler: str
    framework: str
    channel: str | None
    path: str
    line: int
    column: int
    handler_path: str
    handler_line: int
    sites: tuple[Site, ...]
    causes: tuple[TraceEvent, ...] = ()


@dataclass(frozen=True)
class TraceEvent:
    """An event in a trace: where it is published and who handles it; `repeated` when shown earlier (not expanded again)."""

    event: str
    channels: tuple[str, ...]
    published: tuple[TraceSite, ...]
    steps: tuple[TraceStep, ...] = ()
    repeated: bool = False
    truncated: bool = False


# -- the graph -------------------------------------------------------------------------------


@dataclass
class EventGraph:
    """The project's event graph and the views derived from it."""

    graph: nx.MultiDiGraph
    contexts: dict[str, Context] = field(default_factory=dict)
    unresolved: tuple[Publication | Subscription, ...] = ()
    identity: Identity | None = None

    # -- lookups ---------------------------------------------------------------------------

    def nodes(self, kind: str) -> list[str]:
        """Names of the nodes of a kind, sorted."""
        return sorted(data["name"] for _, data in self.graph.nodes(data=True) if data["kind"] == kind)

    def services(self) -> list[str]:
        return self.nodes(SERVICE)

    def events(self) -> list[str]:
        return self.nodes(EVENT)

    def event(self, name: str) -> dict[str, Any]:
        """The attributes of an event node (`channels`, `owner`, `contexts`, `declared`)."""
        return self.graph.nodes[event_node(name)]

    def aliases(self, event: str) -> tuple[str, ...]:
        """Every name the event goes by (its id, catalog key and channel, the code's names and channels), sorted."""
        channels = tuple(self.event(event)["channels"]) if event_node(event) in self.graph else ()
        known = self.identity.aliases(event) if self.identity is not None else (event,)
        return tuple(sorted({*known, *channels}))

    def is_public(self, event: str, context: str) -> bool:
        """The event, under any of its names, is in the context's `public` list."""
        return self.contexts[context].exposes(event, self.aliases(event))

    def context_of(self, service: str | None) -> str | None:
        """The bounded context a service belongs to, or None."""
        if service is None:
            return None
        for context in self.contexts.values():
            if service in context.services:
                return context.name
        return None

    def edges(self, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        """Edges of a kind as (source name, target name, attributes), in a stable order."""
        out = [
            (self.graph.nodes[u]["name"], self.graph.nodes[v]["name"], data)
            for u, v, data in self.graph.edges(data=True)
            if data["kind"] == kind
        ]
        return sorted(out, key=lambda e: (e[0], e[1], e[2].get("path", ""), e[2].get("line", 0), e[2].get("column", 0)))

    def transports_of(self, event: str) -> set[str | None]:
        """The transports (identity.TRANSPORTS) of the sites that publish or deliver the event; None for a framework that does not tell."""
        node = event_node(event)
        if node not in self.graph:
            return set()
        sites = [*self.graph.in_edges(node, data="framework"), *self.graph.out_edges(node, data="framework")]
        return {transport_of(framework) for _, _, framework in sites if framework is not None}

    def deployed_apart(self, a: str, b: str) -> bool:
        """Whether two services lie in different variants of one set (alternative versions of the same apps,
        eventlint.units): they are never deployed together, so no event couples them."""
        va = self.graph.nodes[service_node(a)].get("variant", ()) if service_node(a) in self.graph else ()
        vb = self.graph.nodes[service_node(b)].get("variant", ()) if service_node(b) in self.graph else ()
        return bool(va and vb) and va[0] != vb[0] and vb[0] in va[1:]

    def publishers_of(self, event: str) -> list[str]:
        """Services that publish the event."""
        return sorted({self.graph.nodes[u]["name"] for u, _, k in self.graph.in_edges(event_node(event), data="kind") if k == PUBLISHES})

    def consumers_of(self, event: str) -> list[str]:
        """Services that consume the event."""
        return sorted({self.graph.nodes[v]["name"] for _, v, k in self.graph.out_edges(event_node(event), data="kind") if k == CONSUMES})

    def published_by(self, service: str) -> list[str]:
        """Events the service publishes."""
        return sorted({self.graph.nodes[v]["name"] for _, v, k in self.graph.out_edges(service_node(service), data="kind") if k == PUBLISHES})

    def consumed_by(self, service: str) -> list[str]:
        """Events the service consumes."""
        return sorted({self.graph.nodes[u]["name"] for u, _, k in self.graph.in_edges(service_node(service), data="kind") if k == CONSUMES})

    def owned_by(self, service: str) -> list[str]:
        """Events whose owner is the service (declared in the catalog, else its only publisher)."""
        return sorted(e for e in self.events() if self.event(e).get("owner") == service)

    def handlers_of(self, event: str) -> list[tuple[str, dict[str, Any]]]:
        """(handler name, subscription edge attributes) for every delivery of the event."""
        node = event_node(event)
        out = [(self.graph.nodes[v]["name"], data) for _, v, data in self.graph.out_edges(node, data=True) if data["kind"] == DELIVERS]
        return sorted(out, key=lambda item: (item[1]["service"] or "", item[0], item[1]["path"], item[1]["line"]))

    def caused_by(self, handler: str) -> list[tuple[str, dict[str, Any]]]:
        """(event name, publication edge attributes) for every publication the handler causes."""
        node = handler_node(handler)
        if node not in self.graph:
            return []
        out = [(self.graph.nodes[v]["name"], data) for _, v, data in self.graph.out_edges(node, data=True) if data["kind"] == CAUSES]
        return sorted(out, key=lambda item: (item[1]["path"], item[1]["line"], item[1]["column"], item[0]))

    def handler(self, name: str) -> dict[str, Any]:
        """Attributes of a handler node: `service`, `path`, `line`, `role`, `sites` (every (path, line) it touches)."""
        return self.graph.nodes[handler_node(name)]

    # -- derived views ---------------------------------------------------------------------

    def service_graph(self, ignore_events: Iterable[str] = ()) -> nx.DiGraph:
        """A → B when B consumes an event A publishes (A ≠ B); edges carry the sorted `events`.

        Events matching a glob of `ignore_events` make no dependency.
        """
        ignored = tuple(ignore_events)
        derived = nx.DiGraph()
        derived.add_nodes_from(self.services())
        pairs: dict[tuple[str, str], set[str]] = {}
        for event in self.events():
            if any(fnmatchcase(event, pattern) for pattern in ignored):
                continue
            for source in self.publishers_of(event):
                for target in self.consumers_of(event):
                    if source != target and not self.deployed_apart(source, target):
                        pairs.setdefault((source, target), set()).add(event)
        for (source, target), events in sorted(pairs.items()):
            derived.add_edge(source, target, events=tuple(sorted(events)))
        return derived

    def context_map(self) -> nx.DiGraph:
        """C → D when a service of D consumes an event a service of C publishes (C ≠ D); edges carry `events`."""
        derived = nx.DiGraph()
        derived.add_nodes_from(sorted(self.contexts))
        pairs: dict[tuple[str, str], set[str]] = {}
        for source, target, data in self.service_graph().edges(data=True):
            a, b = self.context_of(source), self.context_of(target)
            if a and b and a != b:
                pairs.setdefault((a, b), set()).update(data["events"])
        for (a, b), events in sorted(pairs.items()):
            derived.add_edge(a, b, events=tuple(sorted(events)))
        return derived

    def event_chains(self) -> nx.DiGraph:
        """E → F when a handler of E publishes F: the causal order of events."""
        derived = nx.DiGraph()
        derived.add_nodes_from(self.events())
        for event in self.events():
            for handler, _ in self.handlers_of(event):
                for caused, _ in self.caused_by(handler):
                    derived.add_edge(event, caused)
        return derived

    # -- traces ----------------------------------------------------------------------------

    def find_event(self, name: str) -> str | None:
        """The event called `name`, or the one event that goes by `name` (a channel, catalog key or alias)."""
        if event_node(name) in self.graph:
            return name
        candidates = self.candidates(name)
        return candidates[0] if len(candidates) == 1 else None

    def candidates(self, name: str) -> list[str]:
        """The events of the graph that go by `name` (several when a channel carries several, or a name is on two brokers)."""
        if event_node(name) in self.graph:
            return [name]
        return [e for e in self.events() if name in self.aliases(e)]

    def trace(self, event: str, max_depth: int = 25) -> TraceEvent:
        """The causal chain from an event: its handlers, the events they publish, their handlers, and so on."""
        published = tuple(_trace_site(data) for _, _, data in self.edges(PUBLISHES) if data["event"] == event)
        expanded: set[str] = set()
        return self._trace(event, published, expanded, max_depth)

    def _trace(self, event: str, published: tuple[TraceSite, ...], expanded: set[str], depth: int) -> TraceEvent:
        channels = tuple(self.event(event)["channels"])
        if event in expanded:
            return TraceEvent(event, channels, published, repeated=True)
        if depth <= 0:
            return TraceEvent(event, channels, published, truncated=True)
        expanded.add(event)
        steps = []
        for handler, sub in self.handlers_of(event):
            attrs = self.handler(handler)
            caused: dict[str, list[TraceSite]] = {}
            for name, data in self.caused_by(handler):
                caused.setdefault(name, []).append(_trace_site(data))
            causes = tuple(self._trace(name, tuple(sites), expanded, depth - 1) for name, sites in caused.items())
            steps.append(
                TraceStep(
                    service=sub["service"],
                    handler=handler,
                    framework=sub["framework"],
                    channel=sub["channel"],
                    path=sub["path"],
                    line=sub["line"],
                    column=sub["column"],
                    handler_path=attrs["path"],
                    handler_line=attrs["line"],
                    sites=tuple(attrs["sites"]),
                    causes=causes,
                )
            )
        return TraceEvent(event, channels, published, steps=tuple(steps))

    # -- metrics ---------------------------------------------------------------------------

    def service_metrics(self) -> dict[str, Metrics]:
        """Fan-in, fan-out, Ca, Ce and instability of every service."""
        deps = self.service_graph()
        out = {}
        for service in self.services():
            consumed, published = self.consumed_by(service), self.published_by(service)
            ca, ce = deps.out_degree(service), deps.in_degree(service)
            out[service] = Metrics(
                name=service,
                fan_in=len(consumed),
                fan_out=len(published),
                afferent=ca,
                efferent=ce,
                instability=_instability(ca, ce),
                events_owned=tuple(self.owned_by(service)),
                events_published=tuple(published),
                events_consumed=tuple(consumed),
                context=self.context_of(service),
            )
        return out

    def context_metrics(self) -> dict[str, Metrics]:
        """The same measures for bounded contexts, counting only what crosses a context's boundary."""
        cmap = self.context_map()
        out = {}
        for name, context in sorted(self.contexts.items()):
            members = set(context.services)
            consumed = {e for s in members for e in self.consumed_by(s) if not members & set(self.publishers_of(e))}
            published = {e for s in members for e in self.published_by(s) if set(self.consumers_of(e)) - members}
            owned = {e for s in members for e in self.owned_by(s)}
            ca, ce = cmap.out_degree(name), cmap.in_degree(name)
            out[name] = Metrics(
                name=name,
                fan_in=len(consumed),
                fan_out=len(published),
                afferent=ca,
                efferent=ce,
                instability=_instability(ca, ce),
                events_owned=tuple(sorted(owned)),
                events_published=tuple(sorted(published)),
                events_consumed=tuple(sorted(consumed)),
                services=context.services,
            )
        return out

    def cycles(self, ignore_events: Iterable[str] = ()) -> list[tuple[str, ...]]:
        """One dependency cycle per strongly connected group of services: the shortest through its first member."""
        deps = self.service_graph(ignore_events)
        out = []
        for component in _components(deps):
            if len(component) < 2:
                continue
            sub = deps.subgraph(component)
            start = component[0]
            best: list[str] | None = None
            for successor in sorted(sub.successors(start)):
                path = [start, *nx.shortest_path(sub, successor, start)]
                if best is None or (len(path), path) < (len(best), best):
                    best = path
            if best:
                out.append(tuple(best))
        return sorted(out)

    def components(self) -> list[tuple[str, ...]]:
        """Strongly connected groups of services (sorted members), largest first."""
        return _components(self.service_graph())

    @staticmethod
    def components_of(graph: nx.DiGraph) -> list[tuple[str, ...]]:
        """Strongly connected groups of any derived graph (sorted members), largest first."""
        return _components(graph)

    def longest_chain(self) -> tuple[str, ...]:
        """The longest causal chain of events (a cycle's events counted once each)."""
        return _longest_path(self.event_chains())

    def summary(self) -> CouplingSummary:
        """The project-level coupling summary."""
        deps = self.service_graph()
        n = deps.number_of_nodes()
        edges = deps.number_of_edges()
        pairs = {frozenset((a, b)) for a, b in deps.edges()}
        possible = n * (n - 1)
        components = self.components()
        return CouplingSummary(
            services=n,
            dependencies=edges,
            density=edges / possible if possible else 0.0,
            coupled_pairs=len(pairs),
            coupled_share=len(pairs) / (possible / 2) if possible else 0.0,
            cycles=tuple(self.cycles()),
            largest_component=components[0] if components and len(components[0]) > 1 else (),
            longest_chain=self.longest_chain(),
            events=len(self.events()),
        )

    def to_json(self) -> dict[str, Any]:
        """Nodes, edges, contexts, metrics and the summary as plain, sorted JSON data."""
        nodes = [_jsonable(dict(data)) for _, data in sorted(self.graph.nodes(data=True))]
        edges = [
            {"source": u, "target": v, **_jsonable(dict(data))}
            for u, v, data in sorted(self.graph.edges(data=True), key=lambda e: (e[0], e[1], _edge_key(e[2])))
        ]
        return {
            "nodes": nodes,
            "edges": edges,
            "contexts": {
                name: {"services": list(c.services), "public": list(c.public), "description": c.description}
                for name, c in sorted(self.contexts.items())
            },
            "metrics": {
                "services": {k: m.to_json() for k, m in self.service_metrics().items()},
                "contexts": {k: m.to_json() for k, m in self.context_metrics().items()},
            },
            "summary": self.summary().to_json(),
        }


# -- building it -----------------------------------------------------------------------------


def build_graph(
    facts: ProjectFacts, config: Config, catalog: Catalog, identity: Identity | None = None, flow: Flow | None = None
) -> EventGraph:
    """The event graph of the facts; contexts come from the configuration's `contexts` key. `flow`, when given, is the
    routing of these facts and catalog the caller shares with its rules (its answers are kept)."""
    contexts = load_contexts(config, (s.name for s in facts.services))
    flow = flow if flow is not None else Flow(facts, catalog, identity=identity)
    graph = nx.MultiDiGraph()
    context_of = {s: c.name for c in contexts.values() for s in c.services}
    services = sorted({s.name for s in facts.services} | {r.service for r in (*flow.publications, *flow.subscriptions) if r.service})
    variant_of = {s.name: s.variant for s in facts.services if s.variant}
    for service in services:
        graph.add_node(service_node(service), kind=SERVICE, name=service, context=context_of.get(service))
        if service in variant_of:  # only services in a variant set carry it: other graphs' JSON stays as it was
            graph.nodes[service_node(service)]["variant"] = variant_of[service]

    unresolved: list[Publication | Subscription] = []
    publications: dict[tuple[str, int, int], list[tuple[Publication, str]]] = {}
    for publication in flow.publications:
        name = _identity(flow, publication)
        if name is None:
            unresolved.append(publication)
            continue
        _add_event(graph, name, publication.channel)
        publications.setdefault((publication.path, publication.line, publication.column), []).append((publication, name))
        if publication.service:
            graph.add_edge(service_node(publication.service), event_node(name), kind=PUBLISHES, **_publication_attrs(publication, name))

    representatives = _representatives(publications)
    handlers = {h.name: h for h in facts.handlers}
    for subscription in flow.subscriptions:
        receives = flow.judged(subscription) or flow.bound_broker_named(subscription)
        names = sorted({name for publication, name in representatives if receives and flow.reaches(publication, subscription)})
        channel = None  # a subscription's channel names an event only when nothing published reaches it (a queue is no event's channel)
        if not names:
            own = _identity(flow, subscription)
            if own is None:
                unresolved.append(subscription)
                continue
            names, channel = [own], subscription.channel
        target = subscription.handler or subscription.function or f"<{subscription.handler_expr or 'unknown handler'}>"
        _add_handler(graph, target, subscription, handlers)
        for name in names:
            _add_event(graph, name, channel)
            attrs = _subscription_attrs(subscription, name)
            if subscription.service:
                graph.add_edge(event_node(name), service_node(subscription.service), kind=CONSUMES, **attrs)
            graph.add_edge(event_node(name), handler_node(target), kind=DELIVERS, **attrs)
        for site in _caused_sites(subscription, handlers, facts):
            for publication, name in publications.get(site, ()):
                graph.add_edge(handler_node(target), event_node(name), kind=CAUSES, **_publication_attrs(publication, name))

    _dedupe_causes(graph)
    _set_owners(graph, catalog, context_of)
    return EventGraph(graph=graph, contexts=contexts, unresolved=tuple(unresolved), identity=flow.identity)


def _identity(flow: Flow, record: Publication | Subscription) -> str | None:
    """The event a record stands for (identity.py): the catalog's, else its event name, channel or channel template."""
    return flow.identity.node(record)


def _add_event(graph: nx.MultiDiGraph, name: str, channel: str | None) -> None:
    node = event_node(name)
    if node not in graph:
        graph.add_node(node, kind=EVENT, name=name, channels=(), owner=None, contexts=(), declared=False)
    if channel and channel not in graph.nodes[node]["channels"]:
        graph.nodes[node]["channels"] = tuple(sorted((*graph.nodes[node]["channels"], channel)))


def _add_handler(graph: nx.MultiDiGraph, name: str, subscription: Subscription, handlers: Mapping[str, Handler]) -> None:
    node = handler_node(name)
    record = handlers.get(name)
    sites: set[Site] = {(subscription.path, subscription.line)}
    if node in graph:
        graph.nodes[node]["sites"] = tuple(sorted(set(graph.nodes[node]["sites"]) | sites))
        return
    if record is not None:
        sites |= _handler_sites(record)
    graph.add_node(
        node,
        kind=HANDLER,
        name=name,
        service=record.service if record else subscription.service,
        path=record.path if record else subscription.path,
        line=record.line if record else subscription.line,
        role=record.role if record else "handler",
        sites=tuple(sorted(sites)),
    )


def _handler_sites(handler: Handler) -> set[Site]:
    """Every (path, line) a handler's facts point at: where a finding about the handler can be."""
    sites: set[Site] = {(handler.path, handler.line)}
    sites |= {(c.path, c.line) for c in handler.calls}
    sites |= {(e.path, e.line) for e in handler.excepts}
    sites |= {(r.path, r.line) for r in handler.reads}
    sites |= {(p.path, p.line) for p in handler.publications}
    return sites


def _caused_sites(subscription: Subscription, handlers: Mapping[str, Handler], facts: ProjectFacts) -> list[tuple[str, int, int]]:
    """Publications caused by handling a subscription's message: its handler's, and those its consuming loop makes itself."""
    sites: set[tuple[str, int, int]] = set()
    handler = handlers.get(subscription.handler or "")
    if handler is not None:
        sites |= {(p.path, p.line, p.column) for p in handler.publications}
    loop = handlers.get(subscription.function or "")
    if loop is not None and loop.role != "handler" and loop.name != subscription.handler:
        through_handlers = {
            (p.path, p.line, p.column)
            for s in facts.subscribers
            if s.function == loop.name and s.handler in handlers
            for p in handlers[s.handler].publications
        }
        sites |= {(p.path, p.line, p.column) for p in loop.publications} - through_handlers
    return sorted(sites)


def _representatives(publications: Mapping[tuple[str, int, int], list[tuple[Publication, str]]]) -> list[tuple[Publication, str]]:
    """One publication per distinct (event, channel, template, framework): enough to decide who reaches whom."""
    seen: dict[tuple, tuple[Publication, str]] = {}
    for site in sorted(publications):
        for publication, name in publications[site]:
            key = (name, publication.event, publication.channel, publication.channel_expr, publication.framework)
            seen.setdefault(key, (publication, name))
    return list(seen.values())


def _dedupe_causes(graph: nx.MultiDiGraph) -> None:
    """A handler reached by several subscriptions records each publication it causes once."""
    seen: set[tuple] = set()
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        if data["kind"] != CAUSES:
            continue
        ident = (u, v, data["path"], data["line"], data["column"])
        if ident in seen:
            graph.remove_edge(u, v, key)
        seen.add(ident)


def _set_owners(graph: nx.MultiDiGraph, catalog: Catalog, context_of: Mapping[str, str]) -> None:
    """An event's owner is the catalog's `owner`, else its only publishing service; its contexts follow."""
    for node, data in graph.nodes(data=True):
        if data["kind"] != EVENT:
            continue
        spec = catalog.event(data["name"])
        publishers = sorted({graph.nodes[u]["name"] for u, _, k in graph.in_edges(node, data="kind") if k == PUBLISHES})
        owner = spec.owner if spec and spec.owner else (publishers[0] if len(publishers) == 1 else None)
        owners = [owner] if owner else publishers
        data["owner"] = owner
        data["declared"] = spec is not None
        data["contexts"] = tuple(sorted({context_of[s] for s in owners if s in context_of}))


def _publication_attrs(publication: Publication, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "framework": publication.framework,
        "channel": publication.channel,
        "path": publication.path,
        "line": publication.line,
        "column": publication.column,
        "function": publication.function,
        "service": publication.service,
    }


def _subscription_attrs(subscription: Subscription, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "framework": subscription.framework,
        "channel": subscription.channel,
        "path": subscription.path,
        "line": subscription.line,
        "column": subscription.column,
        "handler": subscription.handler,
        "service": subscription.service,
        "dead_letter": subscription.dead_letter,
    }


def _trace_site(data: Mapping[str, Any]) -> TraceSite:
    return TraceSite(
        service=data["service"],
        function=data.get("function"),
        framework=data["framework"],
        channel=data["channel"],
        path=data["path"],
        line=data["line"],
        column=data["column"],
    )


def _instability(afferent: int, efferent: int) -> float | None:
    total = afferent + efferent
    return efferent / total if total else None


def _components(graph: nx.DiGraph) -> list[tuple[str, ...]]:
    found = [tuple(sorted(c)) for c in nx.strongly_connected_components(graph)]
    return sorted(found, key=lambda c: (-len(c), c))


def _longest_path(graph: nx.DiGraph) -> tuple[str, ...]:
    """Longest path of the condensation (each strongly connected group expands to its sorted members)."""
    if graph.number_of_nodes() == 0:
        return ()
    condensed = nx.condensation(graph)
    members = {n: tuple(sorted(condensed.nodes[n]["members"])) for n in condensed}
    order = list(nx.lexicographical_topological_sort(condensed, key=lambda n: members[n]))
    best: dict[int, tuple[str, ...]] = {}
    for node in order:
        preds = [best[p] for p in condensed.predecessors(node)]
        before = min(preds, key=lambda path: (-len(path), path)) if preds else ()
        best[node] = (*before, *members[node])
    return min(best.values(), key=lambda path: (-len(path), path))


def _edge_key(data: Mapping[str, Any]) -> tuple:
    return (data["kind"], data.get("path", ""), data.get("line", 0), data.get("column", 0), data.get("event", ""))


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(data.items())}
