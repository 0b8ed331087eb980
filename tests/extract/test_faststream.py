"""FastStream: Kafka, RabbitMQ, Redis and NATS subscribers, publisher decorators and objects, broker.publish,
router prefixes, and event contracts from a shared library elsewhere in the tree (libs/shop_contracts)."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("faststream")
CHECKOUT_API = "services/checkout/checkout/api.py"
CHECKOUT_CONSUMERS = "services/checkout/checkout/consumers.py"
BILLING = "services/billing/billing/handlers.py"
BILLING_PUBLISHERS = "services/billing/billing/publishers.py"
BILLING_AMQP = "services/billing/billing/amqp.py"
LEDGER = "services/billing/billing/ledger.py"
SHIPPING = "services/shipping/shipping/handlers.py"
TOPOLOGY = "services/shipping/shipping/topology.py"
NOTIFICATIONS = "services/notifications/notifications/handlers.py"
INVENTORY = "services/inventory/inventory/service.py"
INVENTORY_MAIN = "services/inventory/inventory/main.py"
REPORTING = "services/reporting/reporting/router.py"


def line(path: str, snippet: str, occurrence: int = 1) -> int:
    return line_of(ROOT / path, snippet, occurrence)


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # Kafka, FastAPI integration: `router.broker.publish(...)` on the router imported as `kafka`
        (CHECKOUT_API, line(CHECKOUT_API, 'await kafka.broker.publish(event, topic="orders.placed"'), "OrderPlaced", "orders.placed", "checkout", "checkout.api.place_order"),
        # the topic given positionally; the event is the shared-library class under `.model_dump(mode="json")`
        (CHECKOUT_API, line(CHECKOUT_API, "await kafka.broker.publish(", 2), "OrderCancelled", "orders.cancelled", "checkout", "checkout.api.cancel_order"),
        # Kafka publisher objects declared in billing/publishers.py, used in two handlers
        (BILLING, line(BILLING, "await payment_failed.publish("), "PaymentFailed", "payments.failed", "billing", "billing.handlers.charge_order"),
        (BILLING, line(BILLING, "await payment_captured.publish("), "PaymentCaptured", "payments.captured", "billing", "billing.handlers.charge_order"),
        (BILLING, line(BILLING, "await payment_captured.publish(captured)"), "PaymentCaptured", "payments.captured", "billing", "billing.handlers.retry_payment"),
        # a RabbitMQ publisher object on a RabbitExchange declared in billing/amqp.py
        (BILLING, line(BILLING, "await order_paid.publish("), "OrderPaid", "shop.orders/order.paid", "billing", "billing.handlers.charge_order"),
        # a publisher decorator: the event is the handler's return annotation
        (BILLING, line(BILLING, '@router.publisher("invoices.issued")'), "InvoiceIssued", "invoices.issued", "billing", "billing.handlers.issue_invoice"),
        # RabbitMQ: a queue object (default exchange, routed by queue name), a bare publisher object
        # as a decorator and the same object's .publish(), an exchange with a routing key
        (SHIPPING, line(SHIPPING, "await broker.publish(LabelRequested("), "LabelRequested", "shipping.labels", "shipping", "shipping.handlers.request_label"),
        (SHIPPING, line(SHIPPING, "@dispatched"), "ShipmentDispatched", "shop.orders/shipment.dispatched", "shipping", "shipping.handlers.print_label"),
        (SHIPPING, line(SHIPPING, "await dispatched.publish("), "ShipmentDispatched", "shop.orders/shipment.dispatched", "shipping", "shipping.handlers.stop_shipment"),
        (SHIPPING, line(SHIPPING, "await broker.publish(", 2), None, "shop.orders/shipment.manual", "shipping", "shipping.handlers.manual_dispatch"),
        # Redis: a list, and a pub/sub channel through a publisher decorator
        (NOTIFICATIONS, line(NOTIFICATIONS, 'await broker.publish(request, list="email-outbox")'), "EmailRequested", "email-outbox", "notifications", "notifications.handlers.on_shipment"),
        (NOTIFICATIONS, line(NOTIFICATIONS, '@broker.publisher("notifications.sent")'), "NotificationSent", "notifications.sent", "notifications", "notifications.handlers.send_email"),
        # NATS: a publisher object, a publisher decorator, broker.publish in a lifecycle hook
        (INVENTORY, line(INVENTORY, "await reserved.publish("), "StockReserved", "inventory.reserved", "inventory", "inventory.service.reserve_stock"),
        (INVENTORY, line(INVENTORY, '@router.publisher("inventory.released")'), "StockReleased", "inventory.released", "inventory", "inventory.service.release_stock"),
        (INVENTORY_MAIN, line(INVENTORY_MAIN, 'await broker.publish({"service"'), None, "services.heartbeat", "inventory", "inventory.main.announce"),
        # a publisher object of `KafkaRouter(prefix="reporting.")`: the prefix is part of the topic
        (REPORTING, line(REPORTING, "await totals_published.publish(totals)"), "DailyTotals", "reporting.daily-totals", "reporting", "reporting.router.rebuild"),
        # the broker injected into the handler by its annotation (faststream.kafka.annotations.KafkaBroker):
        # a broker has no prefix
        (REPORTING, line(REPORTING, 'await broker.publish(totals.model_dump_json(), topic="legacy.daily-totals")'), "DailyTotals", "legacy.daily-totals", "reporting", "reporting.router.rebuild"),
    }
    assert {p.framework for p in facts.publishers} == {"faststream"}


def test_payload_fields_and_keys():
    facts = facts_of(ROOT)
    expected = {
        (CHECKOUT_API, line(CHECKOUT_API, 'await kafka.broker.publish(event, topic="orders.placed"')): (("order_id", "customer_id", "lines", "total"), "order_id.encode()"),
        # `OrderCancelled(...).model_dump(mode="json")`: the serialiser is looked through
        (CHECKOUT_API, line(CHECKOUT_API, "await kafka.broker.publish(", 2)): (("order_id", "reason"), "order_id.encode()"),
        (BILLING, line(BILLING, "await payment_failed.publish(")): (("order_id", "reason"), "order.order_id.encode()"),
        (BILLING, line(BILLING, "await payment_captured.publish(")): (("order_id", "payment_id", "amount"), "order.order_id.encode()"),
        # `captured = PaymentCaptured(...)` followed from the local name
        (BILLING, line(BILLING, "await payment_captured.publish(captured)")): (("order_id", "payment_id", "amount"), None),
        (BILLING, line(BILLING, "await order_paid.publish(")): (("order_id", "customer_id"), None),
        # publisher decorators publish the return value: `return InvoiceIssued(...)` is the payload
        (BILLING, line(BILLING, '@router.publisher("invoices.issued")')): (("invoice_id", "order_id", "pdf_url"), None),
        (SHIPPING, line(SHIPPING, "await broker.publish(LabelRequested(")): (("order_id", "carrier"), None),
        (SHIPPING, line(SHIPPING, "@dispatched")): (("order_id", "carrier", "tracking_code", "dispatched_at"), None),
        (SHIPPING, line(SHIPPING, "await dispatched.publish(")): (("order_id", "carrier", "tracking_code", "dispatched_at"), None),
        (SHIPPING, line(SHIPPING, "await broker.publish(", 2)): (("order_id", "carrier", "priority"), None),
        (NOTIFICATIONS, line(NOTIFICATIONS, 'await broker.publish(request, list="email-outbox")')): (("to", "template", "order_id"), None),
        (NOTIFICATIONS, line(NOTIFICATIONS, '@broker.publisher("notifications.sent")')): (("channel", "order_id"), None),
        (INVENTORY, line(INVENTORY, "await reserved.publish(")): (("order_id", "warehouse"), None),
        (INVENTORY, line(INVENTORY, '@router.publisher("inventory.released")')): (("order_id",), None),
        (INVENTORY_MAIN, line(INVENTORY_MAIN, 'await broker.publish({"service"')): (("service", "status"), None),
        # `.model_dump_json()` of a local `totals = DailyTotals(...)` is looked through
        (REPORTING, line(REPORTING, 'await broker.publish(totals.model_dump_json()')): (("day", "orders", "revenue"), None),
        (REPORTING, line(REPORTING, "await totals_published.publish(totals)")): (("day", "orders", "revenue"), None),
    }
    assert {(p.path, p.line): (p.payload_fields, p.key) for p in facts.publishers} == expected


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    ledger_line = line(LEDGER, '@broker.subscriber("orders.placed", "payments.captured"')
    assert subs(facts) == {
        # Kafka: a FastAPI KafkaRouter, a KafkaRouter included into the broker elsewhere
        (CHECKOUT_CONSUMERS, line(CHECKOUT_CONSUMERS, '@router.subscriber("payments.failed"'), "PaymentFailed", "payments.failed", "checkout", "checkout.consumers.on_payment_failed"),
        (BILLING, line(BILLING, '@router.subscriber("orders.placed"'), "OrderPlaced", "orders.placed", "billing", "billing.handlers.charge_order"),
        (BILLING, line(BILLING, '@router.subscriber("payments.retry-requested"'), "RetryPayment", "payments.retry-requested", "billing", "billing.handlers.retry_payment"),
        (BILLING, line(BILLING, '@router.subscriber("payments.captured"'), "PaymentCaptured", "payments.captured", "billing", "billing.handlers.issue_invoice"),
        # two topics on the broker, one record each; `body: dict` names no event
        (LEDGER, ledger_line, None, "orders.placed", "billing", "billing.ledger.record_ledger_entry"),
        (LEDGER, ledger_line, None, "payments.captured", "billing", "billing.ledger.record_ledger_entry"),
        # `KafkaRouter(prefix="reporting.")`: the prefix is part of the topic
        (REPORTING, line(REPORTING, '@router.subscriber("rebuild-requested"'), "RebuildRequested", "reporting.rebuild-requested", "reporting", "reporting.router.rebuild"),
        # RabbitMQ: queue objects bound to an exchange object (by keyword and positionally), a queue object
        # on the default exchange, a queue by name
        (SHIPPING, line(SHIPPING, "@router.subscriber(paid_orders, exchange=shop_orders)"), "OrderPaid", "shop.orders/order.paid", "shipping", "shipping.handlers.request_label"),
        (SHIPPING, line(SHIPPING, "@router.subscriber(labels)"), "LabelRequested", "shipping.labels", "shipping", "shipping.handlers.print_label"),
        (SHIPPING, line(SHIPPING, "@router.subscriber(cancelled_orders, shop_orders)"), "OrderCancelled", "shop.orders/order.cancelled", "shipping", "shipping.handlers.stop_shipment"),
        (SHIPPING, line(SHIPPING, '@router.subscriber("shipping.manual-dispatch")'), "OrderPaid", "shipping.manual-dispatch", "shipping", "shipping.handlers.manual_dispatch"),
        # Redis (broker imported as `RedisBroker as Redis`): a stream with a consumer group, a list, a channel
        (NOTIFICATIONS, line(NOTIFICATIONS, "@broker.subscriber(stream=StreamSub("), "ShipmentDispatched", "shop-events", "notifications", "notifications.handlers.on_shipment"),
        (NOTIFICATIONS, line(NOTIFICATIONS, '@broker.subscriber(list="email-outbox")'), "EmailRequested", "email-outbox", "notifications", "notifications.handlers.send_email"),
        (NOTIFICATIONS, line(NOTIFICATIONS, '@broker.subscriber("notifications.sent")'), "NotificationSent", "notifications.sent", "notifications", "notifications.handlers.track_delivery"),
        # NATS: subjects with a queue group, by keyword and positionally
        (INVENTORY, line(INVENTORY, '@router.subscriber("inventory.reserve"'), "ReserveStock", "inventory.reserve", "inventory", "inventory.service.reserve_stock"),
        (INVENTORY, line(INVENTORY, '@router.subscriber("orders.*.cancelled"'), "OrderCancelled", "orders.*.cancelled", "inventory", "inventory.service.release_stock"),
    }
    assert {s.framework for s in facts.subscribers} == {"faststream"}


def test_groups():
    facts = facts_of(ROOT)
    assert {s.handler: s.group for s in facts.subscribers} == {
        "checkout.consumers.on_payment_failed": "checkout",
        "billing.handlers.charge_order": "billing",
        "billing.handlers.retry_payment": "billing",
        "billing.handlers.issue_invoice": "billing-invoices",
        "billing.ledger.record_ledger_entry": "billing-ledger",
        "reporting.router.rebuild": "reporting",
        # RabbitMQ: the queue consumed
        "shipping.handlers.request_label": "shipping.paid-orders",
        "shipping.handlers.print_label": "shipping.labels",
        "shipping.handlers.stop_shipment": "shipping.cancelled-orders",
        "shipping.handlers.manual_dispatch": "shipping.manual-dispatch",
        # Redis: a stream's consumer group; a list and a pub/sub channel have none
        "notifications.handlers.on_shipment": "notifications",
        "notifications.handlers.send_email": None,
        "notifications.handlers.track_delivery": None,
        # NATS queue group
        "inventory.service.reserve_stock": "inventory-workers",
        "inventory.service.release_stock": "inventory-workers",
    }


def test_ack_is_faststreams_default():
    facts = facts_of(ROOT)
    # no subscriber sets ack_policy: FastStream acknowledges on the handler's behalf (AckPolicy.MANUAL would be
    # "manual"): Kafka by committing offsets automatically (ACK_FIRST), RabbitMQ and NATS when the handler returns;
    # Redis pub/sub channels and lists are at-most-once and acknowledge nothing
    acks = {s.handler: s.ack for s in facts.subscribers}
    assert {h for h, a in acks.items() if a is None} == {"notifications.handlers.send_email", "notifications.handlers.track_delivery"}
    by_broker = {(s.path.split("/")[1], s.ack) for s in facts.subscribers if s.ack is not None}
    kafka = {"billing", "checkout", "reporting"}
    assert {a for service, a in by_broker if service in kafka} == {"auto-commit"}
    assert {a for service, a in by_broker if service not in kafka} == {"after-handler"}


def test_rabbit_subscribers_with_an_exchange_bind_their_queue():
    facts = facts_of(ROOT)
    assert {(b.path, b.line, b.queue, b.exchange, b.routing_key, b.service) for b in facts.bindings} == {
        (SHIPPING, line(SHIPPING, "@router.subscriber(paid_orders, exchange=shop_orders)"), "shipping.paid-orders", "shop.orders", "order.paid", "shipping"),
        (SHIPPING, line(SHIPPING, "@router.subscriber(cancelled_orders, shop_orders)"), "shipping.cancelled-orders", "shop.orders", "order.cancelled", "shipping"),
    }


def test_stacked_decorators_are_separate_sites_on_their_own_lines():
    facts = facts_of(ROOT)
    publisher_line = line(BILLING, '@router.publisher("invoices.issued")')
    subscriber_line = line(BILLING, '@router.subscriber("payments.captured"')
    assert subscriber_line == publisher_line + 1
    [published] = by_site(facts.publishers, BILLING, publisher_line)
    [consumed] = by_site(facts.subscribers, BILLING, subscriber_line)
    assert (published.function, consumed.handler) == ("billing.handlers.issue_invoice", "billing.handlers.issue_invoice")
    assert by_site(facts.publishers, BILLING, subscriber_line) == []
    assert by_site(facts.subscribers, BILLING, publisher_line) == []
    # the bare publisher object under a subscriber in shipping
    [label] = by_site(facts.subscribers, SHIPPING, line(SHIPPING, "@router.subscriber(labels)"))
    [dispatched] = by_site(facts.publishers, SHIPPING, line(SHIPPING, "@dispatched"))
    assert dispatched.line == label.line + 1 and dispatched.column == 1


def test_declarations_alone_are_not_sites():
    facts = facts_of(ROOT)
    records = (*facts.publishers, *facts.subscribers, *facts.bindings)
    # publisher objects and exchanges/queues are declared in these modules and used elsewhere (or never)
    for path in (BILLING_PUBLISHERS, BILLING_AMQP, TOPOLOGY):
        assert [r for r in records if r.path == path] == []
    # `payment_refunded = router.publisher("payments.refunded")` is never used
    assert all(r.channel != "payments.refunded" for r in (*facts.publishers, *facts.subscribers))
    # the lines declaring publisher objects next to their handlers are no sites either
    for path, snippet in (
        (SHIPPING, "dispatched = router.publisher("),
        (INVENTORY, "reserved = router.publisher("),
        (REPORTING, "totals_published = router.publisher("),
    ):
        assert [r for r in records if r.path == path and r.line == line(path, snippet)] == []


def test_builtin_annotation_is_not_an_event():
    """`async def record_ledger_entry(body: dict, message: KafkaMessage)`: a builtin names no event."""
    facts = facts_of(ROOT)
    site = line(LEDGER, '@broker.subscriber("orders.placed", "payments.captured"')
    assert {(s.event, s.channel, s.group) for s in by_site(facts.subscribers, LEDGER, site)} == {
        (None, "orders.placed", "billing-ledger"),
        (None, "payments.captured", "billing-ledger"),
    }


def test_router_prefix_is_part_of_the_channel():
    """`router = KafkaRouter(prefix="reporting.")`: FastStream prepends the prefix to every topic
    the router's subscribers and publishers name; `broker.publish(..., topic=...)` on the broker does not."""
    facts = facts_of(ROOT)
    [sub] = by_site(facts.subscribers, REPORTING, line(REPORTING, '@router.subscriber("rebuild-requested"'))
    assert (sub.event, sub.channel, sub.handler, sub.group) == (
        "RebuildRequested",
        "reporting.rebuild-requested",
        "reporting.router.rebuild",
        "reporting",
    )
    [pub] = by_site(facts.publishers, REPORTING, line(REPORTING, "await totals_published.publish(totals)"))
    assert (pub.event, pub.channel, pub.function) == ("DailyTotals", "reporting.daily-totals", "reporting.router.rebuild")
    [legacy] = by_site(facts.publishers, REPORTING, line(REPORTING, 'await broker.publish(totals.model_dump_json()'))
    assert legacy.channel == "legacy.daily-totals"


