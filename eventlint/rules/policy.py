"""Declarative policies: rules written in YAML (rules/policies/*.yaml and the files of the `policies` key).

A policy file holds a list of policies validated by `eventlint/schemas/policy.json`.
Each policy is one constraint (forbid-edge, require-edge, require-payload,
limit, classify) over the facts, the catalog and the bounded contexts, and
becomes a rule class like any other: it is selected, given a severity,
suppressed, baselined and reported by the same engine. A mistake is a
ConfigError naming the file, the line and the key.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, ClassVar

import yaml

from eventlint import schemas
from eventlint.config import FAST_SAFE_LOADER, ConfigError, read_text_file
from eventlint.facts import Diagnostic, Publication, Subscription
from eventlint.graph import CAUSES, DELIVERS, PUBLISHES, event_node
from eventlint.identity import unqualified
from eventlint.rules.base import Example, Rule, RuleContext, Severity

CONSTRAINTS = ("forbid-edge", "require-edge", "require-payload", "limit", "classify")

# which rule options a classification extends: (rule code, option field)
CLASSIFY_TARGETS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "payments": (("EDA401", "payments"), ("EDA402", "payments")),
    "db-writes": (("EDA401", "db_writes"), ("EDA402", "db_writes"), ("EDA403", "db_writes")),
    "http-writes": (("EDA401", "http_writes"), ("EDA402", "http_writes")),
    "messages": (("EDA401", "messages"), ("EDA402", "messages")),
    "storage-writes": (("EDA401", "storage_writes"), ("EDA402", "storage_writes")),
    "conditional-writes": (("EDA401", "conditional_writes"),),
    "idempotency": (("EDA401", "dedup_calls"),),
    "idempotency-decorators": (("EDA401", "idempotency_decorators"),),
    "dead-letter": (("EDA501", "dead_letter_calls"), ("EDA502", "dead_letter_calls")),
    "outbox": (("EDA403", "outbox_calls"),),
    "loggers": (("EDA503", "loggers"),),
    "correlation": (("EDA103", "propagation_calls"), ("EDA104", "propagation_calls")),
}

# the {placeholders} a message or hint may use, per constraint
PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "forbid-edge": frozenset({"service", "context", "handler", "event", "channel", "owner", "event_context", "code"}),
    "require-edge": frozenset({"service", "context", "function", "event", "channel", "owner", "event_context", "code"}),
    "require-payload": frozenset(
        {"service", "context", "function", "event", "channel", "owner", "event_context", "missing", "fields", "headers", "code"}
    ),
    "limit": frozenset({"subject", "metric", "value", "max", "members", "code"}),  # subject: the service or event measured
    "classify": frozenset({"code"}),
}

DEFAULT_MESSAGES: Mapping[str, str] = {
    "forbid-edge": "{service} ({handler}) consumes {event}, owned by {owner}: {code} forbids this subscription",
    "require-edge": "{event}, published by {service}, has no required consumer: {code} requires one",
    "require-payload": "{function} publishes {event} on {channel} without {missing}",
    "limit": "{subject} has {metric} {value}, above the limit of {max}: {members}",
    "classify": "",
}


@dataclass(frozen=True)
class Policy:
    """One validated policy and where it was written."""

    id: str
    name: str
    summary: str
    kind: str
    constraint: Mapping[str, Any]
    path: str
    line: int
    source: str
    severity: Severity = Severity.ERROR
    enabled: bool = True
    message: str = ""
    hint: str | None = None
    description: str = ""
    why: str = ""
    fix: str = ""
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()


class PolicyRule(Rule):
    """A rule backed by a declarative policy; `policy` holds the constraint."""

    policy: ClassVar[Policy]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        view = View(ctx)
        kind = self.policy.kind
        if kind == "forbid-edge":
            yield from self._forbid_edge(view)
        elif kind == "require-edge":
            yield from self._require_edge(view)
        elif kind == "require-payload":
            yield from self._require_payload(view)
        elif kind == "limit":
            yield from self._limit(view)

    # -- constraints -----------------------------------------------------------------

    def _forbid_edge(self, view: View) -> Iterator[Diagnostic]:
        spec = self.policy.constraint
        for sub in view.ctx.facts.subscribers:
            if not view.service_matches(spec.get("consumer"), sub.service, sub.handler):
                continue
            for name in view.names_of(sub):
                if view.event_matches(spec.get("event"), name, sub) and view.related(spec.get("relation", "any"), sub.service, name):
                    yield self._emit(sub, view.edge_values(sub, name, handler=sub.handler or "?"), sub.service, name)
                    break

    def _require_edge(self, view: View) -> Iterator[Diagnostic]:
        spec = self.policy.constraint
        first: dict[str, Publication] = {}
        for pub in sorted(view.ctx.facts.publishers, key=_site):
            for name in view.names_of(pub):
                if view.event_matches(spec.get("event"), name, pub):
                    first.setdefault(name, pub)
        for name, pub in sorted(first.items()):
            consumers = [s for s in view.consumers_of(name) if view.service_matches(spec.get("consumer"), s.service, s.handler)]
            consumers = [s for s in consumers if view.related(spec.get("relation", "any"), s.service, name)]
            if not consumers:
                yield self._emit(pub, view.edge_values(pub, name, function=pub.function or "?"), pub.service, name)

    def _require_payload(self, view: View) -> Iterator[Diagnostic]:
        spec = self.policy.constraint
        for pub in view.ctx.facts.publishers:
            if not view.service_matches(spec.get("publisher"), pub.service, pub.function):
                continue
            name = next((n for n in view.names_of(pub) if view.event_matches(spec.get("event"), n, pub)), None)
            if name is None:
                continue
            # a payload or header set that is not statically known is not reported: unknown is not missing
            missing = []
            if pub.payload_fields is not None:
                missing += [f"payload field {f}" for f in spec.get("fields", ()) if f not in pub.payload_fields]
            if pub.headers is not None:
                missing += [f"header {h}" for h in spec.get("headers", ()) if h not in pub.headers]
            if missing:
                values = view.edge_values(pub, name, function=pub.function or "<module>")
                values.update(
                    missing=", ".join(missing),
                    fields=", ".join(pub.payload_fields or ()) or "none",
                    headers=", ".join(pub.headers or ()) or "none",
                )
                yield self._emit(pub, values, pub.service, name)

    def _limit(self, view: View) -> Iterator[Diagnostic]:
        spec = self.policy.constraint
        metric, limit = spec["metric"], self.options.max
        measured = view.measure(metric, spec.get("service"), spec.get("event"), spec.get("scope", "service"))
        for subject, members, where, service, event in measured:
            if len(members) > limit:
                values = {"subject": subject, "metric": metric, "value": str(len(members)), "max": str(limit)}
                values["members"] = " -> ".join(members) if metric == "chain-length" else ", ".join(members)
                yield self._emit(where, values, service, event)

    def _emit(self, where: Publication | Subscription, values: dict[str, str], service: str | None, event: str | None) -> Diagnostic:
        values = {**values, "code": self.code}
        message = render(self.policy.message or DEFAULT_MESSAGES[self.policy.kind], values)
        hint = render(self.policy.hint, values) if self.policy.hint else None
        return self.finding(where, message, hint=hint, service=service, event=event)


class View:
    """What policies ask of the event graph: event names, owners, contexts, consumers, metrics."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.graph = ctx.graph
        self._names: dict[tuple[str, int, int], set[str]] = {}
        for kind in (PUBLISHES, CAUSES, DELIVERS):
            for _, _, data in self.graph.edges(kind):
                self._names.setdefault((data["path"], data["line"], data["column"]), set()).add(data["event"])
        self._consumers: dict[str, list[Subscription]] = {}
        for sub in ctx.facts.subscribers:
            for name in self.names_of(sub):
                self._consumers.setdefault(name, []).append(sub)

    def names_of(self, record: Publication | Subscription) -> list[str]:
        """The events a record is about, as the graph names them (logical name, catalog event of the channel, channel)."""
        named = self._names.get(_site(record))
        if named:
            return sorted(named)
        identity = self.ctx.identity
        if identity.declared(record) is None and not record.event:
            declared = sorted(e.name for e in self.ctx.catalog.for_channel(record.channel))
            if declared:
                return declared
        name = identity.node(record)
        return [name] if name else []

    def _event(self, event: str) -> Mapping[str, Any]:
        node = event_node(event)
        return self.graph.graph.nodes[node] if node in self.graph.graph else {}

    def owner(self, event: str) -> str | None:
        return self._event(event).get("owner")

    def context_of(self, service: str | None) -> str | None:
        return self.graph.context_of(service)

    def is_public(self, event: str) -> bool:
        """Part of its owning context's public contract (`contexts.<name>.public`)."""
        data = self._event(event)
        return any(self.graph.is_public(event, c) for c in data.get("contexts", ()) if c in self.graph.contexts)

    def consumers_of(self, event: str) -> list[Subscription]:
        return sorted(self._consumers.get(event, []), key=_site)

    def event_matches(self, matcher: Mapping[str, Any] | None, name: str, record: Publication | Subscription) -> bool:
        if not matcher:
            return True
        data = self._event(name)
        channels = [c for c in (record.channel, *data.get("channels", ())) if c]
        if "name" in matcher and not (_globs(matcher["name"], name) or _globs(matcher["name"], unqualified(name))):
            return False
        if "channel" in matcher and not any(_globs(matcher["channel"], c) for c in channels):
            return False
        if "owner" in matcher and not _globs(matcher["owner"], self.owner(name)):
            return False
        if "context" in matcher and not any(_globs(matcher["context"], c) for c in data.get("contexts", ())):
            return False
        return "public" not in matcher or matcher["public"] == self.is_public(name)

    def service_matches(self, matcher: Mapping[str, Any] | None, service: str | None, function: str | None) -> bool:
        if not matcher:
            return True
        checks = (("service", service), ("context", self.context_of(service)), ("function", function))
        return all(_globs(matcher[key], value) for key, value in checks if key in matcher)

    def related(self, relation: str, service: str | None, event: str) -> bool:
        if relation == "any":
            return True
        owner = self.owner(event)
        if relation in ("same-service", "other-service"):
            if service is None or owner is None:
                return False
            return (service == owner) == (relation == "same-service")
        mine, theirs = self.context_of(service), self._event(event).get("contexts", ())
        if mine is None or not theirs:
            return False
        return (mine in theirs) == (relation == "same-context")

    def edge_values(self, record: Publication | Subscription, event: str, **extra: str) -> dict[str, str]:
        owner = self.owner(event)
        values = {
            "service": record.service or "(no service)",
            "context": self.context_of(record.service) or "(no context)",
            "event": event,
            "channel": record.channel or "?",
            "owner": owner or "(unknown owner)",
            "event_context": ", ".join(self._event(event).get("contexts", ())) or "(no context)",
        }
        values.update(extra)
        return values

    # -- metrics ---------------------------------------------------------------------

    def measure(
        self, metric: str, services: Mapping[str, Any] | None, events: Mapping[str, Any] | None, scope: str = "service"
    ) -> Iterator[tuple[str, list[str], Publication | Subscription, str | None, str | None]]:
        """(subject, members, where to report, service, event) for every measured subject, sorted."""
        if metric == "consumers-per-event":
            yield from self._consumers_per_event(events)
        elif metric == "chain-length":
            yield from self._chains(events)
        elif scope == "context":
            yield from self._context_metric(metric, services)
        else:
            yield from self._service_metric(metric, services)

    def _context_metric(self, metric: str, contexts: Mapping[str, Any] | None) -> Iterator[Any]:
        """The metric over bounded contexts, counting only what crosses a context's boundary."""
        cmap = self.graph.context_map()
        measured = self.graph.context_metrics()
        for name in sorted(measured):
            if contexts and "context" in contexts and not _globs(contexts["context"], name):
                continue
            m = measured[name]
            members = {
                "fan-in": lambda: list(m.events_consumed),
                "fan-out": lambda: list(m.events_published),
                "afferent": lambda: sorted(cmap.successors(name)),
                "efferent": lambda: sorted(cmap.predecessors(name)),
            }[metric]()
            outgoing = metric in ("fan-out", "afferent")
            records: Iterable[Publication | Subscription] = self.ctx.facts.publishers if outgoing else self.ctx.facts.subscribers
            where = self._first(r for r in records if r.service in m.services)
            if where is not None:
                yield name, members, where, where.service, None

    def _first(self, records: Iterable[Publication | Subscription]) -> Publication | Subscription | None:
        ordered = sorted(records, key=_site)
        return ordered[0] if ordered else None

    def _consumers_per_event(self, events: Mapping[str, Any] | None) -> Iterator[Any]:
        for event in self.graph.events():
            members = self.graph.consumers_of(event)
            where = self._first(p for p in self.ctx.facts.publishers if event in self.names_of(p)) or self._first(self.consumers_of(event))
            if where is None or not self.event_matches(events, event, where):
                continue
            yield event, members, where, where.service, event

    def _service_metric(self, metric: str, services: Mapping[str, Any] | None) -> Iterator[Any]:
        deps = self.graph.service_graph()
        for service in self.graph.services():
            if not self.service_matches(services, service, None):
                continue
            members = {
                "fan-in": lambda: self.graph.consumed_by(service),
                "fan-out": lambda: self.graph.published_by(service),
                "afferent": lambda: sorted(deps.successors(service)),
                "efferent": lambda: sorted(deps.predecessors(service)),
            }[metric]()
            outgoing = metric in ("fan-out", "afferent")
            records: Iterable[Publication | Subscription] = self.ctx.facts.publishers if outgoing else self.ctx.facts.subscribers
            where = self._first(r for r in records if r.service == service)
            if where is not None:
                yield service, list(members), where, service, None

    def _chains(self, events: Mapping[str, Any] | None) -> Iterator[Any]:
        """The longest causal chain from each event nothing else causes: event -> handler -> event -> ..."""
        chains = self.graph.event_chains()
        causes = {e: set(chains.successors(e)) - {e} for e in chains.nodes}
        caused = {b for targets in causes.values() for b in targets}
        for start in sorted(e for e in causes if causes[e] and e not in caused):
            chain = _longest(start, causes, ())
            where = self._first(p for p in self.ctx.facts.publishers if start in self.names_of(p))
            if where is None or not self.event_matches(events, start, where):
                continue
            yield start, list(chain), where, where.service, start


