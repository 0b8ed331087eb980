"""Rules of the flow family (EDA1xx): does every event reach someone, and does its correlation id travel with it?"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from eventlint.facts import Diagnostic, Handler, HandlerCall, Publication, Related, Subscription
from eventlint.identity import transport_of
from eventlint.routes import (
    ROUTED_FRAMEWORKS,
    Flow,
    is_wrapper_call,
    template_pattern,
    wrapper_functions,
)
from eventlint.rules import knowledge
from eventlint.rules.base import Example, Rule, RuleContext, Severity
from eventlint.rules.handler_queries import dead_letter_sites, named, short, shown_channel

# Compared ignoring case, `-`, `_`, `.` and a leading `x-`; a dotted name (`cloudevent.traceparent`)
# also matches by its last part.
CORRELATION_NAMES = (
    "correlation_id",
    "causation_id",
    "conversation_id",
    "request_id",
    "trace_id",
    "traceparent",
    "X-B3-TraceId",
    "b3",
    "uber-trace-id",
    "X-Amzn-Trace-Id",
    "AWSTraceHeader",
    "X-Cloud-Trace-Context",
    "sentry-trace",
    "call_id_stack",
)
# Where a flow starts, a CloudEvent's own `id` also identifies it: with `source` it is unique per event
# (CloudEvents 1.0 spec, "id"), and binary mode carries it as the `ce-id` HTTP header (HTTP protocol binding
# 3.1.3) or the `ce_id` Kafka header (Kafka protocol binding 3.2.3), so the next hop can correlate on it.
# A handler must not copy the incoming one onto a new event (ids are unique), so EDA103 does not use it.
ENTRY_CORRELATION_NAMES = (*CORRELATION_NAMES, "ce-id")
PROPAGATION_CALLS = (
    "opentelemetry.propagate.inject",
    "opentelemetry.propagators.inject",
    "*.propagate.inject",
    "propagate.inject",
    "*Propagator.inject",
    "*propagator.inject",
)
# Dapr's sidecar puts a W3C trace context on every published CloudEvent; FastStream gives every
# message a correlation_id (a new one unless the code passes one).
CORRELATING_FRAMEWORKS = ("dapr", "faststream")

EXTERNAL_CONSUMED_HINT = "declare it under `external.consumed` in eventlint.yaml when another repository consumes it"
EXTERNAL_PUBLISHED_HINT = "declare it under `external.published` in eventlint.yaml when another repository publishes it"


def describe(event: str | None, channel: str | None, expr: str | None = None) -> str:
    """`OrderPlaced on orders.placed`, or whichever is known, else "to" the unresolved channel as every rule message
    shows it (`handler_queries.shown_channel`: its expression in backticks)."""
    if event and channel and event != channel:
        return f"{event} on {channel}"
    return event or channel or f"to {shown_channel(None, expr)}"


# -- absence: unknown is not absent ---------------------------------------------------------------

# What an absence rule does when sites with unresolved destinations could be the missing counterpart.
UnresolvedCandidates = Literal["info", "quiet", "report"]

def related_sites(records: Sequence[Publication | Subscription], what: str, limit: int = 20) -> tuple[Related, ...]:
    """Records as related locations of a finding (at most `limit`, one per site)."""
    seen: dict[tuple[str, int, int], Related] = {}
    for r in records:
        expr = f" ({shown_channel(None, r.channel_expr)})" if getattr(r, "channel_expr", None) else ""
        seen.setdefault((r.path, r.line, r.column), Related(r.path, r.line, r.column, what + expr))
    return tuple(seen[k] for k in sorted(seen))[:limit]


def unless_unknown(
    finding: Diagnostic, candidates: Sequence[Publication | Subscription], choice: str, message: str, what: str
) -> Diagnostic | None:
    """An absence finding as the rule's option says, when unresolved `candidates` could be what it says is missing."""
    if not candidates:
        return finding
    if choice == "quiet":
        return None
    related = finding.related + related_sites(candidates, what)
    if choice == "report":
        return dataclasses.replace(finding, related=related)
    return dataclasses.replace(finding, severity="info", message=message, related=related)


