"""One identity per event: every name a message goes by, resolved to one canonical event id.

A message is known by many names: its catalog key (`ShipmentScheduled`), the
catalog's `channel:` for it (`shipment_scheduled`), the class the code builds,
the topic, queue, subject or `exchange/routing_key` it travels on, an AsyncAPI
channel address and message name, a CloudEvents type, a schema title. Every
consumer of event names (the rules, the graph, trace, diagrams, the AsyncAPI
export, policies, the baseline) asks this module which event a record stands
for, so one event is one node and one name everywhere.

Precedence (the first that applies wins; see docs/graph.md):

1. the record's event name is a catalog key;
2. the record's event name is another name of exactly one catalog event (its
   `aliases:`, AsyncAPI message `name`/`title`, payload schema `title`);
3. the record's channel (or, for a queue, an `exchange/routing_key` it is bound
   to) is the `channel:` of exactly one catalog event;
4. a catalog key spelled `name@transport` (`test@kafka`, as `eventlint init`
   writes for a name used on two brokers) names the record's event or channel
   on the record's transport;
5. without a catalog declaration: the record's event name, else its channel,
   else its channel template. Such an identity includes the record's transport
   (derived from the framework, `TRANSPORTS`): when one name is used on two
   known transports (Kafka topic `test` and Redis channel `test`), each is its
   own event, shown as `test@kafka` and `test@redis`. A name used on one
   transport keeps its plain spelling. A record whose transport is not known
   from its framework (FastStream, tomodachi, SAM templates, a team's own pack)
   is taken to be on any transport. Likewise the broker connection the code
   states (`broker` in the facts: Kafka bootstrap servers, an SNS endpoint):
   two records whose connections are both known and differ are on two brokers,
   so they never meet, and a name used on two known connections is one event per
   connection, shown as `orders[kafka-a:9092]` and `orders[kafka-b:9092]`. A
   record whose connection is not known may be on any (as before); a catalog
   declaration still joins them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import combinations
from dataclasses import dataclass, field

from eventlint.catalog import Catalog, EventSpec
from eventlint.facts import Binding, ProjectFacts, Publication, Subscription

# The broker a framework's records travel on. Frameworks that speak to several brokers
# (FastStream, tomodachi, SAM/Serverless templates) are absent: their transport is unknown.
TRANSPORTS: Mapping[str, str] = {
    "kafka-python": "kafka",
    "aiokafka": "kafka",
    "confluent-kafka": "kafka",
    "faust": "kafka",
    "pika": "amqp",
    "aio-pika": "amqp",
    "kombu": "amqp",
    "nameko": "amqp",
    "celery": "celery",  # task messages: a task name meets only Celery's own senders and workers, whatever the broker
    "redis": "redis",
    "nats": "nats",
    "aws-sns": "sns",
    "aws-sqs": "sqs",
    "aws-eventbridge": "eventbridge",
    "google-pubsub": "pubsub",
    "dapr": "dapr",
    "inhouse": "inhouse",
    "blinker": "inhouse",  # in-process signals and emitters
    "pyee": "inhouse",
}

# OpenTelemetry's `messaging.system` values (current and older semantic conventions) as
# the transports above: a runtime destination on one broker is matched only to events the
# code may send on it. A system not listed is a broker no framework pack speaks to.
RUNTIME_SYSTEMS: Mapping[str, str] = {
    "kafka": "kafka",
    "rabbitmq": "amqp",
    "amqp": "amqp",
    "aws_sqs": "sqs",
    "aws.sqs": "sqs",
    "aws_sns": "sns",
    "aws.sns": "sns",
    "gcp_pubsub": "pubsub",
    "redis": "redis",
    "nats": "nats",
    "celery": "celery",
}

# `name@transport`, the spelling of a transport-qualified identity
_QUALIFIED = re.compile(r"@(" + "|".join(sorted({re.escape(t) for t in TRANSPORTS.values()})) + r")\b")
# `name[connection]`, the spelling of an identity told apart by its broker connection (after any `@transport`)
_CONNECTION = re.compile(r"\[[^\[\]]+\]$")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")

Record = Publication | Subscription


def transport_of(framework: str | None) -> str | None:
    """The transport a framework's records travel on, or None when the framework alone does not tell."""
    return TRANSPORTS.get(framework or "")


def runtime_transport(system: str | None) -> str | None:
    """The transport of a span's `messaging.system` (None when the span names none)."""
    if not system:
        return None
    system = system.lower()
    return RUNTIME_SYSTEMS.get(system, system)