def _longest(event: str, causes: Mapping[str, set[str]], seen: tuple[str, ...]) -> tuple[str, ...]:
    path = (*seen, event)
    best = path
    for nxt in sorted(causes.get(event, ())):
        if nxt not in path:
            candidate = _longest(nxt, causes, path)
            if len(candidate) > len(best):
                best = candidate
    return best


def classifications(rules: Iterable[Rule]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Extra option values from the classify policies among `rules`: code -> option field -> globs."""
    extra: dict[str, dict[str, tuple[str, ...]]] = {}
    for rule in rules:
        policy = getattr(rule, "policy", None)
        if policy is None or policy.kind != "classify":
            continue
        for category, globs in sorted(policy.constraint.items()):
            for code, option in CLASSIFY_TARGETS[category]:
                current = extra.setdefault(code, {}).get(option, ())
                extra[code][option] = current + tuple(g for g in globs if g not in current)
    return extra


# -- loading ---------------------------------------------------------------------------

def load_policy_file(path: Path, shown: str | None = None) -> list[type[PolicyRule]]:
    """The rules of one policy file; any mistake is a ConfigError naming the file, line and key."""
    label = shown or str(path)
    text = read_text_file(path, "policy", label)
    try:  # libyaml's safe loader when installed (the built-in policies were a tenth of a warm run with PyYAML's)
        node = yaml.compose(text, Loader=FAST_SAFE_LOADER)
        data = yaml.load(text, Loader=FAST_SAFE_LOADER)
    except yaml.YAMLError:
        node, data = _load_slowly(text, label)
    return _policy_rules(node, data, label)


def _load_slowly(text: str, label: str) -> tuple[Any, Any]:
    """PyYAML's own loader, whose errors are the ones reported."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(where, "(syntax)", f"invalid YAML: {problem}") from exc


def _policy_rules(node: Any, data: Any, label: str) -> list[type[PolicyRule]]:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{label}:{line_of(node, key)}", key, message)

    for key, message in schemas.problems(data if data is not None else {}, "policy"):
        raise fail(key, message)
    rules = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(data["policies"]):
        where = f"policies[{index}]"
        kinds = [k for k in CONSTRAINTS if k in raw]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            raise fail(where, f"a policy has exactly one constraint ({', '.join(CONSTRAINTS)}); found {found}")
        kind = kinds[0]
        _check_constraint(kind, raw[kind], f"{where}.{kind}", fail)
        for key in ("message", "hint"):
            if key in raw:
                unknown = sorted(_placeholders(raw[key]) - PLACEHOLDERS[kind])
                if unknown:
                    allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS[kind]))
                    raise fail(f"{where}.{key}", f"unknown placeholder {{{unknown[0]}}}; {kind} messages may use {allowed}")
        if raw["id"] in seen:
            raise fail(f"{where}.id", f"{raw['id']} is already the id of the policy at {seen[raw['id']]}")
        line = line_of(node, where)
        seen[raw["id"]] = f"line {line}"
        policy = _policy(raw, kind, label, line, _policy_text(raw, kind))
        rules.append(policy_rule(policy))
    return rules