def test_publisher_decorator_payload_comes_from_the_returned_value():
    """`@router.publisher("invoices.issued")` on `async def issue_invoice(...) -> InvoiceIssued`
    whose body ends in `return InvoiceIssued(invoice_id=..., order_id=..., pdf_url=...)`."""
    facts = facts_of(ROOT)
    expected = {
        (BILLING, '@router.publisher("invoices.issued")'): ("invoice_id", "order_id", "pdf_url"),
        (SHIPPING, "@dispatched"): ("order_id", "carrier", "tracking_code", "dispatched_at"),
        (NOTIFICATIONS, '@broker.publisher("notifications.sent")'): ("channel", "order_id"),
        (INVENTORY, '@router.publisher("inventory.released")'): ("order_id",),
    }
    for (path, snippet), fields in expected.items():
        [pub] = by_site(facts.publishers, path, line(path, snippet))
        assert pub.payload_fields == fields, (path, snippet)


def test_serialised_shared_contract_names_the_event():
    """checkout/api.py: `await kafka.broker.publish(OrderCancelled(order_id=..., reason=...).model_dump(mode="json"), "orders.cancelled", ...)`
    where OrderCancelled comes from libs/shop_contracts/shop_contracts/events.py (a package installed into every service)."""
    facts = facts_of(ROOT)
    [pub] = by_site(facts.publishers, CHECKOUT_API, line(CHECKOUT_API, "await kafka.broker.publish(", 2))
    assert (pub.event, pub.channel, pub.function, pub.payload_fields) == (
        "OrderCancelled",
        "orders.cancelled",
        "checkout.api.cancel_order",
        ("order_id", "reason"),
    )


def test_headers_are_the_keys_of_the_headers_mapping():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    # broker.publish(..., headers={"x-request-id": x_request_id})
    assert headers.pop((CHECKOUT_API, line(CHECKOUT_API, "await kafka.broker.publish(", 2))) == ("x-request-id",)
    # a @publisher decorator sends the handler's return value with headers FastStream sets itself
    # (the incoming correlation id): the code does not spell them out
    decorators = {
        (BILLING, line(BILLING, '@router.publisher("invoices.issued")')),
        (INVENTORY, line(INVENTORY, '@router.publisher("inventory.released")')),
        (NOTIFICATIONS, line(NOTIFICATIONS, '@broker.publisher("notifications.sent")')),
        (SHIPPING, line(SHIPPING, "@dispatched")),
    }
    assert {site for site, h in headers.items() if h is None} == decorators
    # every .publish() without headers= sets none (correlation_id= is a property, not a header name)
    assert {h for site, h in headers.items() if site not in decorators} == {()}
