"""Subscriptions declared in AWS SAM templates and Serverless Framework files, and templates that cannot be read."""

from pathlib import Path
from textwrap import dedent

import pytest

from eventlint.extract.templates import load_template
from tests.helpers import by_site, facts_of, fixture, line_of

SAM_ROOT = fixture("aws_sam")
SAM = "template.yaml"
SLS_ROOT = fixture("serverless")
SLS = "serverless.yml"


def declared(facts, framework):
    """(path, line, event, channel, service, handler) of the subscriptions one template framework declared."""
    return {
        (s.path, s.line, s.event, s.channel, s.service, s.handler)
        for s in facts.subscribers
        if s.framework == framework
    }


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip(), encoding="utf-8")
    return path


# -- AWS SAM ---------------------------------------------------------------------


def test_sam_subscriptions_are_exact():
    facts = facts_of(SAM_ROOT)
    at = lambda snippet: line_of(SAM_ROOT / SAM, snippet)  # noqa: E731
    assert declared(facts, "aws-sam") == {
        (SAM, at("PaymentRequests:"), None, "payment-requests", "payments", "src.payments.app.lambda_handler"),
        (SAM, at("RefundRequests:"), None, None, "payments", "src.payments.app.lambda_handler"),
        (SAM, at("OrderLifecycle:"), "OrderPlaced", "shop.orders", "inventory", "src.inventory.app.handle_order_event"),
        (SAM, at("OrderLifecycle:"), "OrderCancelled", "shop.orders", "inventory", "src.inventory.app.handle_order_event"),
        (SAM, at("PaymentCaptured:"), "PaymentCaptured", "shop.payments", "inventory", "src.inventory.app.handle_order_event"),
        # the QueueName is a !Sub of the stack name, so the logical id names the queue
        (SAM, at("ShipmentRequests:"), None, "ShipmentRequestsQueue", "shipping", "shipping.handlers.on_shipment_requested"),
        (SAM, at("OrderEvents:"), None, "shop-order-events", "notifications", "src.notifications.app.lambda_handler"),
        (SAM, at("LegacyAlerts:"), None, "legacy-alerts", "notifications", "src.notifications.app.lambda_handler"),
        (SAM, at("OrderChanges:"), None, "orders", "analytics", "src.analytics.app.lambda_handler"),
        # a Node.js function: no Python handler, and the template itself belongs to no service
        (SAM, at("AllOrderEvents:"), "OrderPlaced", None, None, None),
    }


def test_sam_site_is_the_event_key():
    facts = facts_of(SAM_ROOT)
    line = line_of(SAM_ROOT / SAM, "PaymentRequests:")
    [site] = by_site(facts.subscribers, SAM, line)
    text = (SAM_ROOT / SAM).read_text(encoding="utf-8").splitlines()[line - 1]
    assert site.column == text.index("PaymentRequests:") + 1
    assert site.framework == "aws-sam" and site.group is None


def test_sam_dead_letters():
    facts = facts_of(SAM_ROOT)
    dead = {s.line: s.dead_letter for s in facts.subscribers if s.framework == "aws-sam"}
    at = lambda snippet: line_of(SAM_ROOT / SAM, snippet)  # noqa: E731
    assert dead == {
        at("PaymentRequests:"): "payment-requests-dlq",  # the queue's RedrivePolicy
        at("RefundRequests:"): None,  # an imported queue: its redrive policy is elsewhere
        at("OrderLifecycle:"): "inventory-events-dlq",  # the rule's DeadLetterConfig.Arn
        at("PaymentCaptured:"): None,
        at("ShipmentRequests:"): None,
        at("OrderEvents:"): "NotificationsDLQ",  # the function's DeadLetterQueue (a queue with no name)
        at("LegacyAlerts:"): "legacy-alerts-dlq",  # the subscription's RedrivePolicy, an ARN
        at("OrderChanges:"): "order-changes-dlq",  # DestinationConfig.OnFailure
        at("AllOrderEvents:"): "AuditFunctionAllOrderEventsQueue",  # the queue SAM creates for `Type: SQS`
    }


def test_sam_unresolved_names_keep_their_text():
    facts = facts_of(SAM_ROOT)
    [refunds] = by_site(facts.subscribers, SAM, line_of(SAM_ROOT / SAM, "RefundRequests:"))
    assert refunds.channel_expr == "!ImportValue billing-refund-requests-queue-arn"
    [audit] = by_site(facts.subscribers, SAM, line_of(SAM_ROOT / SAM, "AllOrderEvents:"))
    assert audit.channel_expr == "{prefix: shop.}"
    assert audit.handler_expr == "index.handler"
    [payments] = by_site(facts.subscribers, SAM, line_of(SAM_ROOT / SAM, "PaymentRequests:"))
    assert (payments.channel_expr, payments.handler_expr, payments.event_expr) == (None, None, None)


