"""Standalone EventBridge rules (`AWS::Events::Rule` resources) whose targets are functions, queues or topics of
the same template: SAM, plain CloudFormation and the Serverless Framework's `resources:`."""

from pathlib import Path

from eventlint import api
from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("sam_event_rules")
SAM = "template.yaml"
INVOICES = "invoices.app.lambda_handler"


def target_of(rule: str, path: Path = ROOT / SAM) -> int:
    """The line of the first target (`- Arn:`) of a rule."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = line_of(path, f"{rule}:")
    return next(n for n, text in enumerate(lines[start:], start=start + 1) if text.strip().startswith("- Arn:"))


def test_rules_targeting_functions_are_their_subscriptions():
    facts = facts_of(ROOT)
    rules = {
        (s.line, s.channel, s.event, s.channel_expr, s.handler, s.dead_letter, s.service)
        for s in facts.subscribers
        if s.path == SAM
    }
    assert rules == {
        # the function's own DeadLetterQueue catches handler failures; the content filter on `detail` is not judged
        (target_of("OrderPlacedRule"), "shop.orders", "OrderPlaced", None, INVOICES, "invoices-dlq", "invoices"),
        # an EventPattern written as a JSON string
        (target_of("OrderCancelledRule"), "shop.orders", "OrderCancelled", None, INVOICES, "invoices-dlq", "invoices"),
        # a prefix filter stays text, as in a function's own EventBridgeRule: unknown, never "matches"
        (target_of("AnySourceRule"), None, "OrderShipped", "{prefix: shop.}", INVOICES, "invoices-dlq", "invoices"),
        # the audit function's own SQS event, unchanged
        (line_of(ROOT / SAM, "AuditRecords:"), "audit-records", None, None, "audit.app.lambda_handler", "audit-records-dlq", "audit"),
    }
    # the disabled rule, the schedule and the other stack's function add nothing
    assert not {s.line for s in facts.subscribers} & {target_of("OrderRefundedRule"), target_of("NightlyReport"), target_of("PartnerRule")}


def test_a_rule_targeting_a_queue_binds_the_queue_to_the_source():
    facts = facts_of(ROOT)
    assert {(b.line, b.queue, b.exchange, b.routing_key, b.dead_letter) for b in facts.bindings} == {
        (target_of("AuditRule"), "audit-records", "shop.audit", None, "audit-records-dlq"),
    }


def test_published_events_reach_the_rule_targets_and_the_rest_is_still_reported():
    result = api.lint([ROOT], api.load_config([ROOT]))
    orders = ROOT / "orders/app.py"
    # OrderPlaced, OrderCancelled (functions) and OrderAudited (through the queue) are consumed; OrderRefunded's
    # rule is disabled, so it is the one publication nothing consumes
    assert {(d.code, d.path, d.line) for d in result.diagnostics if d.code in ("EDA101", "EDA102")} == {
        ("EDA101", "orders/app.py", line_of(orders, '"OrderRefunded"')),
    }


def test_a_detail_type_rule_targeting_a_queue_stays_unknown(tmp_path):
    root = write_project(
        tmp_path,
        {
            "template.yaml": """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  Queue:
                    Type: AWS::SQS::Queue
                    Properties: {QueueName: placed-orders}
                  Topic:
                    Type: AWS::SNS::Topic
                    Properties: {TopicName: order-fanout}
                  PlacedRule:
                    Type: AWS::Events::Rule
                    Properties:
                      EventPattern: {source: [shop.orders], detail-type: [OrderPlaced]}
                      Targets:
                        - {Arn: !GetAtt Queue.Arn, Id: q}
                  FanoutRule:
                    Type: AWS::Events::Rule
                    Properties:
                      EventPattern: {source: [shop.orders, shop.returns]}
                      Targets:
                        - {Arn: !Ref Topic, Id: t}
                        - {Arn: arn:aws:sqs:eu-west-1:123456789012:elsewhere, Id: x}
                """,
        },
    )
    facts = facts_of(root)
    # a binding matches by channel, not by event: with a detail-type it would take every event of the source
    assert {(b.queue, b.exchange) for b in facts.bindings} == {
        ("order-fanout", "shop.orders"),
        ("order-fanout", "shop.returns"),
        # a literal queue ARN names a queue as well as a Ref does
        ("elsewhere", "shop.orders"),
        ("elsewhere", "shop.returns"),
    }


def test_plain_cloudformation_and_serverless_rules(tmp_path):
    root = write_project(
        tmp_path,
        {
            "stack/src/billing.py": "def on_order(event, context):\n    return event['detail']\n",
            "stack/template.yaml": """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  BillingFunction:
                    Type: AWS::Lambda::Function
                    Properties:
                      Runtime: python3.12
                      Handler: billing.on_order
                      Code: src/
                      DeadLetterConfig: {TargetArn: arn:aws:sqs:eu-west-1:123456789012:billing-failures}
                  BillingRule:
                    Type: AWS::Events::Rule
                    Properties:
                      EventPattern: {"source": ["shop.orders"], "detail-type": ["OrderPlaced"]}
                      Targets:
                        - Arn: !Sub "${BillingFunction.Arn}"
                          Id: billing
                """,
            "sls/handlers.py": "def ship(event, context):\n    return event['detail']\n",
            "sls/serverless.yml": """
                service: shipping
                provider: {name: aws, runtime: python3.12}
                functions:
                  ship-order:
                    handler: handlers.ship
                resources:
                  Resources:
                    ShipRule:
                      Type: AWS::Events::Rule
                      Properties:
                        EventPattern:
                          source: [shop.orders]
                          detail-type: [OrderPaid]
                        Targets:
                          # the framework's logical id for `ship-order`: `-` becomes `Dash`, nothing else changes case
                          - Arn: {"Fn::GetAtt": [ShipDashorderLambdaFunction, Arn]}
                            Id: ship
                            DeadLetterConfig: {Arn: arn:aws:sqs:eu-west-1:123456789012:ship-undelivered}
                          - Arn: {"Fn::GetAtt": [ShipOrderLambdaFunction, Arn]}
                            Id: not-a-function-here
                """,
        },
    )
    facts = facts_of(root)
    assert {(s.path, s.framework, s.channel, s.event, s.handler_expr or s.handler, s.dead_letter) for s in facts.subscribers} == {
        ("stack/template.yaml", "cloudformation", "shop.orders", "OrderPlaced", "billing.on_order", "billing-failures"),
        # no function's dead letter: the target's DeadLetterConfig catches failed deliveries
        ("sls/serverless.yml", "serverless", "shop.orders", "OrderPaid", "handlers.ship", "ship-undelivered"),
    }