def policy_rule(policy: Policy) -> type[PolicyRule]:
    """The rule class of one policy.

    Made with `type()` because every part of the engine (selection, severity, SARIF
    metadata, docs) works on rule classes and their class attributes.
    """
    attrs = {
        "__doc__": policy_docstring(policy),
        "__module__": __name__,
        "code": policy.id,
        "name": policy.name,
        "severity": policy.severity,
        "default_enabled": policy.enabled,
        "valid": list(policy.valid),
        "invalid": list(policy.invalid),
        "policy": policy,
    }
    if policy.kind == "limit":
        attrs["Options"] = limit_options(policy.constraint["max"])
    return type(f"Policy_{policy.id}", (PolicyRule,), attrs)


def limit_options(default: int) -> type:
    """The options of a limit policy: its `max`, which a configuration may change (rules.options.CODE.max)."""

    @dataclass(frozen=True)
    class Options:
        """
        - max: the largest value that is not reported (the policy's `limit.max` by default)
        """

        max: int = default

    return Options


def policy_docstring(policy: Policy) -> str:
    """The docstring of a policy's rule class, in the sections every rule's docs use."""
    what = policy.description or _what_text(policy)
    parts = [policy.summary, "", "## What it does", what]
    if policy.why:
        parts += ["", "## Why is this bad?", policy.why]
    if policy.fix:
        parts += ["", "## How to fix it", policy.fix]
    parts += ["", "## Policy", f"Declared in `{policy.path}` (line {policy.line}):", "", "```yaml", policy.source, "```"]
    return "\n".join(parts)


