"""kafka-python: KafkaProducer.send, KafkaConsumer(*topics), subscribe(), polling loops, a relay wrapper."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("kafka_python")
API = "services/orders/orders/api.py"
OUTBOX = "services/orders/orders/outbox.py"
CONSUMER = "services/payments/payments/consumer.py"
ANALYTICS = "services/analytics/main.py"


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (API, line_of(ROOT / API, "producer.send(topics.ORDER_PLACED"), "OrderPlaced", "orders.placed", "orders", "orders.api.place_order"),
        (API, line_of(ROOT / API, "producer.send(topics.ORDER_CANCELLED"), "OrderCancelled", "orders.cancelled", "orders", "orders.api.cancel_order"),
        (OUTBOX, line_of(ROOT / OUTBOX, "self._producer.send(topic"), None, None, "orders", "orders.outbox.OutboxRelay.relay"),
        (OUTBOX, line_of(ROOT / OUTBOX, 'relay.relay("payments.refund-requested"'), None, "payments.refund-requested", "orders", "orders.outbox.flush_refunds"),
    }


def test_payload_fields_key_and_event_from_payload():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, API, line_of(ROOT / API, "producer.send(topics.ORDER_PLACED"))
    # asdict(OrderPlaced(order.id, order.customer_id, total_cents=...)): positional args map to dataclass fields
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    assert placed.key == "order.id.encode()"
    [cancelled] = by_site(facts.publishers, API, line_of(ROOT / API, "producer.send(topics.ORDER_CANCELLED"))
    # the local `payload` dict is followed; its event_type names the event
    assert cancelled.payload_fields == ("event_type", "order_id", "reason")


def test_wrapper_call_site_resolves_the_channel_and_keeps_the_raw_call():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, OUTBOX, line_of(ROOT / OUTBOX, "self._producer.send(topic"))
    assert inner.channel is None and inner.channel_expr == "topic"
    [outer] = by_site(facts.publishers, OUTBOX, line_of(ROOT / OUTBOX, 'relay.relay("payments.refund-requested"'))
    assert outer.via == ("orders.outbox.OutboxRelay.relay",)
    assert outer.key == "row.order_id"
    assert outer.framework == "kafka-python"


def test_subscribers_follow_messages_to_the_handler():
    facts = facts_of(ROOT)
    constructor_line = line_of(ROOT / CONSUMER, "consumer = KafkaConsumer(")
    subscribe_line = line_of(ROOT / CONSUMER, "self.consumer.subscribe(")
    analytics_line = line_of(ROOT / ANALYTICS, "consumer = KafkaConsumer(*TOPICS")
    assert subs(facts) == {
        (CONSUMER, constructor_line, None, "orders.placed", "payments", "payments.handlers.charge_for_order"),
        (CONSUMER, subscribe_line, None, "orders.cancelled", "payments", "payments.handlers.release_hold"),
        (ANALYTICS, analytics_line, None, "orders.placed", "analytics", "main.record"),
        (ANALYTICS, analytics_line, None, "orders.cancelled", "analytics", "main.record"),
    }


def test_group_and_ack_mode():
    facts = facts_of(ROOT)
    [run] = by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "consumer = KafkaConsumer("))
    assert (run.group, run.ack) == ("payments", "manual")
    [cancel] = by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "self.consumer.subscribe("))
    # group and ack come from the constructor that made the object subscribe() is called on
    assert (cancel.group, cancel.ack) == ("payments-cancellations", "auto-commit")


def test_headers_are_the_names_of_the_header_pairs():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        # headers = [("correlation_id", ...), ("content-type", ...)], followed from the local variable
        (API, line_of(ROOT / API, "producer.send(topics.ORDER_PLACED")): ("correlation_id", "content-type"),
        # no headers argument: none are set
        (API, line_of(ROOT / API, "producer.send(topics.ORDER_CANCELLED")): (),
        (OUTBOX, line_of(ROOT / OUTBOX, "self._producer.send(topic")): (),
        (OUTBOX, line_of(ROOT / OUTBOX, 'relay.relay("payments.refund-requested"')): (),
    }