def _from_template(record: Publication | Subscription) -> bool:
    """A record read from a deployment template (AWS SAM, Serverless, CloudFormation) rather than from Python."""
    return record.path.endswith((".yaml", ".yml", ".json"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- correlation evidence --------------------------------------------------------------------


_X_PREFIX = re.compile(r"^x[-_]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_CE_PREFIX = re.compile(r"^ce[-_]", re.IGNORECASE)


def _normal(name: str) -> str:
    return _NOT_ALNUM.sub("", _X_PREFIX.sub("", name.strip().lower()))


class CorrelationNames:
    """Names of correlation and trace ids, compared ignoring case, separators and an `x-` prefix."""

    def __init__(self, names: Iterable[str]) -> None:
        self.wanted = frozenset(_normal(n) for n in names)
        self._answers: dict[str, bool] = {}  # the rules ask of the same keywords and fields again and again

    def __contains__(self, name: str) -> bool:
        found = self._answers.get(name)
        if found is None:
            found = self._answers[name] = self._wanted(name)
        return found

    def _wanted(self, name: str) -> bool:
        if _normal(name) in self.wanted or _normal(name.rsplit(".", 1)[-1]) in self.wanted:
            return True
        # a CloudEvents attribute in binary mode: `ce-` over HTTP, `ce_` over Kafka (`ce_traceparent`, `ce-correlationid`)
        bare = _CE_PREFIX.sub("", name.strip())
        return bare != name.strip() and _normal(bare) in self.wanted

    def among(self, names: Iterable[str] | None) -> list[str]:
        return [n for n in names or () if n in self]


def carries_correlation(publication: Publication, call: HandlerCall | None, names: CorrelationNames) -> bool | None:
    """True when the publication carries a correlation id, False when it is known not to, None when unknown.

    Evidence: a correlation name among its payload fields or headers, or a keyword of that
    name on the publishing call (`publish(..., correlation_id=...)`). Without known headers
    and payload fields nothing is concluded.
    """
    if names.among(publication.payload_fields) or names.among(publication.headers):
        return True
    if call is not None and names.among(call.keywords):
        return True
    if publication.headers is None or publication.payload_fields is None:
        return None
    return False


def propagates(handler: Handler, patterns: tuple[str, ...]) -> bool:
    """The function (or one it calls) injects the current trace context (`opentelemetry.propagate.inject`)."""
    return any(named(call, patterns) for call in handler.calls)


def calls_by_site(handlers: Iterable[Handler]) -> dict[tuple[str, int, int], HandlerCall]:
    return {(c.path, c.line, c.column): c for h in handlers for c in h.calls}


def _missing(publication: Publication) -> str:
    headers = ", ".join(publication.headers or ()) or "none"
    fields = ", ".join(publication.payload_fields or ()) or "none"
    return f"none of its headers ({headers}) or payload fields ({fields}) is a correlation or trace id"


def _site(record: Publication | Subscription) -> tuple[str, int, int]:
    return (record.path, record.line, record.column)


def _who(function: str | None) -> str:
    return short(function) if function else "module-level code"


def handling_functions(ctx: RuleContext) -> dict[Handler, list[Subscription]]:
    """Functions that publish while handling a message, with the subscriptions whose messages they handle.

    Every handler, and every function that runs a consuming loop: one the facts record as
    the consumer of a subscription, or one that calls a handler (the polling loop
    `for msg in await psub.fetch(): create_shipment(msg); await js.publish(...)` publishes
    on behalf of the message it just handled).
    """
    out: dict[Handler, list[Subscription]] = {}
    subscriptions = ctx.subscriptions_of
    for handler in ctx.facts.handlers:
        if handler.role == "handler":
            out[handler] = list(subscriptions.get(handler.name, ()))
            continue
        consumed = [s for s in ctx.facts.subscribers if getattr(s, "function", None) == handler.name]
        called = sorted({c.name for c in handler.calls if c.name in subscriptions})
        consumed += [s for name in called for s in subscriptions[name] if s not in consumed]
        if consumed or handler.role == "consumer":
            out[handler] = consumed
    return out


# -- EDA101 -----------------------------------------------------------------------------------


class OrphanEvent(Rule):
    """Checks for events that are published and consumed nowhere.

    ## What it does
    Reports a publication when no subscription in the analysed code can receive
    it and the configuration does not declare it as consumed by another
    repository (`external.consumed`). Publications and subscriptions meet by
    event name when both know it, else by channel: topic, queue or subject
    names, subscription patterns (a Redis `psubscribe("orders.*")`, a NATS
    `orders.>`, a Kafka pattern subscription), and for AMQP the queues bound
    to the exchange and routing key published to (topic wildcards `*` and `#`
    included). A publication whose destination is not statically known is not
    judged, and neither is the library call inside a wrapper whose callers
    name the channel. One event published from several places is one finding,
    at its first publication, with the others as related locations. When AMQP
    consumers read a queue named like the exchange published to, and no binding
    ties that queue to anything (a fanout exchange `orders` and a queue
    `orders`, `queue_bind` forgotten), that one missing binding is this
    finding: the consumers are its related locations, and EDA102 does not
    report each of them again.

    Unknown is not absent: when a consumer of a compatible transport (Kafka
    clients with Kafka clients, AMQP with AMQP, SNS/SQS/EventBridge together;
    a multi-transport framework such as FastStream with any) has a destination
    that is not statically known, it could be the missing consumer (so could
    an AMQP queue bound with the routing key to an exchange the analysed code
    does not name, such as an injected one), and nothing is reported (`unresolved_candidates: quiet`, the default: on the
    field check all 16 such findings, reported at `info`, were true but
    pointless, the unresolved sites being the real counterparts). `info`
    reports it at info severity with those consumers as related locations;
    `report` keeps the rule's severity. `eventlint facts --unresolved` shows
    why those destinations are unknown.

    Example code is not reported: a publication whose path from the analysed
    root passes through a folder of examples, demos or tutorials (`examples/`,
    `docs_src/`, `samples/`: `rules/knowledge/example-code.yaml`, the
    `example_folders` option) teaches the call, and its consumer is not the
    point. Set `example_folders: []` to report it too (docs/configuration.md,
    "Example, demo and tutorial code").

    ## Why is this bad?
    An event nobody consumes is work and storage for nothing, and usually a
    sign that something broke silently: the consumer was renamed, the topic
    spelled differently on the two sides, or a binding forgotten. The producer
    believes the flow continues; it does not.

    ## How to fix it
    Point the publication at the channel its consumer reads (or fix the
    consumer's name or binding), remove the publication if nothing needs it,
    or, when another repository consumes it, list it under
    `external.consumed` in `eventlint.yaml`.
    """

    code = "EDA101"
    name = "orphan-event"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - routed_frameworks: frameworks whose subscribers name a subscription, not a topic (Google Pub/Sub); while one has no binding, their publications are not reported
        - unresolved_candidates: what to do when consumers of a compatible transport whose destination is not statically known could receive the event: `info` reports at info severity with those consumers as related locations, `quiet` reports nothing, `report` reports at the rule's severity anyway
        - example_folders: globs (case-insensitive) on folder names of example, demo and tutorial code (rules/knowledge/example-code.yaml); a publication whose path from the analysed root passes through one is not reported; `[]` reports there too
        """

        routed_frameworks: tuple[str, ...] = ROUTED_FRAMEWORKS
        unresolved_candidates: UnresolvedCandidates = "quiet"
        example_folders: tuple[str, ...] = knowledge.example_folders()

    invalid = [
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def ship(order):
                producer.send("orders.shipped", {"order_id": order.id})  # expect: EDA101

            def on_placed(event):
                print(event["order_id"])

            for message in KafkaConsumer("orders.placed", group_id="shipping"):
                on_placed(message.value)
            """
        ),
        Example(
            """
            import json
            import pika

            channel = pika.BlockingConnection().channel()
            channel.queue_declare(queue="billing")
            channel.queue_bind(queue="billing", exchange="orders", routing_key="order.placed")

            def refund(order_id):
                channel.basic_publish(exchange="orders", routing_key="refund.issued", body=json.dumps({"order_id": order_id}))  # expect: EDA101

            def on_order(ch, method, properties, body):
                ch.basic_ack(method.delivery_tag)

            channel.basic_consume(queue="billing", on_message_callback=on_order)
            """
        ),
        # the consumers read a queue named like the fanout exchange, and nothing binds the two: one finding, here,
        # with the consumers as related locations (EDA102 does not repeat it for each of them)
        Example(
            """
            import json
            import pika

            channel = pika.BlockingConnection().channel()
            channel.exchange_declare(exchange="orders", exchange_type="fanout")

            def publish_order(order):
                channel.basic_publish(exchange="orders", routing_key="created_order", body=json.dumps(order))  # expect: EDA101

            def on_order(ch, method, properties, body):
                print(body)

            channel.basic_consume(queue="orders", on_message_callback=on_order, auto_ack=False)
            """
        ),
        Example(
            """
            import json
            import redis

            r = redis.Redis()

            def login(user_id):
                r.publish("audit.login", json.dumps({"user_id": user_id}))  # expect: EDA101

            def listen():
                pubsub = r.pubsub()
                pubsub.psubscribe("orders.*")
                for message in pubsub.listen():
                    print(message["data"])
            """
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def ship(order):
                producer.send("orders.shipped", {"order_id": order.id})

            def on_shipped(event):
                print(event["order_id"])

            for message in KafkaConsumer("orders.shipped", group_id="notifications"):
                on_shipped(message.value)
            """
        ),
        Example(
            """
            import json
            import pika

            channel = pika.BlockingConnection().channel()
            channel.queue_declare(queue="billing")
            channel.queue_bind(queue="billing", exchange="orders", routing_key="#.issued")

            def refund(order_id):
                channel.basic_publish(exchange="orders", routing_key="refund.issued", body=json.dumps({"order_id": order_id}))

            def on_order(ch, method, properties, body):
                ch.basic_ack(method.delivery_tag)

            channel.basic_consume(queue="billing", on_message_callback=on_order)
            """
        ),
        Example(
            """
            import json
            import redis

            r = redis.Redis()

            def login(user_id):
                r.publish("audit.login", json.dumps({"user_id": user_id}))

            def listen():
                pubsub = r.pubsub()
                pubsub.psubscribe("audit.*")
                for message in pubsub.listen():
                    print(message["data"])
            """
        ),
        Example(
            """
            import json
            import nats

            async def emit(nc, subject, event):
                await nc.publish(subject, json.dumps(event).encode())

            async def main():
                nc = await nats.connect()
                await emit(nc, "orders.placed", {"order_id": "o-1"})
                await nc.subscribe("orders.>", cb=audit)

            async def audit(msg):
                print(msg.subject)
            """
        ),
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def ship(order):
                producer.send("orders.shipped", {"order_id": order.id})
            """,
            config="""
            external:
              consumed: [orders.shipped]
            """,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        flow = ctx.flow.routed_as(self.options.routed_frameworks)
        orphans = _orphans(ctx, flow, self.options.example_folders)
        namesakes = _unbound_namesakes(flow, orphans)
        for publications in sorted(orphans.values(), key=lambda ps: _site(ps[0])):
            first = publications[0]
            event = flow.event(first)
            others = [p for p in publications[1:] if _site(p) != _site(first)]
            also = f" (and {_plural(len(related_sites(others, '')), 'other publication')} of it)" if others else ""
            exchange = _exchange(first)
            readers = sorted(namesakes.get(exchange, []) if exchange else [], key=_site)
            unbound = ""
            hint = f"publish to the channel a consumer reads, remove the publication if nothing needs it, or {EXTERNAL_CONSUMED_HINT}"
            if readers:
                # one root cause: the consumers read a queue named like the exchange, and nothing binds the two
                who = ", ".join(dict.fromkeys(short(s.handler) if s.handler else "a consumer" for s in readers))
                unbound = f"; {who} {'consumes' if len(readers) == 1 else 'consume'} a queue `{exchange}` that no binding ties to the exchange `{exchange}`"
                hint = f"bind the queue to the exchange (pika `queue_declare(queue='{exchange}')` and `queue_bind(queue='{exchange}', exchange='{exchange}')`), or {hint}"
            finding = dataclasses.replace(
                self.finding(
                    first,
                    f"{_who(first.function)} publishes {describe(event, first.channel)}{also}, which nothing in the "
                    f"analysed code consumes{unbound}",
                    hint=hint,
                    event=event,
                ),
                related=related_sites(others, "also publishes it") + related_sites(readers, f"consumes the queue `{exchange}`, bound to nothing"),
            )
            candidates = _unique(c for p in publications for c in flow.candidates(p))
            result = unless_unknown(
                finding,
                candidates,
                self.options.unresolved_candidates,
                f"{_who(first.function)} publishes {describe(event, first.channel)}{also}; no consumer of it was found, "
                f"but {_plural(len(candidates), 'consumer')} whose destination is not statically known could receive it",
                "consumer with an unresolved destination",
            )
            if result is not None:
                yield result


def _orphans(ctx: RuleContext, flow: Flow, example_folders: Iterable[str]) -> dict[tuple, list[Publication]]:
    """EDA101's orphan publications, one group per event (same event, channel and transport), in site order.

    One finding per event: the same orphan published from five lines is one problem, reported at its first
    publication with the others as related locations. Found once per run and kept on the run's flow (EDA102 asks
    for them too, to leave out the consumers EDA101's finding already names); the answer is read, never changed."""
    key = ("orphans", flow.routed, tuple(example_folders))
    if key not in flow.kept:
        flow.kept[key] = _find_orphans(ctx, flow, example_folders)
    return cast("dict[tuple, list[Publication]]", flow.kept[key])


def _find_orphans(ctx: RuleContext, flow: Flow, example_folders: Iterable[str]) -> dict[tuple, list[Publication]]:
    """`_orphans`, found."""
    receiving = [
        s
        for s in flow.subscriptions
        if (flow.judged(s) or flow.bound_broker_named(s) or template_pattern(s.channel_expr) is not None) and not flow.unbound_routed(s)
    ]
    unrouted = {s.framework for s in flow.subscriptions if flow.unbound_routed(s)}
    orphans: dict[tuple, list[Publication]] = {}
    dead_letters = dead_letter_sites(ctx.facts.handlers, ctx.publications_of, ctx.facts.publishers)
    for publication in sorted(flow.publications, key=_site):
        event = flow.event(publication)
        if not flow.judged(publication) or publication.framework in unrouted:
            continue
        if knowledge.in_example_folder(publication.path, example_folders):
            continue  # example code (`examples/`, `docs_src/`): it teaches the publish call, its consumer is not the point
        if _site(publication) in dead_letters:
            continue  # a consumer's dead-letter path: read by people and replay tools, not by a handler here
        if ctx.catalog.consumed_elsewhere(event, publication.channel):
            continue
        if any(flow.reaches(publication, s) for s in receiving):
            continue
        transport = transport_of(publication.framework) or publication.framework
        orphans.setdefault((event or "", publication.channel or "", transport), []).append(publication)
    return orphans


def _exchange(publication: Publication) -> str | None:
    """The exchange an AMQP publication names (`orders` of `orders/created_order`); None elsewhere or when unknown."""
    if transport_of(publication.framework) != "amqp" or not publication.channel or publication.channel.startswith("{"):
        return None
    return publication.channel.split("/", 1)[0] or None


def _unbound_namesakes(flow: Flow, orphans: dict[tuple, list[Publication]]) -> dict[str, list[Subscription]]:
    """Exchange -> the AMQP subscriptions that consume a queue of the same name which no binding ties to anything,
    for exchanges that orphan publications go to: one missing binding (the exchange's name used for the queue, and
    `queue_bind` forgotten) that EDA101 reports once, at the publication, with those consumers as related locations;
    EDA102 does not repeat it for each consumer."""
    exchanges = {e for ps in orphans.values() for e in (_exchange(p) for p in ps) if e}
    out: dict[str, list[Subscription]] = {}
    if not exchanges:
        return out
    for subscription in flow.subscriptions:
        if (
            subscription.channel in exchanges
            and transport_of(subscription.framework) == "amqp"
            and flow.judged(subscription)
            and not flow.bindings(subscription)
            and not any(flow.reaches(p, subscription) for p in flow.publications)
        ):
            out.setdefault(subscription.channel, []).append(subscription)
    return out


def _unique(records: Iterable[Publication | Subscription]) -> list[Publication | Subscription]:
    seen: dict[tuple[str, int, int], Publication | Subscription] = {}
    for r in records:
        seen.setdefault(_site(r), r)
    return [seen[k] for k in sorted(seen)]


def _sam_receiver(mark: str = "") -> dict[str, str]:
    """An AWS SAM stack whose function's event source is an SQS queue the stack declares; no code sends to it."""
    return {
        "template.yaml": f"""
            Transform: AWS::Serverless-2016-10-31
            Resources:
              IntakeQueue:
                Type: AWS::SQS::Queue
              IntakeFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handle
                  Runtime: python3.12
                  Events:
                    Intake:{mark}
                      Type: SQS
                      Properties:
                        Queue: !GetAtt IntakeQueue.Arn
                        BatchSize: 10
        """
    }


_SAM_HANDLER = """
    def handle(event, context):
        for record in event["Records"]:
            print(record["body"])
"""


# -- EDA102 -----------------------------------------------------------------------------------


class PhantomSubscription(Rule):
    """Checks for subscriptions to events that nothing publishes.

    ## What it does
    Reports a subscription when no publication in the analysed code can reach
    it and the configuration does not declare it as published by another
    repository (`external.published`). Matching is the one of EDA101: event
    names, channels and patterns, and for an AMQP queue the exchanges and
    routing keys it is bound to. A queue that receives what the broker
    dead-letters from another queue is fed, and a subscription whose
    destination is not statically known is not judged. A queue named like an
    exchange that orphan publications go to, bound to nothing, is EDA101's
    finding (one missing binding, reported once at the publication, with the
    consumers as related locations), not one EDA102 per consumer. Neither are Celery
    tasks (kind `task`: beat schedules and canvas primitives start them too)
    nor change streams (kind `change`, such as a DynamoDB stream trigger: the
    table emits them, no code publishes them); see `unpublished_kinds`.

    Unknown is not absent: when a publication of a compatible transport has a
    destination that is not statically known (an EventBridge `put_events`
    whose `DetailType` comes from a helper, a `publish(data, topic)` closure,
    an AMQP publish with the queue's routing key to an exchange the analysed
    code does not name), it could be the missing publisher, and nothing is reported
    (`unresolved_candidates: quiet`, the default, as for EDA101: measured on
    the field check). `info` reports it at info severity with those
    publications as related locations; `report` keeps the rule's severity. A
    partly known destination (`orders.{}`) is matched as a pattern instead.

    An event source a deployment template declares (an AWS SAM / Serverless /
    CloudFormation function's SQS queue, SNS topic or stream) that nothing in
    the analysed code publishes to is the system's entry point: the template
    creates or imports the queue, and what feeds it (API clients, another
    system, a console) lives outside the repository. By the same logic it is
    not reported (`template_entry_points: quiet`, the default, measured on the
    field check); `info` reports it at info severity, `report` at the rule's.
    Not so when the analysed code publishes other events on the same channel
    (an EventBridge source, an SNS topic): the project feeds it, and a rule for
    a detail-type none of its publications sends is judged like any other.

    Example code is not reported: a subscription whose path from the analysed
    root passes through a folder of examples, demos or tutorials (`examples/`,
    `docs_src/`, `samples/`: `rules/knowledge/example-code.yaml`, the
    `example_folders` option) teaches the call, and its publisher is not the
    point. Set `example_folders: []` to report it too (docs/configuration.md,
    "Example, demo and tutorial code").

    ## Why is this bad?
    A handler waiting for messages that never come is dead code that looks
    alive: a typo in a topic name, a renamed event or a missing binding leaves
    the consumer idle while the flow it belongs to is silently broken.

    ## How to fix it
    Check the name against the publisher's (a typo, a renamed topic, a missing
    router prefix) or bind the queue to the exchange and routing key that are
    published to; remove the subscription if nothing will publish there; or,
    when another repository publishes it, list it under `external.published`
    in `eventlint.yaml`.
    """

    code = "EDA102"
    name = "phantom-subscription"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - routed_frameworks: frameworks whose subscribers name a subscription, not a topic (Google Pub/Sub); such a subscriber is judged only through a binding to its topic
        - unpublished_kinds: kinds of subscription that code is not expected to publish to: `change` (a DynamoDB stream: the table emits it), `task` (a Celery task: beat schedules and canvas primitives start tasks too)
        - unresolved_candidates: what to do when publications of a compatible transport whose destination is not statically known could be the missing publisher: `info` reports at info severity with those publications as related locations, `quiet` reports nothing, `report` reports at the rule's severity anyway
        - template_entry_points: what to do with a queue, topic or stream that a deployment template (AWS SAM, Serverless, CloudFormation) declares as a function's event source and nothing in the analysed code publishes: the system's entry point, fed from outside the repository; `quiet` reports nothing, `info` reports at info severity, `report` at the rule's severity
        - example_folders: globs (case-insensitive) on folder names of example, demo and tutorial code (rules/knowledge/example-code.yaml); a subscription whose path from the analysed root passes through one is not reported; `[]` reports there too
        """

        routed_frameworks: tuple[str, ...] = ROUTED_FRAMEWORKS
        unpublished_kinds: tuple[str, ...] = ("change", "task")
        unresolved_candidates: UnresolvedCandidates = "quiet"
        template_entry_points: UnresolvedCandidates = "quiet"
        example_folders: tuple[str, ...] = knowledge.example_folders()

    invalid = [
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def ship(order):
                producer.send("orders.shipped", {"order_id": order.id})

            def on_shipped(event):
                print(event["order_id"])

            for message in KafkaConsumer("orders.shiped", group_id="notifications"):  # expect: EDA102
                on_shipped(message.value)
            """
        ),
        Example(
            """
            import json
            import aio_pika

            async def publish_price(sku, price):
                connection = await aio_pika.connect_robust("amqp://rabbitmq/")
                channel = await connection.channel()
                exchange = await channel.declare_exchange("catalog", aio_pika.ExchangeType.TOPIC)
                await exchange.publish(aio_pika.Message(body=json.dumps({"sku": sku, "price": price}).encode()), routing_key="product.price_changed")

            async def on_deleted(message):
                async with message.process():
                    print(message.body)

            async def consume():
                connection = await aio_pika.connect_robust("amqp://rabbitmq/")
                channel = await connection.channel()
                queue = await channel.declare_queue("search.products")
                await queue.bind("catalog", "product.deleted")
                await queue.consume(on_deleted)  # expect: EDA102
            """
        ),
        Example(
            """
            import nats

            async def on_refund(msg):
                print(msg.data)

            async def main():
                nc = await nats.connect()
                await nc.publish("payments.captured", b"{}")
                await nc.subscribe("payments.refunded", queue="ledger", cb=on_refund)  # expect: EDA102
            """
        ),
        # with `template_entry_points: report`, a template's entry queue is judged like code's subscriptions
        Example(_SAM_HANDLER, path="src/app.py", files=_sam_receiver("  # expect: EDA102"), options={"template_entry_points": "report"}),
    ]
    valid = [
        # a stack's entry queue: the template declares it as the function's event source, what feeds it is outside
        Example(_SAM_HANDLER, path="src/app.py", files=_sam_receiver()),
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def ship(order):
                producer.send("orders.shipped", {"order_id": order.id})

            def on_shipped(event):
                print(event["order_id"])

            for message in KafkaConsumer("orders.shipped", group_id="notifications"):
                on_shipped(message.value)
            """
        ),
        Example(
            """
            import json
            import aio_pika

            async def publish_price(sku, price):
                connection = await aio_pika.connect_robust("amqp://rabbitmq/")
                channel = await connection.channel()
                exchange = await channel.declare_exchange("catalog", aio_pika.ExchangeType.TOPIC)
                await exchange.publish(aio_pika.Message(body=json.dumps({"sku": sku, "price": price}).encode()), routing_key="product.price_changed")

            async def on_product(message):
                async with message.process():
                    print(message.body)

            async def consume():
                connection = await aio_pika.connect_robust("amqp://rabbitmq/")
                channel = await connection.channel()
                queue = await channel.declare_queue("search.products")
                await queue.bind("catalog", "product.*")
                await queue.consume(on_product)
            """
        ),
        Example(
            """
            import nats

            async def on_refund(msg):
                print(msg.data)

            async def main():
                nc = await nats.connect()
                await nc.subscribe("payments.refunded", queue="ledger", cb=on_refund)
            """,
            config="""
            external:
              published: [payments.refunded]
            """,
        ),
        Example(
            """
            import pika

            channel = pika.BlockingConnection().channel()
            channel.exchange_declare(exchange="billing.dlx", exchange_type="fanout")
            channel.queue_declare(queue="billing", arguments={"x-dead-letter-exchange": "billing.dlx"})
            channel.queue_declare(queue="billing.dead-letter")
            channel.queue_bind(queue="billing.dead-letter", exchange="billing.dlx")

            def charge(ch, method, properties, body):
                ch.basic_ack(method.delivery_tag)

            def park(ch, method, properties, body):
                ch.basic_ack(method.delivery_tag)

            channel.basic_publish(exchange="", routing_key="billing", body=b"{}")
            channel.basic_consume(queue="billing", on_message_callback=charge)
            channel.basic_consume(queue="billing.dead-letter", on_message_callback=park)
            """
        ),
        Example(
            """
            from google.cloud import pubsub_v1

            subscriber = pubsub_v1.SubscriberClient()

            def on_order(message):
                message.ack()

            path = subscriber.subscription_path("shop", "billing-orders")
            subscriber.subscribe(path, callback=on_order)
            """
        ),
        Example(
            """
            from celery import Celery

            app = Celery("shop", broker="amqp://rabbitmq/")

            @app.task(name="carts.purge_abandoned")
            def purge_abandoned_carts():
                print("purged")
            """
        ),
        # a queue named like an exchange that is published to, bound to nothing: EDA101 reports the missing binding once
        Example(
            """
            import json
            import pika

            channel = pika.BlockingConnection().channel()
            channel.exchange_declare(exchange="orders", exchange_type="fanout")

            def publish_order(order):
                channel.basic_publish(exchange="orders", routing_key="created_order", body=json.dumps(order))

            def on_order(ch, method, properties, body):
                print(body)

            channel.basic_consume(queue="orders", on_message_callback=on_order, auto_ack=False)
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        flow = ctx.flow.routed_as(self.options.routed_frameworks)
        publications = [p for p in flow.publications if flow.judged(p) or template_pattern(p.channel_expr) is not None]
        reported: set[tuple] = set()
        # consumers of a queue named like an exchange orphan publications go to, bound to nothing: EDA101 reports
        # that one missing binding at the publication, with these consumers as related locations
        namesakes = {_site(s) for subs in _unbound_namesakes(flow, _orphans(ctx, flow, self.options.example_folders)).values() for s in subs}
        for subscription in flow.subscriptions:
            event = flow.event(subscription)
            if not flow.judged(subscription) or flow.unbound_routed(subscription) or flow.fed_by_dead_letters(subscription):
                continue
            if _site(subscription) in namesakes:
                continue
            if subscription.kind in self.options.unpublished_kinds:
                continue
            if knowledge.in_example_folder(subscription.path, self.options.example_folders):
                continue  # example code (`examples/`, `docs_src/`): it teaches the subscription, its publisher is not the point
            routes = flow.addresses(subscription)
            if any(ctx.catalog.published_elsewhere(event, name) for name in (subscription.channel, *routes)):
                continue
            if any(flow.reaches(p, subscription) for p in publications):
                continue
            key = (*_site(subscription), event, subscription.channel, subscription.handler)
            if key in reported:
                continue
            reported.add(key)
            who = short(subscription.handler) if subscription.handler else "a consumer"
            bound = f" (bound to {', '.join(routes)})" if routes else ""
            finding = self.finding(
                subscription,
                f"{who} consumes {describe(event, subscription.channel)}{bound}, which nothing in the analysed code publishes",
                hint="check the name against the publisher's (a typo, a renamed topic, a missing binding), remove the "
                f"subscription if nothing will publish there, or {EXTERNAL_PUBLISHED_HINT}",
                event=event,
            )
            if _from_template(subscription) and not any(p.channel == subscription.channel for p in flow.publications if p.channel):
                # a deployment template declares this event source: the queue exists, and what feeds it (clients,
                # another system) is outside the repository. Unknown is not absent. Not so when the analysed code
                # publishes other events on the same channel (an EventBridge source, an SNS topic): the project
                # feeds it, and an event none of its publications sends there is a phantom like any other.
                choice = self.options.template_entry_points
                if choice == "quiet":
                    continue
                if choice == "info":
                    finding = dataclasses.replace(
                        finding,
                        severity="info",
                        message=f"{who} consumes {describe(event, subscription.channel)}{bound}, an event source a deployment "
                        "template declares; nothing in the analysed code publishes to it (fed from outside the repository?)",
                    )
                yield finding
                continue
            candidates = flow.candidates(subscription)
            result = unless_unknown(
                finding,
                candidates,
                self.options.unresolved_candidates,
                f"{who} consumes {describe(event, subscription.channel)}{bound}, whose publisher was not found; "
                f"{_plural(len(candidates), 'publication')} whose destination is not statically known could be it",
                "publication with an unresolved destination",
            )
            if result is not None:
                yield result


# -- EDA103 -----------------------------------------------------------------------------------


class CorrelationIdDropped(Rule):
    """Checks for handlers that publish without passing on the correlation id of the message they handle.

    ## What it does
    Follows each handler into the functions it calls and reports every
    publication it makes whose headers, message properties and payload fields
    are all known and none of them is a correlation or trace id (names from
    `correlation_names`: `correlation_id`, `traceparent`, `X-Request-ID`,
    ...), when the handler does not inject the current trace context either
    (`opentelemetry.propagate.inject`). A `correlation_id=` keyword on the
    publishing call counts. Publications whose headers the code does not
    spell out (a header dict built at run time, a FastStream `@publisher`
    that sends the return value with the incoming correlation id) are not
    judged.

    A missing id is reported only when the message handled is known to carry
    one: the handler reads one (`event["correlation_id"]`) or takes one as a
    parameter, a publication that reaches its subscription carries one
    (a header, an AMQP `correlation_id` property, a payload field), the
    catalog schema of the event consumed has one, or its framework gives
    every message one (`correlating_frameworks`). Without such a sign there
    may be nothing to pass on. A handler whose incoming messages are all
    published, in the analysed code, without any correlation id has none to
    pass on: the problem is where the flow starts, which EDA104 reports, so
    it is not reported again one hop later.

    A publication that names a correlation id still drops the incoming one
    when every correlation name it carries is given an empty value
    (`"correlation_id": ""`, `None`, a Kafka header `("traceparent", b"")`),
    or a freshly generated one (`str(uuid4())`, `uuid7()`, `ulid()`) while the
    message it handles carries one: the handler reads it, takes it as a
    parameter, or a publication reaching its subscription carries one. The
    values are read in the call's keywords, dict literals and header pairs,
    and in a dict assigned to a name in the same function before the call.

    ## Why is this bad?
    The correlation id is the thread that ties a flow together across
    services. A handler that publishes without it starts an unrelated trace:
    the logs and spans of everything downstream can no longer be joined to the
    request that caused them, and debugging a failed order means guessing.

    ## How to fix it
    Copy the incoming message's correlation id (or `traceparent`) into what
    the handler publishes: a `correlation_id` header, message property or
    payload field. With OpenTelemetry, extract the incoming context and call
    `opentelemetry.propagate.inject(headers)` before publishing.
    """

    code = "EDA103"
    name = "correlation-id-dropped"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - correlation_names: names of correlation and trace ids in headers, properties, payload fields or call keywords (compared ignoring case, `-`, `_`, an `X-` prefix and a CloudEvents `ce-`/`ce_` prefix)
        - propagation_calls: globs on calls that write the current trace context into outgoing headers
        - correlating_frameworks: frameworks that give every message a correlation id, so what their subscriptions deliver always carries one (FastStream, Dapr's sidecar)
        """

        correlation_names: tuple[str, ...] = CORRELATION_NAMES
        propagation_calls: tuple[str, ...] = PROPAGATION_CALLS
        correlating_frameworks: tuple[str, ...] = CORRELATING_FRAMEWORKS

    invalid = [
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(order, request_id):
                producer.send("orders.placed", {"order_id": order.id}, headers=[("correlation_id", request_id.encode())])

            def on_order(event):
                producer.send("payments.captured", {"order_id": event["order_id"]}, headers=[("content-type", b"json")])  # expect: EDA103

            for message in KafkaConsumer("orders.placed", group_id="billing"):
                on_order(message.value)
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()
            captured = broker.publisher("payments.captured")

            @broker.subscriber("orders.placed")
            async def charge(order: dict) -> None:
                await captured.publish({"order_id": order["order_id"]})  # expect: EDA103
            """
        ),
        Example(
            """
            import json
            import pika

            def place_order(channel, order_id, request_id):
                channel.basic_publish(
                    exchange="",
                    routing_key="billing",
                    body=json.dumps({"order_id": order_id}),
                    properties=pika.BasicProperties(correlation_id=request_id),
                )

            def on_order(ch, method, properties, body):
                order = json.loads(body)
                ch.basic_publish(  # expect: EDA103
                    exchange="billing",
                    routing_key="invoice.issued",
                    body=json.dumps({"order_id": order["order_id"]}),
                    properties=pika.BasicProperties(content_type="application/json"),
                )
                ch.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="billing", on_message_callback=on_order)
            """
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            # nothing shows that orders.placed carries an id: no producer here sets one, no schema has one,
            # and the handler reads none, so there may be nothing to pass on
            def on_order(event):
                producer.send("payments.captured", {"order_id": event["order_id"]}, headers=[("content-type", b"json")])

            for message in KafkaConsumer("orders.placed", group_id="billing"):
                on_order(message.value)
            """
        ),
        Example(
            """
            from kafka import KafkaConsumer, KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def on_order(event, correlation_id):
                producer.send("payments.captured", {"order_id": event["order_id"]}, headers=[("correlation_id", correlation_id)])

            for message in KafkaConsumer("orders.placed", group_id="billing"):
                on_order(message.value, dict(message.headers)["correlation_id"])
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker, KafkaMessage

            broker = KafkaBroker()
            captured = broker.publisher("payments.captured")

            @broker.subscriber("orders.placed")
            async def charge(order: dict, message: KafkaMessage) -> None:
                await captured.publish({"order_id": order["order_id"]}, correlation_id=message.correlation_id)
            """
        ),
        Example(
            """
            import json
            import pika

            def on_order(ch, method, properties, body):
                order = json.loads(body)
                ch.basic_publish(
                    exchange="billing",
                    routing_key="invoice.issued",
                    body=json.dumps({"order_id": order["order_id"]}),
                    properties=pika.BasicProperties(content_type="application/json", correlation_id=properties.correlation_id),
                )
                ch.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="billing", on_message_callback=on_order)
            """
        ),
        Example(
            """
            import json
            import nats
            from opentelemetry import propagate

            nc = nats.NATS()

            async def on_order(msg):
                order = json.loads(msg.data)
                headers = {}
                propagate.inject(headers)
                await nc.publish("payments.captured", json.dumps({"order_id": order["order_id"]}).encode(), headers=headers)

            async def main():
                await nc.connect("nats://nats:4222")
                await nc.subscribe("orders.placed", cb=on_order)
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()

            @broker.subscriber("orders.placed")
            @broker.publisher("payments.captured")
            async def charge(order: dict) -> dict:
                return {"order_id": order["order_id"]}
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        names = CorrelationNames(self.options.correlation_names)
        flow = ctx.flow  # the run's router (its match caches and answers) for both questions below
        wrappers = wrapper_functions(ctx.facts.publishers)
        found: dict[tuple, tuple[Publication, list[Handler], str | None]] = {}
        handling = handling_functions(ctx)
        for handler in handling:
            if propagates(handler, self.options.propagation_calls):
                continue
            calls = calls_by_site([handler])
            for publication in ctx.publications_of(handler):
                if is_wrapper_call(publication, wrappers):
                    continue
                call = calls.get(_site(publication))
                carried = carries_correlation(publication, call, names)
                why = None
                if carried is True:
                    why = self._placeholder(publication, call, names, handler, handling[handler], ctx, flow)
                    if why is None:
                        continue
                elif carried is None:
                    continue
                key = (*_site(publication), publication.event, publication.channel)
                found.setdefault(key, (publication, [], why))[1].append(handler)
        uncorrelated = _uncorrelated_upstream(ctx, names, self.options.propagation_calls, flow)
        carries: dict[str, bool] = {}

        def carrying(handler: Handler) -> bool:
            if handler.name not in carries:
                carries[handler.name] = self._incoming_carries(handler, handling[handler], names, ctx, flow)
            return carries[handler.name]

        for publication, handlers, why in found.values():
            if why is None and all(uncorrelated(s) for h in handlers for s in handling[h]) and any(handling[h] for h in handlers):
                continue  # nothing it handles arrives with an id to pass on: EDA104 reports where the flow starts
            if why is None and not any(carrying(h) for h in handlers):
                continue  # no sign that what it handles carries an id: there may be nothing to pass on
            incoming = sorted({describe(s.event, s.channel) for h in handlers for s in handling[h]})
            who = ", ".join(sorted(short(h.name) for h in handlers))
            handles = f" handles {', '.join(incoming)} and" if incoming else ""
            what = describe(publication.event, publication.channel, publication.channel_expr)
            yield self.finding(
                publication,
                f"{who}{handles} publishes {what} without the incoming correlation id: {why or _missing(publication)}",
                hint="copy the incoming message's correlation id (or traceparent) into what the handler publishes: a "
                "`correlation_id` header, property or payload field; with OpenTelemetry, call "
                "opentelemetry.propagate.inject(headers) before publishing",
                service=handlers[0].service,
            )


    def _placeholder(
        self,
        publication: Publication,
        call: HandlerCall | None,
        names: CorrelationNames,
        handler: Handler,
        subscriptions: list[Subscription],
        ctx: RuleContext,
        flow: Flow,
    ) -> str | None:
        """Why a publication that names a correlation id still drops the incoming one: every correlation
        name it carries is given an empty value, or a fresh id while the incoming message carries one."""
        if call is None or not call.placeholders:
            return None
        given = {p.rsplit(":", 1)[0]: p.rsplit(":", 1)[1] for p in call.placeholders}
        carried = set(names.among(publication.payload_fields)) | set(names.among(publication.headers))
        carried |= set(names.among(call.keywords))
        if not carried or not carried <= set(given):
            return None
        kinds = {given[n] for n in carried}
        shown = ", ".join(sorted(carried))
        if kinds == {"empty"}:
            return f"it passes an empty {shown}"
        if self._incoming_carries(handler, subscriptions, names, ctx, flow):
            return f"it passes a freshly generated {shown} although the message it handles carries one"
        return None

    def _incoming_carries(
        self, handler: Handler, subscriptions: list[Subscription], names: CorrelationNames, ctx: RuleContext, flow: Flow
    ) -> bool:
        """The consumed message carries a correlation id: the handler reads one, takes one as a parameter, its
        framework gives every message one, its catalog schema has one, or a publication that reaches its
        subscriptions carries one."""
        if names.among(r.field for r in handler.reads) or names.among(handler.params):
            return True
        if not subscriptions:
            return False
        if any(s.framework in self.options.correlating_frameworks for s in subscriptions):
            return True
        for subscription in subscriptions:
            spec = ctx.identity.declared(subscription)
            view = ctx.schemas.latest_view(spec) if spec is not None and ctx.schemas.error(spec) is None else None
            if view is not None and names.among(view.properties):
                return True
        for publication in ctx.facts.publishers:
            if names.among(publication.payload_fields) or names.among(publication.headers):
                if any(flow.reaches(publication, s) for s in subscriptions):
                    return True
        return False


def _uncorrelated_upstream(ctx: RuleContext, names: CorrelationNames, propagation: tuple[str, ...], flow: Flow):
    """A test: every publication that reaches this subscription is known to carry no correlation id (and one does).

    Such a handler has no incoming id to pass on; the problem is where the flow starts, which EDA104
    (or EDA103 one hop earlier) reports. Reporting the handler too would say one thing twice.
    """
    calls = calls_by_site(ctx.facts.handlers)
    memo: dict[int, bool] = {}

    def test(subscription: Subscription) -> bool:
        key = id(subscription)
        if key not in memo:
            feeding = [p for p in flow.publications if flow.reaches(p, subscription)]
            memo[key] = (
                bool(feeding)
                and all(_known_uncorrelated(p, calls, names, propagation, ctx) for p in feeding)
                and not flow.candidates(subscription)
            )
        return memo[key]

    return test


def _known_uncorrelated(
    publication: Publication, calls: dict, names: CorrelationNames, propagation: tuple[str, ...], ctx: RuleContext
) -> bool:
    if publication.framework in CORRELATING_FRAMEWORKS:
        return False
    function = ctx.handlers_by_name.get(publication.function or "")
    if function is not None and propagates(function, propagation):
        return False
    return carries_correlation(publication, calls.get(_site(publication)), names) is False


# -- EDA104 -----------------------------------------------------------------------------------


class PublishWithoutCorrelationId(Rule):
    """Checks for entry points that publish an event with no correlation id where the flows around them carry one.

    ## What it does
    Reports a publication made outside any message handler (an API endpoint,
    a job, a script, module-level code) whose headers, message properties and
    payload fields are all known and none of them is a correlation or trace
    id, when the publishing function does not inject the current trace
    context (`opentelemetry.propagate.inject`), and other publications of the
    same flows do carry one. A `correlation_id=` keyword on the publishing
    call counts, and so does a CloudEvent's own id in binary mode (`ce-id`
    over HTTP, the `ce_id` Kafka header) or its correlation extensions
    (`ce_traceparent`, `ce_correlationid`). Frameworks that give every
    message an id of their own (`correlating_frameworks`) are not reported.

    "The same flows" are the services that exchange events with one another
    (the code outside any inferred service is one more unit; a project with
    no services is one unit). The finding lists the publications that do
    carry an id as related locations.

    Where no message of the flows carries a correlation or trace id at all,
    nothing is reported by default (`when_nothing_correlates: quiet`): that
    is one design choice (tracing not adopted yet), not a defect at each
    entry point, and on the field check every such finding was judged true
    but pointless (14 of 14, one per entry point of tutorials and course
    projects). `once` reports it as one note at the first entry point with
    the others as related locations; `each` reports every entry point.

    ## Why is this bad?
    A flow can only be traced if its first message carries an id: every
    handler downstream can pass on only what it received. When placing an
    order starts a correlation and cancelling one does not, the
    cancellation's refund and release are the ones that cannot be tied
    together in the logs, although the team relies on the trail elsewhere.

    ## How to fix it
    Start the correlation where the flow starts, as the other entry points
    do: pass the request's id (`X-Request-ID`) or a new UUID as a
    `correlation_id` header or property, or inject the current trace context
    with `opentelemetry.propagate.inject(headers)`.

    ## Default severity
    `info`: reported, never failing a run, until a team raises it
    (`rules: severity: {EDA104: warning}`). On the field check
    (`benchmarks/field/review.yaml`, a new user's first run on 21 public
    repositories) it reported 14 findings before `when_nothing_correlates`
    existed, all true but pointless (no message anywhere carried an id);
    with the default `quiet` it reports none there, so it has no measured
    precision yet. A rule below 80 % precision there does not warn by
    default.

    """

    code = "EDA104"
    name = "publish-without-correlation-id"
    # info by default, measured on the field check (benchmarks/field/review.yaml): see "Default severity"
    severity = Severity.INFO

    @dataclass(frozen=True)
    class Options:
        """
        - correlation_names: names of correlation and trace ids in headers, properties, payload fields or call keywords (compared ignoring case, `-`, `_`, an `X-` prefix and a CloudEvents `ce-`/`ce_` prefix)
        - propagation_calls: globs on calls that write the current trace context into outgoing headers
        - correlating_frameworks: frameworks that give every message a correlation or trace id when the code sets none (Dapr's sidecar, FastStream)
        - when_nothing_correlates: what to do where no message of the flows carries a correlation or trace id at all: `quiet` reports nothing (tracing is a design choice not yet made, not a defect at a line), `once` reports one note at the first entry point with the others as related locations, `each` reports every entry point
        """

        correlation_names: tuple[str, ...] = ENTRY_CORRELATION_NAMES
        propagation_calls: tuple[str, ...] = PROPAGATION_CALLS
        correlating_frameworks: tuple[str, ...] = CORRELATING_FRAMEWORKS
        when_nothing_correlates: Literal["quiet", "once", "each"] = "quiet"

    invalid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(order, request_id):
                producer.send("orders.placed", {"order_id": order.id}, headers=[("x-request-id", request_id.encode())])

            def cancel_order(order):
                producer.send("orders.cancelled", {"order_id": order.id, "reason": order.reason})  # expect: EDA104
            """
        ),
        Example(
            """
            import json
            import boto3

            sns = boto3.client("sns")

            def place_order(order, correlation_id):
                sns.publish(
                    TopicArn="arn:aws:sns:eu-west-1:123456789012:orders",
                    Message=json.dumps({"order_id": order.id}),
                    MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation_id}},
                )

            def refund_order(order):
                sns.publish(  # expect: EDA104
                    TopicArn="arn:aws:sns:eu-west-1:123456789012:refunds",
                    Message=json.dumps({"order_id": order.id}),
                )
            """
        ),
        Example(
            """
            import json
            import uuid
            import pika

            channel = pika.BlockingConnection().channel()

            def place_order(order_id):
                channel.basic_publish(
                    exchange="orders",
                    routing_key="order.placed",
                    body=json.dumps({"order_id": order_id}),
                    properties=pika.BasicProperties(correlation_id=str(uuid.uuid4())),
                )

            def cancel_order(order_id):
                channel.basic_publish(exchange="orders", routing_key="order.cancelled", body=json.dumps({"order_id": order_id}))  # expect: EDA104
            """
        ),
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(order):
                producer.send("orders.placed", {"order_id": order.id, "total": order.total})  # expect: EDA104

            def cancel_order(order):
                producer.send("orders.cancelled", {"order_id": order.id})
            """,
            config="""
            rules:
              options:
                EDA104: {when-nothing-correlates: once}
            """,
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(order):
                producer.send("orders.placed", {"order_id": order.id, "total": order.total})

            def cancel_order(order):
                producer.send("orders.cancelled", {"order_id": order.id})
            """
        ),
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(order, request_id):
                producer.send("orders.placed", {"order_id": order.id, "total": order.total}, headers=[("x-request-id", request_id.encode())])

            def cancel_order(order, request_id):
                producer.send("orders.cancelled", {"order_id": order.id, "correlation_id": request_id})
            """
        ),
        Example(
            """
            import json
            import uuid
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(order):
                # a CloudEvent in Kafka binary mode: its attributes are `ce_` headers, and its id starts the trail
                headers = [
                    ("ce_specversion", b"1.0"),
                    ("ce_id", str(uuid.uuid4()).encode()),
                    ("ce_source", b"/orders"),
                    ("ce_type", b"com.example.order.placed"),
                    ("content-type", b"application/json"),
                ]
                producer.send("orders.placed", json.dumps({"order_id": order.id}).encode(), headers=headers)
            """
        ),
        Example(
            """
            import json
            import boto3

            sns = boto3.client("sns")

            def place_order(order, correlation_id):
                sns.publish(
                    TopicArn="arn:aws:sns:eu-west-1:123456789012:orders",
                    Message=json.dumps({"order_id": order.id}),
                    MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation_id}},
                )
            """
        ),
        Example(
            """
            import json
            import uuid
            import pika

            channel = pika.BlockingConnection().channel()

            def place_order(order_id):
                channel.basic_publish(
                    exchange="orders",
                    routing_key="order.placed",
                    body=json.dumps({"order_id": order_id}),
                    properties=pika.BasicProperties(correlation_id=str(uuid.uuid4())),
                )
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()

            async def place_order(order_id: str) -> None:
                await broker.publish({"order_id": order_id}, topic="orders.placed")
            """
        ),
        Example(
            """
            import json
            import redis
            from opentelemetry import propagate

            r = redis.Redis()

            def place_order(order_id):
                carrier = {}
                propagate.inject(carrier)
                r.xadd("orders", {"order_id": order_id, "trace": json.dumps(carrier)})
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        options = self.options
        names = CorrelationNames(options.correlation_names)
        facts = ctx.facts
        wrappers = wrapper_functions(facts.publishers)
        handling = handling_functions(ctx)
        handled = {(ref.path, ref.line, ref.column) for h in handling for ref in h.publications}
        entries: dict[tuple[str, int, int], list[Handler]] = {}
        for handler in facts.handlers:
            if handler not in handling:
                for ref in handler.publications:
                    entries.setdefault((ref.path, ref.line, ref.column), []).append(handler)
        calls = calls_by_site(facts.handlers)
        unit_of = _flow_units(ctx)
        practice = _correlation_practice(ctx, names, options.propagation_calls, calls, wrappers, unit_of)
        reported: set[tuple] = set()
        missing: dict[int, list[Publication]] = {}
        for publication in sorted(facts.publishers, key=_site):
            site = _site(publication)
            if site in handled or is_wrapper_call(publication, wrappers):
                continue
            if publication.framework in options.correlating_frameworks:
                continue
            starters = entries.get(site, [])
            if any(propagates(h, options.propagation_calls) for h in starters):
                continue
            if carries_correlation(publication, calls.get(site), names) is not False:
                continue
            key = (*site, publication.event, publication.channel)
            if key in reported:
                continue
            reported.add(key)
            missing.setdefault(unit_of(publication.service), []).append(publication)
        hint = (
            "start the correlation where the flow starts: pass the request's id (X-Request-ID) or a new UUID as a "
            "`correlation_id` header or property, or inject the trace context with opentelemetry.propagate.inject(headers)"
        )
        for unit, publications in sorted(missing.items(), key=lambda item: _site(item[1][0])):
            carrying = practice.get(unit, [])
            if carrying:
                # the flows around it carry an id and this one starts without: the inconsistency is the finding
                n = len(related_sites(carrying, "", limit=len(carrying)))
                also = f"; {_plural(n, 'other publication')} of these flows {'carries' if n == 1 else 'carry'} one"
                for publication in publications:
                    what = describe(publication.event, publication.channel, publication.channel_expr)
                    yield dataclasses.replace(
                        self.finding(
                            publication,
                            f"{_who(publication.function)} publishes {what} with no correlation id: "
                            f"{_missing(publication)}{also}",
                            hint=hint,
                        ),
                        related=related_sites(carrying, "carries a correlation id", limit=5),
                    )
            elif options.when_nothing_correlates == "each":
                for publication in publications:
                    what = describe(publication.event, publication.channel, publication.channel_expr)
                    yield self.finding(
                        publication,
                        f"{_who(publication.function)} publishes {what} with no correlation id: {_missing(publication)}",
                        hint=hint,
                    )
            elif options.when_nothing_correlates == "once":
                first, others = publications[0], publications[1:]
                what = describe(first.event, first.channel, first.channel_expr)
                also = f" (nor do {_plural(len(related_sites(others, '', limit=len(others))), 'other entry point')} of them)" if others else ""
                yield dataclasses.replace(
                    self.finding(
                        first,
                        f"no message of these flows carries a correlation or trace id: {_who(first.function)} publishes "
                        f"{what} with none{also}",
                        hint=hint,
                    ),
                    related=related_sites(others, "also starts a flow without one"),
                )


def _flow_units(ctx: RuleContext):
    """Services that exchange events, as one unit (a function from a service name to its unit's number).

    Code outside any inferred service is one unit of its own; a project with no services is one unit.
    """
    graph = ctx.graph
    parent: dict[str | None, str | None] = {}

    def find(x: str | None) -> str | None:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for event in graph.events():
        services = sorted(set(graph.publishers_of(event)) | set(graph.consumers_of(event)))
        for other in services[1:]:
            a, b = find(services[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    numbers: dict[str | None, int] = {}

    def unit_of(service: str | None) -> int:
        return numbers.setdefault(find(service) if service is not None else None, len(numbers))

    return unit_of


def _correlation_practice(ctx, names, propagation, calls, wrappers, unit_of) -> dict[int, list[Publication]]:
    """Per flow unit, the publications that carry a correlation or trace id (or whose function injects one)."""
    injecting = {(ref.path, ref.line, ref.column) for h in ctx.facts.handlers if propagates(h, propagation) for ref in h.publications}
    out: dict[int, list[Publication]] = {}
    for publication in ctx.facts.publishers:
        if is_wrapper_call(publication, wrappers):
            continue
        if _site(publication) in injecting or carries_correlation(publication, calls.get(_site(publication)), names):
            out.setdefault(unit_of(publication.service), []).append(publication)
    return out


RULES = (OrphanEvent, PhantomSubscription, CorrelationIdDropped, PublishWithoutCorrelationId)