def _what_text(policy: Policy) -> str:
    return {
        "forbid-edge": "Reports every subscription the policy's `forbid-edge` matches.",
        "require-edge": "Reports every matching event without a consumer the policy's `require-edge` asks for.",
        "require-payload": "Reports publications of matching events that lack a required payload field or header.",
        "limit": f"Reports every {policy.constraint.get('metric', 'metric')} above {policy.constraint.get('max')}.",
        "classify": "Adds calls to the built-in rules' classifications while this policy is selected; it reports nothing itself.",
    }[policy.kind]


def _policy(raw: Mapping[str, Any], kind: str, label: str, line: int, source: str) -> Policy:
    examples = raw.get("examples", {})
    return Policy(
        id=raw["id"],
        name=raw["name"],
        summary=raw["summary"],
        kind=kind,
        constraint=raw[kind],
        path=label,
        line=line,
        source=source,
        severity=Severity(raw.get("severity", "error")),
        enabled=raw.get("enabled", True),
        message=raw.get("message", ""),
        hint=raw.get("hint"),
        description=raw.get("description", ""),
        why=raw.get("why", ""),
        fix=raw.get("fix", ""),
        valid=tuple(_example(e) for e in examples.get("valid", ())),
        invalid=tuple(_example(e) for e in examples.get("invalid", ())),
    )


