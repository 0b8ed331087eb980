"""Dapr facts the engine does not produce yet (not collected; run with `pytest tests/extract/pending_dapr.py`).

Gap: payload fields forwarded through a serialiser inside a publish helper. In

    class EventPublisher:
        def publish(self, topic, payload, event_type):
            self._client.publish_event(pubsub_name="orderpubsub", topic_name=topic,
                                       data=json.dumps(payload), ...)

    publisher.publish("payments", {"order_id": ..., "payment_id": ...}, "PaymentCaptured")

`_forwarded_payload` only forwards when the payload argument *is* the helper's parameter; here it is
`json.dumps(payload)` (Dapr's publish_event takes str/bytes, so the helper always serialises), so the
call site gets payload_fields None instead of the dict's keys.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("dapr")
PAYMENTS = "services/payments/payments/main.py"


def test_payload_fields_are_forwarded_through_json_dumps_in_the_helper():
    facts = facts_of(ROOT)
    [captured] = by_site(facts.publishers, PAYMENTS, line_of(ROOT / PAYMENTS, 'publisher.publish("payments"'))
    assert captured.payload_fields == ("order_id", "payment_id")
    [failed] = by_site(facts.publishers, PAYMENTS, line_of(ROOT / PAYMENTS, 'publisher.publish("payment-failed"'))
    assert failed.payload_fields == ("order_id", "reason")
