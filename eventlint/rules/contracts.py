"""Rules of the contracts family (EDA2xx): code and catalog agree on events, owners, consumers and payloads."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eventlint import compat
from eventlint.catalog import EventSpec
from eventlint.facts import Diagnostic, FieldRead, Handler, Publication, Subscription
from eventlint.routes import channel_pattern, is_wrapper_call, wrapper_functions
from eventlint.rules.base import Example, Rule, RuleContext, Severity, matches
from eventlint.rules.handler_queries import dead_letter_sites, internal_sites
from eventlint.rules.schema_view import Mismatch, ObjectView, mismatches, nested_object, nested_read_problem, object_view

# Fields of the envelopes frameworks wrap events in (Lambda records, SNS/SQS bodies,
# EventBridge events, Kafka records, CloudEvents): reading them is not reading the event.
ENVELOPE_FIELDS = (
    "Records", "body", "Body", "Message", "MessageAttributes", "messageAttributes", "Sns",
    "detail", "detail-type", "source", "value", "key", "headers", "attributes",
    "data", "specversion", "datacontenttype", "receiptHandle", "ReceiptHandle", "messageId", "MessageId",
)

# the methods and attributes every generated Protobuf message class has besides its fields
PROTOBUF_MESSAGE_API = frozenset(
    "ByteSize Clear ClearExtension ClearField CopyFrom DESCRIPTOR DiscardUnknownFields Extensions FindInitializationErrors "
    "FromString HasExtension HasField IsInitialized ListFields MergeFrom MergeFromString ParseFromString SerializePartialToString "
    "SerializeToString SetInParent UnknownFields WhichOneof".split()
    # and a broker message's own accessors, when the handler holds the message rather than its value
    + "error key headers latency leader_epoch offset partition timestamp topic value".split()
)

CATALOG_HINT = "declare it under `events` in eventlint.yaml (owner, channel, schema, consumers)"


class Contracts:
    """Which catalogued events each publication and subscription carries.

    A publication carries the catalogued event of its name, or else the events the
    catalog places on its channel. A subscription consumes the catalogued event of
    its name, or else every catalogued event routed to it (its channel, a pattern,
    the exchanges and routing keys its queue is bound to), judged the way the flow
    rules judge publications reaching subscriptions.
    """

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.catalog = ctx.catalog
        self.flow = ctx.flow
        wrappers = wrapper_functions(ctx.facts.publishers)
        self.publications = [p for p in ctx.facts.publishers if not is_wrapper_call(p, wrappers)]
        self.subscriptions = list(ctx.facts.subscribers)

    @property
    def active(self) -> bool:
        """A catalog exists: without one, nothing is judged against it."""
        return bool(self.catalog.events)

    def published(self, publication: Publication) -> list[EventSpec]:
        spec = self.flow.identity.declared(publication)
        if spec is not None:
            return [spec]
        return self.catalog.for_channel(publication.channel)

    def consumed(self, subscription: Subscription) -> list[EventSpec]:
        spec = self.flow.identity.declared(subscription)
        if spec is not None:
            return [spec]
        found: dict[str, EventSpec] = {}
        for spec, as_sent in self._declared_publications:
            if spec.name not in found and self.flow.reaches(as_sent, subscription):
                found[spec.name] = spec
        if found:
            return list(found.values())
        # what the code publishes to it, when that resolves to catalog events under another name (an alias, a class)
        sent = {spec.name: spec for spec, p in self._declared_in_code if self.flow.reaches(p, subscription)}
        return [sent[name] for name in sorted(sent)]

    def judged_publication(self, publication: Publication) -> bool:
        return bool(publication.event or publication.channel)

    def judged_subscription(self, subscription: Subscription) -> bool:
        """A subscription whose events can be told: not a pattern, a dead-letter queue or a broker-side route."""
        if not (subscription.event or subscription.channel):
            return False
        if subscription.channel and channel_pattern(subscription.channel) is not None:
            return False
        return not (self.flow.unbound_routed(subscription) or self.flow.fed_by_dead_letters(subscription))

    def declared_at(self, spec: EventSpec) -> tuple[str, int, int]:
        """Where an event is declared, relative to the project root when inside it."""
        root = os.path.abspath(self.ctx.facts.root)
        source = os.path.abspath(spec.source)
        path = os.path.relpath(source, root) if source.startswith(root + os.sep) else spec.source
        return path.replace(os.sep, "/"), spec.line, 1

    def consumers_by_event(self) -> dict[str, set[str]]:
        """The services whose code consumes each catalogued event."""
        found: dict[str, set[str]] = {}
        for s in self.subscriptions:
            if s.service is not None:
                for spec in self.consumed(s):
                    found.setdefault(spec.name, set()).add(s.service)
        return found

    def services(self) -> set[str]:
        return {s.name for s in self.ctx.facts.services}

    @cached_property
    def _declared_in_code(self) -> list[tuple[EventSpec, Publication]]:
        """One publication per distinct (catalog event, channel, template, framework) among those the catalog declares."""
        seen: dict[tuple, tuple[EventSpec, Publication]] = {}
        for p in self.publications:
            spec = self.flow.identity.declared(p)
            if spec is not None:
                seen.setdefault((spec.name, p.event, p.channel, p.channel_expr, p.framework), (spec, p))
        return [seen[key] for key in sorted(seen, key=lambda k: tuple("" if v is None else v for v in k))]

    @cached_property
    def _declared_publications(self) -> list[tuple[EventSpec, Publication]]:
        """Each catalogued event, and a publication of it on each channel the catalog declares (made once: routing remembers records)."""
        return [
            (spec, self._as_publication(spec, channel))
            for spec in sorted(self.catalog.events.values(), key=lambda s: s.name)
            for channel in spec.channels or (None,)
        ]

    def _as_publication(self, spec: EventSpec, channel: str | None) -> Publication:
        return Publication(spec.name, channel, "catalog", spec.owner, spec.source, spec.line, 1, None)


def _contracts(ctx: RuleContext) -> Contracts:
    cached = ctx.__dict__.get("_contracts")
    if cached is None:
        cached = Contracts(ctx)
        ctx.__dict__["_contracts"] = cached
    return cached


def _names(items: Iterable[str]) -> str:
    return ", ".join(f"`{i}`" for i in items)


# -- EDA201 ----------------------------------------------------------------------------------


class UndeclaredEvent(Rule):
    """Checks for events in the code that the catalog does not know.

    ## What it does
    When the project has an event catalog (the `events` key of eventlint.yaml, or
    an AsyncAPI document named by `catalog`), finds publications and
    subscriptions whose event is not declared there: neither its name nor its
    channel is in the catalog, and it is not listed under `external`.

    Subscriptions whose events cannot be told are not judged: a pattern
    subscription, a dead-letter queue, a Google Pub/Sub subscription whose topic
    is attached outside the code. Nor is a service's own work queue: a Celery
    task (kind `task`) sent and run inside one service is an implementation
    detail, not an event of the catalog (`internal_kinds`); a task sent to
    another service's worker is still judged.

    ## Why is this bad?
    The catalog is where a team learns which events exist, who owns them and
    what they carry. An event that appears only in code is a contract nobody
    reviewed: its schema, owner and consumers are unknown, and it drifts.

    ## How to fix it
    Declare the event under `events` with its owner, channel and schema, or
    list it under `external.published` / `external.consumed` when it belongs to
    another repository.
    """

    code = "EDA201"
    name = "undeclared-event"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - internal_kinds: kinds of message that are not catalog events when every publication and subscription of the name is in one service (`task`: a service's own Celery tasks); an empty list judges them too
        """

        internal_kinds: tuple[str, ...] = ("task",)

    invalid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)

            def give_coupon(order):
                producer.send("marketing.coupons", value=order.to_json(), key=order.id)  # expect: EDA201
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed, key: order_id}
            """,
        ),
        Example(
            """
            import pika

            channel = pika.BlockingConnection().channel()

            def on_refund(ch, method, properties, body):
                ch.basic_ack(method.delivery_tag)

            channel.basic_consume(queue="refunds.requested", on_message_callback=on_refund)  # expect: EDA201
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed}
            """,
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)

            def book(order):
                producer.send("ledger.entries", value=order.to_json(), key=order.id)
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed}
            external:
              published: [ledger.*]
            """,
        ),
        Example(
            # no catalog: nothing to judge against
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        if not contracts.active:
            return
        catalog = contracts.catalog
        # a consumer's dead-letter path carries the original messages, not an event of its own
        dead_letters = dead_letter_sites(ctx.facts.handlers, ctx.publications_of, ctx.facts.publishers)
        internal = internal_sites(ctx.facts.publishers, ctx.facts.subscribers, self.options.internal_kinds)
        for p in contracts.publications:
            if (p.path, p.line, p.column) in dead_letters | internal:
                continue
            if contracts.judged_publication(p) and not contracts.published(p):
                if not catalog.published_elsewhere(p.event, p.channel) and not catalog.consumed_elsewhere(p.event, p.channel):
                    yield self.finding(p, f"{_what(p)} is published but not declared in the event catalog", hint=CATALOG_HINT)
        for s in contracts.subscriptions:
            if (s.path, s.line, s.column) in internal:
                continue
            if contracts.judged_subscription(s) and not contracts.consumed(s):
                if not catalog.published_elsewhere(s.event, s.channel):
                    yield self.finding(s, f"{_what(s)} is consumed but not declared in the event catalog", hint=CATALOG_HINT)


def _what(record: Publication | Subscription) -> str:
    if record.event and record.channel and record.event != record.channel:
        return f"`{record.event}` on `{record.channel}`"
    return f"`{record.event or record.channel}`"


# -- EDA202 ----------------------------------------------------------------------------------


class EventWithoutSchema(Rule):
    """Checks for catalogued events that have no schema.

    ## What it does
    Finds events declared in the catalog without a `schema` (a JSON Schema file,
    or a folder of versions) and, for events read from AsyncAPI, without a
    message payload. The finding is at the event's declaration.

    ## Why is this bad?
    Without a schema the contract is whatever the producer sends today.
    Consumers guess field names and types, and nothing can tell a compatible
    change from a breaking one; EDA203, EDA204 and EDA208 have nothing to check.

    ## How to fix it
    Write the event's JSON Schema (draft 2020-12 or draft-07) and name it:
    `events.OrderPlaced.schema: schemas/order_placed/` with `v1.json` inside.
    """

    code = "EDA202"
    name = "event-without-schema"
    severity = Severity.WARNING

    invalid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed}  # expect: EDA202
            """,
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.json}
            """,
            files={"schemas/order_placed.json": '{"type": "object", "properties": {"order_id": {"type": "string"}}}'},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        for spec in sorted(ctx.catalog.events.values(), key=lambda s: s.name):
            if not spec.has_schema:
                yield self.finding(
                    contracts.declared_at(spec),
                    f"event `{spec.name}` has no schema",
                    hint=f"write its JSON Schema and name it in `events.{spec.name}.schema`",
                    event=spec.name,
                    service=spec.owner,
                )


