"""Facts the engine does not yet extract from real google-cloud-pubsub idioms in fixtures/google_pubsub (not collected by pytest).

Run with `python -m pytest tests/extract/pending_google_pubsub.py` once the engine handles them,
then move each test into test_google_pubsub.py.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("google_pubsub")
PUBLISHING = "services/orders/orders/publishing.py"


def line(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_event_named_by_a_message_attribute():
    # Still pending (a proposal): publish(topic, data, event_type="OrderPlaced") names the event in a message
    # attribute (**attrs). The config's payload-event-keys apply to payload dicts only; `kwargs: true` reads the
    # attributes only as `each` items (one site per keyword), and `event: {kw: event_type}` would hard-code a team convention.
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, PUBLISHING, line(PUBLISHING, "future = publisher.publish(orders_topic"))
    assert placed.event == "OrderPlaced"
