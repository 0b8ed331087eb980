"""Rules of the coupling family (EDA6xx): bounded contexts, cycles, fan-in and the slide into a distributed monolith.

These are project rules: they read the event graph (`ctx.graph`, see eventlint/graph.py
and docs/graph.md), never one module alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from eventlint.facts import Diagnostic, Publication
from eventlint.graph import CONSUMES, PUBLISHES, EventGraph
from eventlint.rules.base import Example, Rule, RuleContext, Severity, matches
from eventlint.rules.flow import CORRELATION_NAMES, CorrelationNames, calls_by_site, carries_correlation, handling_functions
from eventlint.rules.handler_queries import internal_sites

DEAD_LETTER_EVENTS = ("*dlq*", "*DLQ*", "*dead-letter*", "*dead_letter*", "*deadletter*")


def _service(name: str, consumes: Iterable[str] = (), publishes: Iterable[str] = (), expect: str = "") -> str:
    """A small kafka-python service for the examples: one function per published topic, one consuming loop.

    `expect` is put on the consuming line (`consume:CODE`) or on the first publishing line (`publish:CODE`).
    """
    where, _, code = expect.partition(":")
    marker = f"  # expect: {code}" if code else ""
    lines = ["from kafka import KafkaConsumer, KafkaProducer", "", 'producer = KafkaProducer(bootstrap_servers="kafka:9092")']
    for index, topic in enumerate(publishes):
        mark = marker if where == "publish" and index == 0 else ""
        function = "publish_" + re.sub(r"\W", "_", topic)
        lines += ["", "", f"def {function}(key):", f'    producer.send("{topic}", key=key, value={{"id": key}}){mark}']
    topics = list(consumes)
    if topics:
        names = ", ".join(f'"{t}"' for t in topics)
        mark = marker if where == "consume" else ""
        lines += ["", "", "def on_message(event):", '    print(event["id"])', "", ""]
        lines += [f'for message in KafkaConsumer({names}, group_id="{name}"):{mark}', "    on_message(message.value)"]
    return "\n".join(lines) + "\n"


# A Dapr pub/sub quickstart in two variants (`http/` posts to the sidecar, `sdk/` uses DaprClient), each
# folder with its own multi-app run file: alternatives of the same two apps, never run together.
_DAPR_RUN = """
    version: 1
    apps:
      - appID: order-processor-{variant}
        appDirPath: ./order-processor/
        command: ["python3", "app.py"]
      - appID: checkout-{variant}
        appDirPath: ./checkout/
        command: ["python3", "app.py"]
"""
_DAPR_HTTP_CHECKOUT = """
    import os

    import requests

    base_url = os.getenv("BASE_URL", "http://localhost") + ":" + os.getenv("DAPR_HTTP_PORT", "3500")

    for order_id in range(1, 10):
        requests.post(f"{base_url}/v1.0/publish/orderpubsub/orders", json={"orderId": order_id}){mark}
"""
_DAPR_SDK_CHECKOUT = """
    import json

    from dapr.clients import DaprClient

    with DaprClient() as client:
        for order_id in range(1, 10):
            client.publish_event(pubsub_name="orderpubsub", topic_name="orders", data=json.dumps({"orderId": order_id}))
"""
_DAPR_PROCESSOR = """
    from flask import Flask, jsonify, request

    app = Flask(__name__)


    @app.route("/dapr/subscribe", methods=["GET"])
    def subscribe():
        return jsonify([{"pubsubname": "orderpubsub", "topic": "orders", "route": "orders"}])


    @app.route("/orders", methods=["POST"])
    def orders_subscriber():
        print(request.json["data"]["orderId"])
        return "", 200
