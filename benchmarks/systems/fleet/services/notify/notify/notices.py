"""A sent-notice marker per (parcel, kind): written before the mail, removed again if the mail fails."""

import os

import boto3
from botocore.exceptions import ClientError

_table = boto3.resource("dynamodb").Table(os.environ.get("SENT_NOTICES_TABLE", "sent-notices"))


def claim(notice_id: str) -> bool:
    try:
        _table.put_item(Item={"notice_id": notice_id}, ConditionExpression="attribute_not_exists(notice_id)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release(notice_id: str) -> None:
    _table.delete_item(Key={"notice_id": notice_id})
