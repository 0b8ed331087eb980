"""aio-pika: Exchange.publish (declared and default exchange), Queue.consume, Queue.iterator, Queue.bind, dead-letter arguments."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("aio_pika")
PUBLISHER = "services/catalog/catalog/publisher.py"
API = "services/catalog/catalog/api.py"
CONSUMER = "services/inventory/inventory/consumer.py"
WORKER = "services/notifications/notifications/worker.py"
LISTENER = "services/orders/orders/listener.py"


def binds(facts) -> set[tuple]:
    """(path, line, queue, exchange, routing_key, service, dead_letter) of every binding."""
    return {(b.path, b.line, b.queue, b.exchange, b.routing_key, b.service, b.dead_letter) for b in facts.bindings}


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the raw call inside the wrapper: its routing key is the wrapper's parameter
        (PUBLISHER, line_of(ROOT / PUBLISHER, "await self.exchange.publish("), None, None, "catalog", "catalog.publisher.CatalogPublisher.publish"),
        # the wrapper's callers: the exchange joined with the caller's routing key
        (API, line_of(ROOT / API, "await publisher.publish(", 1), None, "catalog/product.price_changed", "catalog", "catalog.api.change_price"),
        (API, line_of(ROOT / API, "await publisher.publish(amqp.STOCK_LOW"), None, "catalog/product.stock_low", "catalog", "catalog.api.report_stock"),
        # the default exchange has no name: the channel is the routing key, i.e. the queue name
        (WORKER, line_of(ROOT / WORKER, "await channel.default_exchange.publish("), None, "emails.outbox", "notifications", "notifications.worker.run"),
    }
    assert {p.framework for p in facts.publishers} == {"aio-pika"}


def test_wrapper_keeps_the_raw_call_and_reports_each_caller():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, PUBLISHER, line_of(ROOT / PUBLISHER, "await self.exchange.publish("))
    assert inner.channel is None and inner.channel_expr == "catalog/{routing_key}"
    for snippet in ("await publisher.publish(", "await publisher.publish(amqp.STOCK_LOW"):
        [outer] = by_site(facts.publishers, API, line_of(ROOT / API, snippet))
        assert outer.via == ("catalog.publisher.CatalogPublisher.publish",)


def test_payload_through_encode():
    facts = facts_of(ROOT)
    # Message(body=json.dumps(email).encode()), `email` returned by a project function
    [email] = by_site(facts.publishers, WORKER, line_of(ROOT / WORKER, "await channel.default_exchange.publish("))
    assert email.payload_fields == ("to", "subject")
    # the wrapper's callers: the literal dict passed as `payload`
    [price] = by_site(facts.publishers, API, line_of(ROOT / API, "await publisher.publish(", 1))
    assert price.payload_fields == ("sku", "old_price_cents", "new_price_cents")
    [stock] = by_site(facts.publishers, API, line_of(ROOT / API, "await publisher.publish(amqp.STOCK_LOW"))
    assert stock.payload_fields == ("sku", "stock")


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (CONSUMER, line_of(ROOT / CONSUMER, "await queue.consume("), None, "inventory.price-changes", "inventory", "inventory.handlers.on_price_changed"),
        # async with queue.iterator() as it: async for message in it -> the function that receives the message
        (WORKER, line_of(ROOT / WORKER, "async with queue.iterator()"), None, "notifications.stock-low", "notifications", "notifications.mailer.send_stock_alert"),
        # self.channel set to None in __init__, connected in start()
        (LISTENER, line_of(ROOT / LISTENER, "await queue.consume(self.on_payment_captured)"), None, "orders.payment-captured", "orders", "orders.listener.PaymentListener.on_payment_captured"),
    }


def test_ack_and_dead_letter():
    facts = facts_of(ROOT)
    [price] = by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "await queue.consume("))
    # the queue was declared with x-dead-letter-exchange; consume() without no_ack acknowledges manually
    assert (price.ack, price.dead_letter, price.group) == ("manual", "inventory.dlx", None)
    [stock] = by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "async with queue.iterator()"))
    assert (stock.ack, stock.dead_letter, stock.group) == ("manual", None, None)
    [payment] = by_site(facts.subscribers, LISTENER, line_of(ROOT / LISTENER, "await queue.consume(self.on_payment_captured)"))
    assert (payment.ack, payment.dead_letter, payment.group) == ("manual", None, None)


def test_bindings_are_exact():
    facts = facts_of(ROOT)
    assert binds(facts) == {
        # exchange object from declare_exchange; dead-letter exchange from the queue's arguments
        (CONSUMER, line_of(ROOT / CONSUMER, "await queue.bind(catalog"), "inventory.price-changes", "catalog", "product.price_changed", "inventory", "inventory.dlx"),
        # exchange given by name, routing key positional
        (WORKER, line_of(ROOT / WORKER, 'await queue.bind("catalog"'), "notifications.stock-low", "catalog", "product.stock_low", "notifications", None),
        # a queue reached through self.channel, set to None in __init__ and connected in start()
        (LISTENER, line_of(ROOT / LISTENER, "await queue.bind(PAYMENTS_EXCHANGE"), "orders.payment-captured", "payments", "payment.captured", "orders", None),
    }
    assert {b.framework for b in facts.bindings} == {"aio-pika"}


def test_declarations_are_not_sites():
    facts = facts_of(ROOT)
    declarations = [
        (PUBLISHER, "await self.channel.declare_exchange("),
        (CONSUMER, "catalog = await channel.declare_exchange("),
        (CONSUMER, "await channel.declare_exchange(settings.DEAD_LETTER_EXCHANGE"),
        (CONSUMER, "queue = await channel.declare_queue("),
        # a queue declared and never consumed here
        (WORKER, "await channel.declare_queue(OUTBOX_QUEUE"),
        (WORKER, "queue = await channel.declare_queue(STOCK_QUEUE"),
        (LISTENER, "queue = await self.channel.declare_queue(PAYMENTS_QUEUE"),
    ]
    for path, snippet in declarations:
        line = line_of(ROOT / path, snippet)
        for records in (facts.publishers, facts.subscribers, facts.bindings):
            assert by_site(records, path, line) == [], (path, snippet)


def test_headers_are_the_message_properties_given():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        # Message(body=..., content_type=..., delivery_mode=...) in the wrapper, and at its call sites
        (PUBLISHER, line_of(ROOT / PUBLISHER, "await self.exchange.publish(")): ("content_type", "delivery_mode"),
        (API, line_of(ROOT / API, "await publisher.publish(")): ("content_type", "delivery_mode"),
        (API, line_of(ROOT / API, "await publisher.publish(", occurrence=2)): ("content_type", "delivery_mode"),
        # aio_pika.Message(body=..., correlation_id=message.correlation_id): the consumed message's id goes on
        (WORKER, line_of(ROOT / WORKER, "await channel.default_exchange.publish(")): ("correlation_id",),
    }
