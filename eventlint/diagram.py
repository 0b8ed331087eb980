"""Drawing the event graph: DOT, SVG, PNG (through Graphviz), Mermaid, JSON and a self-contained HTML page; traces.

Everything here is a pure function of the graph and the findings, sorted, so that the
same project always gives the same bytes. Only this module imports graphviz.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import graphviz

from eventlint.facts import Diagnostic
from eventlint.graph import CONSUMES, PUBLISHES, EventGraph, TraceEvent, TraceStep
from eventlint.runtime import Comparison
from eventlint.runtime import Edge as RuntimeEdge

LEVELS = ("event", "service", "context")
FORMATS = ("dot", "svg", "png", "mermaid", "json", "html")
# Findings that mean a message can be lost or its trail cut without anyone noticing.
BREAKING = ("EDA103", "EDA402", "EDA501", "EDA502")
# Above this many edges, dot's crossing minimisation and edge-label ranks take minutes: the layout is
# bounded (mclimit, nslimit) and edge labels are placed after layout (xlabel).
LARGE_VIEW_EDGES = 200
INSTALL_HINT = "install Graphviz: `apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS)"

_FILL = {"error": "#f8d7da", "warning": "#fff3cd", "info": "#d1ecf1"}
_LINE = {"error": "#c0392b", "warning": "#b7791f", "info": "#2b6cb0"}
_RANK = {"error": 0, "warning": 1, "info": 2}
_CODE_ONLY = "#b0b0b0"


class GraphvizMissing(Exception):
    """The `dot` binary is not installed; `dot` holds the DOT text that could not be rendered."""

    def __init__(self, dot: str) -> None:
        super().__init__(f"Graphviz's `dot` program was not found; {INSTALL_HINT}")
        self.dot = dot


# -- what to draw ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """One drawn edge: ids of both ends, its label, and the worst severity of the findings on it."""

    source: str
    target: str
    label: str
    kind: str
    severity: str | None = None
    findings: tuple[str, ...] = ()
    runtime: str | None = None  # with --traces: "seen", "runtime-only" or "code-only"


@dataclass(frozen=True)
class Node:
    """One drawn node: `kind` is service, event or context; `group` the cluster (bounded context) it sits in."""

    id: str
    name: str
    kind: str
    group: str | None = None
    severity: str | None = None
    findings: int = 0
    runtime_only: bool = False  # with --traces: seen at runtime only (a service of another repository, an unknown destination)


@dataclass(frozen=True)
class View:
    """The filtered graph at one level, ready for any renderer."""

    level: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    groups: tuple[str, ...] = ()
    descriptions: Mapping[str, str] = field(default_factory=dict)


def select(
    graph: EventGraph,
    contexts: Sequence[str] = (),
    events: Sequence[str] = (),
    services: Sequence[str] = (),
    depth: int | None = None,
) -> tuple[set[str], set[str]]:
    """The services and events to draw; raises ValueError naming an unknown context, event or service.

    Each filter adds seeds: the named services, the services of the named contexts, the
    publishers and consumers of the named events. Services within `depth` steps of a seed
    (either direction; default 1 for --service, 0 otherwise) are kept, with the events that
    link kept services and every event a seed service publishes or consumes.
    """
    all_services = set(graph.services())
    if not (contexts or events or services):
        return all_services, set(graph.events())
    for name in contexts:
        if name not in graph.contexts:
            raise ValueError(f"--context: no bounded context '{name}'; expected one of: {', '.join(sorted(graph.contexts)) or 'none declared'}")
    for name in services:
        if name not in all_services:
            raise ValueError(f"--service: no service '{name}'; expected one of: {', '.join(sorted(all_services))}")
    named_events = []
    for name in events:
        found = graph.find_event(name)
        if found is None and len(graph.candidates(name)) > 1:
            raise ValueError(f"--event: '{name}' names several events ({', '.join(graph.candidates(name))}); name one")
        if found is None:
            raise ValueError(f"--event: no event or channel '{name}'{_did_you_mean(name, graph.events())}")
        named_events.append(found)
    seeds = set(services) | {s for c in contexts for s in graph.contexts[c].services}
    for event in named_events:
        seeds |= set(graph.publishers_of(event)) | set(graph.consumers_of(event))
    steps = depth if depth is not None else (1 if services else 0)
    kept = set(seeds)
    deps = graph.service_graph().to_undirected(as_view=True)
    frontier = set(seeds)
    for _ in range(max(steps, 0)):
        frontier = {n for s in frontier for n in deps.neighbors(s)} - kept
        kept |= frontier
    primary = set(services) | {s for c in contexts for s in graph.contexts[c].services}
    kept_events = set(named_events)
    for event in graph.events():
        publishers, consumers = set(graph.publishers_of(event)), set(graph.consumers_of(event))
        if (publishers | consumers) & primary or (steps > 0 and publishers & kept and consumers & kept):
            kept_events.add(event)
    return kept, kept_events


def build_view(
    graph: EventGraph,
    diagnostics: Iterable[Diagnostic] = (),
    level: str = "event",
    contexts: Sequence[str] = (),
    events: Sequence[str] = (),
    services: Sequence[str] = (),
    depth: int | None = None,
) -> View:
    """The nodes and edges to draw at a level, with the findings that colour them."""
    if level not in LEVELS:
        raise ValueError(f"--level: expected one of {', '.join(LEVELS)}, got '{level}'")
    kept_services, kept_events = select(graph, contexts, events, services, depth)
    findings = sorted(diagnostics, key=lambda d: (d.path, d.line, d.column, d.code))
    by_service: dict[str, list[Diagnostic]] = {}
    for d in findings:
        if d.service:
            by_service.setdefault(d.service, []).append(d)
    by_site: dict[tuple[str, int], list[Diagnostic]] = {}
    for d in findings:
        by_site.setdefault((d.path, d.line), []).append(d)
    descriptions = {name: c.description for name, c in graph.contexts.items() if c.description}
    if level == "context":
        return _context_view(graph, kept_services, kept_events, by_service, descriptions)
    service_nodes = [
        Node(
            id=_id("service", s),
            name=s,
            kind="service",
            group=graph.context_of(s),
            severity=_worst(by_service.get(s, ())),
            findings=len(by_service.get(s, ())),
        )
        for s in sorted(kept_services)
    ]
    groups = tuple(sorted({n.group for n in service_nodes if n.group}))
    if level == "service":
        return View("service", tuple(service_nodes), _service_edges(graph, kept_services, kept_events, by_site), groups, descriptions)
    event_nodes = [Node(id=_id("event", e), name=e, kind="event") for e in sorted(kept_events)]
    edges = _event_edges(graph, kept_services, kept_events, by_site)
    return View("event", tuple(service_nodes + event_nodes), edges, groups, descriptions)


def _event_edges(graph: EventGraph, services: set[str], events: set[str], by_site: Mapping[tuple[str, int], list[Diagnostic]]) -> tuple[Edge, ...]:
    merged: dict[tuple[str, str, str, str], list[Diagnostic]] = {}
    for source, target, data in graph.edges(PUBLISHES):
        if source in services and target in events:
            key = (_id("service", source), _id("event", target), data["framework"], PUBLISHES)
            merged.setdefault(key, []).extend(by_site.get((data["path"], data["line"]), ()))
    for source, target, data in graph.edges(CONSUMES):
        if source in events and target in services:
            key = (_id("event", source), _id("service", target), data["framework"], CONSUMES)
            merged.setdefault(key, []).extend(by_site.get((data["path"], data["line"]), ()))
    return tuple(
        Edge(source=s, target=t, label=label, kind=kind, severity=_worst(found), findings=tuple(sorted({d.code for d in found})))
        for (s, t, label, kind), found in sorted(merged.items())
    )


def _service_edges(graph: EventGraph, services: set[str], events: set[str], by_site: Mapping[tuple[str, int], list[Diagnostic]]) -> tuple[Edge, ...]:
    out = []
    for source, target, data in sorted(graph.service_graph().edges(data=True)):
        shown = [e for e in data["events"] if e in events]
        if source not in services or target not in services or not shown:
            continue
        found = [
            d
            for _, consumer, edge in graph.edges(CONSUMES)
            if consumer == target and edge["event"] in shown
            for d in by_site.get((edge["path"], edge["line"]), ())
        ]
        out.append(
            Edge(_id("service", source), _id("service", target), ", ".join(shown), "depends", _worst(found), tuple(sorted({d.code for d in found})))
        )
    return tuple(out)


def _context_view(
    graph: EventGraph,
    services: set[str],
    events: set[str],
    by_service: Mapping[str, list[Diagnostic]],
    descriptions: Mapping[str, str],
) -> View:
    def unit(service: str) -> str:
        return graph.context_of(service) or service

    units = sorted({unit(s) for s in services})
    nodes = []
    for name in units:
        members = graph.contexts[name].services if name in graph.contexts else (name,)
        found = [d for s in members for d in by_service.get(s, ())]
        kind = "context" if name in graph.contexts else "service"
        nodes.append(Node(_id(kind, name), name, kind, severity=_worst(found), findings=len(found)))
    pairs: dict[tuple[str, str], set[str]] = {}
    for source, target, data in graph.service_graph().edges(data=True):
        if source in services and target in services and unit(source) != unit(target):
            pairs.setdefault((unit(source), unit(target)), set()).update(e for e in data["events"] if e in events)
    kinds = {n.name: n.kind for n in nodes}
    edges = tuple(
        Edge(_id(kinds[a], a), _id(kinds[b], b), ", ".join(sorted(evs)), "depends")
        for (a, b), evs in sorted(pairs.items())
        if evs
    )
    return View("context", tuple(nodes), edges, (), descriptions)


# -- runtime overlay (--traces) --------------------------------------------------------------


def overlay(view: View, comparison: Comparison) -> View:
    """The view with the traces drawn on it: counts and p95 latency on seen edges, runtime-only edges
    (and their nodes) added, code edges never seen in the window marked code-only. Event and service levels."""
    if view.level not in ("event", "service"):
        return view
    halves: dict[tuple[str, str], list[RuntimeEdge]] = {}
    for edge in comparison.edges:
        producer, consumer = _id("service", edge.producer or ""), _id("service", edge.consumer or "")
        event = _id("event", edge.event)
        if view.level == "event":
            if edge.producer:
                halves.setdefault((producer, event), []).append(edge)
            if edge.consumer:
                halves.setdefault((event, consumer), []).append(edge)
        elif edge.producer and edge.consumer:
            halves.setdefault((producer, consumer), []).append(edge)
    judged = {s for c in comparison.code_only if c.judged for s in (c.producer, c.consumer)}
    observed = {e.producer for e in comparison.edges if e.producer} | {e.consumer for e in comparison.edges if e.consumer} | judged
    nodes = {n.id: n for n in view.nodes}
    edges: list[Edge] = []
    drawn: set[tuple[str, str]] = set()
    for edge in view.edges:
        seen = halves.get((edge.source, edge.target), [])
        drawn.add((edge.source, edge.target))
        if seen:
            edges.append(replace(edge, label=_runtime_label(edge.label, seen), runtime="seen"))
        elif {edge.source, edge.target} & {_id("service", s) for s in observed}:
            edges.append(replace(edge, runtime="code-only"))
        else:
            edges.append(edge)
    for (source, target), seen in sorted(halves.items()):
        if (source, target) in drawn or all(e.in_code for e in seen):
            continue
        for ident in (source, target):
            if ident not in nodes:
                kind, _, name = ident.partition(":")
                nodes[ident] = Node(ident, name, kind, runtime_only=True)
        edges.append(Edge(source, target, _runtime_label("", seen), "runtime", runtime="runtime-only"))
    return replace(view, nodes=tuple(sorted(nodes.values(), key=lambda n: (n.kind != "service", n.id))), edges=tuple(edges))


def _runtime_label(label: str, seen: Sequence[RuntimeEdge]) -> str:
    count = sum(e.count for e in seen)
    latencies = sorted(v for e in seen for v in e.latencies_ms)
    text = f"{count} msgs"
    if latencies:
        text += f", p95 {latencies[max(0, -(-len(latencies) * 95 // 100) - 1)]:.1f}ms"
    return f"{label}\n{text}" if label else text


def runtime_steps(comparison: Comparison) -> dict[tuple[str, str], int]:
    """(event, consuming service) → messages seen, for `trace --traces`."""
    out: dict[tuple[str, str], int] = {}
    for edge in comparison.edges:
        if edge.consumer:
            out[(edge.event, edge.consumer)] = out.get((edge.event, edge.consumer), 0) + edge.count
    return out


# -- DOT, SVG, PNG ---------------------------------------------------------------------------


def to_dot(view: View, title: str = "eventlint") -> str:
    """The view as Graphviz DOT: one cluster per bounded context, events as ellipses, services as boxes."""
    large = len(view.edges) > LARGE_VIEW_EDGES
    graph_attr = {"rankdir": "LR", "fontname": "Helvetica", "fontsize": "11", "newrank": "true"}
    if large:
        graph_attr.update(mclimit="0.1", nslimit="1", nslimit1="1", forcelabels="true")
    dot = graphviz.Digraph(name=title, graph_attr=graph_attr)
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")
    grouped: dict[str | None, list[Node]] = {}
    for node in view.nodes:
        grouped.setdefault(node.group if node.kind == "service" else None, []).append(node)
    for group in view.groups:
        with dot.subgraph(name=f"cluster_{_slug(group)}") as cluster:
            label = group if group not in view.descriptions else f"{group}\n{view.descriptions[group]}"
            cluster.attr(label=label, style="rounded,filled", fillcolor="#f4f6f8", color="#9aa5b1", fontsize="11")
            for node in grouped.get(group, ()):
                _dot_node(cluster, node)
    for node in grouped.get(None, ()):
        _dot_node(dot, node)
    for edge in view.edges:
        attrs = {"xlabel" if large else "label": edge.label}
        if edge.severity:
            attrs.update(color=_LINE[edge.severity], fontcolor=_LINE[edge.severity], penwidth="2")
            attrs["tooltip"] = ", ".join(edge.findings)
        if edge.runtime == "runtime-only":
            attrs.update(style="dashed")
        elif edge.runtime == "code-only":
            attrs.update(color=_CODE_ONLY, fontcolor=_CODE_ONLY)
        dot.edge(_mid_of(edge.source), _mid_of(edge.target), **attrs)
    return dot.source


def _dot_node(dot: graphviz.Digraph, node: Node) -> None:
    attrs: dict[str, str] = {"label": node.name}
    if node.kind == "event":
        attrs.update(shape="ellipse", style="filled", fillcolor="#e8f0fe", color="#4a6fa5")
    elif node.kind == "context":
        attrs.update(shape="box3d", style="filled", fillcolor="#f4f6f8")
    else:
        attrs.update(shape="box", style="rounded,filled", fillcolor="#ffffff")
    if node.severity:
        attrs.update(fillcolor=_FILL[node.severity], color=_LINE[node.severity], penwidth="2")
        attrs["label"] = f"{node.name}\n{node.findings} finding{'s' if node.findings != 1 else ''}"
    if node.runtime_only:
        attrs.update(style="dashed" if node.kind == "service" else "dashed,filled")
    dot.node(_mid_of(node.id), **attrs)


def render(dot_source: str, fmt: str) -> bytes:
    """SVG or PNG bytes from DOT, through the `dot` program; GraphvizMissing when it is not installed."""
    try:
        return graphviz.Source(dot_source).pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizMissing(dot_source) from exc


# -- Mermaid, JSON, HTML ---------------------------------------------------------------------


def to_mermaid(view: View) -> str:
    """The view as a Mermaid flowchart (for Markdown): subgraphs per bounded context."""
    lines = ["flowchart LR"]
    grouped: dict[str | None, list[Node]] = {}
    for node in view.nodes:
        grouped.setdefault(node.group if node.kind == "service" else None, []).append(node)
    for group in view.groups:
        lines.append(f'  subgraph {_mid("context", group)}["{_mtext(group)}"]')
        lines.extend(f"    {_mermaid_node(n)}" for n in grouped.get(group, ()))
        lines.append("  end")
    lines.extend(f"  {_mermaid_node(n)}" for n in grouped.get(None, ()))
    for index, edge in enumerate(view.edges):
        label = f'|"{_mtext(edge.label).replace(chr(10), "<br/>")}"|' if edge.label else ""
        arrow = "-.->" if edge.runtime == "runtime-only" else "-->"
        lines.append(f"  {_mid_of(edge.source)} {arrow}{label} {_mid_of(edge.target)}")
    for severity in ("error", "warning", "info"):
        lines.append(f"  classDef {severity} fill:{_FILL[severity]},stroke:{_LINE[severity]},stroke-width:2px")
        flagged = [_mid_of(n.id) for n in view.nodes if n.severity == severity]
        if flagged:
            lines.append(f"  class {','.join(flagged)} {severity}")
        styled = [str(i) for i, e in enumerate(view.edges) if e.severity == severity]
        if styled:
            lines.append(f"  linkStyle {','.join(styled)} stroke:{_LINE[severity]},stroke-width:2px")
    grey = [str(i) for i, e in enumerate(view.edges) if e.runtime == "code-only"]
    if grey:
        lines.append(f"  linkStyle {','.join(grey)} stroke:{_CODE_ONLY}")  # after the severities, as in DOT: never seen wins
    return "\n".join(lines) + "\n"


def _mermaid_node(node: Node) -> str:
    text = _mtext(node.name if not node.findings else f"{node.name} ({node.findings} findings)")
    if node.kind == "event":
        return f'{_mid_of(node.id)}(["{text}"])'
    return f'{_mid_of(node.id)}["{text}"]'


def to_json(view: View, graph: EventGraph) -> str:
    """The drawn nodes and edges, with the metrics and the coupling summary."""
    document = {
        "eventlint_graph": 1,
        "level": view.level,
        "nodes": [
            {"id": n.id, "name": n.name, "kind": n.kind, "context": n.group, "severity": n.severity, "findings": n.findings}
            for n in view.nodes
        ],
        "edges": [
            {"source": e.source, "target": e.target, "label": e.label, "kind": e.kind, "severity": e.severity, "findings": list(e.findings)}
            | ({"runtime": e.runtime} if e.runtime else {})
            for e in view.edges
        ],
        "contexts": {
            name: {"services": list(c.services), "public": list(c.public), "description": c.description}
            for name, c in sorted(graph.contexts.items())
        },
        "metrics": {
            "services": {k: m.to_json() for k, m in graph.service_metrics().items()},
            "contexts": {k: m.to_json() for k, m in graph.context_metrics().items()},
        },
        "summary": graph.summary().to_json(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RULE_DOCS = "https://github.com/eventlint/eventlint/blob/main/docs/rules/{code}.md"
_ASSETS = Path(__file__).resolve().parent / "assets"


def to_html(
    view: View,
    graph: EventGraph,
    svg: str,
    diagnostics: Iterable[Diagnostic],
    names: Mapping[str, str],
    title: str,
    explain: Mapping[str, str] | None = None,
    root: str | None = None,
) -> str:
    """One self-contained page that works offline: the interactive flow map, the metrics, the findings per service.

    The map is the Graphviz SVG with pan and zoom, search, filters by context,
    severity and rule, a legend, and a panel listing a clicked node's findings
    with links to their rule's documentation (`explain` text embedded) and to
    `file:line` (under `root`, the project's absolute path).
    """
    findings = sorted(diagnostics, key=lambda d: (d.service or "~", d.path, d.line, d.column, d.code))
    body = [f"<h1>{html.escape(title)}</h1>", _flow_map(view, graph, svg, findings, names, explain or {}, root)]
    body.append("<h2>Coupling</h2><ul>")
    body.extend(f"<li>{html.escape(line.strip())}</li>" for line in graph.summary().lines())
    body.append("</ul>")
    body.append("<h2>Services</h2>")
    body.append(_metrics_table(graph.service_metrics().values(), "service", with_context=True))
    if graph.contexts:
        body.append("<h2>Bounded contexts</h2>")
        body.append(_metrics_table(graph.context_metrics().values(), "context", with_context=False))
    body.append("<h2>Findings per service</h2>")
    grouped: dict[str, list[Diagnostic]] = {}
    for d in findings:
        grouped.setdefault(d.service or "(no service)", []).append(d)
    if not grouped:
        body.append("<p>No findings.</p>")
    for service, items in sorted(grouped.items()):
        body.append(f'<h3 id="service-{_slug(service)}">{html.escape(service)} <small>({len(items)})</small></h3><ul>')
        for d in items:
            name = names.get(d.code, "")
            body.append(
                f'<li class="{html.escape(d.severity)}"><a href="{html.escape(_file_href(root, d))}"><code>{html.escape(d.path)}:{d.line}:{d.column}</code></a> '
                f'<a href="{html.escape(_doc_href(d.code))}"><b>{html.escape(d.code)}</b></a> {html.escape(name)}: {html.escape(d.message)}</li>'
            )
        body.append("</ul>")
    style = (
        "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
        "li.error{color:#c0392b}li.warning{color:#8a5a00}li.info{color:#2b6cb0}"
    ) + (_ASSETS / "flowmap.css").read_text(encoding="utf-8")
    script = (_ASSETS / "flowmap.js").read_text(encoding="utf-8")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n" + "\n".join(body)
        + f"\n<script>{script}</script>\n</body>\n</html>\n"
    )


def _doc_href(code: str) -> str:
    return RULE_DOCS.format(code=code) if code.startswith("EDA") else "#"


def _file_href(root: str | None, d: Diagnostic) -> str:
    if root is None:
        return d.path
    return PurePosixPath(root, d.path).as_uri() if root.startswith("/") else Path(root, d.path).as_uri()


def _flow_map(
    view: View,
    graph: EventGraph,
    svg: str,
    findings: Sequence[Diagnostic],
    names: Mapping[str, str],
    explain: Mapping[str, str],
    root: str | None,
) -> str:
    """The interactive map: toolbar (search, filters, zoom), the SVG, the findings panel, the legend, and its data."""

    def about(node: Node) -> list[Diagnostic]:
        if node.kind == "event":
            return [d for d in findings if d.event == node.name]
        members = graph.contexts[node.name].services if node.kind == "context" and node.name in graph.contexts else (node.name,)
        return [d for d in findings if d.service in members]

    nodes = []
    for node in view.nodes:
        found = sorted(about(node), key=lambda d: (_RANK.get(d.severity, 3), d.code, d.path, d.line, d.column))
        nodes.append(
            {
                "mid": _mid_of(node.id),
                "name": node.name,
                "kind": node.kind,
                "context": node.group,
                "severity": _worst(found),
                "findings": [
                    {
                        "code": d.code,
                        "name": names.get(d.code, ""),
                        "severity": d.severity,
                        "message": d.message,
                        "hint": d.hint,
                        "path": d.path,
                        "line": d.line,
                        "column": d.column,
                        "href": _file_href(root, d),
                        "doc": _doc_href(d.code),
                    }
                    for d in found
                ],
            }
        )
    codes = sorted({f["code"] for n in nodes for f in n["findings"]})
    data = {
        "nodes": nodes,
        "edges": [{"source": _mid_of(e.source), "target": _mid_of(e.target), "findings": list(e.findings)} for e in view.edges],
        "explain": {code: explain[code] for code in codes if code in explain},
    }
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    contexts = sorted({n.group for n in view.nodes if n.group} | {n.name for n in view.nodes if n.kind == "context"})
    context_options = "".join(f'<option value="{html.escape(c)}">{html.escape(c)}</option>' for c in contexts)
    rule_options = "".join(f'<option value="{c}">{c} {html.escape(names.get(c, ""))}</option>' for c in codes)
    severities = "".join(
        f'<label><input type="checkbox" name="fm-severity" value="{s}" checked> {label}</label>'
        for s, label in (("error", "error"), ("warning", "warning"), ("info", "info"), ("none", "no finding"))
    )
    names_list = "".join(f'<option value="{html.escape(n.name)}"></option>' for n in view.nodes)
    legend = (
        '<div class="legend" id="fm-legend"><b>Legend</b>'
        '<span><i class="sw service"></i> service</span><span><i class="sw event"></i> event</span>'
        '<span><i class="sw context"></i> bounded context</span>'
        '<span><i class="sw error"></i> worst finding: error</span><span><i class="sw warning"></i> warning</span>'
        '<span><i class="sw info"></i> info</span><span><i class="sw dim"></i> filtered out</span>'
        "<span>edge: publishes / consumes, labelled by framework; coloured when a finding sits on it</span>"
        "<span>drag to pan, wheel to zoom, click a node for its findings</span></div>"
    )
    return "\n".join(
        [
            '<div id="flowmap">',
            '<div class="toolbar">',
            f'<input id="fm-search" type="search" placeholder="Search a service or event" list="fm-names" aria-label="Search"><datalist id="fm-names">{names_list}</datalist>',
            f'<label class="group">context <select id="fm-context"><option value="">all</option>{context_options}</select></label>',
            f'<label class="group">rule <select id="fm-rule"><option value="">all</option>{rule_options}</select></label>',
            f'<span class="group">{severities}</span>',
            '<span class="group"><button id="fm-zoom-in" type="button" title="Zoom in">+</button>'
            '<button id="fm-zoom-out" type="button" title="Zoom out">\u2212</button>'
            '<button id="fm-fit" type="button" title="Show everything">Fit</button></span>',
            '<span id="fm-status" aria-live="polite"></span>',
            "</div>",
            '<div class="stage">',
            f'<div id="fm-canvas">{_strip_xml_prolog(svg)}</div>',
            '<aside id="fm-panel"><p>Click a service or event to see its findings.</p></aside>',
            "</div>",
            legend,
            f'<script type="application/json" id="flowmap-data">{payload}</script>',
            "</div>",
        ]
    )


def _metrics_table(rows: Iterable[Any], what: str, with_context: bool) -> str:
    head = [what, *(["context"] if with_context else ["services"]), "fan-in", "fan-out", "Ca", "Ce", "instability", "owned", "consumed"]
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for m in rows:
        second = (m.context or "-") if with_context else ", ".join(m.services)
        instability = "-" if m.instability is None else f"{m.instability:.2f}"
        cells = [m.name, second, m.fan_in, m.fan_out, m.afferent, m.efferent, instability, ", ".join(m.events_owned), ", ".join(m.events_consumed)]
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _strip_xml_prolog(svg: str) -> str:
    return re.sub(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", svg.lstrip())


# -- traces ----------------------------------------------------------------------------------


def step_findings(step: TraceStep, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Findings about a handler step: on its subscription or anywhere its handler's facts point, or with its
    subscription among their related locations (one service's consumers without a dead-letter path, EDA501)."""
    sites = {(step.path, step.line), *(tuple(s) for s in step.sites)}
    own = (step.path, step.line)
    found = [
        d
        for d in diagnostics
        if ((d.path, d.line) in sites or any((r.path, r.line) == own for r in d.related))
        and (d.service is None or d.service == step.service)
    ]
    return sorted(set(found), key=lambda d: (d.code, d.path, d.line, d.column))


def trace_text(root: TraceEvent, diagnostics: Sequence[Diagnostic], names: Mapping[str, str], runtime: Mapping[tuple[str, str], int] | None = None) -> str:
    """The causal chain as an indented tree with file:line at every step; `!` marks where it can break silently.

    With `runtime` (`trace --traces`), every step says whether the traces show it and how many messages.
    """
    lines: list[str] = []
    _trace_event_lines(root, 0, diagnostics, names, lines, root=True, runtime=runtime)
    breaks = sum(1 for line in lines if line.lstrip().startswith("! "))
    lines.append("")
    lines.append(f"{breaks} step{'s' if breaks != 1 else ''} where the chain can break silently." if breaks else "No step where the chain can break silently.")
    return "\n".join(lines) + "\n"


def _trace_event_lines(
    event: TraceEvent,
    indent: int,
    diagnostics: Sequence[Diagnostic],
    names: Mapping[str, str],
    out: list[str],
    root: bool = False,
    runtime: Mapping[tuple[str, str], int] | None = None,
) -> None:
    pad = " " * indent
    channels = f" on {', '.join(c for c in event.channels if c != event.event)}" if [c for c in event.channels if c != event.event] else ""
    if root:
        out.append(f"{event.event}{channels}")
        for site in event.published:
            out.append(f"{pad}  published by {site.service or '-'} in {site.function or 'module-level code'}  {site.path}:{site.line}")
    else:
        where = ", ".join(f"{s.path}:{s.line}" for s in event.published)
        out.append(f"{pad}publishes {event.event}{channels}  {where}")
    if event.repeated:
        out.append(f"{pad}  (followed above)")
        return
    if event.truncated:
        out.append(f"{pad}  (deeper steps left out)")
        return
    if not event.steps:
        out.append(f"{pad}  (no consumer in the analysed code)")
    for step in event.steps:
        seen = ""
        if runtime is not None:
            count = runtime.get((event.event, step.service or ""), 0)
            seen = f"  (runtime: {count} msgs)" if count else "  (not seen at runtime)"
        out.append(f"{pad}  → {step.service or '-'}: {step.handler}  [{step.framework}]  {step.path}:{step.line}{seen}")
        found = step_findings(step, diagnostics)
        breaking = [d for d in found if d.code in BREAKING]
        other = [d for d in found if d.code not in BREAKING]
        if breaking:
            out.append(f"{pad}      ! can break silently: {_grouped(breaking, names)}")
        if other:
            out.append(f"{pad}      · also: {_grouped(other, names)}")
        for caused in step.causes:
            _trace_event_lines(caused, indent + 6, diagnostics, names, out, runtime=runtime)


def _grouped(found: Sequence[Diagnostic], names: Mapping[str, str]) -> str:
    """`EDA103 correlation-id-dropped at a.py:22, 28; EDA501 no-dead-letter at w.py:24`."""
    by_code: dict[str, dict[str, list[int]]] = {}
    for d in found:
        by_code.setdefault(d.code, {}).setdefault(d.path, []).append(d.line)
    parts = []
    for code, paths in sorted(by_code.items()):
        where = ", ".join(f"{path}:{', '.join(str(n) for n in sorted(set(lines)))}" for path, lines in sorted(paths.items()))
        parts.append(f"{code} {names.get(code, '')} at {where}".replace("  ", " "))
    return "; ".join(parts)


def trace_json(root: TraceEvent, diagnostics: Sequence[Diagnostic], names: Mapping[str, str], runtime: Mapping[tuple[str, str], int] | None = None) -> str:
    """The causal chain as nested JSON (with `runtime`, each consumer's `runtime_messages`)."""
    document = {"eventlint_trace": 1, "trace": _trace_event_json(root, diagnostics, names, runtime)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _trace_event_json(event: TraceEvent, diagnostics: Sequence[Diagnostic], names: Mapping[str, str], runtime: Mapping[tuple[str, str], int] | None = None) -> dict[str, Any]:
    return {
        "event": event.event,
        "channels": list(event.channels),
        "published": [
            {"service": s.service, "function": s.function, "framework": s.framework, "channel": s.channel, "path": s.path, "line": s.line, "column": s.column}
            for s in event.published
        ],
        "repeated": event.repeated,
        "truncated": event.truncated,
        "consumers": [_trace_step_json(step, diagnostics, names, runtime, event.event) for step in event.steps],
    }


def _trace_step_json(
    step: TraceStep, diagnostics: Sequence[Diagnostic], names: Mapping[str, str], runtime: Mapping[tuple[str, str], int] | None = None, event: str = ""
) -> dict[str, Any]:
    found = step_findings(step, diagnostics)
    extra = {"runtime_messages": runtime.get((event, step.service or ""), 0)} if runtime is not None else {}
    return {
        "service": step.service,
        "handler": step.handler,
        "framework": step.framework,
        "channel": step.channel,
        "path": step.path,
        "line": step.line,
        "column": step.column,
        "handler_path": step.handler_path,
        "handler_line": step.handler_line,
        "breaks_silently": any(d.code in BREAKING for d in found),
        "findings": [{"code": d.code, "name": names.get(d.code), "message": d.message, "path": d.path, "line": d.line} for d in found],
        "publishes": [_trace_event_json(e, diagnostics, names, runtime) for e in step.causes],
        **extra,
    }


def trace_mermaid(root: TraceEvent, diagnostics: Sequence[Diagnostic], runtime: Mapping[tuple[str, str], int] | None = None) -> str:
    """The causal chain as a Mermaid flowchart: events as stadiums, handlers as boxes, breaking steps in red.

    With `runtime`, a step's edge carries its message count, and steps never seen are grey.
    """
    lines = ["flowchart LR"]
    declared: set[str] = set()
    edges: list[str] = []
    breaking: list[str] = []
    unseen: list[str] = []

    def event_id(event: TraceEvent) -> str:
        ident = _mid("event", event.event)
        if ident not in declared:
            declared.add(ident)
            lines.append(f'  {ident}(["{_mtext(event.event)}"])')
        return ident

    def walk(event: TraceEvent) -> None:
        source = event_id(event)
        for step in event.steps:
            ident = _mid("handler", f"{step.service}:{step.handler}")
            if ident not in declared:
                declared.add(ident)
                lines.append(f'  {ident}["{_mtext((step.service or "-") + ": " + step.handler)}<br/>{_mtext(step.path)}:{step.line}"]')
                if any(d.code in BREAKING for d in step_findings(step, diagnostics)):
                    breaking.append(ident)
            label = step.framework
            if runtime is not None:
                count = runtime.get((event.event, step.service or ""), 0)
                label += f", {count} msgs" if count else ", not seen"
                if not count and ident not in unseen:
                    unseen.append(ident)
            edges.append(f"  {source} -->|{_mtext(label)}| {ident}")
            for caused in step.causes:
                edges.append(f"  {ident} --> {event_id(caused)}")
                if not caused.repeated:
                    walk(caused)

    walk(root)
    lines.extend(dict.fromkeys(edges))
    lines.append(f"  classDef breaks fill:{_FILL['error']},stroke:{_LINE['error']},stroke-width:2px")
    if breaking:
        lines.append(f"  class {','.join(breaking)} breaks")
    if unseen:
        lines.append(f"  classDef unseen stroke:{_CODE_ONLY},color:{_CODE_ONLY}")
        lines.append(f"  class {','.join(i for i in unseen if i not in breaking)} unseen")
    return "\n".join(lines) + "\n"


# -- helpers ---------------------------------------------------------------------------------


def _worst(found: Iterable[Diagnostic]) -> str | None:
    levels = sorted({d.severity for d in found}, key=lambda s: _RANK.get(s, 3))
    return levels[0] if levels else None


def _id(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _mid(kind: str, name: str) -> str:
    """A Mermaid node id: letters, digits and underscores only, unique per (kind, name)."""
    return f"{kind}_{_slug(name)}_{_short_hash(name)}"


def _mid_of(node_id: str) -> str:
    kind, _, name = node_id.partition(":")
    return _mid(kind, name)


def _short_hash(text: str) -> str:
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 1_000_003
    return format(value, "x")


def _mtext(text: str) -> str:
    return text.replace('"', "#quot;")


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3)
    return f"; did you mean {', '.join(close)}?" if close else f"; known events: {', '.join(choices[:10])}" if choices else ""
