"""confluent-kafka: Producer/SerializingProducer/AvroProducer.produce, Consumer.subscribe()/assign() with the
group and commit mode read from the config dict, poll and consume loops, a relay wrapper."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("confluent_kafka")
PUBLISHER = "services/orders/orders/publisher.py"
OUTBOX = "services/orders/orders/outbox.py"
SHIPPING = "services/orders/orders/shipping.py"
WORKER = "services/payments/payments/worker.py"
OPS = "services/payments/payments/ops.py"
FULFILLMENT = "services/fulfillment/fulfillment/consumer.py"
NOTIFICATIONS = "services/notifications/main.py"


def placed_line() -> int:
    return line_of(ROOT / PUBLISHER, "producer.produce(topics.ORDER_PLACED")


def cancelled_line() -> int:
    # the multi-line `producer.produce(\n    topic=topics.ORDER_CANCELLED, ...)`: the site is the call's first line
    return line_of(ROOT / PUBLISHER, "producer.produce(", 2)


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # json.dumps(asdict(OrderPlaced(...))).encode("utf-8"): the event is the dataclass
        (PUBLISHER, placed_line(), "OrderPlaced", "orders.placed", "orders", "orders.publisher.place_order"),
        (PUBLISHER, cancelled_line(), "OrderCancelled", "orders.cancelled", "orders", "orders.publisher.cancel_order"),
        (PUBLISHER, line_of(ROOT / PUBLISHER, "producer.produce_batch("), None, "orders.placed", "orders", "orders.publisher.replay_placed"),
        (OUTBOX, line_of(ROOT / OUTBOX, "self.producer.produce(topic"), None, None, "orders", "orders.outbox.OutboxPublisher.publish"),
        (OUTBOX, line_of(ROOT / OUTBOX, 'publisher.publish("payments.refund-requested"'), None, "payments.refund-requested", "orders", "orders.outbox.flush_refunds"),
        (SHIPPING, line_of(ROOT / SHIPPING, "self._producer.produce("), None, "shipments.dispatched", "orders", "orders.shipping.ShipmentNotifier.notify_dispatched"),
        (NOTIFICATIONS, line_of(ROOT / NOTIFICATIONS, "points_producer.produce("), None, "loyalty.points-awarded", "notifications", "main.award_points"),
    }
    assert {p.framework for p in facts.publishers} == {"confluent-kafka"}


def test_keys_and_payload_fields():
    facts = facts_of(ROOT)
    # Producer.produce(topic, value, key): the key is the third positional argument
    [placed] = by_site(facts.publishers, PUBLISHER, placed_line())
    assert placed.key == "str(order.id)"
    # json.dumps(asdict(OrderPlaced(order.id, order.customer_id, total_cents=...))).encode("utf-8")
    assert placed.event == "OrderPlaced"
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    # keyword topic=/value=/key=; the local `payload` dict is followed through json.dumps and names the event
    [cancelled] = by_site(facts.publishers, PUBLISHER, cancelled_line())
    assert cancelled.key == "order.id"
    assert cancelled.payload_fields == ("event_type", "order_id", "reason")
    # produce_batch(topic, messages): the batch's records are not a payload
    [batch] = by_site(facts.publishers, PUBLISHER, line_of(ROOT / PUBLISHER, "producer.produce_batch("))
    assert (batch.key, batch.payload_fields) == (None, None)
    # SerializingProducer.produce(topic, key, value): key before value; the producer came in as an annotated parameter
    [dispatched] = by_site(facts.publishers, SHIPPING, line_of(ROOT / SHIPPING, "self._producer.produce("))
    assert dispatched.key == "shipment.order_id"
    assert dispatched.payload_fields == ("order_id", "carrier", "tracking_number")
    # AvroProducer.produce(topic, value=..., key=...): keyword-only value and key
    [points] = by_site(facts.publishers, NOTIFICATIONS, line_of(ROOT / NOTIFICATIONS, "points_producer.produce("))
    assert points.key == "shipment['customer_id']"
    assert points.payload_fields == ("customer_id", "points")


def test_wrapper_call_site_resolves_the_channel_and_keeps_the_raw_call():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, OUTBOX, line_of(ROOT / OUTBOX, "self.producer.produce(topic"))
    assert inner.channel is None and inner.channel_expr == "topic"
    assert inner.key == "key"
    [outer] = by_site(facts.publishers, OUTBOX, line_of(ROOT / OUTBOX, 'publisher.publish("payments.refund-requested"'))
    assert outer.via == ("orders.outbox.OutboxPublisher.publish",)
    assert outer.key == "row.order_id"
    # the helper serialises its parameter (json.dumps(payload).encode(...)): the caller's dict is the payload
    assert outer.payload_fields == ("order_id", "amount_cents")
    assert outer.framework == "confluent-kafka"


def test_subscribers_follow_messages_to_the_handler():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # poll() loop: the message is decoded by a helper, then handed to a handler in another module
        (WORKER, line_of(ROOT / WORKER, 'consumer.subscribe(["orders.placed"])'), None, "orders.placed", "payments", "payments.handlers.charge_for_order"),
        # subscribe() in one method, consume(num_messages=...) loop in another
        (WORKER, line_of(ROOT / WORKER, "self.consumer.subscribe("), None, "orders.cancelled", "payments", "payments.handlers.release_hold"),
        # assign([TopicPartition(...)]) then a consume() loop
        (WORKER, line_of(ROOT / WORKER, "consumer.assign("), None, "orders.placed", "payments", "payments.handlers.charge_for_order"),
        # DeserializingConsumer returned by a factory function
        (FULFILLMENT, line_of(ROOT / FULFILLMENT, "consumer.subscribe([ORDERS_TOPIC])"), None, "orders.placed", "fulfillment", "fulfillment.stock.reserve_stock"),
        (FULFILLMENT, line_of(ROOT / FULFILLMENT, "consumer.assign("), None, "orders.placed", "fulfillment", "fulfillment.stock.rebuild_reservation"),
        # AvroConsumer in a script-style module
        (NOTIFICATIONS, line_of(ROOT / NOTIFICATIONS, "consumer.subscribe("), None, "loyalty.points-awarded", "notifications", "main.send_points_email"),
    }


def test_group_and_ack_mode_come_from_the_config_dict():
    facts = facts_of(ROOT)
    # CONSUMER_CONF is defined in another module: "group.id": "payments", "enable.auto.commit": False
    [charges] = by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, 'consumer.subscribe(["orders.placed"])'))
    assert (charges.group, charges.ack) == ("payments", "manual")
    # {**CONSUMER_CONF, "group.id": ...}: the literal key wins, the rest (enable.auto.commit) comes from the spread dict
    [cancellations] = by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "self.consumer.subscribe("))
    assert (cancellations.group, cancellations.ack) == ("payments-cancellations", "manual")
    # the same spread in a local consumer that is assigned partitions
    [reprocess] = by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "consumer.assign("))
    assert (reprocess.group, reprocess.ack) == ("payments-reprocess", "manual")
    # no "enable.auto.commit" key: librdkafka's default is to commit automatically
    [fulfil] = by_site(facts.subscribers, FULFILLMENT, line_of(ROOT / FULFILLMENT, "consumer.subscribe([ORDERS_TOPIC])"))
    assert (fulfil.group, fulfil.ack) == ("fulfillment", "auto-commit")
    [replay] = by_site(facts.subscribers, FULFILLMENT, line_of(ROOT / FULFILLMENT, "consumer.assign("))
    assert (replay.group, replay.ack) == ("fulfillment", "auto-commit")
    # "enable.auto.commit": "false" given as a string
    [points] = by_site(facts.subscribers, NOTIFICATIONS, line_of(ROOT / NOTIFICATIONS, "consumer.subscribe("))
    assert (points.group, points.ack) == ("notifications", "manual")
    assert {s.framework for s in facts.subscribers} == {"confluent-kafka"}


def test_declarations_are_not_sites():
    facts = facts_of(ROOT)
    # a Consumer that is never subscribed (lag probe), AdminClient.create_topics, producer constructors
    assert by_site(facts.subscribers, OPS, line_of(ROOT / OPS, "probe = Consumer(")) == []
    assert not [r for r in (*facts.publishers, *facts.subscribers) if r.path == OPS]
    assert by_site(facts.publishers, PUBLISHER, line_of(ROOT / PUBLISHER, "producer = KafkaProducer(")) == []
    assert by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "consumer = ck.Consumer(CONSUMER_CONF)")) == []
    assert by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "self.consumer = ck.Consumer({**CONSUMER_CONF")) == []
    assert by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "    consumer = ck.Consumer({**CONSUMER_CONF")) == []
    assert by_site(facts.subscribers, FULFILLMENT, line_of(ROOT / FULFILLMENT, "return DeserializingConsumer(")) == []


def test_headers_are_the_names_of_the_header_pairs():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        (NOTIFICATIONS, line_of(ROOT / NOTIFICATIONS, "points_producer.produce(")): (),
        # produce(..., headers=[("source", b"outbox")]) in the wrapper, and at its call site
        (OUTBOX, line_of(ROOT / OUTBOX, "self.producer.produce(topic")): ("source",),
        (OUTBOX, line_of(ROOT / OUTBOX, 'publisher.publish("payments.refund-requested"')): ("source",),
        (PUBLISHER, line_of(ROOT / PUBLISHER, "producer.produce(topics.ORDER_PLACED")): (),
        (PUBLISHER, line_of(ROOT / PUBLISHER, "producer.produce(", occurrence=2)): (),
        # produce_batch takes its headers inside each message: not read
        (PUBLISHER, line_of(ROOT / PUBLISHER, "producer.produce_batch(")): None,
        (SHIPPING, line_of(ROOT / SHIPPING, "self._producer.produce(")): (),
    }