"""


def _dapr_variants(mark: str = "", run_files: bool = True) -> tuple[str, dict[str, str]]:
    """The HTTP variant's checkout (the example's own file) and the rest of the two variants."""
    files = {
        "http/checkout/requirements.txt": "requests\n",
        "http/order-processor/app.py": _DAPR_PROCESSOR,
        "http/order-processor/requirements.txt": "flask\n",
        "sdk/checkout/app.py": _DAPR_SDK_CHECKOUT,
        "sdk/checkout/requirements.txt": "dapr\n",
        "sdk/order-processor/app.py": _DAPR_PROCESSOR,
        "sdk/order-processor/requirements.txt": "flask\n",
    }
    if run_files:
        files |= {"http/dapr.yaml": _DAPR_RUN.replace("{variant}", "http"), "sdk/dapr.yaml": _DAPR_RUN.replace("{variant}", "sdk")}
    return _DAPR_HTTP_CHECKOUT.replace("{mark}", mark), files


def _path(service: str) -> str:
    return f"services/{service}/{service}/app.py"


def _site(edge: dict[str, Any]) -> tuple[str, int, int]:
    return (edge["path"], edge["line"], edge["column"])


def _first(edges: Iterable[tuple[str, str, dict[str, Any]]]) -> tuple[str, str, dict[str, Any]] | None:
    ordered = sorted(edges, key=lambda e: (e[2]["path"], e[2]["line"], e[2]["column"], e[0], e[1]))
    return ordered[0] if ordered else None


def _service_sites(graph: EventGraph, service: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every publication and subscription edge of a service."""
    published = [e for e in graph.edges(PUBLISHES) if e[0] == service]
    consumed = [e for e in graph.edges(CONSUMES) if e[1] == service]
    return published + consumed


def _components_of(deps: Any) -> list[tuple[str, ...]]:
    """Strongly connected groups of a dependency graph, through the graph module (rules do not import networkx)."""
    return [c for c in EventGraph.components_of(deps) if len(c) > 1]


def _names(values: Iterable[str], limit: int = 0) -> str:
    """Names joined by commas; with a limit, the rest counted (`a, b and 7 more`)."""
    names = list(values)
    if limit and len(names) > limit:
        return f"{', '.join(names[:limit])} and {len(names) - limit} more"
    return ", ".join(names)


# -- EDA601 -----------------------------------------------------------------------------------