def test_unrelated_yaml_named_template_is_ignored_quietly():
    facts = facts_of(SAM_ROOT)
    email_templates = "src/notifications/template.yaml"
    assert (SAM_ROOT / email_templates).is_file()
    assert not [s for s in facts.subscribers if s.path == email_templates]
    assert facts.diagnostics == ()


# -- Serverless Framework ------------------------------------------------------


def test_serverless_subscriptions_are_exact():
    facts = facts_of(SLS_ROOT)
    at = lambda snippet, n=1: line_of(SLS_ROOT / SLS, snippet, n)  # noqa: E731
    shipping = "src.shipping.handler"
    notifications = "src.notifications.handler"
    assert declared(facts, "serverless") == {
        # the queue's QueueName is `${self:custom.shipmentsQueueName}` -> `${self:service}-shipment-requests`
        (SLS, at("- sqs:"), None, "shop-fulfilment-shipment-requests", "shipping", f"{shipping}.request_shipment"),
        (SLS, at("- eventBridge:"), "PaymentCaptured", "shop.payments", "shipping", f"{shipping}.request_shipment"),
        (SLS, at("- stream:"), None, "shipments", "shipping", f"{shipping}.track_carrier"),
        (SLS, at("- sns: shipment-dispatched"), None, "shipment-dispatched", "notifications", f"{notifications}.notify_customer"),
        (SLS, at("- sns:", 2), None, "shop-order-events", "notifications", f"{notifications}.notify_customer"),
        (SLS, at("- eventBridge:", 2), "ShipmentDelayed", "shop.shipping", "notifications", f"{notifications}.notify_customer"),
        (SLS, at("- eventBridge:", 2), "ShipmentDelayed", "shop.returns", "notifications", f"{notifications}.notify_customer"),
        (SLS, at("- eventBridge:", 3), "CarrierUnavailable", "shop.shipping", "notifications", f"{notifications}.alert_operations"),
        (SLS, at("- sqs: ${ssm:"), None, None, None, None),
    }


def test_serverless_dead_letters():
    facts = facts_of(SLS_ROOT)
    at = lambda snippet, n=1: line_of(SLS_ROOT / SLS, snippet, n)  # noqa: E731
    dead = {(s.line, s.channel): s.dead_letter for s in facts.subscribers if s.framework == "serverless"}
    assert dead == {
        (at("- sqs:"), "shop-fulfilment-shipment-requests"): "shop-fulfilment-shipment-requests-dlq",
        (at("- eventBridge:"), "shop.payments"): "shipping-events-dlq",  # deadLetterQueueArn
        (at("- stream:"), "shipments"): "carrier-updates-dlq",  # destinations.onFailure
        (at("- sns: shipment-dispatched"), "shipment-dispatched"): None,
        (at("- sns:", 2), "shop-order-events"): "NotifyCustomerDLQ",  # redrivePolicy.deadLetterTargetRef
        (at("- eventBridge:", 2), "shop.shipping"): None,
        (at("- eventBridge:", 2), "shop.returns"): None,
        # the function's onError catches handler failures, so it wins over the rule's delivery DLQ
        (at("- eventBridge:", 3), "shop.shipping"): "notification-failures",
        (at("- sqs: ${ssm:"), None): None,
    }


def test_serverless_unresolved_names_keep_their_text():
    facts = facts_of(SLS_ROOT)
    [refunds] = by_site(facts.subscribers, SLS, line_of(SLS_ROOT / SLS, "- sqs: ${ssm:"))
    assert refunds.channel_expr == "${ssm:/shop/billing/refund-requests-queue-arn}"
    # the handler's file is not in the project
    assert (refunds.handler, refunds.handler_expr) == (None, "src/billing/refunds.reconcile")
    assert refunds.framework == "serverless"


# -- reading templates -----------------------------------------------------------


def test_short_form_tags_load_as_long_form_data():
    document = load_template(
        dedent(
            """
            queue: !GetAtt Orders.Arn
            nested: !GetAtt Cluster.Endpoint.Address
            topic: !Ref OrderEvents
            name: !Sub "${AWS::StackName}-orders"
            choice: !If [IsProd, !Ref ProdQueue, !Ref DevQueue]
            arn: !Join [":", [arn, aws, sqs, !Ref "AWS::Region", !Ref "AWS::AccountId", orders]]
            imported: !ImportValue shared-queue-arn
            macro: !Transform {Name: AWS::Include, Parameters: {Location: s3://bucket/x.yaml}}
            """
        )
    )
    assert document == {
        "queue": {"Fn::GetAtt": ["Orders", "Arn"]},
        "nested": {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]},
        "topic": {"Ref": "OrderEvents"},
        "name": {"Fn::Sub": "${AWS::StackName}-orders"},
        "choice": {"Fn::If": ["IsProd", {"Ref": "ProdQueue"}, {"Ref": "DevQueue"}]},
        "arn": {"Fn::Join": [":", ["arn", "aws", "sqs", {"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"}, "orders"]]},
        "imported": {"Fn::ImportValue": "shared-queue-arn"},
        "macro": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://bucket/x.yaml"}}},
    }


