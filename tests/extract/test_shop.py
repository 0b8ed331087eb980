"""The reference system: five services, five frameworks, one shared publishing helper."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("shop")
ORDERS = "services/orders/orders/api.py"
HANDLERS = "services/payments/payments/handlers.py"
WORKER = "services/payments/payments/worker.py"
AGENTS = "services/inventory/inventory/agents.py"
DISPATCH = "services/shipping/shipping/dispatch.py"
RETURNS = "services/shipping/shipping/returns.py"
SHIPPING = "services/shipping/shipping/consumer.py"
SHIPMENTS = "services/notifications/notifications/shipments.py"
FAILED = "services/notifications/notifications/payments.py"
CANCELLED = "services/notifications/notifications/orders.py"
MESSAGING = "libs/shopkit/shopkit/messaging.py"
REFUNDS = "services/refunds/refunds/handlers.py"
OUTBOX = "services/refunds/refunds/outbox.py"
REFUNDS_WORKER = "services/refunds/refunds/worker.py"


def at(path, snippet, occurrence=1):
    return line_of(ROOT / path, snippet, occurrence)


def test_services_and_frameworks():
    facts = facts_of(ROOT)
    assert [s.name for s in facts.services] == ["inventory", "notifications", "orders", "payments", "refunds", "shipping"]
    frameworks = {r.framework for r in (*facts.publishers, *facts.subscribers)}  # refunds adds no new one
    assert frameworks == {"confluent-kafka", "faust", "aiokafka", "pika", "kafka-python"}


def test_publishers():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (MESSAGING, at(MESSAGING, "_producer.produce("), None, None, None, "shopkit.messaging.publish"),
        (ORDERS, at(ORDERS, "    messaging.publish("), "OrderPlaced", "orders.placed", "orders", "orders.api.place_order"),
        (ORDERS, at(ORDERS, "messaging.publish(topics.ORDER_CANCELLED"), "OrderCancelled", "orders.cancelled", "orders", "orders.api.cancel_order"),
        (HANDLERS, at(HANDLERS, "        messaging.publish("), "PaymentFailed", "payments.failed", "payments", "payments.handlers.handle_order_placed"),
        (HANDLERS, at(HANDLERS, "messaging.publish(", 2), "PaymentCompleted", "payments.completed", "payments", "payments.handlers.handle_order_placed"),
        (AGENTS, at(AGENTS, "await inventory_reserved.send("), "InventoryReserved", "inventory.reserved", "inventory", "inventory.agents.reserve_stock"),
        (AGENTS, at(AGENTS, "await stock_depleted.send("), "StockDepleted", "inventory.depleted", "inventory", "inventory.agents.reserve_stock"),
        (REFUNDS, at(REFUNDS, '"orders.cancelled.dlq",') - 1, None, "orders.cancelled.dlq", "refunds", "refunds.handlers.handle_order_cancelled"),
        (OUTBOX, at(OUTBOX, "producer.produce("), None, "payments.refunded", "refunds", "refunds.outbox.relay_outbox"),
        (DISPATCH, at(DISPATCH, "self._channel.basic_publish("), "ShipmentDispatched", "shipping/shipment.dispatched", "shipping", "shipping.dispatch.ShipmentPublisher.shipment_dispatched"),
        (RETURNS, at(RETURNS, "messaging.publish("), "OrderCancelled", "orders.cancelled", "shipping", "shipping.returns.on_parcel_returned"),
    }


def test_the_shared_helper_is_resolved_at_each_call_site():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, ORDERS, at(ORDERS, "    messaging.publish("))
    assert placed.via == ("shopkit.messaging.publish",)
    assert placed.key == "order.id"
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents", "currency")
    [cancelled] = by_site(facts.publishers, ORDERS, at(ORDERS, "messaging.publish(topics.ORDER_CANCELLED"))
    # no key passed: the helper's default (None) applies, which is what an ordering rule must see
    assert cancelled.key is None
    assert cancelled.payload_fields == ("order_id", "reason")


def test_subscribers():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (WORKER, at(WORKER, "consumer.subscribe("), None, "orders.placed", "payments", "payments.handlers.handle_order_placed"),
        (WORKER, at(WORKER, "consumer.subscribe(", 2), None, "inventory.reserved", "payments", "payments.captures.capture_payment"),
        (CANCELLED, at(CANCELLED, "consumer = KafkaConsumer("), None, "orders.cancelled", "notifications", "notifications.orders.notify_order_cancelled"),
        (AGENTS, at(AGENTS, "@app.agent(payments_completed)"), "PaymentCompleted", "payments.completed", "inventory", "inventory.agents.reserve_stock"),
        (AGENTS, at(AGENTS, "@app.agent(orders_cancelled)"), "OrderCancelled", "orders.cancelled", "inventory", "inventory.agents.release_stock"),
        (SHIPPING, at(SHIPPING, "consumer = AIOKafkaConsumer("), None, "inventory.reserved", "shipping", "shipping.consumer.create_shipment"),
        (SHIPMENTS, at(SHIPMENTS, "channel.basic_consume("), None, "notifications.shipments", "notifications", "notifications.shipments.on_shipment"),
        (FAILED, at(FAILED, "consumer = KafkaConsumer("), None, "payments.failed", "notifications", "notifications.payments.notify_payment_failed"),
        (FAILED, at(FAILED, 'KafkaConsumer("customers.registered"'), None, "customers.registered", "notifications", "notifications.payments.welcome"),
        (REFUNDS_WORKER, at(REFUNDS_WORKER, "consumer.subscribe("), None, "orders.cancelled", "refunds", "refunds.handlers.handle_order_cancelled"),
    }


def test_delivery_settings_the_rules_will_need():
    facts = facts_of(ROOT)
    [payments] = by_site(facts.subscribers, WORKER, at(WORKER, "consumer.subscribe("))
    assert (payments.group, payments.ack) == ("payments", "manual")
    [shipments] = by_site(facts.subscribers, SHIPMENTS, at(SHIPMENTS, "channel.basic_consume("))
    assert (shipments.ack, shipments.dead_letter) == ("on-delivery", None)
    [failed] = by_site(facts.subscribers, FAILED, at(FAILED, "consumer = KafkaConsumer("))
    assert (failed.group, failed.ack) == ("notifications", "auto-commit")
    [binding] = facts.bindings
    assert (binding.queue, binding.exchange, binding.routing_key) == ("notifications.shipments", "shipping", "shipment.*")
