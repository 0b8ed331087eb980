"""The SNS envelope intake uses: the event type travels as a message attribute."""

import json


def attributes(event_type: str, correlation_id: str | None = None) -> dict:
    attrs = {"event_type": {"DataType": "String", "StringValue": event_type}}
    if correlation_id:
        attrs["correlation_id"] = {"DataType": "String", "StringValue": correlation_id}
    return attrs


def body(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


def unwrap_sqs_record(record: dict) -> tuple[str, dict]:
    """Raw message delivery: the SQS body is the SNS message; the type is in the attributes."""
    event_type = record["messageAttributes"]["event_type"]["stringValue"]
    return event_type, json.loads(record["body"])
