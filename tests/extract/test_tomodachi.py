"""tomodachi: @aws_sns_sqs / @awssnssqs / @amqp service methods, the publish helpers, a service's own publish method."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("tomodachi")
ORDERS = "services/orders/orders/service.py"
PAYMENTS = "services/payments/payments/service.py"
WAREHOUSE = "services/warehouse/warehouse/service.py"


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # through OrdersService.publish_event: the topic comes from the caller (a constant of orders.topics)
        (ORDERS, line_of(ROOT / ORDERS, "await self.publish_event(", occurrence=1), None, "order-created", "orders", "orders.service.OrdersService.create_order"),
        (ORDERS, line_of(ROOT / ORDERS, "await self.publish_event(topics.ORDER_CANCELLED"), None, "order-cancelled", "orders", "orders.service.OrdersService.cancel_unpaid_order"),
        (ORDERS, line_of(ROOT / ORDERS, "await tomodachi.aws_sns_sqs_publish(self, data, topic=topic"), None, None, "orders", "orders.service.OrdersService.publish_event"),
        (PAYMENTS, line_of(ROOT / PAYMENTS, "await aws_sns_sqs_publish(", occurrence=1), None, "payment-captured", "payments", "payments.service.PaymentsService.charge_order"),
        (PAYMENTS, line_of(ROOT / PAYMENTS, "await aws_sns_sqs_publish(", occurrence=2), None, "payment-failed", "payments", "payments.service.PaymentsService.charge_order"),
        # amqp_publish through `from tomodachi.transport import amqp as rabbit`: "<exchange>/<routing key>"
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "await rabbit.amqp_publish("), None, "warehouse/stock.reserved", "warehouse", "warehouse.service.WarehouseService.reserve_items"),
        # sqs_send_message goes straight to a queue
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "await tomodachi.sqs_send_message("), None, "label-printer", "warehouse", "warehouse.service.WarehouseService.reserve_items"),
    }
    assert all(p.framework == "tomodachi" and p.key is None for p in facts.publishers)


def test_payload_fields():
    facts = facts_of(ROOT)
    expected = {
        (ORDERS, line_of(ROOT / ORDERS, "await self.publish_event(", occurrence=1)): ("order_id", "customer_id", "total"),
        (ORDERS, line_of(ROOT / ORDERS, "await self.publish_event(topics.ORDER_CANCELLED")): ("order_id", "reason"),
        (ORDERS, line_of(ROOT / ORDERS, "await tomodachi.aws_sns_sqs_publish(self, data, topic=topic")): None,
        (PAYMENTS, line_of(ROOT / PAYMENTS, "await aws_sns_sqs_publish(", occurrence=1)): ("order_id", "payment_id"),
        (PAYMENTS, line_of(ROOT / PAYMENTS, "await aws_sns_sqs_publish(", occurrence=2)): ("order_id", "error"),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "await rabbit.amqp_publish(")): ("order_id", "reservation_id"),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "await tomodachi.sqs_send_message(")): ("order_id", "lines"),
    }
    assert {(p.path, p.line): p.payload_fields for p in facts.publishers} == expected


def test_publish_method_is_followed_to_its_callers():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, ORDERS, line_of(ROOT / ORDERS, "await tomodachi.aws_sns_sqs_publish(self, data, topic=topic"))
    assert (inner.channel, inner.channel_expr, inner.via) == (None, "topic", ())
    for line in (
        line_of(ROOT / ORDERS, "await self.publish_event(", occurrence=1),
        line_of(ROOT / ORDERS, "await self.publish_event(topics.ORDER_CANCELLED"),
    ):
        [outer] = by_site(facts.publishers, ORDERS, line)
        assert outer.via == ("orders.service.OrdersService.publish_event",)
        assert outer.channel_expr is None


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (ORDERS, line_of(ROOT / ORDERS, "@tomodachi.aws_sns_sqs("), None, "payment-failed", "orders", "orders.service.OrdersService.cancel_unpaid_order"),
        (PAYMENTS, line_of(ROOT / PAYMENTS, '@aws_sns_sqs("order-created"'), None, "order-created", "payments", "payments.service.PaymentsService.charge_order"),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "@tomodachi.awssnssqs("), None, "payment-captured", "warehouse", "warehouse.service.WarehouseService.reserve_items"),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, '@rabbit.amqp("stock.*"'), None, "warehouse/stock.*", "warehouse", "warehouse.service.WarehouseService.audit_stock"),
    }
    assert all(s.framework == "tomodachi" for s in facts.subscribers)


def test_queue_and_dead_letter_queue():
    facts = facts_of(ROOT)
    got = {(s.path, s.line): (s.group, s.dead_letter, s.ack) for s in facts.subscribers}
    assert got == {
        (ORDERS, line_of(ROOT / ORDERS, "@tomodachi.aws_sns_sqs(")): ("orders--payment-failed", "orders--payment-failed-dlq", None),
        (PAYMENTS, line_of(ROOT / PAYMENTS, '@aws_sns_sqs("order-created"')): ("payments--order-created", None, None),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "@tomodachi.awssnssqs(")): ("warehouse--payment-captured", "warehouse--payment-captured-dlq", None),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, '@rabbit.amqp("stock.*"')): ("warehouse.stock-audit", None, None),
    }


def test_http_routes_and_service_options_are_not_sites():
    facts = facts_of(ROOT)
    assert by_site(facts.subscribers, ORDERS, line_of(ROOT / ORDERS, '@tomodachi.http("POST"')) == []
    assert by_site(facts.publishers, ORDERS, line_of(ROOT / ORDERS, "aws_sns_sqs=tomodachi.Options.AWSSNSSQS(")) == []


def test_headers_are_the_message_attribute_names():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    # aws_sns_sqs_publish(..., message_attributes={"correlation_id": ...})
    assert headers[(PAYMENTS, line_of(ROOT / PAYMENTS, "await aws_sns_sqs_publish(", occurrence=1))] == ("correlation_id",)
    assert headers[(PAYMENTS, line_of(ROOT / PAYMENTS, "await aws_sns_sqs_publish(", occurrence=2))] == ()
    assert {h for (path, _), h in headers.items() if path == ORDERS} == {()}
    # amqp_publish takes no headers: unknown
    assert headers[(WAREHOUSE, line_of(ROOT / WAREHOUSE, "await rabbit.amqp_publish("))] is None
    assert headers[(WAREHOUSE, line_of(ROOT / WAREHOUSE, "await tomodachi.sqs_send_message("))] == ()