# -- EDA203 ----------------------------------------------------------------------------------


class PayloadSchemaMismatch(Rule):
    """Checks for published payloads that do not match the event's schema.

    ## What it does
    For a publication of a catalogued event whose payload is written in the code
    (a dict literal, `dict(...)`, a constructor call, or a name bound to one of
    them, keys stored before the send included), compares its top-level fields
    with the latest version of the event's schema (JSON Schema, Avro record or
    Protobuf message: see docs/compatibility.md for how each reads) and reports:
    - a required field the payload does not set (only when every field of the
      payload is known: no `**spread`, no computed key, no `.update(...)`, not a
      class whose defaults are serialised too);
    - a field a closed schema (`additionalProperties: false`, an Avro record, a
      Protobuf message) does not allow;
    - a literal value whose JSON type the schema does not accept for that field
      (`integer` is accepted where `number` is).

    ## Why is this bad?
    A producer that drifts from the schema breaks every consumer at run time,
    far from the change that caused it: a missing `currency`, a `total` sent as
    a string. The schema is the contract; the code should keep it.

    ## How to fix it
    Send what the schema says, or change the schema first (a new version,
    checked for compatibility by EDA208 and `eventlint schema check`).

    Nested dict literals (and lists of them) are compared the same way with the
    nested object, array items, Avro record or Protobuf message the schema declares
    there (`order.lines[].sku`); `$ref`s are followed, into other schema files too.

    ## Limitations
    Values that are not literals are not judged (their type is not known), nor
    a nested part whose declared schema is a choice (`anyOf`/`oneOf` other than
    "X or null"). A model class built at the site is EDA210's.
    """

    code = "EDA203"
    name = "payload-schema-mismatch"
    severity = Severity.ERROR

    _config = """
    events:
      OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.json}
    """
    _schema = {
        "schemas/order_placed.json": """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "properties": {
                "order_id": {"type": "string"},
                "total_cents": {"type": "integer"},
                "currency": {"type": "string"}
              },
              "required": ["order_id", "total_cents", "currency"],
              "additionalProperties": false
            }
        """
    }

    _avro_config = """
    events:
      OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.avsc}
    """
    _avro_schema = {
        "schemas/order_placed.avsc": """
            {
              "type": "record", "name": "OrderPlaced", "namespace": "shop.orders",
              "fields": [
                {"name": "order_id", "type": "string"},
                {"name": "total_cents", "type": "long"},
                {"name": "currency", "type": "string", "default": "EUR"},
                {"name": "coupon", "type": ["null", "string"], "default": null}
              ]
            }
        """
    }

    invalid = [
        Example(
            """
            import json
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                payload = {"order_id": order.id, "total_cents": order.total_cents}
                producer.send("orders.placed", json.dumps(payload).encode(), key=order.id)  # expect: EDA203
            """,
            config=_config,
            files=_schema,
        ),
        Example(
            """
            import json
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send(  # expect: EDA203
                    "orders.placed",
                    json.dumps({"order_id": order.id, "total_cents": "1999", "currency": "EUR", "coupon": None}).encode(),
                    key=order.id,
                )
            """,
            config=_config,
            files=_schema,
        ),
        Example(
            """
            from confluent_kafka import SerializingProducer
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.avro import AvroSerializer

            registry = SchemaRegistryClient({"url": "http://registry:8081"})
            with open("schemas/order_placed.avsc") as f:
                serializer = AvroSerializer(registry, f.read())
            producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": serializer})

            def place_order(order):
                producer.produce("orders.placed", value={"order_id": order.id, "total_cents": 19.99, "note": "gift"})  # expect: EDA203
            """,
            config=_avro_config,
            files=_avro_schema,
        ),
        Example(
            """
            import json
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def ship(order):
                payload = {"order_id": order.id, "address": {"street": order.street, "zip": 10115}}
                producer.send("orders.shipped", json.dumps(payload).encode())  # expect: EDA203
            """,
            config="""
            events:
              OrderShipped: {owner: app, channel: orders.shipped, schema: schemas/order_shipped.json}
            """,
            files={
                "schemas/order_shipped.json": """
                    {
                      "$schema": "https://json-schema.org/draft/2020-12/schema",
                      "type": "object",
                      "properties": {
                        "order_id": {"type": "string"},
                        "address": {"$ref": "#/$defs/address"}
                      },
                      "required": ["order_id", "address"],
                      "$defs": {
                        "address": {
                          "type": "object",
                          "properties": {"street": {"type": "string"}, "zip": {"type": "string"}, "city": {"type": "string"}},
                          "required": ["street", "zip", "city"]
                        }
                      }
                    }
                """,
            },
        ),
    ]
    valid = [
        Example(
            """
            import json
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                payload = {"order_id": order.id, "total_cents": 1999}
                payload["currency"] = "EUR"
                producer.send("orders.placed", json.dumps(payload).encode(), key=order.id)

            def replay(order, extra):
                producer.send("orders.placed", json.dumps({"order_id": order.id, **extra}).encode(), key=order.id)
            """,
            config=_config,
            files=_schema,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        for p in contracts.publications:
            if p.payload_fields is None:
                continue
            for spec in contracts.published(p):
                view = ctx.schemas.latest_view(spec)
                if view is None:
                    continue
                problems = _payload_problems(p, view)
                problems += [m.text for m in _sent_mismatches(p, spec, ctx) if m.model is None and m.depth > 0]
                if problems:
                    yield self.finding(
                        p,
                        f"payload of `{spec.name}` does not match its schema: " + "; ".join(problems),
                        hint="send what the schema says, or publish a new schema version first",
                        event=spec.name,
                    )


def _payload_problems(p: Publication, view: ObjectView) -> list[str]:
    fields = p.payload_fields or ()
    problems: list[str] = []
    if not p.payload_partial:
        missing = [f for f in view.required if f not in fields]
        if missing:
            problems.append(f"misses required {_names(missing)}")
    if view.closed:
        extra = [f for f in fields if not view.defines(f)]
        if extra:
            problems.append(f"sets {_names(extra)}, which the closed schema does not allow")
    for field, literal in p.payload_types:
        accepted = view.types_of(field)
        if accepted and not _accepts(accepted, literal):
            problems.append(f"`{field}` is {_article(literal)} {literal}, the schema says {' or '.join(sorted(accepted))}")
    return problems


def _sent_mismatches(p: Publication, spec: EventSpec, ctx: RuleContext) -> list[Mismatch]:
    """Where the publication's inferred payload schema breaks the event's newest schema (nested parts included)."""
    if p.payload_schema is None or p.payload_format is not None:
        return []  # a serializer's schema is judged as a schema version (EDA210), not as a payload
    document = ctx.schemas.latest_document(spec)
    if document is None:
        return []
    return mismatches(json.loads(p.payload_schema), document, document)


def _accepts(accepted: frozenset[str], literal: str) -> bool:
    return literal in accepted or (literal == "integer" and "number" in accepted)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


# -- EDA204 ----------------------------------------------------------------------------------


class ConsumerReadsUnknownField(Rule):
    """Checks for handlers that read fields the event's schema does not define, or optional fields unsafely.

    ## What it does
    For a handler that consumes one catalogued event with a schema (JSON Schema,
    Avro or Protobuf), looks at the message fields it reads (`event["x"]`,
    `event.get("x")`, also in the functions it calls) and reports:
    - a field the latest schema does not define;
    - an optional field (not `required`, no `default`; for Avro, a field without
      a default that may be null) read with `event["x"]`, which raises
      `KeyError` on every message that leaves it out; not when the same
      function reads it with `.get("x")` on an earlier line, the usual guard
      (`if event.get("x"): refund(event["x"])`).

    Nested reads (`event["order"]["id"]`, `event.get("order", {}).get("id")`,
    `event["order"].get("id")`) are judged the same way against the nested
    object, Avro record or Protobuf message the schema declares there (`$ref`s
    followed; a part declared as a choice, a map or a free-form object is not
    judged); a `.get()` chain only for the names it reads.

    A consumer whose `value.deserializer` is an `AvroDeserializer(registry,
    schema_str)` gets every message resolved into that reader schema (exactly
    its fields, defaults filled in), so its handler's reads are judged against
    the reader schema instead of the catalog's; a reader schema that cannot
    read the event's newest Avro schema (Avro's resolution rules) is reported
    at the subscription, as it fails on every message.

    Fields of the envelopes frameworks wrap events in (`Records`, `body`,
    `detail`, `value`, ... see `envelope_fields`) are not judged. Attribute reads
    (`event.total`, `event.customer.id`) are judged against a Protobuf schema,
    whose generated class has exactly the message's fields as attributes
    (reading another raises `AttributeError`): the message of the class the
    consumer's `ProtobufDeserializer(orders_pb2.OrderPlaced, ...)` is given
    (a message the catalogued `.proto` does not define is reported at the
    subscription), else the file's first message; and in a handler whose message
    parameter is annotated with a model class (FastStream's `async def
    on_order(order: OrderPlaced)` decodes the message into it: a pydantic model,
    dataclass, attrs class or msgspec Struct), for the names they read; other
    attribute reads are left alone. Such a handler fails on every message its
    model rejects, so a model field without a default is reported when the
    schema does not define it, or leaves it optional without a default; the
    same for the fields of its nested models (a field typed `Customer`,
    `list[Line]` or `Customer | None`), against the object, Avro record or
    Protobuf message the schema declares at that place (a choice, a map or a
    free-form object there is not judged).

    ## Why is this bad?
    A consumer reading a field nobody promised to send works until the producer
    changes, then fails on every message; an optional field read as required
    fails on the first message without it.

    ## How to fix it
    Add the field to the schema (and have the owner send it), read optional
    fields with `.get("x", default)`, or give them a `default` in the schema.
    """

    code = "EDA204"
    name = "consumer-reads-unknown-field"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - envelope_fields: field names of message envelopes, never judged against the event's schema
        """

        envelope_fields: tuple[str, ...] = ENVELOPE_FIELDS

    _config = PayloadSchemaMismatch._config
    _schema = {
        "schemas/order_placed.json": """
            {
              "type": "object",
              "properties": {
                "order_id": {"type": "string"},
                "total_cents": {"type": "integer"},
                "coupon": {"type": ["string", "null"]},
                "currency": {"type": "string", "default": "EUR"}
              },
              "required": ["order_id", "total_cents"]
            }
        """
    }

    invalid = [
        Example(
            """
            from confluent_kafka import DeserializingConsumer
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.avro import AvroDeserializer

            registry = SchemaRegistryClient({"url": "http://registry:8081"})
            consumer = DeserializingConsumer({
                "bootstrap.servers": "kafka:9092",
                "group.id": "billing",
                "value.deserializer": AvroDeserializer(registry),
            })
            consumer.subscribe(["orders.placed"])

            def bill(order):
                charge(order["order_id"], order["total_cents"], order["currency"])
                redeem(order["coupon_code"])  # expect: EDA204

            while True:
                message = consumer.poll(1.0)
                if message is not None:
                    bill(message.value())
            """,
            config=PayloadSchemaMismatch._avro_config,
            files=PayloadSchemaMismatch._avro_schema,
        ),
        Example(
            """
            from confluent_kafka import DeserializingConsumer
            from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer

            from app.gen import payment_pb2

            consumer = DeserializingConsumer({
                "bootstrap.servers": "kafka:9092",
                "group.id": "orders",
                "value.deserializer": ProtobufDeserializer(payment_pb2.PaymentCaptured, {"use.deprecated.format": False}),
            })
            consumer.subscribe(["payments.captured"])

            def on_payment(payment):
                mark_paid(payment.order_id, payment.provider_ref)  # expect: EDA204

            while True:
                message = consumer.poll(1.0)
                if message is not None:
                    on_payment(message.value())
            """,
            config="""
            events:
              PaymentCaptured: {owner: billing, channel: payments.captured, schema: schemas/payment_captured.proto}
            """,
            files={
                "schemas/payment_captured.proto": """
                    syntax = "proto3";
                    package shop.billing.v1;

                    message PaymentCaptured {
                      string order_id = 1;
                      reserved 2;
                      reserved "provider_ref";
                      string provider_reference = 3;
                    }
                """,
            },
        ),
        Example(
            """
            import json
            from kafka import KafkaConsumer

            consumer = KafkaConsumer("orders.placed", group_id="billing")

            def bill(order):
                charge(order["order_id"], order["amount"])  # expect: EDA204
                if order["coupon"]:  # expect: EDA204
                    redeem(order["coupon"])  # expect: EDA204

            for message in consumer:
                bill(json.loads(message.value))
            """,
            config=_config,
            files=_schema,
        ),
        Example(
            """
            from confluent_kafka import DeserializingConsumer
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.avro import AvroDeserializer

            registry = SchemaRegistryClient({"url": "http://registry:8081"})
            consumer = DeserializingConsumer({
                "bootstrap.servers": "kafka:9092",
                "group.id": "shipping",
                "value.deserializer": AvroDeserializer(registry),
            })
            consumer.subscribe(["orders.shipped"])

            def ship(order):
                label(order["address"]["street"], order["address"]["postcode"])  # expect: EDA204
                notify(order["billing"]["street"])

            while True:
                message = consumer.poll(1.0)
                if message is not None:
                    ship(message.value())
            """,
            config="""
            events:
              OrderShipped: {owner: app, channel: orders.shipped, schema: schemas/order_shipped.avsc}
            """,
            files={
                "schemas/order_shipped.avsc": """
                    {
                      "type": "record", "name": "OrderShipped", "namespace": "shop.orders",
                      "fields": [
                        {"name": "order_id", "type": "string"},
                        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
                          {"name": "street", "type": "string"},
                          {"name": "zip", "type": "string"}
                        ]}},
                        {"name": "billing", "type": "Address"}
                      ]
                    }
                """,
            },
        ),
    ]
    valid = [
        Example(
            """
            import json
            from kafka import KafkaConsumer

            consumer = KafkaConsumer("orders.placed", group_id="billing")

            def bill(order):
                charge(order["order_id"], order["total_cents"], order["currency"])
                if order.get("coupon"):
                    redeem(order.get("coupon"))

            for message in consumer:
                bill(json.loads(message.value))
            """,
            config=_config,
            files=_schema,
        ),
    ]

    def _decoded_model(self, handler: Handler, view: ObjectView, event: str, document: Any = None) -> Iterator[Diagnostic]:
        """A handler decoding into a model (FastStream) fails on every message the model rejects."""
        if handler.message_class is None or handler.message_schema is None:
            return
        for message in _model_problems(handler, view, event, document):
            yield self.finding(
                (handler.path, handler.line, handler.column), message, service=handler.service, event=event,
                hint="give the model field a default (or make it Optional with a default), or add it to the schema as required",
            )

    def _unreadable(self, contracts: Contracts, ctx: RuleContext) -> Iterator[Diagnostic]:
        """An Avro reader schema that cannot read the event's newest schema fails on every message (Avro's
        resolution rules: the reader is the new schema, the writer the old one, as BACKWARD judges it)."""
        for s in contracts.subscriptions:
            if s.payload_format != "avro" or s.payload_schema is None:
                continue
            try:
                reader = compat.text_schema("avro", s.payload_schema, s.path, label="the reader schema")
            except (compat.SchemaError, ValueError):
                continue
            for spec in contracts.consumed(s):
                latest = ctx.schemas.latest(spec)
                if latest is None or latest.format != "avro":
                    continue
                try:
                    problems = [c for c in compat.compare(latest, reader) if c.breaks_backward]
                except compat.SchemaError:
                    continue
                if problems:
                    first = problems[0]
                    yield self.finding(
                        s,
                        f"decodes `{spec.name}` with an Avro reader schema that cannot read its schema ({latest.label}): "
                        f"{first.path or '/'}: {first.description}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                        service=s.service, event=spec.name,
                        hint="give the reader's new fields a default, or read with the catalogued schema",
                    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        consumed: dict[str, set[str]] = {}
        for s in contracts.subscriptions:
            if s.handler:
                consumed.setdefault(s.handler, set()).update(spec.name for spec in contracts.consumed(s))
        decoded: dict[str, dict[str, list[Subscription]]] = {}  # handler → Protobuf message its deserializer decodes into → where
        for s in contracts.subscriptions:
            reference = _reference(s.payload_schema) if s.handler and s.payload_format == "protobuf" else None
            if s.handler and reference is not None:
                decoded.setdefault(s.handler, {}).setdefault(reference[1], []).append(s)
        # handler → (format, reader schema) its deserializer decodes with. Only Avro's reshapes the message (schema
        # resolution: the dict has the reader's fields); `JSONDeserializer(schema_str)` validates and hands the
        # writer's message on as it is, so its reads stay judged against the catalog
        readers: dict[str, dict[tuple[str, str], Subscription]] = {}
        for s in contracts.subscriptions:
            if s.handler and s.payload_format == "avro" and s.payload_schema is not None:
                readers.setdefault(s.handler, {}).setdefault((s.payload_format, s.payload_schema), s)
        seen: set[tuple[str, int, int, str]] = set()
        yield from self._unreadable(contracts, ctx)
        for handler in ctx.facts.handlers:
            names = consumed.get(handler.name, set())
            if len(names) != 1:
                continue
            spec = ctx.catalog.events[next(iter(names))]
            view = ctx.schemas.latest_view(spec)
            if view is None or not view.properties:
                continue
            attributes = ctx.schemas.latest_attributes(spec)
            messages = decoded.get(handler.name, {})
            latest = ctx.schemas.latest(spec)
            if len(messages) == 1 and latest is not None and latest.format == "protobuf":
                # `ProtobufDeserializer(orders_pb2.OrderPlaced, ...)`: reads are the attributes of that message's class
                message, where = next(iter(messages.items()))
                found = compat.message_view(latest, message)
                if found is None:
                    for s in where:
                        key = (s.path, s.line, s.column, f"<decodes {message}>")
                        if key not in seen:
                            seen.add(key)
                            yield self.finding(
                                s,
                                f"decodes `{spec.name}` into Protobuf message `{message}`, which its catalogued schema "
                                f"({latest.label}) does not define"
                                + (f" (its message is `{compat.first_message(latest)}`)" if compat.first_message(latest) else ""),
                                service=s.service, event=spec.name,
                                hint="deserialize with the class generated from the catalogued message, or change the catalog",
                            )
                    continue
                attributes, document = found
                view = object_view(document, document)
            else:
                document = ctx.schemas.latest_document(spec)
            suffix = ""
            reader = _reader_view(readers.get(handler.name, {}))
            if reader is not None:
                # `AvroDeserializer(registry, schema_str)` resolves every message into its reader schema: the dict has
                # exactly the reader's fields (a default fills one the writer lacks), whatever the writer sent
                view, document, suffix = reader
                attributes = None
            yield from self._decoded_model(handler, view, spec.name, document)
            for read in handler.reads:
                if matches(read.field, self.options.envelope_fields):
                    continue
                if read.subfields:
                    if read.access == "attr" and handler.message_class is None and attributes is None:
                        continue  # attributes of an object that is not the decoded message (a broker record's own)
                    key = (read.path, read.line, read.column, ".".join((read.field, *read.subfields)))
                    # only `event["a"]["b"]` raises KeyError; `.get()` chains and model attributes are judged for names only
                    optional = read.access == "item"
                    message = None
                    if key not in seen:
                        # the top level of `event["a"]["b"]` and `event.get("a", {}).get("b")` is a read of its own
                        # (the inner subscript or call); an attribute chain is one read, so its top level is judged here
                        if read.access == "attr" and not view.defines(read.field):
                            message = f"reads `{read.field}`, which the `{spec.name}` schema does not define"
                        message = message or nested_read_problem(read, view, spec.name, optional)
                    if message:
                        seen.add(key)
                        yield self.finding(
                            (read.path, read.line, read.column), message + suffix, service=handler.service, event=spec.name,
                            hint="read a field the schema defines, or read an optional one with `.get()`",
                        )
                    continue
                key = (read.path, read.line, read.column, read.field)
                if key in seen or matches(read.field, self.options.envelope_fields):
                    continue
                if read.access == "attr" and handler.message_class is not None and attributes is None:
                    # decoded into a model class (FastStream's `async def h(order: OrderPlaced)`): its attributes are the message's fields
                    if view.defines(read.field) or read.field.startswith(("_", "model_")):
                        continue
                    seen.add(key)
                    model = handler.message_class.rsplit(".", 1)[-1]
                    yield self.finding(
                        (read.path, read.line, read.column),
                        f"reads `.{read.field}` of `{model}`, which the `{spec.name}` schema does not define",
                        service=handler.service, event=spec.name,
                        hint=f"add `{read.field}` to the schema (a new version), or stop reading it",
                    )
                    continue
                if read.access == "attr":
                    # a generated Protobuf class has exactly its fields as attributes; other models decide their own
                    if attributes is None or read.field in attributes or read.field in PROTOBUF_MESSAGE_API:
                        continue
                    seen.add(key)
                    yield self.finding(
                        (read.path, read.line, read.column),
                        f"reads `.{read.field}`, which the `{spec.name}` Protobuf message does not define",
                        service=handler.service, event=spec.name,
                        hint=f"read a field the message defines, or add `{read.field}` to the .proto (a renamed field keeps its number)",
                    )
                    continue
                message = _read_problem(read, view, spec.name)
                if message and read.access == "item" and view.defines(read.field) and _checked_before(read, handler.reads):
                    message = None  # `if event.get("x"): ... event["x"]`: read only once known to be there
                if message:
                    seen.add(key)
                    yield self.finding(
                        (read.path, read.line, read.column), message + suffix, service=handler.service, event=spec.name,
                        hint=f"add `{read.field}` to the schema, or read it with `.get()`",
                    )


def _reader_view(found: Mapping[tuple[str, str], Subscription]) -> tuple[ObjectView, Any, str] | None:
    """(view, document, note) of the one reader schema a handler's consumers decode values with, None when there is
    none, several, or it does not load (the catalog's schema is judged then)."""
    if len(found) != 1:
        return None
    (fmt, text), where = next(iter(found.items()))
    try:
        document = compat.json_view(compat.text_schema(fmt, text, where.path, label="(reader)"))
    except (compat.SchemaError, ValueError):
        return None
    if not isinstance(document, Mapping):
        return None
    view = object_view(document, document)
    if not view.properties:
        return None
    return view, document, f" (decoded with the consumer's Avro reader schema, {where.path}:{where.line})"


def _model_problems(handler: Handler, view: ObjectView, event: str, document: Any = None) -> list[str]:
    """What the model a handler decodes into requires that the event's schema does not promise."""
    try:
        schema = json.loads(handler.message_schema)
    except (TypeError, ValueError):
        return []
    problems: list[str] = []
    if isinstance(schema, dict):
        root = document if isinstance(document, dict) else {}
        _judge_model(schema, view, event, str(handler.message_class).rsplit(".", 1)[-1], "", problems, 0, root)
    return problems


def _judge_model(
    schema: dict, view: ObjectView, event: str, model: str, path: str, problems: list[str], depth: int, document: dict
) -> None:
    """A model's required fields against the object the schema declares at `path`; then its nested models, inside out."""
    at = f" at `{path}`" if path else ""
    for name in schema.get("required", []):
        if not isinstance(name, str):
            continue
        if not view.defines(name):
            problems.append(f"`{model}`{at} requires `{name}`, which the `{event}` schema does not define: every message fails validation")
        elif name not in view.required and not view.has_default(name):
            problems.append(f"`{model}`{at} requires `{name}`, optional in the `{event}` schema: messages without it fail validation")
    if depth >= 8:
        return
    for name, prop in (schema.get("properties") or {}).items():
        declared = view.properties.get(name)
        where = f"{path}.{name}" if path else name
        inner_model, inner_declared = _model_part(prop), nested_object(declared, document=document)
        if inner_model is None and isinstance(prop, dict):
            items = _model_part(prop.get("items")) if _model_kind(prop) == "array" else None
            declared_items = nested_object(declared, items=True, document=document)
            if items is not None and declared_items is not None:
                inner_model, inner_declared, where = items, declared_items, f"{where}[]"
        if inner_model is None or inner_declared is None:
            continue  # not a model, or a part of the schema that is not plainly one object (a choice, a map, a $ref)
        nested = str(inner_model.get("x-python-class")).rsplit(".", 1)[-1]
        _judge_model(inner_model, inner_declared, event, nested, where, problems, depth + 1, document)


def _model_part(prop: Any) -> dict | None:
    """The nested model a field holds (`Customer`, `Customer | None`), else None."""
    if isinstance(prop, dict) and isinstance(prop.get("anyOf"), list):
        branches = [b for b in prop["anyOf"] if b != {"type": "null"}]
        prop = branches[0] if len(branches) == 1 else None
    return prop if isinstance(prop, dict) and isinstance(prop.get("x-python-class"), str) and "properties" in prop else None


def _model_kind(prop: dict) -> str | None:
    kind = prop.get("type")
    return kind if isinstance(kind, str) else None


def _checked_before(read: FieldRead, reads: Iterable[FieldRead]) -> bool:
    """The same function reads the field with `.get()` on an earlier line: the item read is guarded by it."""
    return any(
        r.access == "get" and r.field == read.field and r.function == read.function and r.path == read.path and r.line < read.line
        for r in reads
    )


def _read_problem(read: FieldRead, view: ObjectView, event: str) -> str | None:
    if not view.defines(read.field):
        return f"reads `{read.field}`, which the `{event}` schema does not define"
    if read.access == "item" and read.field not in view.required and not view.has_default(read.field):
        return f"reads optional `{read.field}` of `{event}` as required: messages without it raise KeyError"
    return None


# -- EDA205 / EDA206 -------------------------------------------------------------------------


class UndocumentedConsumer(Rule):
    """Checks for services that consume an event without being listed among its consumers.

    ## What it does
    For each subscription to a catalogued event, reports a service that is
    neither the event's owner nor listed in `events.<Event>.consumers`.

    ## Why is this bad?
    The consumers list is who the owner must ask before changing the event. A
    consumer missing from it is broken by a change nobody warned it about, and
    is invisible in the catalog and its diagrams.

    ## How to fix it
    Add the service to the event's `consumers`, or stop consuming the event.
    """

    code = "EDA205"
    name = "undocumented-consumer"
    severity = Severity.ERROR

    invalid = [
        Example(
            """
            from nameko.events import event_handler

            class MarketingService:
                name = "marketing"

                @event_handler("orders", "order_placed")  # expect: EDA205
                def send_coupon(self, payload):
                    pass
            """,
            config="""
            services:
              marketing: [app.py]
            events:
              order_placed: {owner: orders, channel: orders.order_placed, consumers: [payments]}
            """,
        ),
    ]
    valid = [
        Example(
            """
            from nameko.events import event_handler

            class MarketingService:
                name = "marketing"

                @event_handler("orders", "order_placed")
                def send_coupon(self, payload):
                    pass
            """,
            config="""
            services:
              marketing: [app.py]
            events:
              order_placed: {owner: orders, channel: orders.order_placed, consumers: [payments, marketing]}
            """,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        for s in contracts.subscriptions:
            if s.service is None:
                continue
            for spec in contracts.consumed(s):
                if s.service != spec.owner and s.service not in spec.consumers:
                    yield self.finding(
                        s,
                        f"service `{s.service}` consumes `{spec.name}` but is not among its documented consumers",
                        hint=f"add {s.service} to `events.{spec.name}.consumers`",
                        event=spec.name,
                    )


class StaleConsumerDoc(Rule):
    """Checks for documented consumers that no longer consume the event.

    ## What it does
    For each service listed in `events.<Event>.consumers`, reports it when the
    service has no subscription that receives the event, or when no service of
    that name exists in the project. A service with a subscription whose
    destination is not statically known is given the benefit of the doubt.

    ## Why is this bad?
    A stale consumers list makes owners negotiate with teams that no longer
    care, and hides the real impact of a change: the catalog says the event is
    used where it is not.

    ## How to fix it
    Remove the service from the event's `consumers`; when it consumes the event
    from another repository, list the event under `external.consumed` instead.
    """

    code = "EDA206"
    name = "stale-consumer-doc"
    severity = Severity.WARNING

    invalid = [
        Example(
            """
            from nameko.events import event_handler

            class PaymentsService:
                name = "payments"

                @event_handler("orders", "order_placed")
                def charge(self, payload):
                    pass
            """,
            config="""
            services:
              payments: [app.py]
            events:
              order_placed: {owner: orders, consumers: [payments, loyalty]}  # expect: EDA206
            """,
        ),
    ]
    valid = [
        Example(
            """
            from nameko.events import event_handler

            class PaymentsService:
                name = "payments"

                @event_handler("orders", "order_placed")
                def charge(self, payload):
                    pass
            """,
            config="""
            services:
              payments: [app.py]
            events:
              order_placed: {owner: orders, consumers: [payments]}
            """,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        services = contracts.services()
        consuming = contracts.consumers_by_event()
        unjudged = {s.service for s in contracts.subscriptions if s.service and not (s.event or s.channel)}
        for spec in sorted(ctx.catalog.events.values(), key=lambda e: e.name):
            for consumer in spec.consumers:
                if consumer not in services:
                    message = f"`{consumer}`, a documented consumer of `{spec.name}`, is not a service of this project"
                elif consumer in consuming.get(spec.name, set()) or consumer in unjudged:
                    continue
                else:
                    message = f"`{consumer}` is documented as consuming `{spec.name}` but does not subscribe to it"
                yield self.finding(
                    contracts.declared_at(spec),
                    message,
                    hint=f"remove it from `events.{spec.name}.consumers`, or list the event under `external.consumed`",
                    service=consumer,
                    event=spec.name,
                )


# -- EDA207 ----------------------------------------------------------------------------------


class ProducerNotOwner(Rule):
    """Checks for services that publish an event they do not own.

    ## What it does
    Reports a publication of a catalogued event from a service other than the
    event's `owner`.

    ## Why is this bad?
    An event has one owner, who decides its meaning, schema and versions. A
    second producer couples two services to one contract: neither can change it
    alone, and consumers cannot tell whose fact they are reading.

    ## How to fix it
    Publish your own event (and let the owner react to it), or move the
    publication into the owning service. When ownership truly moved, change
    `events.<Event>.owner`.
    """

    code = "EDA207"
    name = "producer-not-owner"
    severity = Severity.ERROR

    invalid = [
        Example(
            """
            import boto3

            sns = boto3.client("sns")

            def refund(payment):
                sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:order-cancelled", Message=payment.to_json())  # expect: EDA207
            """,
            config="""
            services:
              payments: [app.py]
            events:
              OrderCancelled: {owner: orders, channel: order-cancelled}
            """,
        ),
    ]
    valid = [
        Example(
            """
            import boto3

            sns = boto3.client("sns")

            def cancel(order):
                sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:order-cancelled", Message=order.to_json())
            """,
            config="""
            services:
              orders: [app.py]
            events:
              OrderCancelled: {owner: orders, channel: order-cancelled}
            """,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        for p in contracts.publications:
            if p.service is None:
                continue
            for spec in contracts.published(p):
                if spec.owner and p.service != spec.owner:
                    yield self.finding(
                        p,
                        f"service `{p.service}` publishes `{spec.name}`, which `{spec.owner}` owns",
                        hint=f"publish an event of your own, or move this into {spec.owner}",
                        event=spec.name,
                    )


# -- EDA208 ----------------------------------------------------------------------------------


class BreakingSchemaChange(Rule):
    """Checks for schema versions that break the event's declared compatibility.

    ## What it does
    For an event whose schema is a folder of versions (`v1.json`, `v2.json`,
    ...), compares each version with the one before it (with every earlier one
    for the `*_TRANSITIVE` modes) under the event's `compatibility` (else
    `contracts.compatibility`, else `BACKWARD`) and the open-content policy
    (`contracts.open-content`, default `strict`), and reports every version that
    breaks it, at the newer file, with the changes that break it and the
    services it would hurt: the documented consumers and those whose code
    consumes the event. The comparison follows Confluent Schema Registry's JSON
    Schema rules; docs/compatibility.md has the full table.

    `eventlint schema check --against REF` judges the same way a working tree
    against a git ref, for changes made to a version in place.

    ## Why is this bad?
    Producers and consumers upgrade at different times. Under BACKWARD,
    consumers on the new schema must still read events written with the old
    one (replays, retries, a topic's retained history); a newly required field
    or a narrowed type makes them fail on every old event.

    ## How to fix it
    Make the change compatible (a new field optional or with a `default`, a type
    widened rather than narrowed; under the default `strict` policy, close the
    object with `additionalProperties: false` so that adding an optional field
    is compatible), or publish a new event (`OrderPlacedV2`) on a
    new channel and migrate consumers to it, or, when every consumer has
    agreed, declare a weaker `compatibility` for the event.
    """

    code = "EDA208"
    name = "breaking-schema-change"
    severity = Severity.ERROR

    _config = """
    events:
      PaymentCompleted: {owner: app, channel: payments.completed, schema: schemas/payment_completed/}
    """
    _v1 = """
        type: object
        properties:
          order_id: {type: string}
          amount_cents: {type: integer}
        required: [order_id, amount_cents]
        additionalProperties: false
    """

    invalid = [
        Example(
            "",
            config=_config,
            files={
                "schemas/payment_completed/v1.yaml": _v1,
                "schemas/payment_completed/v2.yaml": """
                    # expect: EDA208
                    type: object
                    properties:
                      order_id: {type: string}
                      amount_cents: {type: integer}
                      currency: {type: string}
                    required: [order_id, amount_cents, currency]
                    additionalProperties: false
                """,
            },
        ),
    ]
    valid = [
        Example(
            "",
            config=_config,
            files={
                "schemas/payment_completed/v1.yaml": _v1,
                "schemas/payment_completed/v2.yaml": """
                    type: object
                    properties:
                      order_id: {type: string}
                      amount_cents: {type: integer}
                      currency: {type: string, default: EUR}
                    required: [order_id, amount_cents]
                    additionalProperties: false
                """,
            },
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        consumers = contracts.consumers_by_event()
        for spec in sorted(ctx.catalog.events.values(), key=lambda e: e.name):
            versions = ctx.schemas.versions(spec)
            if len(versions) < 2:
                continue
            mode, policy = compat.settings(ctx.config.raw.get("contracts"), spec.compatibility)
            files = dict(versions)
            hurt = sorted(set(spec.consumers) | consumers.get(spec.name, set()))
            for brk in compat.history(versions, mode, policy, compat.protobuf_level(ctx.config.raw.get("contracts"))):
                rule_ids = files[brk.newer].format == "protobuf"  # buf's rule id beside each change, as buf prints it
                changes = "; ".join(f"{c.description} ({c.kind})" if rule_ids else c.description for c in brk.changes[:3])
                more = f" (and {len(brk.changes) - 3} more)" if len(brk.changes) > 3 else ""
                who = f"; it would hurt {', '.join(hurt)}" if hurt else ""
                yield self.finding(
                    (_project_path(files[brk.newer].file, ctx), 1, 1),
                    f"`{spec.name}` {brk.newer} breaks {mode} compatibility with {brk.older}: {changes}{more}{who}",
                    hint="make the change compatible (optional fields, defaults, wider types), or publish a new event",
                    event=spec.name,
                    service=spec.owner,
                )


def _project_path(schema_file: str, ctx: RuleContext) -> str:
    """A schema file (relative to the configuration's root) as a path relative to the project root."""
    absolute = os.path.join(os.path.abspath(ctx.config.root), schema_file)
    root = os.path.abspath(ctx.facts.root)
    return os.path.relpath(absolute, root).replace(os.sep, "/") if absolute.startswith(root + os.sep) else schema_file


# -- EDA209 ----------------------------------------------------------------------------------


class DeprecatedEventUsed(Rule):
    """Checks for publications and subscriptions of events the catalog marks deprecated.

    ## What it does
    Reports every publication and subscription of an event whose catalog entry
    has `deprecated: true` or `deprecated: "<what to use instead>"`.

    ## Why is this bad?
    A deprecated event is on its way out: new producers and consumers extend its
    life and will break when it is removed.

    ## How to fix it
    Move to the replacement the deprecation names, then remove the old code.
    """

    code = "EDA209"
    name = "deprecated-event-used"
    severity = Severity.WARNING

    invalid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def pay(order):
                producer.send("payments.legacy", value=order.to_json(), key=order.id)  # expect: EDA209
            """,
            config="""
            events:
              PaymentMade: {owner: app, channel: payments.legacy, deprecated: "use PaymentCompleted on payments.completed"}
            """,
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def pay(order):
                producer.send("payments.completed", value=order.to_json(), key=order.id)
            """,
            config="""
            events:
              PaymentMade: {owner: app, channel: payments.legacy, deprecated: true}
              PaymentCompleted: {owner: app, channel: payments.completed}
            """,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        records: list[tuple[Publication | Subscription, list[EventSpec], str]] = [
            (p, contracts.published(p), "publishes") for p in contracts.publications
        ]
        records += [(s, contracts.consumed(s), "consumes") for s in contracts.subscriptions]
        for record, specs, verb in records:
            for spec in specs:
                if spec.deprecated:
                    instead = f": {spec.deprecated}" if isinstance(spec.deprecated, str) else ""
                    yield self.finding(record, f"{verb} deprecated event `{spec.name}`{instead}", event=spec.name)


# -- EDA210 ----------------------------------------------------------------------------------


class ModelSchemaDrift(Rule):
    """Checks for model classes the code sends whose fields no longer match the event's schema.

    ## What it does
    For a publication of a catalogued event whose payload is a model built at the
    site (a pydantic model, a dataclass, an attrs class, a msgspec Struct or a
    TypedDict: sent as it is, through `model_dump()`/`model_dump_json()`/`dict()`/
    `json()`, `dataclasses.asdict`/`attrs.asdict`, `msgspec.json.encode`/
    `msgspec.to_builtins`, also through `json.dumps`, a variable or a function that
    returns it), derives the schema the code really sends from the class itself (every
    field, with the defaults that are dumped too, its annotated type, optional
    fields, nested models and lists of them; the class is never imported) and
    compares it with the newest version of the event's schema (JSON Schema, Avro
    or Protobuf, nested records included). It reports:
    - a field the schema requires that the model does not have (dropped or
      renamed in the code);
    - a model field a closed schema (`additionalProperties: false`, an Avro
      record, a Protobuf message) does not define;
    - a field whose annotated type the schema does not accept: `float` where
      the schema says `integer`, `str | None` where it does not allow null
      (the model dumps `None`).

    A producer that writes with a schema-bound serializer sends that schema: a
    Schema Registry `AvroSerializer`/`JSONSerializer` (the `value.serializer` of a
    `SerializingProducer`, or called by hand before `produce`), fastavro's
    `schemaless_writer`/`writer` or avro's `DatumWriter`, with the schema written in
    the code (a string, a constant, a dict literal) or read from a project file
    (`open(...).read()`, `Path(...).read_text()`, `fastavro.schema.load_schema`),
    or a `ProtobufSerializer` given a generated class (`orders_pb2.OrderPlaced`): the
    project's `orders.proto` that defines the message (see docs/contracts.md for how
    the file is chosen), judged with buf's rules at `contracts.protobuf-level`; a
    message the catalogued `.proto` does not define is reported too. The key
    serializer (`key.serializer`, or one called with `MessageField.KEY` for
    `key=`) is judged the same way against the event's `key_schema`, when the
    catalog declares one; a key serializer's schema is never taken as the value's.
    That schema is judged as the registry judges a schema the serializer registers:
    a catalogued version is accepted; any other must pass the event's compatibility
    mode against the newest version (every version for a `*_TRANSITIVE` mode), with
    the same rules as `eventlint schema diff`. A serializer schema that does not
    load, or is in another format than the catalog's, is reported too.

    `eventlint schema infer` prints the schema the code sends, per publication.

    ## Why is this bad?
    The model (or the serializer's schema) is the producer's real contract: every message it sends has these
    fields. When it drifts from the schema the consumers read with, every message
    fails at a consumer (or at the serializer), far from the change that caused
    it, and no schema diff shows it because the schema did not change.

    ## How to fix it
    Change the model back, or publish a new schema version first (checked by
    EDA208 and `eventlint schema check`) and move the model after it.

    ## Limitations
    Field names are inferred only where they are certain: a model with a field
    alias, an alias generator or other `model_config`, a `Config` class, a computed
    field or a custom serializer, a class decorator that is not a plain
    dataclass/attrs one, or a base class outside the project is left alone, as is
    a dump that leaves fields out (`exclude=`, `exclude_none=`, `by_alias=`...)
    for the missing-field check. A field of a type that is not plain
    (`datetime`, `UUID`, `Decimal`, an `Enum`) is compared by name only. Events
    whose compatibility is `NONE` are not checked. A serializer's schema is read
    only when the code states it; one fetched from the registry at run time is not
    known, nor a generated class whose `.proto` is not found in the project, or
    found several times (`eventlint facts --unresolved` lists those).
    """

    code = "EDA210"
    name = "model-schema-drift"
    severity = Severity.ERROR

    _config = """
    events:
      OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.json}
    """
    _schema = {
        "schemas/order_placed.json": """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "properties": {
                "order_id": {"type": "string"},
                "total_cents": {"type": "integer"},
                "currency": {"type": "string"},
                "lines": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
                    "required": ["sku", "quantity"]
                  }
                }
              },
              "required": ["order_id", "total_cents", "currency"]
            }
        """
    }

    _avro_config = """
    events:
      OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.avsc}
    """
    _avro_schema = {
        "schemas/order_placed.avsc": """
            {"type": "record", "name": "OrderPlaced", "namespace": "shop",
             "fields": [{"name": "order_id", "type": "string"}, {"name": "total_cents", "type": "long"}]}
        """
    }

    invalid = [
        Example(
            """
            from confluent_kafka import SerializingProducer
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.avro import AvroSerializer

            SCHEMA = '''
            {"type": "record", "name": "OrderPlaced", "namespace": "shop",
             "fields": [{"name": "order_id", "type": "string"}, {"name": "total_cents", "type": "long"},
                        {"name": "channel", "type": "string"}]}
            '''
            registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
            producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, SCHEMA)})

            def place_order(order):
                producer.produce("orders.placed", key=order.id, value=order.to_dict())  # expect: EDA210
            """,
            config=_avro_config,
            files=_avro_schema,
        ),
        Example(
            """
            from confluent_kafka import SerializingProducer
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.protobuf import ProtobufSerializer

            from shop.gen.orders.v1 import orders_pb2

            registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
            serializer = ProtobufSerializer(orders_pb2.OrderPlaced, registry, {"use.deprecated.format": False})
            producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": serializer})

            def place_order(order):
                producer.produce("orders.placed", key=order.id, value=orders_pb2.OrderPlaced(order_id=order.id))  # expect: EDA210
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.proto}
            """,
            files={
                "schemas/order_placed.proto": """
                    syntax = "proto3";
                    package shop.orders.v1;
                    message OrderPlaced {
                      string order_id = 1;
                      int64 total_cents = 2;
                    }
                """,
                # the copy protoc generates the producer's class from: total_cents deleted without `reserved`
                "proto/shop/orders/v1/orders.proto": """
                    syntax = "proto3";
                    package shop.orders.v1;
                    message OrderPlaced {
                      string order_id = 1;
                    }
                """,
            },
        ),
        Example(
            """
            from kafka import KafkaProducer
            from pydantic import BaseModel

            producer = KafkaProducer()

            class OrderPlaced(BaseModel):
                order_id: str
                total_cents: int

            def place_order(order):
                event = OrderPlaced(order_id=order.id, total_cents=order.total_cents)
                producer.send("orders.placed", event.model_dump_json().encode())  # expect: EDA210
            """,
            config=_config,
            files=_schema,
        ),
        Example(
            """
            import json
            from dataclasses import asdict, dataclass, field

            from kafka import KafkaProducer

            producer = KafkaProducer()

            @dataclass
            class Line:
                sku: str
                qty: int

            @dataclass
            class OrderPlaced:
                order_id: str
                total_cents: float
                currency: str = "EUR"
                lines: list[Line] = field(default_factory=list)

            def place_order(order):
                event = OrderPlaced(order.id, order.total)
                producer.send("orders.placed", json.dumps(asdict(event)).encode())  # expect: EDA210
            """,
            config=_config,
            files=_schema,
        ),
    ]
    valid = [
        Example(
            """
            from typing import Optional

            from kafka import KafkaProducer
            from pydantic import BaseModel

            producer = KafkaProducer()

            class Line(BaseModel):
                sku: str
                quantity: int

            class OrderPlaced(BaseModel):
                order_id: str
                total_cents: int
                currency: str = "EUR"
                lines: list[Line] = []

            class Legacy(BaseModel):
                order_id: str
                total: float

            def place_order(order):
                producer.send("orders.placed", OrderPlaced(order_id=order.id, total_cents=order.cents).model_dump_json().encode())

            def replay(order):
                legacy = Legacy(order_id=order.id, total=order.total)
                producer.send("orders.placed", legacy.model_dump_json(exclude={"total"}).encode())
            """,
            config=_config,
            files=_schema,
        ),
        Example(
            """
            from confluent_kafka import SerializingProducer
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.avro import AvroSerializer

            registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
            with open("schemas/order_placed.avsc") as f:
                serializer = AvroSerializer(registry, f.read())
            producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": serializer})

            def place_order(order):
                producer.produce("orders.placed", key=order.id, value=order.to_dict())
            """,
            config=_avro_config,
            files=_avro_schema,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        contracts = _contracts(ctx)
        for p in contracts.publications:
            if p.key_schema is not None and p.key_format is not None:
                yield from self._serializer(p, contracts, ctx, part="key")
            if p.payload_schema is not None and p.payload_format is not None:
                yield from self._serializer(p, contracts, ctx)
                continue
            if p.payload_schema is None or '"x-python-class"' not in p.payload_schema:
                continue
            for spec in contracts.published(p):
                mode, _ = compat.settings(ctx.config.raw.get("contracts"), spec.compatibility)
                if mode == "NONE":
                    continue
                found = [m for m in _sent_mismatches(p, spec, ctx) if m.model is not None]
                if not found:
                    continue
                models = sorted({m.model.rsplit(".", 1)[-1] for m in found if m.model})
                yield self.finding(
                    p,
                    f"model {_names(models)} sent as `{spec.name}` does not match its schema: "
                    + "; ".join(m.text for m in found),
                    hint="change the model back, or publish a new schema version first (EDA208 checks it) and then the model",
                    event=spec.name,
                )


    def _serializer(self, p: Publication, contracts: Contracts, ctx: RuleContext, part: str = "value") -> Iterator[Diagnostic]:
        """The schema the producer's serializer writes the value (or the key) with, against the event's versions (its
        key schema's for the key) as the registry judges it."""
        text, fmt = (p.payload_schema, p.payload_format) if part == "value" else (p.key_schema, p.key_format)
        assert text is not None and fmt is not None
        kind = _FORMAT_NAMES.get(fmt, fmt)
        writer = "serializer" if part == "value" else "key serializer"
        what = "`{event}`" if part == "value" else "`{event}`'s key"
        label = f"the {writer}'s schema ({p.path}:{p.line})"
        for spec in contracts.published(p):
            mode, policy = compat.settings(ctx.config.raw.get("contracts"), spec.compatibility)
            if mode == "NONE":
                continue
            versions = _catalogued_versions(spec, ctx) if part == "value" else ctx.schemas.key_versions(spec)
            if not versions:
                continue
            subject = what.format(event=spec.name)
            message = None
            try:
                if fmt == "protobuf":  # a generated class: the project's `.proto` it comes from (extract/protos.py)
                    reference = _reference(text)
                    if reference is None:
                        continue  # not a reference these facts could hold (merged from elsewhere): nothing known
                    message = reference[1]
                    written = ctx.schemas.project_file(reference[0], label)
                else:
                    written = compat.text_schema(fmt, text, f"{p.path}:{p.line}", label)
            except compat.SchemaError as exc:
                # a project file (a generated class's `.proto`): named with its line, as `schema diff` names it
                reason = str(exc) if message is not None else exc.message
                yield self.finding(
                    p,
                    f"the {kind} schema the {writer} writes {subject} with does not load: {reason}",
                    hint=f"fix the schema the {writer} is given (it fails when the first message is sent)",
                    event=spec.name,
                )
                continue
            latest = versions[-1][1]
            if latest.format != written.format:
                yield self.finding(
                    p,
                    f"the {writer} writes {subject} in {kind}, but its catalogued schema ({latest.label}) is "
                    f"{_FORMAT_NAMES.get(latest.format, latest.format)}",
                    hint="serialize with the catalogued schema's format, or change the catalog",
                    event=spec.name,
                )
                continue
            defined = getattr(latest.document, "messages", None)
            if message is not None and isinstance(defined, dict) and message not in defined:
                yield self.finding(
                    p,
                    f"the {writer} writes {subject} as Protobuf message `{message}`, which its catalogued schema "
                    f"({latest.label}) does not define"
                    + (f" (its message is `{compat.first_message(latest)}`)" if compat.first_message(latest) else ""),
                    hint="serialize with the class generated from the catalogued message, or change the catalog",
                    event=spec.name,
                )
                continue
            level = compat.protobuf_level(ctx.config.raw.get("contracts"))
            if any(_same(schema, written) for _, schema in versions):
                continue  # one of the catalogued versions: the registry already holds it
            found = [b for b in compat.history([*versions, (label, written)], mode, policy, level) if b.newer == label]
            if not found:
                continue
            against = found[-1]
            changes = "; ".join(f"{c.path or '/'}: {c.description}" for c in against.changes)
            yield self.finding(
                p,
                f"the {kind} schema the {writer} writes {subject} with breaks {mode} against {against.older}: {changes}",
                hint="send with the catalogued schema, or publish this schema as a new version first (EDA208 checks it)",
                event=spec.name,
            )


def _reference(text: str | None) -> tuple[str, str] | None:
    """(the `.proto` file, the message) a `protobuf` payload_schema names (extract/protos.py), None when it names none."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("proto"), str) and isinstance(data.get("message"), str):
        return data["proto"], data["message"]
    return None


def _same(version: compat.Schema, written: compat.Schema) -> bool:
    """The same schema, defaults and docs included (a parsed Avro schema, a JSON document), as a registry lookup finds it."""
    return version.format == written.format and bool(version.document == written.document)


_FORMAT_NAMES = {"avro": "Avro", "json-schema": "JSON Schema", "protobuf": "Protobuf"}


def _catalogued_versions(spec: EventSpec, ctx: RuleContext) -> list[tuple[str, compat.Schema]]:
    """The event's schema versions, oldest first (an inline AsyncAPI payload is one version); none when broken."""
    versions = ctx.schemas.versions(spec)
    if versions:
        return versions
    inline = ctx.schemas.inline(spec)
    if inline is not None:
        return [("(payload)", inline)]
    if spec.payload is not None and spec.payload_format is None:
        try:
            return [("(payload)", compat.json_schema.as_schema(spec.payload, "(payload)"))]
        except compat.SchemaError:
            return []
    return []


RULES: tuple[type[Rule], ...] = (
    UndeclaredEvent,
    EventWithoutSchema,
    PayloadSchemaMismatch,
    ConsumerReadsUnknownField,
    UndocumentedConsumer,
    StaleConsumerDoc,
    ProducerNotOwner,
    BreakingSchemaChange,
    DeprecatedEventUsed,
    ModelSchemaDrift,
)

__all__ = ["RULES", "Contracts"]

