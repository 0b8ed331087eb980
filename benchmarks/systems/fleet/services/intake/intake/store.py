import os

import boto3

_table = boto3.resource("dynamodb").Table(os.environ.get("PARCELS_TABLE", "parcels"))


def save_parcel(item: dict) -> None:
    _table.put_item(Item=item)


def mark_cancelled(parcel_id: str, reason: str) -> bool:
    try:
        _table.update_item(
            Key={"parcel_id": parcel_id},
            UpdateExpression="SET #s = :cancelled, cancel_reason = :reason",
            ConditionExpression="#s <> :cancelled",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":cancelled": "cancelled", ":reason": reason},
        )
    except _table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True
