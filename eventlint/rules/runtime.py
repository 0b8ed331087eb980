"""Rules of the runtime family (EDA7xx): where the code's event graph and a trace export disagree.

They read `ctx.runtime`, the comparison of the traces given to the run (`--traces`, or
`runtime.traces` in the configuration) with the event graph, and find nothing without
traces. See docs/runtime.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from eventlint.facts import Diagnostic
from eventlint.rules.base import Example, Rule, RuleContext, Severity
from eventlint.runtime import handler_site, publication_site

ORDERS = """
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers="kafka:9092")

    def place_order(order):
        producer.send("orders.placed", {"order_id": order.id}){marker}
"""
BILLING = """
    from kafka import KafkaConsumer

    def charge(event):{marker}
        print("charging", event["order_id"])

    for message in KafkaConsumer("orders.placed", group_id="billing"):
        charge(message.value)
"""
CONFIG = """
    services:
      orders: [orders/**]
      billing: [billing/**]
    runtime:
      traces: [traces.json]
"""


def _span(trace: str, span: str, process: str, kind: str, parent: str | None = None, start: int = 0, topic: str = "orders.placed") -> dict:
    tags = [
        {"key": "span.kind", "type": "string", "value": kind},
        {"key": "messaging.system", "type": "string", "value": "kafka"},
        {"key": "messaging.destination.name", "type": "string", "value": topic},
    ]
    references = [{"refType": "CHILD_OF", "traceID": trace, "spanID": parent}] if parent else []
    return {
        "traceID": trace,
        "spanID": span,
        "operationName": f"{topic} {'send' if kind == 'producer' else 'process'}",
        "references": references,
        "startTime": 1765101600000000 + start,
        "duration": 900,
        "tags": tags,
        "processID": process,
    }


def _jaeger(*spans: dict, consumers: tuple[str, ...] = ("billing",)) -> str:
    """A Jaeger "Download JSON" document: one trace per producer span, with the given consumer spans."""
    processes = {"p0": {"serviceName": "orders", "tags": []}} | {f"p{i + 1}": {"serviceName": name, "tags": []} for i, name in enumerate(consumers)}
    traces: dict[str, list[dict]] = {}
    for span in spans:
        traces.setdefault(span["traceID"], []).append(span)
    data = [{"traceID": trace, "spans": items, "processes": processes} for trace, items in traces.items()]
    return json.dumps({"data": data, "total": 0, "limit": 0, "offset": 0, "errors": None}, indent=1)


def _example(orders: str = "", billing: str = "", traces: str = "") -> Example:
    return Example(
        ORDERS.replace("{marker}", orders),
        path="orders/app.py",
        files={"billing/app.py": BILLING.replace("{marker}", billing), "traces.json": traces},
        config=CONFIG,
    )


_CONTINUED = _jaeger(_span("a1", "01", "p0", "producer"), _span("a1", "02", "p1", "consumer", parent="01", start=4000))


def _where_config(ctx: RuleContext) -> tuple[str, int, int]:
    source = ctx.config.source
    return (source.name if source is not None and Path(source).parent == Path(ctx.config.root) else ".", 1, 1)


class RuntimeOnlyEdge(Rule):
    """Checks for flows that ran in production and that the code's event graph does not have.

    ## What it does
    Reads the trace export given with `--traces` (OTLP JSON or Jaeger JSON), joins
    each consumer span to the producer span it continues or links, and reports every
    producer → event → consumer seen at runtime that the code analysis lacks: a
    consumer in another repository (named as not in the repository), a consumer the
    extractor does not see (a config-driven topic, an in-house pattern), a producer
    the code does not show, or a destination that matches no event or channel. The
    message gives the number of messages and an example trace id. An end in another
    repository is expected when the configuration lists the event under
    `external.consumed` / `external.published`.

    ## Why is this bad?
    The code's graph is what reviews, ownership and the contracts rules reason about.
    A flow that runs but is not in it escapes all three: a schema change breaks a
    consumer nobody knew of.

    ## How to fix it
    Declare the other repository's consumer under `external.consumed` (or check its
    facts in with `check --facts`), map a runtime service name that differs from the
    configured one under `runtime.service-names`, or teach eventlint the pattern the
    code uses (a framework pack, docs/frameworks.md).
    """

    code = "EDA701"
    name = "runtime-only-edge"
    severity = Severity.WARNING

    invalid = [
        _example(
            orders="  # expect: EDA701",
            traces=_jaeger(
                _span("a1", "01", "p0", "producer"),
                _span("a1", "02", "p1", "consumer", parent="01", start=4000),
                _span("a1", "03", "p2", "consumer", parent="01", start=9000),
                consumers=("billing", "analytics"),
            ),
        )
    ]
    valid = [_example(traces=_CONTINUED)]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        comparison = ctx.runtime
        if comparison is None:
            return
        for edge in comparison.runtime_only():
            where = None
            if edge.producer and edge.producer_known:
                where = publication_site(ctx.graph, edge.event, edge.producer)
            if where is None and edge.consumer and edge.consumer_known:
                where = handler_site(ctx.graph, edge.event, edge.consumer)
            where = where or publication_site(ctx.graph, edge.event) or _where_config(ctx)
            producer = edge.producer if edge.producer_known or not edge.producer else f"{edge.producer} (not in the repository)"
            consumer = edge.consumer if edge.consumer_known or not edge.consumer else f"{edge.consumer} (not in the repository)"
            flow = f"{producer or '?'} -> {edge.event} -> {consumer or '(no consumer seen)'}"
            yield self.finding(
                where,
                f"runtime flow {flow} ran {_times(edge.count)} (e.g. trace {edge.example_trace}) and is not in the code's event graph: {edge.why}",
                hint="declare another repository's end under `external.consumed`/`external.published`, map service names under "
                "`runtime.service-names`, or teach eventlint the pattern the code uses (docs/runtime.md)",
                service=edge.producer if edge.producer_known else edge.consumer,
                event=edge.event,
            )


class CodeOnlyEdge(Rule):
    """Checks for flows the code declares that the traces never show in their time window.

    ## What it does
    Reports a subscription whose publisher → event → consumer edge of the code's event
    graph has no message in the trace export, with the window the traces cover: "never"
    reads "not between these two times". An edge is judged only when both services sent
    messaging spans in the window (an uninstrumented service proves nothing); a hop whose
    trace context was cut still counts as seen when both halves ran.

    ## Why is this bad?
    A flow that never runs is dead code with a contract attached: the consumer, its
    schema and its tests are kept for nothing, or the producer stopped sending and
    nobody noticed.

    ## How to fix it
    Check a longer window first. Then remove the dead consumer (or publisher), or find
    out why the producer stopped: a renamed topic, a feature flag, a broken binding.
    """

    code = "EDA702"
    name = "code-only-edge"
    severity = Severity.INFO

    invalid = [
        Example(
            ORDERS.replace("{marker}", "") + '\n    def cancel_order(order):\n        producer.send("orders.cancelled", {"order_id": order.id})\n',
            path="orders/app.py",
            files={
                "billing/app.py": """
                    from kafka import KafkaConsumer

                    placed = KafkaConsumer("orders.placed", group_id="billing")  # expect: EDA702
                    cancelled = KafkaConsumer("orders.cancelled", group_id="billing")

                    def charge_all():
                        for message in placed:
                            print("charging", message.value["order_id"])

                    def refund_all():
                        for message in cancelled:
                            print("refunding", message.value["order_id"])
                    """,
                "traces.json": _jaeger(
                    _span("a1", "01", "p0", "producer", topic="orders.cancelled"),
                    _span("a1", "02", "p1", "consumer", parent="01", start=4000, topic="orders.cancelled"),
                ),
            },
            config=CONFIG,
        )
    ]
    valid = [_example(traces=_CONTINUED)]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        comparison = ctx.runtime
        if comparison is None:
            return
        for edge in comparison.code_only:
            if edge.judged:
                yield self.finding(
                    (edge.path, edge.line, edge.column),
                    f"{edge.consumer} consumes {edge.event} from {edge.producer} in the code, and the traces show no such message "
                    f"in {comparison.window}",
                    hint="check a longer window; then remove the dead consumer or find why the producer stopped sending",
                    service=edge.consumer,
                    event=edge.event,
                )


class BrokenTracePropagation(Rule):
    """Checks for consumers whose spans start a new trace instead of continuing the producer's.

    ## What it does
    Reports, at the consuming handler's `file:line`, a consumer span of the trace
    export that has no parent and no link (or whose parent is a root span of its own
    service, such as the polling loop's): the trace context the producer sent did not
    arrive in the message headers, so the trace breaks at this hop. The message gives
    the number of such spans and an example trace id. It is the runtime side of the
    correlation-id rules: EDA104 flags publications that carry no correlation id or
    trace context, EDA103 handlers that drop it.

    ## Why is this bad?
    A broken trace hides the cause of everything downstream: the failing refund shows
    up as a trace of its own, with no order, no payment and no request behind it.

    ## How to fix it
    Inject the context into the message headers when publishing
    (`opentelemetry.propagate.inject(headers)`, or an instrumentation that does it) and
    extract it in the consumer before starting its span (`propagate.extract(headers)`),
    or link the consumer span to the producer's context.
    """

    code = "EDA703"
    name = "broken-trace-propagation"
    severity = Severity.WARNING

    invalid = [
        _example(
            billing="  # expect: EDA703",
            traces=_jaeger(_span("a1", "01", "p0", "producer"), _span("b2", "02", "p1", "consumer", start=4000)),
        )
    ]
    valid = [_example(traces=_CONTINUED)]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        comparison = ctx.runtime
        if comparison is None:
            return
        for broken in comparison.broken:
            where = handler_site(ctx.graph, broken.event, broken.consumer) if broken.consumer_known else None
            if where is None:
                continue  # the handler is in another repository (EDA701 names it) or unknown to the code
            yield self.finding(
                where,
                f"{broken.consumer} handled {broken.event} in {broken.count} {'span' if broken.count == 1 else 'spans'} that started a new trace (e.g. trace "
                f"{broken.example_trace}): the producer's trace context did not arrive with the message",
                hint="inject the context into the message headers when publishing and extract it before the consumer span starts; "
                "EDA104 and EDA103 check the correlation id statically",
                service=broken.consumer,
                event=broken.event,
            )


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


RULES = (RuntimeOnlyEdge, CodeOnlyEdge, BrokenTracePropagation)
