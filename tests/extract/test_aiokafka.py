"""aiokafka: AIOKafkaProducer.send/send_and_wait/send_batch, AIOKafkaConsumer(*topics), subscribe(topics/pattern),
assign(), `async for`, getone() and getmany() loops, a publisher wrapper."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("aiokafka")
API = "services/orders/orders/api.py"
KAFKA = "services/orders/orders/kafka.py"
BACKFILL = "services/orders/orders/backfill.py"
BATCHER = "services/orders/orders/refunds.py"
CONSUMER = "services/payments/payments/consumer.py"
LISTENER = "services/payments/payments/refunds.py"
OPS = "services/payments/payments/ops.py"
ANALYTICS = "services/analytics/main.py"


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # `producer: Producer | None = None` at module level, bound through `global producer` in startup()
        (API, line_of(ROOT / API, "await producer.send(topics.ORDER_PLACED"), "OrderPlaced", "orders.placed", "orders", "orders.api.place_order"),
        (API, line_of(ROOT / API, "await publisher.publish("), "OrderCancelled", "orders.cancelled", "orders", "orders.api.cancel_order"),
        (KAFKA, line_of(ROOT / KAFKA, "await self.producer.send_and_wait(topic"), None, None, "orders", "orders.kafka.EventPublisher.publish"),
        (BACKFILL, line_of(ROOT / BACKFILL, "await producer.send(topic=topics.ORDER_PLACED"), None, "orders.placed", "orders", "orders.backfill.republish"),
        (BATCHER, line_of(ROOT / BATCHER, "await self._producer.send_batch("), None, "payments.refund-requested", "orders", "orders.refunds.RefundBatcher.flush"),
    }
    assert {p.framework for p in facts.publishers} == {"aiokafka"}


def test_keys_and_payload_fields():
    facts = facts_of(ROOT)
    # send(topic, asdict(OrderPlaced(...)), key=...) on the producer bound in startup()
    [placed] = by_site(facts.publishers, API, line_of(ROOT / API, "await producer.send(topics.ORDER_PLACED"))
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    assert placed.key == "order.id.encode()"
    # keyword topic=/value=/key= inside `async with AIOKafkaProducer(...) as producer`
    [backfill] = by_site(facts.publishers, BACKFILL, line_of(ROOT / BACKFILL, "await producer.send(topic=topics.ORDER_PLACED"))
    assert backfill.key == "row.order_id.encode()"
    assert backfill.payload_fields is None
    # send_batch(batch, topic, partition=...): the records were appended to the batch builder
    [batch] = by_site(facts.publishers, BATCHER, line_of(ROOT / BATCHER, "await self._producer.send_batch("))
    assert (batch.key, batch.payload_fields) == (None, None)


def test_wrapper_call_site_resolves_the_channel_payload_and_key():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, KAFKA, line_of(ROOT / KAFKA, "await self.producer.send_and_wait(topic"))
    assert inner.channel is None and inner.channel_expr == "topic"
    assert inner.key == "key"
    # the wrapper is reached through an annotated parameter (publisher: EventPublisher)
    [outer] = by_site(facts.publishers, API, line_of(ROOT / API, "await publisher.publish("))
    assert outer.via == ("orders.kafka.EventPublisher.publish",)
    assert outer.payload_fields == ("event_type", "order_id", "reason")
    assert outer.key == "order.id.encode()"


def test_subscribers_follow_messages_to_the_handler():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # topics in the constructor (a constant from the project's topics module), `async for msg in consumer`
        (CONSUMER, line_of(ROOT / CONSUMER, "consumer = AIOKafkaConsumer("), None, "orders.placed", "payments", "payments.handlers.charge_for_order"),
        # subscribe(topics=[...]) in one method, getmany() batches in another
        (CONSUMER, line_of(ROOT / CONSUMER, "self.consumer.subscribe("), None, "orders.cancelled", "payments", "payments.handlers.release_hold"),
        # subscribe(pattern=...): the regex is the channel; getone() result is deserialised by a helper first
        (ANALYTICS, line_of(ROOT / ANALYTICS, "consumer.subscribe(pattern="), None, r"^orders\..*", "analytics", "main.record"),
        # assign([TopicPartition(...)]) on a consumer from `async with`
        (ANALYTICS, line_of(ROOT / ANALYTICS, "consumer.assign("), None, "orders.placed", "analytics", "main.audit"),
        # `self._consumer = None` in __init__, the consumer made and subscribed in start(), `async for` in run()
        (LISTENER, line_of(ROOT / LISTENER, "self._consumer.subscribe("), None, "payments.refund-requested", "payments", "payments.handlers.issue_refund"),
    }
    assert {s.framework for s in facts.subscribers} == {"aiokafka"}


def test_group_and_ack_mode():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "consumer = AIOKafkaConsumer("))
    assert (placed.group, placed.ack) == ("payments", "manual")
    # group and ack come from the constructor that made the object subscribe() is called on (default: auto commit)
    [cancelled] = by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "self.consumer.subscribe("))
    assert (cancelled.group, cancelled.ack) == ("payments-cancellations", "auto-commit")
    [collected] = by_site(facts.subscribers, ANALYTICS, line_of(ROOT / ANALYTICS, "consumer.subscribe(pattern="))
    assert (collected.group, collected.ack) == ("analytics", "auto-commit")
    # no group_id: a standalone consumer
    [audited] = by_site(facts.subscribers, ANALYTICS, line_of(ROOT / ANALYTICS, "consumer.assign("))
    assert (audited.group, audited.ack) == (None, "manual")
    # made in start() after `self._consumer = None` in __init__: the informative assignment is read
    [refunds] = by_site(facts.subscribers, LISTENER, line_of(ROOT / LISTENER, "self._consumer.subscribe("))
    assert (refunds.group, refunds.ack) == ("payments-refunds", "manual")


def test_declarations_are_not_sites():
    facts = facts_of(ROOT)
    # a consumer without topics that is never subscribed (lag probe), admin create_topics, create_batch()
    assert not [r for r in (*facts.publishers, *facts.subscribers) if r.path == OPS]
    assert by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "self.consumer = AIOKafkaConsumer(")) == []
    assert by_site(facts.publishers, BATCHER, line_of(ROOT / BATCHER, "batch = self._producer.create_batch()")) == []
    assert by_site(facts.publishers, KAFKA, line_of(ROOT / KAFKA, "self.producer = AIOKafkaProducer(")) == []


def test_headers_are_the_names_of_the_header_pairs():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        (API, line_of(ROOT / API, "await producer.send(topics.ORDER_PLACED")): ("event-type",),
        (API, line_of(ROOT / API, "await publisher.publish(")): (),
        (BACKFILL, line_of(ROOT / BACKFILL, "await producer.send(")): (),
        (KAFKA, line_of(ROOT / KAFKA, "await self.producer.send_and_wait(")): (),
        # send_batch: the headers went into batch.append(...), not read
        (BATCHER, line_of(ROOT / BATCHER, "await self._producer.send_batch(")): None,
    }
