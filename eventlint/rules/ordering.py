"""Rules of the ordering family (EDA3xx): keys that keep one entity's events in order, and consumers that keep it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from eventlint.catalog import Catalog
from eventlint.facts import Diagnostic, Handler, HandlerCall, Publication, Subscription
from eventlint.identity import Identity, transport_of
from eventlint.rules import knowledge
from eventlint.rules.base import Example, Rule, RuleContext, Severity, matches
from eventlint.rules.handler_queries import chain, named, short, shown_channel

# The ordered transports, from rules/knowledge/ordering.yaml: those that route every message by its key (a
# message without one goes to any partition), and those whose FIFO queues/topics (named `*.fifo`) order
# messages per message group — consumed in code or through a deployment template's trigger.
_ORDERING = knowledge.ordering()
PARTITIONED = _ORDERING.partitioned
FIFO_PUBLISHERS = _ORDERING.fifo_publishers
FIFO_CONSUMERS = _ORDERING.fifo_consumers
FIFO_CHANNELS = _ORDERING.fifo_channels

# Event or channel names that say they carry the changes of one entity (EDA301's change_streams): many
# messages per entity on one destination, even from a single publishing site.
CHANGE_STREAMS = ("*updat*", "*chang*", "*modif*", "*status*", "*state*", "*progress*", "*position*", "*location*", "*snapshot*")

# A key text that sends no key at all.
NO_KEY = frozenset({"None", "''", '""', "b''", 'b""'})


# -- where a publication's key is decided ---------------------------------------------


class KeyOrigins:
    """Which record decides each publication's key, across wrappers.

    A call of a wrapper (`via` non-empty) whose key text is the same as the key
    of the wrapper's own inner record did not choose its key: the wrapper did
    (it has no key parameter, or computes the key itself). Such records are
    reported once, at the wrapper, where the fix is.
    """

    def __init__(self, publishers: Iterable[Publication]) -> None:
        self.publishers = tuple(publishers)
        self._inner: dict[tuple[str | None, tuple[str, ...], str], list[Publication]] = {}
        for p in self.publishers:
            self._inner.setdefault((p.function, tuple(p.via), p.framework), []).append(p)
        self.wrappers = frozenset(name for p in self.publishers for name in p.via)

    def inner(self, publication: Publication) -> list[Publication]:
        """The records one level into the wrapper a call site goes through."""
        if not publication.via:
            return []
        return self._inner.get((publication.via[0], tuple(publication.via[1:]), publication.framework), [])

    def origin(self, publication: Publication) -> Publication:
        """The record whose code wrote the key (or left it out)."""
        current = publication
        while current.via:
            same = [r for r in self.inner(current) if same_key(r.key, current.key)]
            if not same:
                break
            current = same[0]
        return current

    def innermost(self, publication: Publication) -> Publication:
        """The library call at the bottom of a wrapper chain (the record itself when it is direct)."""
        current = publication
        while current.via:
            inner = self.inner(current)
            if not inner:
                break
            current = inner[0]
        return current

    def groups(self, records: Iterable[Publication]) -> dict[Publication, list[Publication]]:
        """Records by the record that decides their key, in facts order."""
        out: dict[Publication, list[Publication]] = {}
        for p in records:
            out.setdefault(self.origin(p), []).append(p)
        return out

    def key_is_wrapper_parameter(self, publication: Publication, ctx: RuleContext) -> bool:
        """The key is a bare parameter of a wrapper whose callers supply it (checked at each caller)."""
        key = publication.key or ""
        if not key.isidentifier() or publication.function not in self.wrappers:
            return False
        handler = ctx.handlers_by_name.get(publication.function)
        return handler is not None and key in handler.params


def key_absent(key: str | None) -> bool:
    """No key is sent: none given, `None`, or an empty literal."""
    return key is None or key.strip() in NO_KEY


def same_key(a: str | None, b: str | None) -> bool:
    return a == b or (key_absent(a) and key_absent(b))


def site_call(publication: Publication, ctx: RuleContext) -> HandlerCall | None:
    """The call recorded at a publication's site, from the facts of the function that makes it."""
    handler = ctx.handlers_by_name.get(publication.function or "")
    if handler is None:
        return None
    for call in handler.calls:
        if call.depth == 0 and (call.path, call.line, call.column) == (publication.path, publication.line, publication.column):
            return call
    return None


def declared_by_decorator(publication: Publication, ctx: RuleContext) -> bool:
    """A publication declared above a function (a faust sink, a `@publisher`), not made by a call."""
    handler = ctx.handlers_by_name.get(publication.function or "")
    return (
        handler is not None
        and handler.path == publication.path
        and publication.line < handler.line
        and site_call(publication, ctx) is None
    )


def destination(p: Publication | Subscription) -> str:
    return shown_channel(p.channel, p.channel_expr)


def what(p: Publication) -> str:
    return p.event or "a message"


def publisher_name(p: Publication) -> str:
    return short(p.function) if p.function else p.path


def fifo(record: Publication | Subscription, frameworks: tuple[str, ...], channels: tuple[str, ...]) -> bool:
    """A record of a FIFO-capable transport whose channel (or its expression) names a FIFO queue/topic."""
    if record.framework not in frameworks:
        return False
    return any(matches(text, channels) for text in (record.channel, record.channel_expr) if text)


