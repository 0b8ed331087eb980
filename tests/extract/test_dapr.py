"""Dapr: DaprClient.publish_event (sync, async, through a publisher class), gRPC App and FastAPI DaprApp subscriptions."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("dapr")
CHECKOUT = "services/checkout/checkout/app.py"
PAYMENTS = "services/payments/payments/main.py"
PUBLISHER = "services/payments/payments/publisher.py"
SHIPPING = "services/shipping/shipping/worker.py"


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    captured = line_of(ROOT / PAYMENTS, 'publisher.publish("payments"')
    failed = line_of(ROOT / PAYMENTS, 'publisher.publish("payment-failed"')
    assert pubs(facts) == {
        # topic and pub/sub name are constants of checkout.config
        (CHECKOUT, line_of(ROOT / CHECKOUT, "client.publish_event("), None, "orders", "checkout", "checkout.app.checkout"),
        # EventPublisher.publish takes topic and CloudEvent type from its callers
        (PAYMENTS, captured, "PaymentCaptured", "payments", "payments", "payments.main.on_order"),
        (PAYMENTS, failed, "PaymentFailed", "payment-failed", "payments", "payments.main.on_order"),
        (PUBLISHER, line_of(ROOT / PUBLISHER, "self._client.publish_event("), None, None, "payments", "payments.publisher.EventPublisher.publish"),
        # async client; the event is the cloudevent.type of publish_metadata
        (SHIPPING, line_of(ROOT / SHIPPING, "await dapr.publish_event("), "ShipmentScheduled", "shipments", "shipping", "shipping.worker.schedule_delivery"),
    }
    assert all(p.framework == "dapr" and p.key is None for p in facts.publishers)


def test_payload_fields_through_json_dumps():
    facts = facts_of(ROOT)
    [checkout] = by_site(facts.publishers, CHECKOUT, line_of(ROOT / CHECKOUT, "client.publish_event("))
    # data=json.dumps(order) where `order` is a local dict literal
    assert checkout.payload_fields == ("order_id", "customer_id", "total")
    [scheduled] = by_site(facts.publishers, SHIPPING, line_of(ROOT / SHIPPING, "await dapr.publish_event("))
    assert scheduled.payload_fields == ("order_id", "carrier")


def test_publisher_class_is_followed_to_its_callers():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, PUBLISHER, line_of(ROOT / PUBLISHER, "self._client.publish_event("))
    assert (inner.event_expr, inner.channel_expr, inner.payload_fields, inner.via) == ("event_type", "topic", None, ())
    for snippet, fields in (
        ('publisher.publish("payments"', ("order_id", "payment_id")),
        ('publisher.publish("payment-failed"', ("order_id", "reason")),
    ):
        [outer] = by_site(facts.publishers, PAYMENTS, line_of(ROOT / PAYMENTS, snippet))
        assert outer.via == ("payments.publisher.EventPublisher.publish",)
        assert (outer.event_expr, outer.channel_expr) == (None, None)
        # the helper serialises its parameter (data=json.dumps(payload)): the caller's dict is the payload
        assert outer.payload_fields == fields


def test_client_and_app_construction_are_not_sites():
    facts = facts_of(ROOT)
    declarations = [
        (CHECKOUT, "with DaprClient() as client:"),
        (CHECKOUT, "dapr_app = DaprApp(app)"),
        (PUBLISHER, "self._client = DaprClient()"),
        (PAYMENTS, "app = App()"),
        (PAYMENTS, "publisher = EventPublisher()"),
        (SHIPPING, "app = App()"),
        (SHIPPING, "async with DaprClient() as dapr:"),
    ]
    for path, snippet in declarations:
        line = line_of(ROOT / path, snippet)
        assert by_site(facts.publishers, path, line) == []
        assert by_site(facts.subscribers, path, line) == []


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # FastAPI extension: DaprApp.subscribe(pubsub=..., topic=..., dead_letter_topic=...)
        (CHECKOUT, line_of(ROOT / CHECKOUT, "@dapr_app.subscribe("), None, "payment-failed", "checkout", "checkout.app.payment_failed"),
        # gRPC extension: App.subscribe(pubsub_name=..., topic=..., dead_letter_topic=...)
        (PAYMENTS, line_of(ROOT / PAYMENTS, "@app.subscribe("), None, "orders", "payments", "payments.main.on_order"),
        # async gRPC extension, positional arguments
        (SHIPPING, line_of(ROOT / SHIPPING, "@app.subscribe("), None, "payments", "shipping", "shipping.worker.schedule_delivery"),
    }
    got = {(s.path, s.line): (s.dead_letter, s.group, s.ack) for s in facts.subscribers}
    assert got == {
        (CHECKOUT, line_of(ROOT / CHECKOUT, "@dapr_app.subscribe(")): ("payment-failed-dead", None, None),
        (PAYMENTS, line_of(ROOT / PAYMENTS, "@app.subscribe(")): ("orders-dead-letter", None, None),
        (SHIPPING, line_of(ROOT / SHIPPING, "@app.subscribe(")): (None, None, None),
    }
    assert all(s.framework == "dapr" for s in facts.subscribers)


def test_fastapi_routes_are_not_sites():
    facts = facts_of(ROOT)
    assert by_site(facts.subscribers, CHECKOUT, line_of(ROOT / CHECKOUT, '@app.post("/checkout")')) == []


def test_headers_are_the_keys_of_publish_metadata():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        (CHECKOUT, line_of(ROOT / CHECKOUT, "client.publish_event(")): (),
        # publish_metadata={"cloudevent.type": event_type} in the wrapper, and at its call sites
        (PUBLISHER, line_of(ROOT / PUBLISHER, "self._client.publish_event(")): ("cloudevent.type",),
        (PAYMENTS, line_of(ROOT / PAYMENTS, 'publisher.publish("payments"')): ("cloudevent.type",),
        (PAYMENTS, line_of(ROOT / PAYMENTS, 'publisher.publish("payment-failed"')): ("cloudevent.type",),
        (SHIPPING, line_of(ROOT / SHIPPING, "await dapr.publish_event(")): ("cloudevent.type",),
    }
