"""nameko: EventDispatcher class attributes, the standalone event_dispatcher, @event_handler (bare and module-aliased)."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("nameko")
ORDERS = "services/orders/orders/service.py"
PAYMENTS = "services/payments/payments/service.py"
NOTIFICATIONS = "services/notifications/notifications/service.py"
REPLAY = "services/backoffice/backoffice/replay.py"


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    notify_call = line_of(ROOT / ORDERS, "self._notify(events.ORDER_CANCELLED")
    assert pubs(facts) == {
        # through the _notify helper: the exchange of the service that dispatches, the event type from the caller
        (ORDERS, notify_call, "order_cancelled", "orders.events/order_cancelled", "orders", "orders.service.OrdersService.cancel_order"),
        (ORDERS, line_of(ROOT / ORDERS, "self.dispatch(events.ORDER_CREATED"), "order_created", "orders.events/order_created", "orders", "orders.service.OrdersService.create_order"),
        (ORDERS, line_of(ROOT / ORDERS, "self.dispatch(event_type, payload)"), None, None, "orders", "orders.service.OrdersService._notify"),
        (PAYMENTS, line_of(ROOT / PAYMENTS, "self.dispatch("), "payment_received", "payments.events/payment_received", "payments", "payments.service.PaymentsService.take_payment"),
        (PAYMENTS, line_of(ROOT / PAYMENTS, 'self.dispatch(event_type="payment_refunded"'), "payment_refunded", "payments.events/payment_refunded", "payments", "payments.service.PaymentsService.refund"),
        (REPLAY, line_of(ROOT / REPLAY, 'dispatch("orders", "order_created"'), "order_created", "orders.events/order_created", "backoffice", "backoffice.replay.replay"),
    }
    [notified] = by_site(facts.publishers, ORDERS, notify_call)
    assert (notified.event, notified.channel, notified.channel_expr) == ("order_cancelled", "orders.events/order_cancelled", None)
    assert notified.via == ("orders.service.OrdersService._notify",)
    assert notified.payload_fields == ("order_id", "reason")
    assert all(p.framework == "nameko" for p in facts.publishers)


def test_payload_fields():
    facts = facts_of(ROOT)
    [created] = by_site(facts.publishers, ORDERS, line_of(ROOT / ORDERS, "self.dispatch(events.ORDER_CREATED"))
    assert created.payload_fields == ("order_id", "customer_id", "total")
    assert created.key is None
    [received] = by_site(facts.publishers, PAYMENTS, line_of(ROOT / PAYMENTS, "self.dispatch("))
    assert received.payload_fields == ("order_id", "receipt_id", "amount")
    # keyword spelling of dispatch(event_type=..., event_data=dict(...))
    [refunded] = by_site(facts.publishers, PAYMENTS, line_of(ROOT / PAYMENTS, 'self.dispatch(event_type="payment_refunded"'))
    assert refunded.payload_fields == ("order_id", "refund_id")
    [replayed] = by_site(facts.publishers, REPLAY, line_of(ROOT / REPLAY, 'dispatch("orders", "order_created"'))
    assert replayed.payload_fields == ("order_id", "customer_id", "total")


def test_publish_helper_keeps_the_raw_call_unresolved():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, ORDERS, line_of(ROOT / ORDERS, "self.dispatch(event_type, payload)"))
    assert (inner.event, inner.event_expr) == (None, "event_type")
    # the known part of the join is kept, as for f"orders.events/{event_type}"
    assert (inner.channel, inner.channel_expr) == (None, "orders.events/{event_type}")
    assert inner.payload_fields is None
    assert inner.via == ()


def test_dispatcher_declarations_are_not_sites():
    facts = facts_of(ROOT)
    for path in (ORDERS, PAYMENTS):
        assert by_site(facts.publishers, path, line_of(ROOT / path, "dispatch = EventDispatcher()")) == []
    assert by_site(facts.publishers, REPLAY, line_of(ROOT / REPLAY, "dispatch = event_dispatcher(config)")) == []


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (PAYMENTS, line_of(ROOT / PAYMENTS, '@event_handler("orders", "order_created")'), "order_created", "orders.events/order_created", "payments", "payments.service.PaymentsService.take_payment"),
        # a decorator spread over several lines: the site is the decorator's first line
        (PAYMENTS, line_of(ROOT / PAYMENTS, "@event_handler(", occurrence=2), "order_cancelled", "orders.events/order_cancelled", "payments", "payments.service.PaymentsService.refund"),
        (NOTIFICATIONS, line_of(ROOT / NOTIFICATIONS, "@nameko_events.event_handler("), "payment_received", "payments.events/payment_received", "notifications", "notifications.service.NotificationsService.email_receipt"),
    }
    for sub in facts.subscribers:
        assert sub.framework == "nameko"
        assert (sub.group, sub.ack, sub.dead_letter) == (None, None, None)
        assert (sub.event_expr, sub.channel_expr, sub.handler_expr) == (None, None, None)