class CrossContextInternalEvent(Rule):
    """Checks for services consuming another bounded context's internal events.

    ## What it does
    With bounded contexts declared (`contexts` in eventlint.yaml), reports a
    subscription of a service to an event owned by another context that the
    owning context does not list under `public`. An event's context is the
    context of its owner: the catalog's `owner`, else the one service that
    publishes it (an event several contexts publish belongs to each). A service
    in no context is outside every context.

    ## Why is this bad?
    A context's internal events change with its implementation; only its public
    events are a contract. A consumer of an internal event ties the two
    contexts' release schedules together, and the owning team cannot see the
    dependency until it breaks.

    ## How to fix it
    Consume an event the owning context publishes for others (ask for one if it
    is missing), or, when the event is meant to be a contract, add it to
    `contexts.<owner>.public` so that the owning team knows it is one.
    """

    code = "EDA601"
    name = "cross-context-internal-event"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - ignore_events: events (names or globs) any context may consume, like platform-wide heartbeats
        """

        ignore_events: tuple[str, ...] = ()

    _CONTEXTS = """
        contexts:
          ordering: {services: [orders], public: [orders.placed]}
          billing: {services: [billing]}
        """
    invalid = [
        Example(
            _service("billing", consumes=["orders.placed", "orders.fraud-suspected"], expect="consume:EDA601"),
            path=_path("billing"),
            files={_path("orders"): _service("orders", publishes=["orders.placed", "orders.fraud-suspected"])},
            config=_CONTEXTS,
        ),
        Example(
            """
            import pika

            def on_order(channel, method, properties, body):
                print(body)

            channel = pika.BlockingConnection().channel()
            channel.queue_declare(queue="billing")
            channel.queue_bind(queue="billing", exchange="orders", routing_key="order.*")
            channel.basic_consume(queue="billing", on_message_callback=on_order)  # expect: EDA601
            channel.start_consuming()
            """,
            path=_path("billing"),
            files={
                _path("orders"): """
                    import json
                    import pika

                    channel = pika.BlockingConnection().channel()

                    def place(order):
                        channel.basic_publish(exchange="orders", routing_key="order.placed", body=json.dumps(order))

                    def audit(order):
                        channel.basic_publish(exchange="orders", routing_key="order.audited", body=json.dumps(order))
                    """
            },
            config="""
            contexts:
              ordering: {services: [orders], public: ["orders/order.placed"]}
              billing: {services: [billing]}
            """,
        ),
    ]
    valid = [
        Example(
            _service("billing", consumes=["orders.placed"]),
            path=_path("billing"),
            files={_path("orders"): _service("orders", consumes=["orders.fraud-suspected"], publishes=["orders.placed", "orders.fraud-suspected"])},
            config=_CONTEXTS,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        if not graph.contexts:
            return
        for event, service, edge in graph.edges(CONSUMES):
            if matches(event, self.options.ignore_events):
                continue
            node = graph.event(event)
            home = graph.context_of(service)
            if not node["contexts"] or home in node["contexts"]:
                continue
            closed = [c for c in node["contexts"] if not graph.is_public(event, c)]
            if not closed:
                continue
            where = f"context {home}" if home else "no context"
            keys = " or ".join(f"`contexts.{c}.public`" for c in closed)
            yield self.finding(
                _site(edge),
                f"{service} ({where}) consumes {event}, internal to context {_names(closed)}: it is not in {keys}",
                hint=f"consume an event {_names(closed)} publishes for other contexts, or add {event} to {keys} if it is a contract",
                service=service,
                event=event,
            )


# -- EDA602 -----------------------------------------------------------------------------------


class EventCycle(Rule):
    """Checks for services that depend on each other in a cycle through events.

    ## What it does
    Builds the service dependency graph (A → B when B consumes an event A
    publishes) and reports each group of services that reach each other, with
    one cycle through it: its services in order and the events that link them.
    The finding is on the subscription of the cycle's first step. Services
    consuming their own events make no cycle.

    A reply makes no dependency of its own: a message published while
    handling a request whose publisher asked for an answer (it set a
    correlation id or `reply_to`), carrying a correlation id and going back
    to a subscription of the requesting service, is the second half of one
    request/reply exchange (the requester depends on the responder, not the
    other way round). An event only ever published as such a reply is left
    out of the graph, as `ignore_events` would. On the field check this
    removed its only finding, a request/reply hello-world judged true but
    pointless.

    ## Why is this bad?
    Services in an event cycle cannot change, deploy or fail on their own: a
    slow consumer backs up its own supplier, a schema change ripples all the way
    round, and a message can bounce between them forever. It is the shape of a
    distributed monolith.

    ## How to fix it
    Break the loop: merge the services if they are really one, move the
    responsibility that needs the return event to where the data lives, or
    replace the return event by a query or a state the first service owns.
    """

    code = "EDA602"
    name = "event-cycle"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - ignore_events: events (names or globs) that make no dependency, such as replies that are meant to come back
        """

        ignore_events: tuple[str, ...] = ()

    invalid = [
        Example(
            _service("orders", consumes=["stock.reserved"], publishes=["orders.placed"]),
            path=_path("orders"),
            files={_path("stock"): _service("stock", consumes=["orders.placed"], publishes=["stock.reserved"], expect="consume:EDA602")},
        ),
    ]
    valid = [
        Example(
            _service("orders", publishes=["orders.placed"]),
            path=_path("orders"),
            files={_path("stock"): _service("stock", consumes=["orders.placed"], publishes=["stock.reserved"])},
        ),
        Example(
            _service("orders", consumes=["stock.reserved"], publishes=["orders.placed"]),
            path=_path("orders"),
            files={_path("stock"): _service("stock", consumes=["orders.placed"], publishes=["stock.reserved"])},
            options={"ignore_events": ["stock.*"]},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        ignored = (*self.options.ignore_events, *(_exact(e) for e in reply_events(ctx)))
        deps = graph.service_graph(ignored)
        consumes = graph.edges(CONSUMES)
        groups = {c[0]: c for c in _components_of(deps)}
        for cycle in graph.cycles(ignored):
            steps = list(zip(cycle, cycle[1:]))
            group = next((g for g in groups.values() if cycle[0] in g), ())
            rest = [s for s in group if s not in cycle]
            links = [f"{b} consumes {_names(deps.edges[a, b]['events'])} from {a}" for a, b in steps]
            first_from, first_to = steps[0]
            events = deps.edges[first_from, first_to]["events"]
            edge = _first(e for e in consumes if e[1] == first_to and e[0] in events and first_from in graph.publishers_of(e[0]))
            if edge is None:
                continue
            yield self.finding(
                _site(edge[2]),
                f"services {' → '.join(cycle)} depend on each other through events: {'; '.join(links)}"
                + (f" (one cycle of a group that also holds {_names(rest, 10)})" if rest else ""),
                hint="break the loop: merge the services, move the work that needs the return event to the service owning "
                "the data, or replace the return event by a query",
                service=first_to,
                event=edge[0],
            )


def _exact(name: str) -> str:
    """A glob matching only `name`."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def reply_events(ctx: RuleContext) -> set[str]:
    """Events that are only ever published as replies of a request/reply exchange, which is one dependency (the
    requester on the responder), not two.

    A reply is published while handling a message whose publisher asked for an answer (it set a correlation id or
    `reply_to`), carries a correlation id itself, and reaches a subscription of the requesting service:
    `default_exchange.publish(Message(body, correlation_id=message.correlation_id), routing_key="response_queue")`.
    """
    flow = ctx.flow
    names = CorrelationNames(CORRELATION_NAMES)
    calls = calls_by_site(ctx.facts.handlers)

    def correlated(p: Publication) -> bool:
        return bool(carries_correlation(p, calls.get((p.path, p.line, p.column)), names)) or "reply_to" in (p.headers or ())

    replies: set[tuple[str, int, int]] = set()
    # the publications that could be requests, judged once (not once per reply and subscription: the routing
    # question below is the costly one, asked only of these); the requests that reach a subscription and the
    # services a reply reaches are found once each, not once per handling function and publication
    asking = [q for q in flow.publications if q.service and correlated(q)]
    requesting: dict[int, list[Publication]] = {}
    reached: dict[int, set[str]] = {}
    for handler, subscriptions in handling_functions(ctx).items():
        for p in ctx.publications_of(handler):
            if not correlated(p):
                continue
            for s in subscriptions:
                if id(s) not in requesting:
                    requesting[id(s)] = [q for q in asking if flow.reaches(q, s)]
            requests = [q for s in subscriptions for q in requesting[id(s)] if q.service != p.service]
            if not requests:
                continue
            if id(p) not in reached:
                reached[id(p)] = {s.service for s in flow.subscriptions if s.service and flow.reaches(p, s)}
            if all(q.service in reached[id(p)] for q in requests):
                replies.add((p.path, p.line, p.column))
    sites: dict[str, list[bool]] = {}
    for _, event, data in ctx.graph.edges(PUBLISHES):
        sites.setdefault(event, []).append((data.get("path"), data.get("line"), data.get("column")) in replies)
    return {event for event, marks in sites.items() if all(marks)}


# -- EDA603 -----------------------------------------------------------------------------------


class ExcessiveFanIn(Rule):
    """Checks for services that consume too many events, or events of too many other contexts.

    ## What it does
    Reports a service that subscribes to more than `max_events` distinct events
    that reach it from elsewhere (published by another service, or by no service
    of the repository), or to events owned by more than `max_contexts` bounded
    contexts other than its own. Messages a service only sends to itself (its own
    Celery tasks, an internal work queue) couple it to nobody and are not counted.
    The finding is on the service's first subscription.

    ## Why is this bad?
    A service that listens to everything knows everything: every producer's
    change becomes its change, and it tends to grow into the place where the
    whole business process is reassembled, which the events were meant to
    spread out.

    ## How to fix it
    Split the service along the events it consumes, or have the producers
    publish fewer, coarser events at the level the consumer needs.
    """

    code = "EDA603"
    name = "excessive-fan-in"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - max_events: most distinct events one service may consume
        - max_contexts: most other bounded contexts whose events one service may consume
        """

        max_events: int = 10
        max_contexts: int = 3

    invalid = [
        Example(
            _service("audit", consumes=["orders.placed", "orders.cancelled", "payments.completed"], expect="consume:EDA603"),
            path=_path("audit"),
            files={_path("shop"): _service("shop", publishes=["orders.placed", "orders.cancelled", "payments.completed"])},
            options={"max_events": 2},
        ),
        Example(
            _service("audit", consumes=["orders.placed", "payments.completed"], expect="consume:EDA603"),
            path=_path("audit"),
            files={
                _path("orders"): _service("orders", publishes=["orders.placed"]),
                _path("payments"): _service("payments", publishes=["payments.completed"]),
            },
            config="""
            contexts:
              ordering: {services: [orders], public: ["orders.*"]}
              billing: {services: [payments], public: ["payments.*"]}
              compliance: {services: [audit]}
            """,
            options={"max_contexts": 1},
        ),
    ]
    valid = [
        Example(
            _service("audit", consumes=["orders.placed", "orders.cancelled"]),
            path=_path("audit"),
            files={_path("shop"): _service("shop", publishes=["orders.placed", "orders.cancelled"])},
            options={"max_events": 2},
        ),
        # two of the three are the service's messages to itself: no fan-in from other services
        Example(
            _service("audit", consumes=["orders.placed", "audit.compact", "audit.archive"], publishes=["audit.compact", "audit.archive"]),
            path=_path("audit"),
            files={_path("shop"): _service("shop", publishes=["orders.placed"])},
            options={"max_events": 2},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        consumes = graph.edges(CONSUMES)
        for service, metrics in graph.service_metrics().items():
            home = graph.context_of(service)
            incoming = [e for e in metrics.events_consumed if set(graph.publishers_of(e)) != {service}]
            others = sorted({c for e in incoming for c in graph.event(e)["contexts"] if c != home})
            problems = []
            if len(incoming) > self.options.max_events:
                problems.append(f"{len(incoming)} events (limit {self.options.max_events}): {_names(incoming, 20)}")
            if len(others) > self.options.max_contexts:
                problems.append(f"events of {len(others)} other contexts (limit {self.options.max_contexts}): {_names(others)}")
            edge = _first(e for e in consumes if e[1] == service)
            if not problems or edge is None:
                continue
            yield self.finding(
                _site(edge[2]),
                f"{service} consumes {'; and '.join(problems)}",
                hint="split the service along the events it consumes, or have producers publish fewer, coarser events",
                service=service,
                event=None,
            )


# -- EDA604 -----------------------------------------------------------------------------------


class BroadcastEvent(Rule):
    """Checks for events consumed by too many services.

    ## What it does
    Reports an event consumed by more than `max_consumers` services, or, in a
    project of at least `min_services` services, by more than `max_share` of
    them. The finding is on the event's first publication (its first
    subscription when nothing here publishes it).

    ## Why is this bad?
    An event every service reacts to is a broadcast: its schema can no longer
    change, its producer carries everyone's expectations, and an outage or a bad
    message hits the whole system at once.

    ## How to fix it
    Publish narrower events for the consumers that need them, or let one
    service consume it and publish what the others need in their own terms.
    """

    code = "EDA604"
    name = "broadcast-event"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - max_consumers: most services one event may have as consumers
        - max_share: largest share (0 to 1) of all services that may consume one event
        - min_services: the share is judged only in projects with at least this many services
        """

        max_consumers: int = 5
        max_share: float = 0.5
        min_services: int = 6

    invalid = [
        Example(
            _service("orders", publishes=["orders.placed"], expect="publish:EDA604"),
            path=_path("orders"),
            files={
                _path("billing"): _service("billing", consumes=["orders.placed"]),
                _path("stock"): _service("stock", consumes=["orders.placed"]),
                _path("mail"): _service("mail", consumes=["orders.placed"]),
            },
            options={"max_consumers": 2},
        ),
        Example(
            _service("orders", publishes=["orders.placed"], expect="publish:EDA604"),
            path=_path("orders"),
            files={
                **{_path(name): _service(name, consumes=["orders.placed"]) for name in ("billing", "mail", "stock", "loyalty")},
                _path("reports"): _service("reports", consumes=["billing.invoiced"]),
                _path("invoices"): _service("invoices", publishes=["billing.invoiced"]),
            },
        ),
    ]
    valid = [
        Example(
            _service("orders", publishes=["orders.placed"]),
            path=_path("orders"),
            files={
                _path("billing"): _service("billing", consumes=["orders.placed"]),
                _path("stock"): _service("stock", consumes=["orders.placed"]),
            },
            options={"max_consumers": 2},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        total = len(graph.services())
        publishes, consumes = graph.edges(PUBLISHES), graph.edges(CONSUMES)
        for event in graph.events():
            consumers = graph.consumers_of(event)
            share = len(consumers) / total if total else 0.0
            too_many = len(consumers) > self.options.max_consumers
            too_wide = total >= self.options.min_services and share > self.options.max_share
            if not (too_many or too_wide):
                continue
            edge = _first(e for e in publishes if e[1] == event) or _first(e for e in consumes if e[0] == event)
            if edge is None:
                continue
            limit = f"limit {self.options.max_consumers}" if too_many else f"limit {self.options.max_share:.0%} of {total} services"
            yield self.finding(
                _site(edge[2]),
                f"{event} is consumed by {len(consumers)} services ({_names(consumers)}; {share:.0%} of all services, {limit})",
                hint="publish narrower events for the consumers that need them, or let one service consume it and publish "
                "what the others need",
                service=edge[2]["service"],
                event=event,
            )


# -- EDA605 -----------------------------------------------------------------------------------


class SharedEventOwnership(Rule):
    """Checks for events published by more than one service.

    ## What it does
    Reports an event that several services publish, once per event, naming
    every publisher and the declared owner. The finding is on the owner's first
    publication when the catalog declares an owner that publishes it, else on
    the event's first publication. (With a declared owner, EDA207
    producer-not-owner also reports each other service's publication.)
    Dead-letter destinations, which every consumer may feed, are left out by
    default. Services in different variants of one set of apps (sibling
    folders running the same apps, such as an HTTP and an SDK version of one
    quickstart; `facts` shows the signal) are never deployed together: an
    event only they publish has one publisher at a time and is not reported.

    ## Why is this bad?
    An event with two producers has no owner: nobody can change its schema or
    meaning alone, consumers cannot tell which one spoke, and the two producers'
    ideas of when it happens drift apart.

    ## How to fix it
    Let one service own the event (declare `events.<Event>.owner`). Others ask
    it (a command or a request event) or publish their own, differently named,
    event for what they observed.
    """

    code = "EDA605"
    name = "shared-event-ownership"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - ignore_events: events (names or globs) any service may publish; dead-letter destinations by default
        """

        ignore_events: tuple[str, ...] = DEAD_LETTER_EVENTS

    invalid = [
        Example(
            _service("orders", publishes=["orders.cancelled"], expect="publish:EDA605"),
            path=_path("orders"),
            files={
                _path("payments"): _service("payments", publishes=["orders.cancelled"]),
                _path("stock"): _service("stock", consumes=["orders.cancelled"]),
            },
        ),
        Example(
            _service("shipping", publishes=["orders.cancelled"]),
            path=_path("shipping"),
            files={
                _path("sales"): _service("sales", publishes=["orders.cancelled"], expect="publish:EDA605"),
                _path("stock"): _service("stock", consumes=["orders.cancelled"]),
            },
            config="""
            events:
              orders.cancelled: {owner: sales}
            """,
        ),
        # the same two folders with no run files and different files in each variant: no evidence they are
        # alternatives, so two checkouts publish orders
        Example(
            _dapr_variants("  # expect: EDA605", run_files=False)[0],
            path="http/checkout/app.py",
            files=_dapr_variants(run_files=False)[1] | {"sdk/checkout/settings.py": "PUBSUB = 'orderpubsub'\n"},
        ),
    ]
    valid = [
        # the http/ and sdk/ variants of one quickstart, each with its own run file: one checkout runs at a time
        Example(_dapr_variants()[0], path="http/checkout/app.py", files=_dapr_variants()[1]),
        Example(
            _service("payments", publishes=["payments.failed", "orders.cancelled.dlq"]),
            path=_path("payments"),
            files={
                _path("orders"): _service("orders", consumes=["payments.failed"], publishes=["orders.cancelled", "orders.cancelled.dlq"]),
                _path("stock"): _service("stock", consumes=["orders.cancelled"]),
            },
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        publishes = graph.edges(PUBLISHES)
        for event in graph.events():
            publishers = graph.publishers_of(event)
            if len(publishers) < 2 or matches(event, self.options.ignore_events):
                continue
            if all(graph.deployed_apart(a, b) for i, a in enumerate(publishers) for b in publishers[i + 1:]):
                continue  # alternative variants of one app (eventlint.units): only one of them ever runs
            spec = ctx.catalog.event(event)
            owner = spec.owner if spec else None
            sites = [e for e in publishes if e[1] == event]
            edge = _first(e for e in sites if e[0] == owner) or _first(sites)
            if edge is None:
                continue
            if owner:
                others = [p for p in publishers if p != owner]
                message = f"{event}, owned by {owner}, is also published by {_names(others)}"
                hint = f"let {_names(others)} ask {owner} to publish it (a command or request event), or publish events of their own"
            else:
                message = f"{event} is published by {len(publishers)} services ({_names(publishers)}) and has no declared owner"
                hint = f"let one service own {event} (declare `events.{event}.owner`); the others publish events of their own"
            yield self.finding(_site(edge[2]), message, hint=hint, service=edge[0], event=event)


# -- EDA606 -----------------------------------------------------------------------------------


class ServiceWithoutContext(Rule):
    """Checks for services that belong to no bounded context.

    ## What it does
    When bounded contexts are declared (`contexts` in eventlint.yaml), reports
    each service that publishes or consumes events and is listed in no
    context. The finding is on the service's first publication or subscription;
    a service's own work queue (a Celery task sent and run inside it,
    `internal_kinds`) crosses no context and is neither counted nor the place.

    ## Why is this bad?
    The context rules cannot judge a service outside every context: its
    subscriptions to other contexts' internal events pass unnoticed, and the
    context map the team relies on is missing a piece. It usually means the
    service is new, or was split off, and the map was not updated.

    ## How to fix it
    Add the service to the `services` of its context in eventlint.yaml.
    """

    code = "EDA606"
    name = "service-without-context"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - ignore_services: services (names or globs) that belong to no context on purpose, such as tooling
        - internal_kinds: kinds of message that stay inside one service when every publication and subscription of the name is there (`task`: its own Celery tasks); they are not the service's events
        """

        ignore_services: tuple[str, ...] = ()
        internal_kinds: tuple[str, ...] = ("task",)

    invalid = [
        Example(
            _service("billing", consumes=["orders.placed"], expect="consume:EDA606"),
            path=_path("billing"),
            files={_path("orders"): _service("orders", publishes=["orders.placed"])},
            config="""
            contexts:
              ordering: {services: [orders], public: [orders.placed]}
            """,
        ),
    ]
    valid = [
        Example(
            _service("billing", consumes=["orders.placed"]),
            path=_path("billing"),
            files={_path("orders"): _service("orders", publishes=["orders.placed"])},
            config="""
            contexts:
              ordering: {services: [orders], public: [orders.placed]}
              billing: {services: [billing]}
            """,
        ),
        Example(
            _service("billing", consumes=["orders.placed"]),
            path=_path("billing"),
            files={_path("orders"): _service("orders", publishes=["orders.placed"])},
            config="""
            contexts:
              ordering: {services: [orders], public: [orders.placed]}
            """,
            options={"ignore_services": ["bill*"]},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        if not graph.contexts:
            return
        internal = internal_sites(ctx.facts.publishers, ctx.facts.subscribers, self.options.internal_kinds)
        for service in graph.services():
            if graph.context_of(service) or matches(service, self.options.ignore_services):
                continue
            edge = _first(e for e in _service_sites(graph, service) if _site(e[2]) not in internal)
            if edge is None:
                continue
            yield self.finding(
                _site(edge[2]),
                f"{service} publishes or consumes events but belongs to no bounded context (contexts: {_names(sorted(graph.contexts))})",
                hint=f"add {service} to the `services` of its context under `contexts` in eventlint.yaml",
                service=service,
                event=None,
            )


# -- EDA607 -----------------------------------------------------------------------------------


class DistributedMonolith(Rule):
    """Checks whether the services, taken together, are coupled like a distributed monolith.

    ## What it does
    Measures the service dependency graph (A → B when B consumes an event A
    publishes) and reports once for the project when one of these passes its
    threshold: the share of service pairs coupled in either direction (judged
    from `min_services` services on), the number of dependency cycles, or the
    size of the largest group of services that all reach each other. The
    message names the thresholds passed and the hint gives every number (so a
    baseline keeps absorbing the finding while the numbers move); the finding is
    on a subscription inside the largest group (or the first coupling
    subscription). Services in different variants of one set of apps (sibling
    folders running the same apps; `facts` shows the signal) are never deployed
    together, so no event makes one depend on the other (this holds for every
    rule that reads the service dependency graph: EDA602 too).

    ## Why is this bad?
    Events promise services that change and fail independently. When most
    pairs are coupled, or groups of services reach each other in loops, every
    change needs coordinated releases and one failure spreads everywhere: the
    cost of distribution without its benefits.

    ## How to fix it
    Look at the context map (`eventlint graph --level context`): merge services
    that always change together, give contexts narrow public events, and break
    the cycles reported by EDA602.
    """

    code = "EDA607"
    name = "distributed-monolith"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - max_coupled_share: largest share (0 to 1) of service pairs that may depend on each other, in either direction
        - min_services: the share is judged only in projects with at least this many services
        - max_cycles: most dependency cycles (strongly connected groups) allowed
        - max_component: most services allowed in one strongly connected group
        """

        max_coupled_share: float = 0.5
        min_services: int = 5
        max_cycles: int = 2
        max_component: int = 3

    invalid = [
        Example(
            _service("orders", consumes=["stock.reserved"], publishes=["orders.placed"], expect="consume:EDA607"),
            path=_path("orders"),
            files={_path("stock"): _service("stock", consumes=["orders.placed"], publishes=["stock.reserved"])},
            options={"max_component": 1},
        ),
        Example(
            _service("billing", consumes=["orders.placed"], publishes=["billing.invoiced"], expect="consume:EDA607"),
            path=_path("billing"),
            files={
                _path("orders"): _service("orders", publishes=["orders.placed"]),
                _path("mail"): _service("mail", consumes=["orders.placed", "billing.invoiced"]),
                _path("stock"): _service("stock", consumes=["orders.placed", "billing.invoiced"]),
                _path("ship"): _service("ship", consumes=["orders.placed"]),
            },
        ),
    ]
    valid = [
        Example(
            _service("orders", consumes=["stock.reserved"], publishes=["orders.placed"]),
            path=_path("orders"),
            files={_path("stock"): _service("stock", consumes=["orders.placed"], publishes=["stock.reserved"])},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        graph = ctx.graph
        summary = graph.summary()
        options = self.options
        problems = []
        if summary.services >= options.min_services and summary.coupled_share > options.max_coupled_share:
            problems.append(f"coupled pairs above {options.max_coupled_share:.0%}")
        if len(summary.cycles) > options.max_cycles:
            problems.append(f"more than {options.max_cycles} dependency cycles")
        if len(summary.largest_component) > options.max_component:
            problems.append(f"a strongly connected group larger than {options.max_component}")
        if not problems:
            return
        group = set(summary.largest_component)
        consumes = graph.edges(CONSUMES)
        inside = [e for e in consumes if e[1] in group and group & set(graph.publishers_of(e[0])) - {e[1]}]
        coupling = [e for e in consumes if set(graph.publishers_of(e[0])) - {e[1]}]
        edge = _first(inside) or _first(coupling)
        if edge is None:
            return
        pairs = summary.services * (summary.services - 1) // 2
        cycles = f"{len(summary.cycles)} dependency cycle" + ("" if len(summary.cycles) == 1 else "s")
        largest = f"{len(summary.largest_component)} ({_names(summary.largest_component, 10)})" if group else "0"
        numbers = (
            f"{summary.coupled_pairs} of {pairs} service pairs coupled ({summary.coupled_share:.0%}), {cycles}, largest strongly "
            f"connected group {largest}, density {summary.density:.2f}"
        )
        # The numbers go in the hint: the message names only the thresholds passed, so a baseline keeps
        # absorbing this project-level finding while the same thresholds stay passed.
        yield self.finding(
            _site(edge[2]),
            f"the services are coupled like a distributed monolith: {'; '.join(problems)}",
            hint=f"{numbers}. See `eventlint graph --level context`: merge services that change together, narrow each context's "
            "public events, break the cycles EDA602 reports",
            service=edge[1],
            event=edge[0],
        )


RULES = (
    CrossContextInternalEvent,
    EventCycle,
    ExcessiveFanIn,
    BroadcastEvent,
    SharedEventOwnership,
    ServiceWithoutContext,
    DistributedMonolith,
)
