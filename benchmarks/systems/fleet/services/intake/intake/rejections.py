"""routing could not find a route: the parcel is cancelled (the relay then announces it)."""

from intake import store


def handler(event, context):
    detail = event["detail"]
    store.mark_cancelled(detail["parcel_id"], f"undeliverable: {detail['reason']}")
