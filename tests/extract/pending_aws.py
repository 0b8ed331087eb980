"""Facts the engine does not yet extract from real boto3 idioms in fixtures/aws (not collected by pytest).

Run with `python -m pytest tests/extract/pending_aws.py` once the engine handles them,
then move each test into test_aws.py.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("aws")
NOTIFY = "services/orders/orders/notifications.py"
EVENTS = "services/orders/orders/events.py"
RECEIPTS = "services/payments/payments/receipts.py"


def line(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_eventbridge_detail_fields_through_json_dumps_inside_an_entry():
    # Gap: a payload read with `item:` is only shaped when the item value is a literal dict;
    # "Detail": json.dumps({...}) is not looked through as Message=json.dumps({...}) is.
    facts = facts_of(ROOT)
    entries = by_site(facts.publishers, EVENTS, line(EVENTS, "self._events.put_events("))
    assert sorted((e.event, e.payload_fields) for e in entries) == [
        ("InvoiceRequested", ("order_id", "customer_id")),
        ("OrderShipped", ("order_id", "carrier", "shipped_at")),
    ]


def test_publish_batch_entries_built_by_a_comprehension():
    # Gaps: `each:` over a list comprehension yields no item (the element dict is not used),
    # and `key: {item: MessageGroupId}` is not read (keys are read from call arguments only).
    facts = facts_of(ROOT)
    [batch] = by_site(facts.publishers, NOTIFY, line(NOTIFY, "sns.publish_batch("))
    assert batch.event == "OrderLineReserved"
    assert batch.channel == "order-events.fifo"
    assert batch.key == "order.id"
    assert batch.payload_fields == ("event_type", "order_id", "sku")


def test_queue_url_looked_up_by_name():
    # Gaps: sqs.get_queue_url(QueueName="payment-receipts")["QueueUrl"] — a pack cannot say that an item of a
    # call's response is the queue (no subscript producer; subscripting an object gives an unknown value);
    # and the send_message_batch entries come from a comprehension (as above).
    facts = facts_of(ROOT)
    [receipts] = by_site(facts.publishers, RECEIPTS, line(RECEIPTS, "self._sqs.send_message_batch("))
    assert receipts.channel == "payment-receipts"
    assert receipts.channel_expr is None
    assert receipts.payload_fields == ("payment_id", "amount_cents")
