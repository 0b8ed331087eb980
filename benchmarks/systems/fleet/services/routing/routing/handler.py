"""SQS FIFO batch handler: plans a route for each registered parcel and drops cancelled ones."""

import logging
from concurrent.futures import ThreadPoolExecutor

from fleetlib import bus, envelope
from routing import maps

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SOURCE = "fleet.routing"
_pool = ThreadPoolExecutor(max_workers=4)


def on_registered(parcel: dict) -> None:
    try:
        route = maps.plan_route(parcel["address"], parcel["weight_grams"])
    except maps.Unroutable as exc:
        bus.put_event(
            SOURCE,
            "RouteUnavailable",
            {"parcel_id": parcel["parcel_id"], "reason": str(exc), "correlation_id": parcel["correlation_id"]},
        )
        return
    bus.put_event(
        SOURCE,
        "RoutePlanned",
        {"parcel_id": parcel["parcel_id"], "depot": route["depot"], "eta": route["eta"], "stops": route["stops"]},
    )


def on_cancelled(parcel: dict) -> None:
    # routes are planned on demand and kept nowhere: a cancelled parcel needs nothing undone here
    logger.info("parcel %s cancelled before dispatch", parcel["parcel_id"])


HANDLERS = {"ParcelRegistered": on_registered, "ParcelCancelled": on_cancelled}


def _process(record: dict) -> None:
    event_type, payload = envelope.unwrap_sqs_record(record)
    HANDLERS[event_type](payload)


def handle_batch(event, context):
    failures = []
    futures = {record["messageId"]: _pool.submit(_process, record) for record in event["Records"]}
    for message_id, future in futures.items():
        try:
            future.result()
        except Exception:
            logger.exception("routing failed for message %s", message_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