def compatible(a: str | None, b: str | None) -> bool:
    """Two records may be on the same broker: their transports are equal or one is unknown."""
    return a is None or b is None or a == b


def unqualified(text: str) -> str:
    """The text with transport and connection qualifiers (`test@kafka[a:9092]` -> `test`) removed: how older output spelled it."""
    return _QUALIFIED.sub("", _CONNECTION.sub("", text))


def transport_suffix(event: str) -> str:
    """`@kafka` for a transport-qualified id (`test@kafka`), `@kafka[a:9092]` or `[a:9092]` for one told apart
    by its connection, else the empty string."""
    connection = _CONNECTION.search(event)
    head = event[: connection.start()] if connection is not None else event
    tail = connection.group(0) if connection is not None else ""
    match = _QUALIFIED.search(head)
    return (match.group(0) if match is not None and match.end() == len(head) else "") + tail


def _template(expr: str | None) -> str | None:
    """A channel template with a literal part (`orders.{region}`), which stands for its event."""
    if not expr or not _PLACEHOLDER.search(expr):
        return None
    literal = _PLACEHOLDER.sub("", expr)
    if not re.search(r"[A-Za-z0-9]", literal) or "{" in literal or "}" in literal:
        return None
    return expr


@dataclass
class Identity:
    """The resolver: which event a publication or subscription stands for (see the module docstring)."""

    catalog: Catalog
    bindings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _qualify: frozenset[str] = frozenset()
    _split: frozenset[str] = frozenset()  # undeclared names used on two or more known broker connections
    _aliases: dict[str, set[str]] = field(default_factory=dict)
    _by_alias: dict[str, list[str]] = field(default_factory=dict)
    _by_channel: dict[str, list[str]] = field(default_factory=dict)
    # by id(): hashing a record hashes every field, and routing asks about each pair of records;
    # the record is kept with its answer so that a reused id (a short-lived record) is never mistaken
    _memo: dict[int, tuple[Record, tuple[str | None, str | None]]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: ProjectFacts, catalog: Catalog) -> Identity:
        """The resolver for a project's facts and catalog."""
        addresses: dict[str, list[str]] = {}
        for binding in facts.bindings:
            if binding.queue and binding.exchange:
                addresses.setdefault(binding.queue, []).append(_address(binding))
        identity = cls(catalog, {q: tuple(a) for q, a in addresses.items()})
        for spec in sorted(catalog.events.values(), key=lambda s: s.name):
            for alias in spec.aliases:
                if alias != spec.name:
                    identity._by_alias.setdefault(alias, []).append(spec.name)
            if spec.channel:
                identity._by_channel.setdefault(spec.channel, []).append(spec.name)
        identity._qualify, identity._split = identity._ambiguous(facts)
        for record in (*facts.publishers, *facts.subscribers):
            name = identity.node(record)
            if name is not None:
                seen = identity._aliases.setdefault(name, set())
                seen.update(v for v in (record.event, record.channel, unqualified(name)) if v)
        for spec in catalog.events.values():
            identity._aliases.setdefault(spec.name, set()).update(v for v in (spec.name, spec.channel, *spec.aliases) if v)
        return identity

    # -- the catalog's part ----------------------------------------------------------------

    def declared(self, record: Record) -> EventSpec | None:
        """The catalog event the record stands for, by the precedence of the module docstring."""
        return self.catalog.event(self._resolve(record)[0])

    def _resolve(self, record: Record) -> tuple[str | None, str | None]:
        """(catalog event name or None, undeclared base name or None)."""
        found = self._memo.get(id(record))
        if found is not None and found[0] is record:
            return found[1]
        answer = self._lookup(record)
        self._memo[id(record)] = (record, answer)
        return answer

    def _lookup(self, record: Record) -> tuple[str | None, str | None]:
        events = self.catalog.events
        if record.event:
            if record.event in events:
                return record.event, None
            named = self._by_alias.get(record.event, ())
            if len(named) == 1:
                return named[0], None
        on_channel = self._on_channel(record)
        if len(on_channel) == 1:
            return on_channel[0], None
        transport = transport_of(record.framework)
        base = record.event or record.channel or _template(record.channel_expr)
        if transport is not None:
            for name in (record.event, record.channel):
                if name and f"{name}@{transport}" in events:
                    return f"{name}@{transport}", None
        return None, base

    def _on_channel(self, record: Record) -> list[str]:
        if not record.channel:
            return []
        declared = self._by_channel.get(record.channel)
        if declared is None and isinstance(record, Subscription):
            found = {e for address in self.bindings.get(record.channel, ()) for e in self._by_channel.get(address, ())}
            declared = sorted(found)
        return list(declared or ())

    # -- identities ------------------------------------------------------------------------

    def event(self, record: Record) -> str | None:
        """The record's event: catalogued, else its own event name (transport-qualified when ambiguous); None when only a channel is known."""
        declared, base = self._resolve(record)
        if declared is not None:
            return declared
        if not record.event:
            return None
        return self._qualified(base, record)

    def node(self, record: Record) -> str | None:
        """The event id the record stands for in the graph: its event, else its channel, else its channel template."""
        declared, base = self._resolve(record)
        if declared is not None:
            return declared
        return self._qualified(base, record) if base else None

    def _qualified(self, base: str | None, record: Record) -> str | None:
        if base is None:
            return None
        transport = transport_of(record.framework)
        name = f"{base}@{transport}" if transport is not None and base in self._qualify else base
        if record.broker and base in self._split:
            return f"{name}[{record.broker}]"
        return name

    def transport(self, record: Record) -> str | None:
        return transport_of(record.framework)

    def same_broker(self, a: Record, b: Record) -> bool:
        """Two records may travel on one broker: a catalog event names them both, or their transports are
        compatible and their connections are not known to differ."""
        if compatible(self.transport(a), self.transport(b)) and not self.different_connections(a, b):
            return True
        first = self._resolve(a)[0]
        return first is not None and first == self._resolve(b)[0]

    def different_connections(self, a: Record, b: Record) -> bool:
        """Both records state their broker connection and the two are provably different (unknown never is)."""
        return bool(a.broker and b.broker and connections_differ(a.broker, b.broker))

    def aliases(self, event: str) -> tuple[str, ...]:
        """Every name the event goes by in the catalog and the code (its id, key, channels, class names), sorted."""
        return tuple(sorted(self._aliases.get(event, ()) | {event}))

    def find(self, name: str) -> list[str]:
        """The events `name` could mean: an id, an alias, a catalog channel or a channel of the code."""
        if name in self._aliases:
            return [name]
        return sorted(e for e, names in self._aliases.items() if name in names)

    def _ambiguous(self, facts: ProjectFacts) -> tuple[frozenset[str], frozenset[str]]:
        """Undeclared names used on two or more known transports, and on two or more known connections."""
        transports: dict[str, set[str]] = {}
        connections: dict[str, set[str]] = {}
        for record in (*facts.publishers, *facts.subscribers):
            declared, base = self._resolve(record)
            if declared is not None or not base:
                continue
            transport = transport_of(record.framework)
            if transport is not None:
                transports.setdefault(base, set()).add(transport)
            if record.broker:
                connections.setdefault(base, set()).add(record.broker)
        # a name is one event per connection only when every two of its connections are provably different
        split = (
            name
            for name, found in connections.items()
            if len(found) > 1 and all(connections_differ(a, b) for a, b in combinations(sorted(found), 2))
        )
        return frozenset(name for name, found in transports.items() if len(found) > 1), frozenset(split)


