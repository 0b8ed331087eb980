"""pika: BlockingChannel publish/consume/bind, the consume() generator, a SelectConnection channel from a callback."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("pika")
PUBLISHER = "services/orders/orders/publisher.py"
SERVICE = "services/orders/orders/service.py"
AUDIT = "services/orders/orders/audit.py"
TOPOLOGY = "services/billing/billing/topology.py"
HANDLERS = "services/billing/billing/handlers.py"
WORKER = "services/billing/billing/worker.py"
SHIPPING = "services/shipping/shipping/consumer.py"
ANALYTICS = "services/analytics/main.py"


def binds(facts) -> set[tuple]:
    """(path, line, queue, exchange, routing_key, service, dead_letter) of every binding."""
    return {(b.path, b.line, b.queue, b.exchange, b.routing_key, b.service, b.dead_letter) for b in facts.bindings}


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the raw call inside the wrapper: its routing key is the wrapper's parameter
        (PUBLISHER, line_of(ROOT / PUBLISHER, "self.channel.basic_publish("), None, None, "orders", "orders.publisher.EventPublisher.publish"),
        # the wrapper's callers: the exchange joined with the caller's routing key
        (SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 1), None, "orders/order.placed", "orders", "orders.service.place_order"),
        (SERVICE, line_of(ROOT / SERVICE, "publisher.publish(routing.ORDER_CANCELLED"), None, "orders/order.cancelled", "orders", "orders.service.cancel_order"),
        # fanout exchange with an empty routing key: the channel is the exchange
        (AUDIT, line_of(ROOT / AUDIT, "_channel.basic_publish("), None, "audit", "orders", "orders.audit.record_change"),
        # the channel handed to an on_message_callback is untyped: matched by method name in a module importing pika
        (HANDLERS, line_of(ROOT / HANDLERS, "ch.basic_publish("), None, "billing/invoice.issued", "billing", "billing.handlers.charge_order"),
    }


def test_wrapper_keeps_the_raw_call_and_reports_each_caller():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, PUBLISHER, line_of(ROOT / PUBLISHER, "self.channel.basic_publish("))
    assert inner.channel is None and inner.channel_expr == "orders/{routing_key}"
    assert inner.framework == "pika"
    for occurrence in (1, 2):
        [outer] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", occurrence))
        assert outer.via == ("orders.publisher.EventPublisher.publish",)


def test_payload_fields_of_direct_publishes():
    facts = facts_of(ROOT)
    [audit] = by_site(facts.publishers, AUDIT, line_of(ROOT / AUDIT, "_channel.basic_publish("))
    assert audit.payload_fields == ("entity", "id", "change", "at")
    [invoice] = by_site(facts.publishers, HANDLERS, line_of(ROOT / HANDLERS, "ch.basic_publish("))
    assert invoice.payload_fields == ("order_id", "amount_cents")


def test_wrapper_payload_through_a_serialiser():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 1))
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    [cancelled] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 2))
    assert cancelled.payload_fields == ("order_id", "reason")


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(queue=topology.CHARGE_QUEUE"), None, "billing.charge", "billing", "billing.handlers.charge_order"),
        (WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(topology.REFUND_QUEUE"), None, "billing.refund", "billing", "billing.handlers.refund_order"),
        # SelectConnection: the channel arrives in on_channel_open and is kept on self
        (SHIPPING, line_of(ROOT / SHIPPING, "self._channel.basic_consume("), None, "shipping.orders", "shipping", "shipping.consumer.ShippingConsumer.on_message"),
        # consume() is a generator: the messages are followed to the function that receives them
        (ANALYTICS, line_of(ROOT / ANALYTICS, "channel.consume(AUDIT_QUEUE"), None, "analytics.audit", "analytics", "main.store"),
    }


def test_ack_mode():
    facts = facts_of(ROOT)
    acks = {(s.path, s.line): s.ack for s in facts.subscribers}
    assert acks == {
        (WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(queue=topology.CHARGE_QUEUE")): "manual",
        (WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(topology.REFUND_QUEUE")): "manual",
        (SHIPPING, line_of(ROOT / SHIPPING, "self._channel.basic_consume(")): "manual",
        (ANALYTICS, line_of(ROOT / ANALYTICS, "channel.consume(AUDIT_QUEUE")): "on-delivery",
    }
    assert {s.group for s in facts.subscribers} == {None}


def test_dead_letter_exchange_from_queue_declare():
    facts = facts_of(ROOT)
    dead_letters = {(s.path, s.line, s.channel): s.dead_letter for s in facts.subscribers}
    assert dead_letters == {
        # queue_declare(queue=CHARGE_QUEUE, arguments={"x-dead-letter-exchange": ...}) in billing.topology
        (WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(queue=topology.CHARGE_QUEUE"), "billing.charge"): "billing.dlx",
        (WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(topology.REFUND_QUEUE"), "billing.refund"): None,
        (SHIPPING, line_of(ROOT / SHIPPING, "self._channel.basic_consume("), "shipping.orders"): None,
        (ANALYTICS, line_of(ROOT / ANALYTICS, "channel.consume(AUDIT_QUEUE"), "analytics.audit"): None,
    }


def test_bindings_are_exact():
    facts = facts_of(ROOT)
    assert binds(facts) == {
        # routing_key omitted: pika binds with the queue name
        (TOPOLOGY, line_of(ROOT / TOPOLOGY, "channel.queue_bind(queue=DEAD_LETTER_QUEUE"), "billing.dead-letter", "billing.dlx", "billing.dead-letter", "billing", None),
        # queue_declare with an x-dead-letter-exchange argument: the queue's dead-letter route
        (TOPOLOGY, line_of(ROOT / TOPOLOGY, "channel.queue_declare(", 2), "billing.charge", None, None, "billing", "billing.dlx"),
        # another binding of the same queue carries the dead-letter exchange declared for it
        (TOPOLOGY, line_of(ROOT / TOPOLOGY, "channel.queue_bind(queue=CHARGE_QUEUE"), "billing.charge", "orders", "order.placed", "billing", "billing.dlx"),
        (TOPOLOGY, line_of(ROOT / TOPOLOGY, "channel.queue_bind(REFUND_QUEUE"), "billing.refund", "orders", "order.cancelled", "billing", None),
        (SHIPPING, line_of(ROOT / SHIPPING, "self._channel.queue_bind("), "shipping.orders", "orders", "order.placed", "shipping", None),
        (ANALYTICS, line_of(ROOT / ANALYTICS, 'channel.queue_bind(AUDIT_QUEUE, "audit")'), "analytics.audit", "audit", "analytics.audit", "analytics", None),
        # queue_declare(exclusive=True): the queue dies with its consumer (lifetime, from the pack)
        (ANALYTICS, line_of(ROOT / ANALYTICS, "channel.queue_declare("), "analytics.audit", None, None, "analytics", None),
    }
    assert {b.framework for b in facts.bindings} == {"pika"}
    assert {(b.path, b.line, b.lifetime) for b in facts.bindings if b.lifetime} == {(ANALYTICS, line_of(ROOT / ANALYTICS, "channel.queue_declare("), "exclusive")}


def test_declarations_are_not_sites():
    facts = facts_of(ROOT)
    declarations = [
        (PUBLISHER, "self.channel.exchange_declare(", 1),
        (AUDIT, "_channel.exchange_declare(", 1),
        (TOPOLOGY, "channel.exchange_declare(", 1),
        (TOPOLOGY, "channel.queue_declare(", 1),
        # (the second, with dead-letter arguments, is a binding: test_bindings_are_exact)
        (TOPOLOGY, "channel.queue_declare(", 3),
        (SHIPPING, "self._channel.exchange_declare(", 1),
        (SHIPPING, "self._channel.queue_declare(", 1),
        (ANALYTICS, "channel.exchange_declare(", 1),
        # (its queue_declare(exclusive=True) is a binding: test_bindings_are_exact)
    ]
    for path, snippet, occurrence in declarations:
        line = line_of(ROOT / path, snippet, occurrence)
        for records in (facts.publishers, facts.subscribers, facts.bindings):
            assert by_site(records, path, line) == [], (path, snippet, occurrence)


def test_headers_are_the_properties_given_and_the_keys_of_their_headers():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    # properties=pika.BasicProperties(content_type=..., delivery_mode=2, headers={"x-event-type": ..., "x-source": ...})
    wrapped = ("content_type", "delivery_mode", "x-event-type", "x-source")
    assert headers == {
        (PUBLISHER, line_of(ROOT / PUBLISHER, "self.channel.basic_publish(")): wrapped,
        (SERVICE, line_of(ROOT / SERVICE, "publisher.publish(")): wrapped,
        (SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", occurrence=2)): wrapped,
        (HANDLERS, line_of(ROOT / HANDLERS, "ch.basic_publish(")): ("content_type",),
        # no properties: nothing set
        (AUDIT, line_of(ROOT / AUDIT, "_channel.basic_publish(")): (),
    }
