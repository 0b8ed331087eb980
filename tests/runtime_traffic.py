"""A small shop running on an in-memory broker, instrumented with the OpenTelemetry SDK, exporting OTLP JSON.

This is a real producer of traces for the tests: every service has its own
TracerProvider (its `service.name`), producers open PRODUCER spans with the
messaging semantic-convention attributes and inject the trace context into the
message headers with the SDK's propagator, consumers extract it and open CONSUMER
spans, and the official OTLP JSON file exporter writes the export (JSON lines,
as the Collector's file exporter does).

The flows mirror fixtures/shop, with three differences planted on purpose
(`PLANTED`): a consumer the code lacks, an edge the code has that never runs, and
a hop whose consumer does not extract the context.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry import propagate
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

PLANTED = {
    # runtime only: a service of another repository reads orders.placed
    "extra_consumer": ("orders.placed", "analytics"),
    # code only: payments never publishes payments.failed in this window
    "omitted": ("payments.failed", "notifications"),
    # broken propagation: notifications does not extract the context of shipments
    "broken": ("shipping", "notifications"),
}


@dataclass
class Message:
    value: dict[str, Any]
    headers: dict[str, str]
    routing_key: str = ""


@dataclass
class Subscriber:
    service: str
    group: str
    handler: Callable[[Message], None]
    extract: bool = True


@dataclass
class Broker:
    """Topics (Kafka) and exchanges with routing keys (RabbitMQ), delivering synchronously, in order."""

    tracers: dict[str, Tracer]
    subscribers: dict[tuple[str, str], list[Subscriber]] = field(default_factory=dict)
    queue: list[tuple[str, str, str, Message]] = field(default_factory=list)

    def subscribe(self, system: str, destination: str, subscriber: Subscriber) -> None:
        self.subscribers.setdefault((system, destination), []).append(subscriber)

    def publish(self, service: str, system: str, destination: str, value: dict[str, Any], key: str = "", routing_key: str = "") -> None:
        attributes: dict[str, Any] = {
            "messaging.system": system,
            "messaging.destination.name": destination,
            "messaging.operation.type": "send",
            "messaging.operation.name": "send" if system == "kafka" else "publish",
        }
        if key:
            attributes["messaging.kafka.message.key"] = key
        if routing_key:
            attributes["messaging.rabbitmq.destination.routing_key"] = routing_key
        with self.tracers[service].start_as_current_span(f"send {destination}", kind=SpanKind.PRODUCER, attributes=attributes):
            headers: dict[str, str] = {}
            propagate.inject(headers)
            self.queue.append((system, destination, routing_key, Message(value, headers, routing_key)))

    def drain(self) -> None:
        while self.queue:
            system, destination, routing_key, message = self.queue.pop(0)
            for subscriber in self.subscribers.get((system, destination), ()):
                context = propagate.extract(message.headers) if subscriber.extract else None
                attributes: dict[str, Any] = {
                    "messaging.system": system,
                    "messaging.destination.name": destination,
                    "messaging.operation.type": "process",
                    "messaging.consumer.group.name": subscriber.group,
                }
                if routing_key:
                    attributes["messaging.rabbitmq.destination.routing_key"] = routing_key
                tracer = self.tracers[subscriber.service]
                with tracer.start_as_current_span(f"process {destination}", context=context, kind=SpanKind.CONSUMER, attributes=attributes) as span:
                    try:
                        subscriber.handler(message)
                    except ValueError as exc:
                        span.set_status(Status(StatusCode.ERROR, str(exc)))


SERVICES = ("orders", "payments", "inventory", "shipping", "notifications", "refunds", "analytics")


def run(path: Path, orders: int = 20, plant: bool = True) -> list[ReadableSpan]:
    """Run the shop for `orders` orders, write the OTLP JSON export to `path`, and return the spans the SDK recorded."""
    memory = InMemorySpanExporter()
    exporter = FileSpanExporter(path)
    providers = {}
    for name in SERVICES:
        provider = TracerProvider(resource=Resource.create({"service.name": name, "service.namespace": "shop"}))
        provider.add_span_processor(SimpleSpanProcessor(memory))
        providers[name] = provider
    broker = Broker({name: p.get_tracer("shop.messaging") for name, p in providers.items()})
    counter = itertools.count(1)
    exported = 0

    def payments_on_placed(m: Message) -> None:
        order = m.value["order_id"]
        if not plant and order % 5 == 0:
            broker.publish("payments", "kafka", "payments.failed", {"order_id": order}, key=str(order))
            return
        broker.publish("payments", "kafka", "payments.completed", {"order_id": order}, key=str(order))

    def inventory_on_completed(m: Message) -> None:
        order = m.value["order_id"]
        broker.publish("inventory", "kafka", "inventory.reserved", {"order_id": order}, key=str(order))
        if order % 7 == 0:
            broker.publish("inventory", "kafka", "inventory.depleted", {"sku": "A-1"})

    def shipping_on_reserved(m: Message) -> None:
        order = m.value["order_id"]
        broker.publish("shipping", "rabbitmq", "shipping", {"order_id": order}, routing_key="shipment.dispatched")
        if order % 6 == 0:
            broker.publish("shipping", "kafka", "orders.cancelled", {"order_id": order}, key=str(order))

    def refunds_on_cancelled(m: Message) -> None:
        if m.value["order_id"] % 4 == 0:
            raise ValueError("refund declined")
        broker.publish("refunds", "kafka", "payments.refunded", {"order_id": m.value["order_id"]})

    def nothing(m: Message) -> None:
        del m

    kafka = [
        ("orders.placed", Subscriber("payments", "payments", payments_on_placed)),
        ("payments.completed", Subscriber("inventory", "inventory", inventory_on_completed)),
        ("inventory.reserved", Subscriber("payments", "payments-captures", nothing)),
        ("inventory.reserved", Subscriber("shipping", "shipping", shipping_on_reserved)),
        ("orders.cancelled", Subscriber("inventory", "inventory", nothing)),
        ("orders.cancelled", Subscriber("notifications", "notifications-cancellations", nothing)),
        ("orders.cancelled", Subscriber("refunds", "refunds", refunds_on_cancelled)),
        ("payments.failed", Subscriber("notifications", "notifications", nothing)),
    ]
    if plant:
        kafka.append(("orders.placed", Subscriber("analytics", "analytics", nothing)))
    for topic, subscriber in kafka:
        broker.subscribe("kafka", topic, subscriber)
    broken = plant  # notifications' consumer of shipments drops the headers
    broker.subscribe("rabbitmq", "shipping", Subscriber("notifications", "notifications.shipments", nothing, extract=not broken))

    for _ in range(orders):
        order = next(counter)
        broker.publish("orders", "kafka", "orders.placed", {"order_id": order}, key=str(order))
        if order % 3 == 0:
            broker.publish("orders", "kafka", "orders.cancelled", {"order_id": order}, key=str(order))
        broker.drain()
        finished = memory.get_finished_spans()
        exporter.export(finished[exported:])  # one batch, one JSON line, per order
        exported = len(finished)
    spans = list(memory.get_finished_spans())
    exporter.shutdown()
    for provider in providers.values():
        provider.shutdown()
    return spans


if __name__ == "__main__":  # pragma: no cover - `python tests/runtime_traffic.py out.jsonl`
    import sys

    run(Path(sys.argv[1]))