def _example(raw: Mapping[str, Any]) -> Example:
    return Example(raw["source"], files=dict(raw.get("files", {})), config=raw.get("config", ""))


def _check_constraint(kind: str, spec: Mapping[str, Any], where: str, fail: Any) -> None:
    if kind == "require-payload" and not (spec.get("fields") or spec.get("headers")):
        raise fail(where, "expected `fields`, `headers` or both: what every matching publication must carry")
    if kind == "require-edge" and not spec.get("consumer"):
        raise fail(where, "expected `consumer`: which services must consume the matching events")
    if kind == "limit":
        metric = spec["metric"]
        if spec.get("scope") == "context" and metric in ("consumers-per-event", "chain-length"):
            raise fail(f"{where}.scope", f"{metric} measures events; `scope: context` applies to fan-in, fan-out, afferent and efferent")
        wrong = "service" if metric in ("consumers-per-event", "chain-length") else "event"
        if wrong in spec:
            raise fail(f"{where}.{wrong}", f"{metric} measures {'services' if wrong == 'event' else 'events'}; use `{'service' if wrong == 'event' else 'event'}`")


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"(unbalanced braces)"}


def render(template: str, values: Mapping[str, str]) -> str:
    """A message with its {placeholders} filled in (validated when the policy was loaded)."""
    return template.format_map(values)


def line_of(node: yaml.Node | None, key: str) -> int:
    """The 1-based line of the value at key path `policies[0].forbid-edge.consumer` (or its nearest known parent)."""
    parts = [int(i) if i else k for k, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key)]
    best = (node.start_mark.line + 1) if node is not None else 1
    for part in parts:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                return best
            best = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            best = node.start_mark.line + 1
        else:
            return best
    return best


def _policy_text(raw: Mapping[str, Any], kind: str) -> str:
    """The policy's constraint as YAML, for its docs page (the examples are shown above it)."""
    shown = {k: raw[k] for k in ("id", "severity", "enabled", "message", "hint") if k in raw}
    shown[kind] = raw[kind]
    return yaml.safe_dump(shown, sort_keys=False, default_flow_style=None, width=100).rstrip()


def _globs(patterns: str | Sequence[str], value: str | None) -> bool:
    if value is None:
        return False
    items = [patterns] if isinstance(patterns, str) else patterns
    return any(fnmatchcase(value, p) for p in items)


def _site(record: Publication | Subscription) -> tuple[str, int, int]:
    return (record.path, record.line, record.column)


__all__ = ["Policy", "PolicyRule", "classifications", "load_policy_file", "policy_rule"]
