"""API Gateway entry point: register and cancel parcels."""

import json
import os
import uuid

import boto3

from fleetlib import envelope
from intake import store

sns = boto3.client("sns")
PARCEL_TOPIC_ARN = os.environ["PARCEL_TOPIC_ARN"]


def _response(status: int, body: dict) -> dict:
    return {"statusCode": status, "body": json.dumps(body)}


def register(body: dict, correlation_id: str) -> dict:
    parcel = {
        "parcel_id": str(uuid.uuid4()),
        "sender_id": body["sender_id"],
        "address": body["address"],
        "weight_grams": int(body["weight_grams"]),
        "status": "registered",
    }
    store.save_parcel(parcel)
    sns.publish(
        TopicArn=PARCEL_TOPIC_ARN,
        Message=envelope.body({**parcel, "correlation_id": correlation_id}),
        MessageGroupId=parcel["parcel_id"],
        MessageAttributes=envelope.attributes("ParcelRegistered", correlation_id),
    )
    return _response(201, {"parcel_id": parcel["parcel_id"]})


def cancel(parcel_id: str, body: dict) -> dict:
    # the stream relay publishes ParcelCancelled from the table's change record
    if not store.mark_cancelled(parcel_id, body.get("reason", "sender")):
        return _response(409, {"error": "already cancelled"})
    return _response(202, {"parcel_id": parcel_id})


def handler(event, context):
    correlation_id = (event.get("headers") or {}).get("x-correlation-id") or str(uuid.uuid4())
    body = json.loads(event.get("body") or "{}")
    if event["resource"] == "/parcels":
        return register(body, correlation_id)
    return cancel(event["pathParameters"]["parcel_id"], body)
