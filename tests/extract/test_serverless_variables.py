"""Serverless Framework variables in the names a serverless.yml gives (`${self:...}`, `${sls:stage}`,
`${opt:stage, 'dev'}`), and SNS ARNs built with `Fn::Join` that reach the code through `environment:`."""

from tests.helpers import facts_of, write_project

SERVERLESS = """
service: orders-app

provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'eu-west-1'}

custom:
  placedTopic: "${self:service}-${self:provider.stage}-placed"
  shippedTopic: ${self:service}-${sls:stage}-shipped
  placedTopicArn:
    dev:
      { "Fn::Join": ["", ["arn:aws:sns:${self:provider.region}:", { "Ref": "AWS::AccountId" }, ":${self:custom.placedTopic}"] ] }
  auditQueue: ${ssm:/orders/audit-queue}

functions:
  placeOrder:
    handler: functions/place.handler
    environment:
      PLACED_TOPIC_ARN: ${self:custom.placedTopicArn.${self:provider.stage}}
  shipOrder:
    handler: functions/ship.handler
    events:
      - sns: ${self:custom.placedTopic}
  notify:
    handler: functions/notify.handler
    events:
      - sns: ${self:custom.shippedTopic}
      - sns: ${opt:topic}
"""

PLACE = """
import json
import os

import boto3

sns = boto3.client("sns")


def handler(event, context):
    sns.publish(TopicArn=os.environ["PLACED_TOPIC_ARN"], Message=json.dumps(event))
"""

HANDLER = """
def handler(event, context):
    for record in event["Records"]:
        print(record["Sns"]["Message"])
"""


def test_serverless_variables_and_stage_defaults_resolve_on_both_ends(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "serverless.yml": SERVERLESS,
            "functions/place.py": PLACE,
            "functions/ship.py": HANDLER,
            "functions/notify.py": HANDLER,
        },
    )
    facts = facts_of(root)
    [pub] = facts.publishers
    assert (pub.channel, pub.unresolved, pub.provenance) == (
        "orders-app-dev-placed",
        None,
        "config: serverless.yml functions.placeOrder.environment PLACED_TOPIC_ARN",
    )
    got = {(s.handler, s.channel, s.channel_expr, s.provenance) for s in facts.subscribers}
    assert got == {
        ("ship.handler", "orders-app-dev-placed", None, "config: serverless.yml ${self:custom.placedTopic}"),
        # ${sls:stage}: the stage option, else provider.stage (its default here), else "dev"
        ("notify.handler", "orders-app-dev-shipped", None, "config: serverless.yml ${self:custom.shippedTopic}"),
        # an option with no default is known only at deploy time
        ("notify.handler", None, "${opt:topic}", None),
    }


def test_a_stage_known_only_at_deploy_time_leaves_the_names_unknown(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "serverless.yml": SERVERLESS.replace("stage: ${opt:stage, 'dev'}", "stage: ${opt:stage}"),
            "functions/place.py": PLACE,
            "functions/ship.py": HANDLER,
            "functions/notify.py": HANDLER,
        },
    )
    facts = facts_of(root)
    [pub] = facts.publishers
    assert pub.channel is None
    assert {s.channel for s in facts.subscribers} == {None}