_ADDRESS = re.compile(r"^(.+):(\d+)$")
_LOCAL_HOSTS = frozenset({"localhost", "0.0.0.0", "::1", "[::1]", "host.docker.internal"})


def connections_differ(a: str, b: str) -> bool:
    """Two connection labels (`broker` in the facts) that cannot be one broker.

    Labels of addresses (`host:port,...`) differ when they share no host and not all of their hosts are
    local: one broker is often reached as `localhost:29092` from the host and as `kafka:9092` inside a
    compose network (a loopback address or a one-word service name), so two such labels prove nothing.
    An address and a named default (`aws`, AWS's own endpoint) differ; named labels (a Dapr pub/sub
    component) differ when their names do.
    """
    if a == b:
        return False
    hosts_a, hosts_b = _hosts(a), _hosts(b)
    if hosts_a is None or hosts_b is None:
        return True
    if hosts_a & hosts_b:
        return False
    return not all(_local(h) for h in hosts_a | hosts_b)


def _hosts(label: str) -> frozenset[str] | None:
    """The hosts of a label made of `host:port` addresses, or None for a named label."""
    hosts = []
    for part in label.split(","):
        match = _ADDRESS.match(part)
        if match is None:
            return None
        hosts.append(match.group(1))
    return frozenset(hosts)


def _local(host: str) -> bool:
    return host in _LOCAL_HOSTS or host.startswith("127.") or "." not in host


def _address(binding: Binding) -> str:
    return f"{binding.exchange}/{binding.routing_key}" if binding.routing_key else str(binding.exchange)