def listing(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# -- EDA301 ----------------------------------------------------------------------------


def _destination_key(p: Publication) -> tuple[str, str] | None:
    """Where a publication goes, to compare with others: its transport and channel (or the channel's expression).
    None when neither is known."""
    where = p.channel or p.channel_expr
    if not where:
        return None
    return (transport_of(p.framework) or p.framework, where)


def _publishing_paths(ctx: RuleContext) -> dict[tuple[str, int, int], set[str]]:
    """Per publication site, the functions the facts record publishing through it."""
    reaching: dict[tuple[str, int, int], set[str]] = {}
    for handler in ctx.facts.handlers:
        for ref in handler.publications:
            reaching.setdefault((ref.path, ref.line, ref.column), set()).add(handler.name)
    return reaching


def kinds_of(publications: Iterable[Publication], reaching: dict[tuple[str, int, int], set[str]]) -> set[tuple]:
    """The kinds of message some publications send: per publication, its event with each path that reaches its
    site — every function the facts record publishing through it (`create_order` and `update_status` both calling
    `produce_orders`), or the publishing function itself when nothing else does."""
    kinds: set[tuple] = set()
    for p in publications:
        site = (p.path, p.line, p.column)
        callers = reaching.get(site, set()) - {p.function}
        for caller in sorted(callers) or [p.function or p.path]:
            kinds.add((p.event, *site, caller))
    return kinds


def message_kinds(ctx: RuleContext) -> dict[tuple[str, str], set[tuple]]:
    """The kinds of message each destination receives (`kinds_of` the publications to it)."""
    by_destination: dict[tuple[str, str], list[Publication]] = {}
    for p in ctx.facts.publishers:
        where = _destination_key(p)
        if where is not None:
            by_destination.setdefault(where, []).append(p)
    reaching = _publishing_paths(ctx)
    return {where: kinds_of(ps, reaching) for where, ps in by_destination.items()}


def changes_of_one_entity(record: Publication | Subscription, patterns: tuple[str, ...]) -> bool:
    """The event or channel name says it carries the changes of one entity (`order-status`, `PriceUpdated`)."""
    lowered = tuple(g.lower() for g in patterns)
    return any(matches(name.lower(), lowered) for name in (record.event, record.channel) if name)


class PublishWithoutKey(Rule):
    """Checks for publications to a partitioned or FIFO transport that pass no key.

    ## What it does
    Finds publications that give the broker nothing to order by: a Kafka
    `send`/`produce` (kafka-python, confluent-kafka, aiokafka, faust, including
    faust sinks and agent `cast`/`send`) without a key, and an SNS or SQS
    publish to a FIFO topic/queue (`*.fifo`) without a `MessageGroupId`.
    `key=None` and an empty literal count as no key.

    A partitioned publication is reported only where one entity can have more
    than one message on its topic: several kinds of message share the topic
    (different events, different publishing sites, or several functions
    publishing through one helper, as `create_order` and `update_status` both
    calling `produce_orders`), the event or topic name says it carries an
    entity's changes (`change_streams`: `order-status`, `PriceUpdated`), or
    the catalog declares the event's key. One kind of message per topic (one
    `order_detail` per order, one greeting per tick) is one message per
    entity: there is nothing of one entity to keep in order, and a key would
    change nothing a consumer sees. Order across topics is never kept, with
    or without keys. A FIFO queue or topic is always reported: it rejects a
    message without a group id.

    Publishing helpers are followed: a call of a helper that takes a key but is
    not given one is reported at the call; a helper that cannot pass a key on is
    reported once, at the library call inside it, naming what its callers
    publish (for FIFO, judged by the callers' queues).

    ## Why is this bad?
    Kafka keeps order per partition only, and picks the partition from the key;
    without a key the producer spreads messages over partitions, so
    `OrderCancelled` can overtake the `OrderPlaced` of the same order and a
    consumer cancels an order it has never seen. A FIFO queue orders messages
    per message group and rejects a message without one.

    ## How to fix it
    Pass the entity id as the key (`key=order.order_id`,
    `MessageGroupId=order.order_id`), and let publishing helpers take a key and
    pass it on. Declare the key in `eventlint.yaml` (`events.<Event>.key`) so
    EDA302 checks that every publisher uses the same one.

    ## Default severity
    `info`: reported, never failing a run, until a team raises it
    (`rules: severity: {EDA301: warning}`). On the field check
    (`benchmarks/field/review.yaml`, a new user's first run on 21 public
    repositories) 1 of its 7 findings was worth fixing and 6 were true but
    pointless (demo producers whose messages are one per entity, with no
    order to keep) before it asked whether a topic carries more than one
    kind of message; since then it reports only the one worth fixing (order
    creations and status updates sharing `order_topic` without a key). A rule
    below 80 % precision there does not warn by default; one true finding is
    too few to raise it.

    ## Limitations
    - Google Pub/Sub is not checked by default: an `ordering_key` matters only
      when the publisher client was created with `enable_message_ordering=True`,
      which the facts do not carry. Add `google-pubsub` to
      `partitioned_frameworks` when your publishers enable ordering.
    - FastStream is not checked: its publications are all `faststream`, whether
      the broker is Kafka, RabbitMQ, Redis or NATS.
    - Kinesis needs no check here (`PartitionKey` is a required argument); a
      team pack mapping it to `key` gets EDA302.
    - A publish that picks its partition (`partition=`) or sends a batch whose
      records carry their own keys (`produce_batch`) is not reported: how the
      partition or the keys are chosen is not in the facts.
    - A key handed to a helper through `**kwargs` is not in the facts; a helper
      call passing one of `key_keywords` counts as keyed.
    """

    code = "EDA301"
    name = "publish-without-key"
    # info by default, measured on the field check (benchmarks/field/review.yaml): see "Default severity"
    severity = Severity.INFO

    @dataclass(frozen=True)
    class Options:
        """
        - partitioned_frameworks: frameworks whose every publication is routed to a partition by its key
        - fifo_frameworks: frameworks whose publications need a key (message group id) when the channel is FIFO
        - fifo_channels: globs on the channel (or its expression) naming a FIFO queue or topic
        - partition_keywords: keyword arguments that choose the partition explicitly; such a publish is not reported
        - batch_calls: globs on publishing calls whose records carry their own keys (not visible in the facts)
        - key_keywords: keyword arguments that carry a key; a call of a publishing helper passing one is taken to pass a key (the helper may forward it through `**kwargs`)
        - change_streams: globs (ignoring case) on an event or channel name that says it carries changes of one entity (`order-status`, `PriceUpdated`): many messages per entity even from one publishing site
        """

        partitioned_frameworks: tuple[str, ...] = PARTITIONED
        fifo_frameworks: tuple[str, ...] = FIFO_PUBLISHERS
        fifo_channels: tuple[str, ...] = FIFO_CHANNELS
        partition_keywords: tuple[str, ...] = ("partition",)
        batch_calls: tuple[str, ...] = ("*.produce_batch",)
        key_keywords: tuple[str, ...] = ("key", "MessageGroupId", "ordering_key")
        change_streams: tuple[str, ...] = CHANGE_STREAMS

    invalid = [
        Example(
            # placements and cancellations of one order share a topic: the cancellation can overtake its order
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders", value={"type": "OrderPlaced", "order_id": order.id}, key=order.id.encode())

            def cancel_order(order):
                producer.send("orders", value={"type": "OrderCancelled", "order_id": order.id})  # expect: EDA301
            """
        ),
        Example(
            """
            import boto3

            sqs = boto3.client("sqs")
            REFUNDS = "https://sqs.eu-west-1.amazonaws.com/123456789012/refund-requests.fifo"

            def request_refund(payment):
                sqs.send_message(QueueUrl=REFUNDS, MessageBody=payment.to_json())  # expect: EDA301
            """
        ),
        Example(
            """
            import faust

            app = faust.App("fulfillment")
            shipments = app.topic("fulfillment.shipments")

            async def schedule(order):
                await shipments.send(value={"order_id": order.order_id, "status": "scheduled"})  # expect: EDA301

            async def deliver(order):
                await shipments.send(value={"order_id": order.order_id, "status": "delivered"})  # expect: EDA301
            """
        ),
        Example(
            # the helper takes a key; this caller does not pass one
            """
            from shopkit.messaging import publish

            def place_order(order):
                publish("orders", order, key=order.order_id)

            def cancel_order(order):
                publish("orders", order)  # expect: EDA301
            """,
            files={
                "shopkit/__init__.py": "",
                "shopkit/messaging.py": """
                    from confluent_kafka import Producer

                    _producer = Producer({"bootstrap.servers": "kafka:9092"})

                    def publish(topic, event, key=None):
                        _producer.produce(topic, value=event.to_json(), key=key)
                """,
            },
        ),
        Example(
            # the helper cannot pass a key: reported once, inside it
            """
            from app_bus import emit

            def place_order(order):
                emit("orders", order)

            def cancel_order(order):
                emit("orders", order)
            """,
            files={
                "app_bus.py": """
                    from aiokafka import AIOKafkaProducer

                    producer = AIOKafkaProducer()

                    async def emit(topic, event):
                        await producer.send(topic, event.to_json())  # expect: EDA301
                """,
            },
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders", value={"type": "OrderPlaced", "order_id": order.id}, key=order.id.encode())

            def cancel_order(order):
                producer.send("orders", value={"type": "OrderCancelled", "order_id": order.id}, key=order.id.encode())
            """
        ),
        Example(
            # one message per order on its topic: one entity never has two messages there to keep in order
            """
            import json
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def export(orders):
                for order in orders:
                    producer.send("order_details", json.dumps({"order_id": order.id, "items": order.items}).encode())
            """
        ),
        Example(
            """
            import boto3

            sqs = boto3.client("sqs")
            REFUNDS = "https://sqs.eu-west-1.amazonaws.com/123456789012/refund-requests.fifo"
            RECEIPTS = "https://sqs.eu-west-1.amazonaws.com/123456789012/payment-receipts"

            def request_refund(payment):
                sqs.send_message(QueueUrl=REFUNDS, MessageBody=payment.to_json(), MessageGroupId=payment.order_id)

            def send_receipt(payment):
                sqs.send_message(QueueUrl=RECEIPTS, MessageBody=payment.to_json())
            """
        ),
        Example(
            """
            import faust

            app = faust.App("fulfillment")
            shipments = app.topic("fulfillment.shipments")

            async def schedule(order):
                await shipments.send(key=order.order_id, value={"order_id": order.order_id})
            """
        ),
        Example(
            """
            from shopkit.messaging import publish

            def place_order(order):
                publish("orders.placed", order, key=order.order_id)

            def cancel_order(order):
                publish("orders.cancelled", order, key=order.order_id)
            """,
            files={
                "shopkit/__init__.py": "",
                "shopkit/messaging.py": """
                    from confluent_kafka import Producer

                    _producer = Producer({"bootstrap.servers": "kafka:9092"})

                    def publish(topic, event, key=None):
                        _producer.produce(topic, value=event.to_json(), key=key)
                """,
            },
        ),
        Example(
            """
            from app_bus import emit

            def place_order(order):
                emit("orders.placed", order, order.order_id)
            """,
            files={
                "app_bus.py": """
                    from aiokafka import AIOKafkaProducer

                    producer = AIOKafkaProducer()

                    async def emit(topic, event, key):
                        await producer.send(topic, event.to_json(), key=key)
                """,
            },
        ),
        Example(
            # Pub/Sub without an ordering key, Redis and RabbitMQ: nothing shows that ordering is expected
            """
            import pika
            import redis
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient()
            channel = pika.BlockingConnection().channel()

            def announce(order):
                publisher.publish("projects/shop/topics/orders", order.to_json().encode())
                redis.Redis().publish("orders.placed", order.to_json())
                channel.basic_publish(exchange="orders", routing_key="order.placed", body=order.to_json())
            """
        ),
        Example(
            # the records of a batch carry their own keys; an explicit partition is the publisher's choice
            """
            from confluent_kafka import Producer

            producer = Producer({"bootstrap.servers": "kafka:9092"})

            def replay(orders):
                producer.produce_batch("orders.placed", [{"key": o.order_id, "value": o.to_json()} for o in orders])

            def pin(order, partition):
                producer.produce("orders.placed", order.to_json(), partition=partition)
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        origins = KeyOrigins(ctx.facts.publishers)
        unkeyed = [p for p in ctx.facts.publishers if key_absent(p.key)]
        kinds = message_kinds(ctx)
        for owner, members in origins.groups(unkeyed).items():
            if self._partition_chosen(owner, ctx) or self._partition_chosen(origins.innermost(owner), ctx):
                continue
            needing = [
                (m, kind)
                for m in members
                if (kind := self._needs(m)) is not None and (m is owner or not self._partition_chosen(m, ctx))
            ]
            # ordering matters where one entity can have several messages on a destination; a FIFO destination
            # rejects a message without a group id whatever it carries. A wrapper is judged by its callers' destinations.
            wrapped = [(m, kind) for m, kind in needing if m is not owner]
            judged = wrapped if wrapped and owner.function in origins.wrappers else needing
            if not any(kind == "group" or self._order_matters(m, kinds, ctx) for m, kind in judged):
                continue
            needing = [(m, kind) for m, kind in needing if (m, kind) not in judged or kind == "group" or self._order_matters(m, kinds, ctx)]
            if not needing:
                continue
            callers = [(m, kind) for m, kind in needing if m is not owner]
            if any(self._passes_key(m, ctx) for m, _ in callers):
                # some caller hands the helper a key the facts lost on the way (**kwargs):
                # the helper can key, and only callers that pass nothing are reported
                for m, kind in callers:
                    if not self._passes_key(m, ctx):
                        yield self._finding(m, [(m, kind)], ctx)
                continue
            yield self._finding(owner, needing, ctx)

    def _order_matters(self, p: Publication, kinds: dict[tuple, set[tuple]], ctx: RuleContext) -> bool:
        """One entity can have more than one message on the publication's destination: several kinds of message
        (events, publishing sites, or callers of one publishing function) share it, or the catalog declares a key
        for its event. One kind of message per destination is one message per entity: nothing to keep in order."""
        if declared_keys(p, ctx.catalog, ctx.identity):
            return True
        if changes_of_one_entity(p, self.options.change_streams):
            return True
        where = _destination_key(p)
        return where is None or len(kinds.get(where, ())) > 1

    def _passes_key(self, p: Publication, ctx: RuleContext) -> bool:
        call = site_call(p, ctx)
        return call is not None and any(k in self.options.key_keywords for k in call.keywords)

    def _needs(self, p: Publication) -> str | None:
        """Why this publication needs a key: "partition" or "group" (FIFO); None when it does not."""
        options = self.options
        if p.framework in options.partitioned_frameworks:
            return "partition"
        if fifo(p, options.fifo_frameworks, options.fifo_channels):
            return "group"
        return None

    def _partition_chosen(self, record: Publication, ctx: RuleContext) -> bool:
        """The call at the record's site picks its partition, or sends a batch of records that carry their own keys."""
        call = site_call(record, ctx)
        if call is None:
            return False
        return any(k in self.options.partition_keywords for k in call.keywords) or named(call, self.options.batch_calls)

    def _finding(self, owner: Publication, needing: list[tuple[Publication, str]], ctx: RuleContext) -> Diagnostic:
        kinds = {kind for _, kind in needing}
        missing = "a key" if "partition" in kinds else "a message group id"
        callers = [m for m, _ in needing if m is not owner]
        if not callers:
            message = f"{publisher_name(owner)} publishes {what(owner)} to {destination(owner)} ({owner.framework}) without {missing}"
        else:
            sites = [f"{what(m)} to {destination(m)} from {m.path}:{m.line}" for m in callers]
            message = (
                f"{publisher_name(owner)} publishes ({owner.framework}) without {missing}, "
                f"so none of its callers can key: {listing(sites)}"
            )
        if "partition" in kinds:
            message += ": the producer spreads one entity's events over partitions and consumers see them out of order"
        else:
            message += ": a FIFO queue or topic orders by message group and rejects a message without one"
        declared = {field for m, _ in needing for _, field, _ in declared_keys(m, ctx.catalog, ctx.identity)}
        entity = f"the entity id ({', '.join(sorted(declared))}, the declared key)" if declared else "the entity id"
        if callers:
            hint = f"give {publisher_name(owner)} a key parameter, pass it to the library call, and have callers pass {entity}"
        elif declared_by_decorator(owner, ctx):
            hint = f"a publication declared by a decorator sends no key: publish explicitly, passing {entity} as the key"
        elif "partition" in kinds:
            hint = f"pass {entity} as the key, so every event of one entity lands on one partition, in order"
        else:
            hint = f"pass {entity} as MessageGroupId, so the events of one entity stay in order"
        return self.finding(owner, message, hint=hint, event=owner.event or (callers[0].event if callers else None))


# -- EDA302 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A field or name the key expression reads: `name`, read on `base` (None for a bare name)."""

    name: str
    base: str | None


@dataclass(frozen=True)
class KeyExpr:
    """What a key expression is made of, read from its text."""

    refs: tuple[_Ref, ...]
    calls: tuple[str, ...]
    constant: bool


CONVERTERS = frozenset({"str", "bytes", "int", "hex", "repr", "format"})
CONVERTER_METHODS = frozenset({"encode", "decode", "lower", "upper", "strip", "format"})


def parse_key(text: str) -> KeyExpr | None:
    """The references and calls of a key expression; None when the text is not an expression."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None
    refs: list[_Ref] = []
    calls: list[str] = []
    opaque = False

    def last_name(node: ast.AST) -> str | None:
        match node:
            case ast.Name(id=name):
                return name
            case ast.Attribute(attr=attr):
                return attr
            case ast.Subscript(slice=ast.Constant(value=str(item))):
                return item
        return None

    def visit(node: ast.AST) -> None:
        nonlocal opaque
        match node:
            case ast.Name(id=name):
                if not name.isupper():
                    refs.append(_Ref(name, None))
            case ast.Attribute(value=value, attr=attr):
                if attr.isupper():
                    return  # a constant read from a module or class: settings.ORDER_KEY
                refs.append(_Ref(attr, last_name(value)))
                visit(value)
            case ast.Subscript(value=value, slice=ast.Constant(value=str(item))):
                refs.append(_Ref(item, last_name(value)))
                visit(value)
            case ast.Call(func=func, args=args, keywords=keywords):
                callee = ast.unparse(func)
                calls.append(callee)
                getter = isinstance(func, ast.Attribute) and func.attr == "get"
                if getter and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                    refs.append(_Ref(args[0].value, last_name(func.value)))
                if callee == "getattr" and len(args) > 1 and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
                    refs.append(_Ref(args[1].value, last_name(args[0])))
                if isinstance(func, ast.Attribute):
                    if func.attr not in CONVERTER_METHODS and not getter:
                        opaque = True
                    visit(func.value)
                elif callee not in CONVERTERS:
                    opaque = True
                for arg in (*args, *(k.value for k in keywords)):
                    visit(arg)
            case _:
                for child in ast.iter_child_nodes(node):
                    visit(child)

    visit(tree.body)
    return KeyExpr(tuple(refs), tuple(calls), constant=not refs and not opaque)


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(name: str) -> tuple[str, ...]:
    """`order_id`, `orderId` and `OrderID` are all ("order", "id")."""
    return tuple(w.lower() for w in _WORD.findall(name))


def entity_of(field: str, id_words: tuple[str, ...]) -> tuple[str, ...]:
    """The entity a key field identifies: `order_id` -> ("order",); () when the field is not `<entity>_<id word>`."""
    parts = words(field)
    return parts[:-1] if len(parts) > 1 and parts[-1] in id_words else ()


def ends_with(name: str | None, entity: tuple[str, ...]) -> bool:
    parts = words(name or "")
    return bool(entity) and len(parts) >= len(entity) and parts[-len(entity) :] == entity


def enclosing_class(function: str | None) -> str | None:
    """`orders.models.Order.place` -> `Order` (the class of a method, by the capitalised part before it)."""
    parts = (function or "").split(".")
    return parts[-2] if len(parts) > 1 and parts[-2][:1].isupper() else None


CATALOG = """
    events:
      OrderPlaced: {owner: orders, key: order_id}
      OrderCancelled: {owner: orders, key: order_id}
      CustomerUpdated: {owner: customers, key: customer_id}
"""


class KeyNotEntityId(Rule):
    """Checks for publications keyed by something other than the event's declared entity id.

    ## What it does
    For every event declared with a key in `eventlint.yaml`
    (`events.OrderPlaced.key: order_id`), compares the key expression of each
    publication of that event (Kafka key, FIFO `MessageGroupId`, Pub/Sub
    `ordering_key`) with the declared field. A publication of unknown event
    takes the key declared by the events of its channel, when they agree.

    The key matches when it reads the field under any spelling (`order_id`,
    `order.order_id`, `event["order_id"]`, `event.get("order_id")`,
    `str(order_id).encode()`, `orderId`), or reads the id of the entity itself:
    for a key `<entity>_<id word>`, the attribute or item `id`/`pk`/`uuid` of
    an object named after the entity (`order.id`, `new_order.id`,
    `event.order.id`, `event["order"]["id"]`), or `self.id` in a method of class
    `Order`. It is reported when the key draws a new value for each message
    (`uuid4()`, `random`, `time.time()`), is a constant (a literal or an
    UPPER_CASE name), or reads another entity's id (`customer_id`, `event_id`,
    or `customer.id` when `customer_id` is a declared key).

    ## Why is this bad?
    Consumers rely on the declared key: ordering holds per key, compacted topics
    keep the last record per key, joins and co-partitioned topics assume it. A
    publisher keying `OrderPlaced` by customer orders one order's events
    differently from a publisher keying by order; a random key orders nothing;
    a constant key sends everything to one partition (or FIFO message group).

    ## How to fix it
    Key by the declared field (`key=order.order_id`); when the event should be
    ordered by another entity, change `events.<Event>.key` in `eventlint.yaml`
    so every publisher and consumer agrees.

    ## Limitations
    A key that cannot be read from its text is not judged: a local variable
    (`key=k`), a call (`make_key(order)`), the id of an object of unknown kind
    (`row.id`, `event.id`), a generic id (`aggregate_id`). A key that is a
    parameter of a publishing helper is judged at the helper's callers, with
    what each passes; a key computed inside the helper is judged once, at the
    helper.
    """

    code = "EDA302"
    name = "key-not-entity-id"
    severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        """
        - random_keys: globs on calls in a key that give a new value for every message
        - id_words: last words of a field that identify an entity (`customer_id`, `customerUuid`); such a field other than the declared key is another entity's id
        - neutral_ids: fields that name whichever entity the event is about (`aggregate_id`); a key reading one is not taken for another entity's id
        """

        random_keys: tuple[str, ...] = (
            "uuid.uuid1",
            "uuid.uuid4",
            "uuid.uuid6",
            "uuid.uuid7",
            "uuid1",
            "uuid4",
            "uuid7",
            "*.uuid4",
            "*.uuid7",
            "ulid.new",
            "ulid.ULID",
            "random.*",
            "secrets.*",
            "os.urandom",
            "time.time*",
            "time.monotonic*",
            "time.perf_counter*",
            "*.now",
            "*.utcnow",
        )
        id_words: tuple[str, ...] = ("id", "uuid", "pk", "guid")
        neutral_ids: tuple[str, ...] = ("aggregate_id", "entity_id", "stream_id", "object_id", "resource_id", "subject_id")

    invalid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            class OrderPlaced:
                def __init__(self, order_id, customer_id):
                    self.order_id = order_id
                    self.customer_id = customer_id

            def place_order(order):
                event = OrderPlaced(order.order_id, order.customer_id)
                producer.send("orders.placed", event, key=order.customer_id.encode())  # expect: EDA302
            """,
            config=CATALOG,
        ),
        Example(
            """
            import uuid
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer()

            class OrderCancelled:
                def __init__(self, order_id):
                    self.order_id = order_id

            async def cancel_order(order):
                await producer.send("orders.cancelled", OrderCancelled(order.id), key=str(uuid.uuid4()).encode())  # expect: EDA302
            """,
            config=CATALOG,
        ),
        Example(
            """
            import json
            import boto3

            sns = boto3.client("sns")
            TOPIC = "arn:aws:sns:eu-west-1:123456789012:order-events.fifo"

            def place_order(order):
                sns.publish(  # expect: EDA302
                    TopicArn=TOPIC,
                    Message=json.dumps({"type": "OrderPlaced", "order_id": order.id}),
                    MessageGroupId="orders",
                )
            """,
            config=CATALOG,
        ),
        Example(
            """
            import json
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient()

            def forward(event):
                publisher.publish(  # expect: EDA302
                    "projects/shop/topics/orders",
                    json.dumps({"type": "OrderCancelled", "order_id": event["order_id"]}).encode(),
                    ordering_key=event["customer_id"],
                )
            """,
            config=CATALOG,
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            class OrderPlaced:
                def __init__(self, order_id, customer_id):
                    self.order_id = order_id
                    self.customer_id = customer_id

            def place_order(order):
                event = OrderPlaced(order.order_id, order.customer_id)
                producer.send("orders.placed", event, key=order.order_id.encode())
            """,
            config=CATALOG,
        ),
        Example(
            # `order.id` is the order's id: the declared key order_id
            """
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer()

            class OrderCancelled:
                def __init__(self, order_id):
                    self.order_id = order_id

            async def cancel_order(order):
                await producer.send("orders.cancelled", OrderCancelled(order.id), key=str(order.id).encode())
            """,
            config=CATALOG,
        ),
        Example(
            """
            import json
            import boto3

            sns = boto3.client("sns")
            TOPIC = "arn:aws:sns:eu-west-1:123456789012:order-events.fifo"

            class Order:
                def place(self):
                    sns.publish(
                        TopicArn=TOPIC,
                        Message=json.dumps({"type": "OrderPlaced", "order_id": self.id}),
                        MessageGroupId=str(self.id),
                    )
            """,
            config=CATALOG,
        ),
        Example(
            """
            import json
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient()

            def forward(event):
                publisher.publish(
                    "projects/shop/topics/orders",
                    json.dumps({"type": "OrderCancelled", "order_id": event["order_id"]}).encode(),
                    ordering_key=event["order_id"],
                )
            """,
            config=CATALOG,
        ),
        Example(
            # keyed through a helper: each call is checked with the key it passes; a key computed elsewhere is not judged
            """
            from shopkit import publish

            class CustomerUpdated:
                def __init__(self, customer_id):
                    self.customer_id = customer_id

            def rename(customer, key):
                publish("customers.updated", CustomerUpdated(customer.id), key=customer.id)
                publish("customers.updated", CustomerUpdated(customer.id), key=key)
            """,
            files={
                "shopkit.py": """
                    from confluent_kafka import Producer

                    _producer = Producer({"bootstrap.servers": "kafka:9092"})

                    def publish(topic, event, key=None):
                        _producer.produce(topic, value=event.to_json(), key=key)
                """
            },
            config=CATALOG,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not any(spec.key for spec in ctx.catalog.events.values()):
            return
        origins = KeyOrigins(ctx.facts.publishers)
        keyed = [p for p in ctx.facts.publishers if not key_absent(p.key)]
        for owner, members in origins.groups(keyed).items():
            if origins.key_is_wrapper_parameter(owner, ctx):
                continue
            key = parse_key(owner.key or "")
            if key is None:
                continue
            wrong: dict[str, list[str]] = {}
            reasons: dict[str, str] = {}
            first: dict[str, str] = {}
            for member in members:
                for event, field, label in declared_keys(member, ctx.catalog, ctx.identity):
                    reason = self._mismatch(key, field, owner, ctx.catalog)
                    if reason is not None and label not in wrong.get(field, []):
                        wrong.setdefault(field, []).append(label)
                        reasons[field] = reason
                        first.setdefault(field, event)
            for field, labels in wrong.items():
                names = " and ".join(labels)
                yield self.finding(
                    owner,
                    f"{publisher_name(owner)} keys {names} by `{owner.key}` ({reasons[field]}), "
                    f"not by the declared entity id {field}",
                    hint=f"key by {field} (events.{first[field]}.key), so that all events of one "
                    f"{' '.join(entity_of(field, self.options.id_words)) or field} share a partition and stay in order; "
                    "or change the declared key if the event is ordered by another entity",
                    event=first[field],
                )

    def _mismatch(self, key: KeyExpr, field: str, owner: Publication, catalog: Catalog) -> str | None:
        """Why the key is not the declared field, or None when it is (or when that cannot be told)."""
        id_words = self.options.id_words
        randoms = [c for c in key.calls if matches(c, self.options.random_keys)]
        if randoms:
            return f"{randoms[0]}() gives every message its own key"
        if key.constant:
            return "a constant: every message gets the same key"
        target = words(field)
        if any(words(ref.name) == target for ref in key.refs):
            return None
        entity = entity_of(field, id_words)
        for ref in key.refs:
            if ref.name.lower() in id_words:
                base = enclosing_class(owner.function) if ref.base == "self" else ref.base
                if ends_with(base, entity):
                    return None
        neutral = {words(name) for name in self.options.neutral_ids}
        for ref in key.refs:
            parts = words(ref.name)
            if len(parts) > 1 and parts[-1] in id_words and parts not in neutral:
                return f"{ref.name} identifies another entity"
        others = {entity_of(spec.key, id_words) for spec in catalog.events.values() if spec.key} - {entity, ()}
        for ref in key.refs:
            if ref.name.lower() in id_words and any(words(ref.base or "") == other for other in others):
                return f"{ref.base}.{ref.name} identifies another entity"
        return None


def declared_keys(p: Publication, catalog: Catalog, identity: Identity | None = None) -> list[tuple[str, str, str]]:
    """(event, declared key field, how to name it) for a publication: its event's key (the catalog event it
    resolves to under any of its names), or, for a publication of unknown event, the one key shared by the
    events declared on its channel."""
    spec = identity.declared(p) if identity is not None and p.event else catalog.event(p.event)
    if spec is not None:
        return [(spec.name, spec.key, spec.name)] if spec.key else []
    if p.event is None and p.channel:
        specs = catalog.for_channel(p.channel)
        keys = {s.key for s in specs}
        if specs and len(keys) == 1 and specs[0].key:
            names = " / ".join(s.name for s in specs)
            return [(specs[0].name, specs[0].key, f"{p.channel} ({names})")]
    return []


# -- EDA303 ----------------------------------------------------------------------------


class UnorderedConsumption(Rule):
    """Checks for consumers of an ordered transport that hand messages to concurrent workers without keying.

    ## What it does
    Finds handlers of a partitioned or FIFO subscription (the Kafka clients and
    faust; SQS FIFO queues, read with boto3 or through a deployment template's
    trigger: an AWS SAM `SQS` event, a Serverless `sqs` event, a CloudFormation
    event source mapping on a `*.fifo` queue) that pass the message, or
    something computed from it (also a record of the batch taken in a
    comprehension, `{r["messageId"]: pool.submit(f, r) for r in
    event["Records"]}`), to a call that starts work in the background and
    returns at once:
    `executor.submit`, `asyncio.create_task`, `asyncio.ensure_future`,
    `loop.create_task`, `pool.apply_async`, `threading.Thread`,
    `multiprocessing.Process`, a Celery `.delay`. The handler may be the polling
    loop itself (`for message in consumer: pool.submit(process, message)`), and
    is followed into the project functions it calls; the finding is at the call
    that starts the work.

    Keyed dispatch is not reported: the worker chosen by a subscript or a call
    that reads the key, the partition or the message
    (`executors[hash(msg.key()) % n].submit(...)`,
    `executors[msg.partition() % n]`, `worker_for(msg).submit(...)`). Nor is
    work waited for on the spot (`pool.submit(handle, msg).result()`).

    A partitioned subscription is judged only where one entity can have more
    than one message on it: the project's publications that reach it are of
    several kinds (events, publishing sites, or functions publishing through
    one helper), its name says it carries an entity's changes
    (`change_streams`), the catalog declares a key for it, or nothing in the
    project publishes to it (what its producers send is unknown). A topic
    the project fills with one kind of message (one `UserCreated` per user)
    has nothing of one entity to keep in order. A FIFO queue is always
    judged: it was chosen for its order.

    ## Why is this bad?
    The broker delivers a partition (a FIFO message group) in order, and the
    consumer gives that away: each message runs on whichever worker is free,
    so `OrderCancelled` can finish before the `OrderPlaced` it follows. The
    consumer also moves on, and may commit offsets, before the work is done.

    ## How to fix it
    Dispatch by key: give each `hash(key) % n` its own single-threaded worker
    (`executors[hash(msg.key()) % n].submit(handle, msg)`), so the messages of
    one entity stay in order while different entities run in parallel; or
    handle the messages of a partition one after another.

    ## Default severity
    `info`: reported, never failing a run, until a team raises it
    (`rules: severity: {EDA303: warning}`). On the field check
    (`benchmarks/field/review.yaml`, a new user's first run on 21 public
    repositories) 2 of its 3 findings were worth fixing and 1 was true but
    pointless (a consumer whose only message is one creation per entity)
    until it asked whether a subscription carries several messages of one
    entity; now 2 of 2 are worth fixing. A rule below 80 % precision there
    does not warn by default; two findings are too few to raise it.

    ## Limitations
    - Calls that wait for their work are left out of `concurrent_calls`:
      `await loop.run_in_executor(...)`, `asyncio.gather`, `Executor.map`, task
      groups and nurseries. The facts do not show whether a call is awaited, or
      whether a gather fans out over one message's steps or over a batch.
    - Messages read with `msg = consumer.poll()` (confluent-kafka, aiokafka
      `getone()`) are not yet tracked as the message inside the loop, and a loop
      calling `asyncio.create_task(handle(msg))` makes `handle` the handler, so
      the spawning loop is not seen.
    - The ordered transports are data, `rules/knowledge/ordering.yaml`
      (`partitioned`, and `fifo` consumers with the channel globs naming a FIFO
      queue); the options below extend them.
    - FastStream subscriptions are not checked (the broker is not in the facts),
      nor Kinesis / DynamoDB stream triggers of templates (the trigger type is
      not in the facts), nor faust's `@app.agent(concurrency=n)`.
    """

    code = "EDA303"
    name = "unordered-consumption"
    # info by default, measured on the field check (benchmarks/field/review.yaml): see "Default severity"
    severity = Severity.INFO

    @dataclass(frozen=True)
    class Options:
        """
        - ordered_frameworks: frameworks whose every subscription delivers each partition in order
        - fifo_frameworks: frameworks whose subscriptions are ordered when the channel is FIFO
        - fifo_channels: globs on the subscribed channel (or its expression) naming a FIFO queue
        - concurrent_calls: globs on a call's qualified name or text that start work in the background and return at once
        - keyed_selectors: globs (case-insensitive) on the index or argument that picks the worker (`executors[...]`, `worker_for(...)`); a match is keyed dispatch
        - waits: globs on a call made on the result on the same line that waits for the work (`.result()`)
        - change_streams: globs (ignoring case) on a subscribed event or channel name that says it carries the changes of one entity: ordered even when the project publishes one kind of message to it
        """

        ordered_frameworks: tuple[str, ...] = PARTITIONED
        fifo_frameworks: tuple[str, ...] = FIFO_CONSUMERS
        fifo_channels: tuple[str, ...] = FIFO_CHANNELS
        concurrent_calls: tuple[str, ...] = (
            "*.submit",
            "asyncio.create_task",
            "asyncio.ensure_future",
            "*loop.create_task",
            "*loop().create_task",
            "*.apply_async",
            "*.delay",
            "threading.Thread",
            "multiprocessing.Process",
            "gevent.spawn",
            "*.spawn_n",
        )
        keyed_selectors: tuple[str, ...] = ("*key*", "*partition*", "*hash*", "*shard*", "*crc32*", "*murmur*", "*mmh3*")
        waits: tuple[str, ...] = ("*.result", "*.join", "*.get", "*.wait")
        change_streams: tuple[str, ...] = CHANGE_STREAMS

    invalid = [
        Example(
            """
            from concurrent.futures import ThreadPoolExecutor
            from kafka import KafkaConsumer

            pool = ThreadPoolExecutor(max_workers=8)

            def process(message):
                print(message.value)

            def run():
                for message in KafkaConsumer("orders.placed", group_id="billing"):
                    pool.submit(process, message)  # expect: EDA303
            """
        ),
        Example(
            """
            import asyncio
            import faust

            app = faust.App("fulfillment")
            orders = app.topic("orders.placed")

            async def ship(order):
                print(order)

            @app.agent(orders)
            async def schedule(stream):
                async for order in stream:
                    asyncio.create_task(ship(order))  # expect: EDA303
            """
        ),
        Example(
            """
            from concurrent.futures import ThreadPoolExecutor
            from aiokafka import AIOKafkaConsumer

            executor = ThreadPoolExecutor()

            def process(msg):
                print(msg.value)

            def dispatch(msg):
                executor.submit(process, msg)  # expect: EDA303

            async def run():
                consumer = AIOKafkaConsumer("orders.cancelled", group_id="billing")
                await consumer.start()
                async for msg in consumer:
                    dispatch(msg)
            """
        ),
        Example(
            """
            import threading
            import boto3

            sqs = boto3.client("sqs")
            QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/payments.fifo"

            def charge(message):
                print(message["Body"])

            def run():
                while True:
                    response = sqs.receive_message(QueueUrl=QUEUE, MaxNumberOfMessages=10)
                    for message in response.get("Messages", []):
                        threading.Thread(target=charge, args=(message,)).start()  # expect: EDA303
            """
        ),
    ]
    valid = [
        Example(
            """
            from concurrent.futures import ThreadPoolExecutor
            from kafka import KafkaConsumer

            N = 8
            executors = [ThreadPoolExecutor(max_workers=1) for _ in range(N)]

            def process(message):
                print(message.value)

            def run():
                for message in KafkaConsumer("orders.placed", group_id="billing"):
                    executors[hash(message.key) % N].submit(process, message)
            """
        ),
        Example(
            """
            import faust

            app = faust.App("fulfillment")
            orders = app.topic("orders.placed")

            async def ship(order):
                print(order)

            @app.agent(orders)
            async def schedule(stream):
                async for order in stream:
                    await ship(order)
            """
        ),
        Example(
            """
            from concurrent.futures import ThreadPoolExecutor
            from aiokafka import AIOKafkaConsumer

            executor = ThreadPoolExecutor()

            def process(msg):
                print(msg.value)

            def dispatch(msg):
                executor.submit(process, msg).result()

            async def run():
                consumer = AIOKafkaConsumer("orders.cancelled", group_id="billing")
                await consumer.start()
                async for msg in consumer:
                    dispatch(msg)
            """
        ),
        Example(
            # a standard SQS queue promises no order: concurrency loses nothing
            """
            import threading
            import boto3

            sqs = boto3.client("sqs")
            QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/payments"

            def charge(message):
                print(message["Body"])

            def run():
                while True:
                    response = sqs.receive_message(QueueUrl=QUEUE, MaxNumberOfMessages=10)
                    for message in response.get("Messages", []):
                        threading.Thread(target=charge, args=(message,)).start()
            """
        ),
        Example(
            # RabbitMQ is not in ordered_frameworks
            """
            from concurrent.futures import ThreadPoolExecutor
            import pika

            pool = ThreadPoolExecutor()

            def work(body):
                print(body)

            def on_message(channel, method, properties, body):
                pool.submit(work, body)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="thumbnails", on_message_callback=on_message)
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        self._reaching: dict[tuple[str, int, int], set[str]] | None = None
        self._matters: dict[tuple, bool] = {}  # per subscription: whether one entity can have several messages on it
        found: dict[tuple[str, int, int], tuple[HandlerCall, list[Handler], list[Subscription]]] = {}
        consumed_in: dict[str, list[Subscription]] = {}
        for s in ctx.facts.subscribers:
            if s.function:
                consumed_in.setdefault(s.function, []).append(s)
        for handler in ctx.facts.handlers:
            if handler.role == "handler":
                subscriptions = ctx.subscriptions_of.get(handler.name, [])
            elif handler.role == "consumer":
                # the loop that receives the messages and hands them on (create_task(handle(msg)))
                subscriptions = consumed_in.get(handler.name, [])
            else:
                continue
            ordered = [s for s in subscriptions if self._ordered(s) and self._order_matters(s, ctx)]
            if not ordered:
                continue
            for call in handler.calls:
                if handler.role == "consumer" and call.depth > 0:
                    continue  # deeper calls belong to the handler the loop calls, checked on its own
                if not call.uses_message or not named(call, self.options.concurrent_calls):
                    continue
                if self._keyed(call, handler) or self._waited(call, handler):
                    continue
                entry = found.setdefault((call.path, call.line, call.column), (call, [], []))
                entry[1].append(handler)
                entry[2].extend(s for s in ordered if s not in entry[2])
        for call, handlers, subscriptions in found.values():
            yield self._finding(call, handlers, subscriptions)

    def _ordered(self, s: Subscription) -> bool:
        options = self.options
        return s.framework in options.ordered_frameworks or fifo(s, options.fifo_frameworks, options.fifo_channels)

    def _order_matters(self, s: Subscription, ctx: RuleContext) -> bool:
        """One entity can have several messages on what the subscription receives: a FIFO queue (chosen for its
        order), a name that says it carries an entity's changes, a declared key, several kinds of message among
        the project's publications that reach it, or none of them in the project (its producers are elsewhere,
        and what they send is unknown). One kind of message (one creation per user) has nothing to keep in order."""
        options = self.options
        if s.framework not in options.ordered_frameworks or changes_of_one_entity(s, options.change_streams):
            return True
        if any(spec.key for spec in ctx.catalog.for_channel(s.channel or "")) or (s.event and (spec := ctx.catalog.event(s.event)) and spec.key):
            return True
        key = (s.path, s.line, s.column, s.channel, s.event)
        if key not in self._matters:
            feeding = [p for p in ctx.flow.publications if ctx.flow.reaches(p, s)]
            if self._reaching is None:
                self._reaching = _publishing_paths(ctx)
            self._matters[key] = not feeding or len(kinds_of(feeding, self._reaching)) > 1
        return self._matters[key]

    def _keyed(self, call: HandlerCall, handler: Handler) -> bool:
        """The worker is picked from the message: a subscript or a call in the receiver
        (`executors[hash(msg.key()) % n]`, `worker_for(msg)`) reads a key-like value or the message."""
        try:
            tree = ast.parse(call.text, mode="eval").body
        except SyntaxError:
            return False
        receiver = tree.value if isinstance(tree, ast.Attribute) else None
        if receiver is None:
            return False
        patterns = tuple(p.lower() for p in self.options.keyed_selectors)
        reading = {c.text for c in handler.calls if c.path == call.path and c.line == call.line and c.uses_message}
        for node in ast.walk(receiver):
            selectors: list[ast.AST] = []
            if isinstance(node, ast.Subscript):
                selectors.append(node.slice)
            elif isinstance(node, ast.Call):
                if ast.unparse(node.func) in reading:
                    return True
                selectors.extend((node.func, *node.args, *(k.value for k in node.keywords)))
            if any(matches(ast.unparse(s).lower(), patterns) for s in selectors):
                return True
        return False

    def _waited(self, call: HandlerCall, handler: Handler) -> bool:
        """Its result is waited for on the spot: `pool.submit(f, msg).result()`."""
        prefix = call.text + "("
        return any(
            other.path == call.path and other.line == call.line and other.text.startswith(prefix) and matches(other.text, self.options.waits)
            for other in handler.calls
        )

    def _finding(self, call: HandlerCall, handlers: list[Handler], subscriptions: list[Subscription]) -> Diagnostic:
        first = handlers[0]
        route = chain(first, call)[1:]
        via = f" (via {' -> '.join(short(name) for name in route)})" if route else ""
        channels = sorted({destination(s) for s in subscriptions})
        frameworks = sorted({s.framework for s in subscriptions})
        grouped = all(s.framework not in self.options.ordered_frameworks for s in subscriptions)
        unit = "message group" if grouped else "partition"
        names = listing([short(h.name) for h in handlers])
        message = (
            f"{names} {'hand' if len(handlers) > 1 else 'hands'} messages of {listing(channels)} ({', '.join(frameworks)}) to "
            f"{short(call.name) if '.' in call.name and call.name != call.text else call.text}{via} "
            f"without keying: messages of one {unit} run concurrently and can finish out of order"
        )
        key = "message group id" if grouped else "key"
        hint = (
            f"dispatch by {key}: one single-threaded worker per hash({key.replace(' ', '_')}) % n "
            f"(executors[hash({key.replace(' ', '_')}) % n].submit(handle, msg)), or handle the messages of a "
            f"{unit} one after another"
        )
        event = next((s.event for s in subscriptions if s.event), None)
        return self.finding((call.path, call.line, call.column), message, hint=hint, service=first.service, event=event)


RULES = (PublishWithoutKey, KeyNotEntityId, UnorderedConsumption)
