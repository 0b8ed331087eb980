"""DynamoDB stream -> SNS: the table is intake's outbox for cancellations."""

import os

import boto3

from fleetlib import envelope

sns = boto3.client("sns")
PARCEL_TOPIC_ARN = os.environ["PARCEL_TOPIC_ARN"]


def _cancelled(record: dict) -> bool:
    if record["eventName"] != "MODIFY":
        return False
    old, new = record["dynamodb"]["OldImage"], record["dynamodb"]["NewImage"]
    return old["status"]["S"] != "cancelled" and new["status"]["S"] == "cancelled"


def handler(event, context):
    for record in event["Records"]:
        if not _cancelled(record):
            continue
        image = record["dynamodb"]["NewImage"]
        sns.publish(
            TopicArn=PARCEL_TOPIC_ARN,
            Message=envelope.body({"parcel_id": image["parcel_id"]["S"], "reason": image["cancel_reason"]["S"]}),
            MessageDeduplicationId=record["eventID"],
            MessageAttributes=envelope.attributes("ParcelCancelled"),
        )
