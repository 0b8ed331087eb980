"""Google Cloud Pub/Sub: PublisherClient.publish to topic_path()/literal paths, subscribe() callbacks, pull() loops."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("google_pubsub")
PUBLISHING = "services/orders/orders/publishing.py"
REFUNDS = "services/orders/orders/refunds.py"
PROVISION = "services/orders/orders/provision.py"
SUBSCRIBER = "services/billing/billing/subscriber.py"
LISTENER = "services/billing/billing/refunds.py"
EXPORT = "services/analytics/export.py"


def line(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


# The event of order_placed (named by a message attribute) is pending: see tests/extract/pending_google_pubsub.py.
# Here the site is checked for what is already right.
def _pending_sites() -> set[tuple[str, int]]:
    return {
        (PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic")),
    }


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    pending = _pending_sites()
    assert {p for p in pubs(facts) if (p[0], p[1]) not in pending} == {
        # json.dumps(payload).encode("utf-8"): the payload's event_type names the event
        (PUBLISHING, line(PUBLISHING, "publisher.publish(orders_topic, json.dumps(payload)"), "OrderCancelled", "orders", "orders", "orders.publishing.order_cancelled"),
        # f"projects/{project_id}/topics/refund-requests": the topic name is kept from the path
        (REFUNDS, line(REFUNDS, "return self._client.publish(self._topic"), None, "refund-requests", "orders", "orders.refunds.RefundPublisher.request_refund"),
        (REFUNDS, line(REFUNDS, "return self._client.publish(topic=os.environ"), None, None, "orders", "orders.refunds.RefundPublisher.audit"),
    }
    assert {p.framework for p in facts.publishers} == {"google-pubsub"}


def test_topic_path_gives_the_topic_name_and_ordering_key_is_the_key():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic"))
    # orders_topic = publisher.topic_path(PROJECT_ID, ORDERS_TOPIC) at module level; the project comes from the environment
    assert (placed.channel, placed.channel_expr) == ("orders", None)
    assert placed.key == "order.id"
    assert (placed.service, placed.function) == ("orders", "orders.publishing.order_placed")
    [cancelled] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "publisher.publish(orders_topic, json.dumps(payload)"))
    assert (cancelled.channel, cancelled.key) == ("orders", "order.id")
    assert (cancelled.service, cancelled.function) == ("orders", "orders.publishing.order_cancelled")


def test_payload_through_encode_of_a_serialised_string():
    # Pub/Sub data must be bytes, so payloads are json.dumps(...).encode(...): looked through
    facts = facts_of(ROOT)
    [cancelled] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "publisher.publish(orders_topic, json.dumps(payload)"))
    assert cancelled.event == "OrderCancelled"
    assert cancelled.payload_fields == ("event_type", "order_id", "reason")
    [placed] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic"))
    # data = json.dumps({...}); publisher.publish(..., data.encode("utf-8"), ...)
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    [refund] = by_site(facts.publishers, REFUNDS, line(REFUNDS, "return self._client.publish(self._topic"))
    # body = json.dumps({...}).encode()
    assert refund.payload_fields == ("order_id", "amount_cents")


def test_alias_module_literal_path_and_environment_topic():
    facts = facts_of(ROOT)
    # from google.cloud import pubsub; pubsub.PublisherClient() in __init__
    [refund] = by_site(facts.publishers, REFUNDS, line(REFUNDS, "return self._client.publish(self._topic"))
    assert (refund.channel, refund.channel_expr, refund.key) == ("refund-requests", None, None)
    [audit] = by_site(facts.publishers, REFUNDS, line(REFUNDS, "return self._client.publish(topic=os.environ"))
    assert (audit.channel, audit.channel_expr) == (None, "os.environ['AUDIT_TOPIC']")
    # json.dumps(record) of a parameter: no fields to report
    assert audit.payload_fields is None


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # subscriber.subscribe(subscription_path, callback=handle_order_message, ...)
        (SUBSCRIBER, line(SUBSCRIBER, "streaming_pull_future = subscriber.subscribe("), None, "billing-orders", "billing", "billing.subscriber.handle_order_message"),
        # a literal subscriptions/ path and a bound method passed positionally as the callback
        (LISTENER, line(LISTENER, "return self.subscriber.subscribe("), None, "billing-refund-requests", "billing", "billing.refunds.RefundListener.on_refund"),
        # pull(request={"subscription": ...}) in a loop: the messages are followed to write_row
        (EXPORT, line(EXPORT, "response = subscriber.pull("), None, "analytics-orders", "analytics", "export.write_row"),
    }
    for sub in facts.subscribers:
        # the callback acks each message itself; pulled messages need acknowledge()
        assert (sub.ack, sub.group, sub.framework, sub.channel_expr) == ("manual", None, "google-pubsub", None)


def test_declarations_alone_are_not_sites():
    facts = facts_of(ROOT)
    # topic_path, subscription_path, create_topic and create_subscription: nothing is published or consumed
    assert [r for r in (*facts.publishers, *facts.subscribers) if r.path == PROVISION] == []
    # the module-level topic_path() in publishing.py is not a site of its own
    assert {r.line for r in facts.publishers if r.path == PUBLISHING} == {
        line(PUBLISHING, "future = publisher.publish(orders_topic"),
        line(PUBLISHING, "publisher.publish(orders_topic, json.dumps(payload)"),
    }
    assert facts.diagnostics == ()


def test_headers_are_the_message_attributes():
    # publish(topic, data, ordering_key=..., **attrs): the keywords other than the pack's own fields
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        (PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic")): ("event_type",),
        (PUBLISHING, line(PUBLISHING, "publisher.publish(orders_topic, json.dumps(payload)")): (),
        (REFUNDS, line(REFUNDS, "return self._client.publish(self._topic")): ("origin",),
        (REFUNDS, line(REFUNDS, "return self._client.publish(topic=os.environ")): (),
    }
