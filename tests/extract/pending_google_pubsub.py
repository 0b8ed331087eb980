"""Facts the engine does not yet extract from real google-cloud-pubsub idioms in fixtures/google_pubsub (not collected by pytest).

Run with `python -m pytest tests/extract/pending_google_pubsub.py` once the engine handles them,
then move each test into test_google_pubsub.py.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("google_pubsub")
PUBLISHING = "services/orders/orders/publishing.py"
REFUNDS = "services/orders/orders/refunds.py"


def line(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_payload_through_encode_of_a_serialised_string():
    # Gap: Pub/Sub data must be bytes, so payloads are json.dumps(...).encode(...). `.encode()` is only
    # looked through when its receiver resolves to a known object; on the (unknown) str that json.dumps
    # returns, the payload shape and the event named by its event_type key are lost.
    facts = facts_of(ROOT)
    [cancelled] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "publisher.publish(orders_topic, json.dumps(payload)"))
    assert cancelled.event == "OrderCancelled"
    assert cancelled.payload_fields == ("event_type", "order_id", "reason")
    [placed] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic"))
    # data = json.dumps({...}); publisher.publish(..., data.encode("utf-8"), ...)
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    [refund] = by_site(facts.publishers, REFUNDS, line(REFUNDS, "return self._client.publish(self._topic"))
    assert refund.payload_fields == ("order_id", "amount_cents")


def test_event_named_by_a_message_attribute():
    # Gap: publish(topic, data, event_type="OrderPlaced") carries the event name as a message attribute
    # (**attrs). The config's payload-event-keys are applied to literal payload dicts only, not to the
    # attributes; a pack has no way to say "attributes are these keyword arguments".
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic"))
    assert placed.event == "OrderPlaced"