def test_malformed_template_is_a_diagnostic_and_other_templates_still_count(tmp_path):
    broken = write(
        tmp_path,
        "orders/template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          OrdersFunction:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler: oops
        """,
    )
    write(
        tmp_path,
        "billing/serverless.yml",
        """
        service: billing
        provider: {name: aws, runtime: python3.12}
        functions:
          invoice:
            handler: invoices.create
            events:
              - sqs: arn:aws:sqs:eu-west-1:123456789012:invoice-requests
        """,
    )
    facts = facts_of(tmp_path)
    [problem] = facts.diagnostics
    assert (problem.code, problem.path, problem.line) == ("EDA000", "orders/template.yaml", line_of(broken, "app.handler: oops"))
    assert problem.message.startswith("YAML error: mapping values are not allowed here")
    assert {(s.path, s.channel, s.handler_expr) for s in facts.subscribers} == {
        ("billing/serverless.yml", "invoice-requests", "invoices.create"),
    }


def test_python_tags_are_rejected_and_nothing_is_constructed(tmp_path):
    marker = tmp_path / "constructed"
    template = write(
        tmp_path,
        "template.yaml",
        f"""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Evil:
            Type: AWS::Serverless::Function
            Properties:
              Handler: !!python/object/apply:builtins.exec ["open(r'{marker}', 'w').close()"]
        """,
    )
    facts = facts_of(tmp_path)
    [problem] = facts.diagnostics
    assert (problem.code, problem.line) == ("EDA000", line_of(template, "!!python/object/apply"))
    assert "tag:yaml.org,2002:python/object/apply:builtins.exec" in problem.message
    assert "nothing was constructed" in problem.message
    assert not marker.exists()
    assert facts.subscribers == ()


@pytest.mark.parametrize(
    "text",
    [
        # a Jinja template that happens to be called template.yaml
        "{% for name in names %}\n- {{ name }}: {{ name | upper }\n{% endfor %}\n",
        # valid YAML with nothing to do with Lambda
        "greeting: hello\nitems: [1, 2, 3]\n",
        # a plain CloudFormation template without SAM functions
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
    ],
)
def test_unrelated_template_named_files_are_ignored_quietly(tmp_path, text):
    (tmp_path / "template.yaml").write_text(text, encoding="utf-8")
    facts = facts_of(tmp_path)
    assert (facts.diagnostics, facts.subscribers) == ((), ())


def test_streams_kafka_and_mq_sources(tmp_path):
    write(tmp_path, "src/app.py", "def handle(event, context):\n    return None\n")
    template = write(
        tmp_path,
        "template.yml",
        """
        Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
        Globals:
          Function:
            CodeUri: src/
        Resources:
          ClickStream:
            Type: AWS::Kinesis::Stream
            Properties:
              ShardCount: 1
          Consumer:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handle
              Runtime: python3.12
              Events:
                Clicks:
                  Type: Kinesis
                  Properties:
                    Stream: !GetAtt ClickStream.Arn
                    StartingPosition: LATEST
                Partners:
                  Type: Kinesis
                  Properties:
                    Stream: !Sub arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/partner-clicks
                    StartingPosition: LATEST
                Orders:
                  Type: MSK
                  Properties:
                    Stream: arn:aws:kafka:eu-west-1:123456789012:cluster/shop/abc
                    Topics: [orders.placed, orders.cancelled]
                    ConsumerGroupId: consumer-orders
                    StartingPosition: LATEST
                Legacy:
                  Type: MQ
                  Properties:
                    Broker: arn:aws:mq:eu-west-1:123456789012:broker:legacy:b-1
                    Queues: [legacy.orders]
                Nightly:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 day)
        """,
    )
    facts = facts_of(tmp_path)
    at = lambda snippet: line_of(template, snippet)  # noqa: E731
    assert {(s.line, s.channel, s.group, s.handler) for s in facts.subscribers} == {
        (at("Clicks:"), "ClickStream", None, "app.handle"),
        (at("Partners:"), "partner-clicks", None, "app.handle"),
        (at("Orders:"), "orders.placed", "consumer-orders", "app.handle"),
        (at("Orders:"), "orders.cancelled", "consumer-orders", "app.handle"),
        (at("Legacy:"), "legacy.orders", None, "app.handle"),
    }
    assert facts.diagnostics == ()
