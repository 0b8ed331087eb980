"""What deployment templates say about the code: topic ARNs and queue URLs in the environment, SNS->SQS
subscriptions, and triggers no code publishes to (DynamoDB streams)."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("aws_iac")
TEMPLATE = "orders/template.yaml"
CHECKOUT = "orders/src/checkout/app.py"
ENQUEUE = "notify/handlers/enqueue.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_environment_variables_name_the_templates_resources():
    facts = facts_of(ROOT)
    assert {(p.path, p.line, p.channel, p.channel_expr) for p in facts.publishers} == {
        # Globals: ORDER_EVENTS_TOPIC_ARN: !Ref OrderEventsTopic (TopicName order-events), read into a module constant
        (CHECKOUT, at(CHECKOUT, "sns.publish("), "order-events", None),
        # not set by any template for this code: unknown, with the expression kept
        (CHECKOUT, at(CHECKOUT, 'os.environ["REFUNDS_TOPIC_ARN"]'), None, "os.environ['REFUNDS_TOPIC_ARN']"),
        # !Sub of a queue URL: the queue's name
        (CHECKOUT, at(CHECKOUT, "sqs.send_message("), "receipts", None),
        # Serverless provider.environment: {Ref: NotifyQueue} (QueueName notify-requests)
        (ENQUEUE, at(ENQUEUE, "sqs.send_message("), "notify-requests", None),
    }


def test_sns_subscriptions_of_sqs_queues_are_bindings():
    facts = facts_of(ROOT)
    assert {(b.path, b.line, b.framework, b.queue, b.exchange, b.routing_key) for b in facts.bindings} == {
        (TEMPLATE, at(TEMPLATE, "BillingQueueSubscription:"), "aws-sam", "billing-order-events", "order-events", None),
    }


def test_dynamodb_stream_triggers_are_change_streams():
    facts = facts_of(ROOT)
    kinds = {s.handler: s.kind for s in facts.subscribers}
    assert kinds == {
        "orders.src.audit.app.handler": "change",
        "orders.src.billing.app.handler": None,
        "send.handler": None,
    }


def test_the_flows_close_through_the_templates():
    result = api.lint([ROOT], api.load_config([ROOT]))
    flow = {(d.code, d.path, d.line) for d in result.diagnostics if d.code in ("EDA101", "EDA102")}
    # checkout -> order-events -> billing's queue; enqueue -> notify-requests -> send; the table's stream
    # has no publisher to find. Only the receipts queue, which no analysed code consumes, stays unmatched
    # (the REFUNDS topic is unknown, so it is not judged).
    assert flow == {
        ("EDA101", CHECKOUT, at(CHECKOUT, "sqs.send_message(")),
    }
