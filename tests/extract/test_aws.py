"""boto3 on AWS: SNS publish/publish_batch/Topic.publish, SQS client and resource sends and polling loops, EventBridge put_events."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("aws")
NOTIFY = "services/orders/orders/notifications.py"
EVENTS = "services/orders/orders/events.py"
LAMBDA = "services/orders/orders/handler.py"
BOOTSTRAP = "services/orders/orders/bootstrap.py"
WORKER = "services/payments/payments/worker.py"
RECEIPTS = "services/payments/payments/receipts.py"
CONSUMER = "services/shipping/shipping/consumer.py"
TRACKING = "services/shipping/shipping/tracking.py"
SETUP = "services/shipping/shipping/setup_queues.py"


def line(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (NOTIFY, line(NOTIFY, "response = sns.publish("), "OrderPlaced", "order-events.fifo", "orders", "orders.notifications.order_placed"),
        # publish_batch entries built by a list comprehension: one representative entry
        (NOTIFY, line(NOTIFY, "sns.publish_batch("), "OrderLineReserved", "order-events.fifo", "orders", "orders.notifications.order_lines_reserved"),
        (EVENTS, line(EVENTS, "self._events.put_events("), "OrderShipped", "com.acme.orders", "orders", "orders.events.EventPublisher.order_shipped"),
        (EVENTS, line(EVENTS, "self._events.put_events("), "InvoiceRequested", "com.acme.orders", "orders", "orders.events.EventPublisher.order_shipped"),
        (LAMBDA, line(LAMBDA, "sns.publish("), "OrderCancelled", None, "orders", "orders.handler.lambda_handler"),
        (RECEIPTS, line(RECEIPTS, "self._sqs.send_message_batch("), None, "payment-receipts", "payments", "payments.receipts.ReceiptSender.send_receipts"),
        (RECEIPTS, line(RECEIPTS, "self._sqs.send_message("), "RefundRequested", "refund-requests.fifo", "payments", "payments.receipts.ReceiptSender.request_refund"),
        (TRACKING, line(TRACKING, "shipment_topic.publish("), "ParcelScanned", "shipment-updates", "shipping", "shipping.tracking.parcel_scanned"),
        (TRACKING, line(TRACKING, "returns_queue.send_message("), None, "returns", "shipping", "shipping.tracking.parcel_returned"),
        (TRACKING, line(TRACKING, "warehouse_queue.send_message("), None, "warehouse-inbound", "shipping", "shipping.tracking.parcel_returned"),
    }
    assert {p.framework for p in facts.publishers} == {"aws-sns", "aws-sqs", "aws-eventbridge"}


def test_sns_channel_is_the_topic_name_from_the_arn():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, NOTIFY, line(NOTIFY, "response = sns.publish("))
    # TopicArn=f"arn:aws:sns:{AWS_REGION}:{AWS_ACCOUNT_ID}:order-events.fifo": region and account are not known, the name is
    assert (placed.channel, placed.channel_expr) == ("order-events.fifo", None)
    [scanned] = by_site(facts.publishers, TRACKING, line(TRACKING, "shipment_topic.publish("))
    # Topic("arn:aws:sns:eu-west-1:123456789012:shipment-updates") made by boto3.Session(...).resource("sns")
    assert (scanned.channel, scanned.channel_expr) == ("shipment-updates", None)


def test_sns_publish_reads_message_group_as_key_and_message_as_payload():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, NOTIFY, line(NOTIFY, "response = sns.publish("))
    assert placed.framework == "aws-sns"
    assert placed.key == "order.id"
    # Message=json.dumps(message): the local dict is followed through the serialiser
    assert placed.payload_fields == ("event_type", "order_id", "customer_id", "total_cents")
    [scanned] = by_site(facts.publishers, TRACKING, line(TRACKING, "shipment_topic.publish("))
    assert scanned.framework == "aws-sns"
    assert scanned.key is None
    assert scanned.payload_fields == ("event_type", "tracking_id", "location")


def test_sns_publish_batch_entries_built_by_a_comprehension():
    facts = facts_of(ROOT)
    # PublishBatchRequestEntries=[{"Message": json.dumps({...}), "MessageGroupId": order.id, ...} for ... in ...]
    [batch] = by_site(facts.publishers, NOTIFY, line(NOTIFY, "sns.publish_batch("))
    assert (batch.event, batch.channel, batch.framework) == ("OrderLineReserved", "order-events.fifo", "aws-sns")
    assert batch.key == "order.id"
    assert batch.payload_fields == ("event_type", "order_id", "sku")


def test_environment_addresses_are_null_with_their_expression():
    facts = facts_of(ROOT)
    [cancelled] = by_site(facts.publishers, LAMBDA, line(LAMBDA, "sns.publish("))
    assert cancelled.channel is None
    assert cancelled.channel_expr == "os.environ['CANCELLATIONS_TOPIC_ARN']"
    assert cancelled.payload_fields == ("event_type", "order_id", "reason")
    assert cancelled.unresolved is None  # the payload names the event: the record is not unresolved
    [warehouse] = by_site(facts.publishers, TRACKING, line(TRACKING, "warehouse_queue.send_message("))
    # the default of os.environ.get is taken (issue #13), and the record says it is only a default
    assert warehouse.channel == "warehouse-inbound"
    assert warehouse.provenance == f"default of environment variable WAREHOUSE_QUEUE_URL ({TRACKING}:9)"
    assert warehouse.unresolved is None
    assert warehouse.payload_fields == ("tracking_id", "action")


def test_sqs_channels_are_queue_names_whether_addressed_by_url_or_name():
    facts = facts_of(ROOT)
    [refund] = by_site(facts.publishers, RECEIPTS, line(RECEIPTS, "self._sqs.send_message("))
    # QueueUrl=https://sqs.eu-west-1.amazonaws.com/123456789012/refund-requests.fifo, through a client typed by annotation
    assert (refund.channel, refund.key, refund.framework) == ("refund-requests.fifo", "payment.order_id", "aws-sqs")
    assert refund.payload_fields == ("event_type", "payment_id", "reason")
    [returned] = by_site(facts.publishers, TRACKING, line(TRACKING, "returns_queue.send_message("))
    # Queue(url) on the resource
    assert (returned.channel, returned.key) == ("returns", None)
    assert returned.payload_fields == ("tracking_id", "order_id")
    # QueueUrl=sqs.get_queue_url(QueueName="payment-receipts")["QueueUrl"], kept on self in __init__;
    # the entries come from a list comprehension
    [receipts] = by_site(facts.publishers, RECEIPTS, line(RECEIPTS, "self._sqs.send_message_batch("))
    assert (receipts.channel, receipts.channel_expr, receipts.key, receipts.framework) == ("payment-receipts", None, None, "aws-sqs")
    assert receipts.payload_fields == ("payment_id", "amount_cents")


def test_eventbridge_put_events_is_one_publication_per_entry():
    facts = facts_of(ROOT)
    entries = by_site(facts.publishers, EVENTS, line(EVENTS, "self._events.put_events("))
    assert sorted((e.event, e.channel, e.key, e.framework) for e in entries) == [
        ("InvoiceRequested", "com.acme.orders", None, "aws-eventbridge"),
        ("OrderShipped", "com.acme.orders", None, "aws-eventbridge"),
    ]
    # "Detail": json.dumps({...}) inside each entry
    assert sorted((e.event, e.payload_fields) for e in entries) == [
        ("InvoiceRequested", ("order_id", "customer_id")),
        ("OrderShipped", ("order_id", "carrier", "shipped_at")),
    ]


def test_subscribers_follow_polled_messages_to_the_handler():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # boto3.client(service_name="sqs") in __init__; the queue URL comes from the environment
        (WORKER, line(WORKER, "self.sqs.receive_message("), None, None, "payments", "payments.charges.charge_order"),
        # resource API: get_queue_by_name(QueueName=...).receive_messages()
        (CONSUMER, line(CONSUMER, "requests_queue.receive_messages("), None, "shipment-requests", "shipping", "shipping.pickups.schedule_pickup"),
    }
    [worker] = by_site(facts.subscribers, WORKER, line(WORKER, "self.sqs.receive_message("))
    assert worker.channel_expr == "os.environ['PAYMENTS_QUEUE_URL']"
    # messages stay on the queue until delete_message: acknowledgement is manual
    assert (worker.ack, worker.group, worker.framework) == ("manual", None, "aws-sqs")
    [consumer] = by_site(facts.subscribers, CONSUMER, line(CONSUMER, "requests_queue.receive_messages("))
    assert (consumer.ack, consumer.framework) == ("manual", "aws-sqs")


def test_declarations_alone_are_not_sites():
    facts = facts_of(ROOT)
    # create_topic, create_queue, get_queue_attributes and get_queue_url declare or look up; nothing is sent or received
    declaring = {BOOTSTRAP, SETUP}
    assert [r for r in (*facts.publishers, *facts.subscribers) if r.path in declaring] == []
    # the get_queue_url in ReceiptSender.__init__ is not a site either: only the batch send that uses it is
    # an SMS (publish(PhoneNumber=...)) has no topic: not an event
    assert line(TRACKING, "sms.publish(PhoneNumber=") not in {r.line for r in facts.publishers if r.path == TRACKING}
    assert {r.line for r in facts.publishers if r.path == RECEIPTS} == {
        line(RECEIPTS, "self._sqs.send_message_batch("),
        line(RECEIPTS, "self._sqs.send_message("),
    }
    assert facts.diagnostics == ()


def test_headers_are_the_message_attribute_names():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line, p.event): p.headers for p in facts.publishers}
    assert headers == {
        # MessageAttributes={"event_type": {"DataType": "String", ...}}
        (NOTIFY, line_of(ROOT / NOTIFY, "response = sns.publish("), "OrderPlaced"): ("event_type",),
        # publish_batch entries without attributes
        (NOTIFY, line_of(ROOT / NOTIFY, "sns.publish_batch("), "OrderLineReserved"): (),
        (LAMBDA, line_of(ROOT / LAMBDA, "sns.publish("), "OrderCancelled"): (),
        (RECEIPTS, line_of(ROOT / RECEIPTS, "self._sqs.send_message_batch("), None): (),
        (RECEIPTS, line_of(ROOT / RECEIPTS, "self._sqs.send_message("), "RefundRequested"): (),
        (TRACKING, line_of(ROOT / TRACKING, "shipment_topic.publish("), "ParcelScanned"): (),
        (TRACKING, line_of(ROOT / TRACKING, "returns_queue.send_message("), None): (),
        (TRACKING, line_of(ROOT / TRACKING, "warehouse_queue.send_message("), None): (),
        # EventBridge entries carry no message attributes the pack reads
        (EVENTS, line_of(ROOT / EVENTS, "response = self._events.put_events("), "OrderShipped"): None,
        (EVENTS, line_of(ROOT / EVENTS, "response = self._events.put_events("), "InvoiceRequested"): None,
    }
