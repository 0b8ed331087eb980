import asyncio
import json
import logging

from aio_pika.abc import AbstractIncomingMessage

from fleetlib import bus
from tracking import db

log = logging.getLogger(__name__)
SOURCE = "fleet.tracking"


async def on_delivery_scan(message: AbstractIncomingMessage) -> None:
    scan = json.loads(message.body)
    await db.record_delivery(scan)
    await asyncio.to_thread(
        bus.put_event,
        SOURCE,
        "DeliveryCompleted",
        {
            "parcel_id": scan["parcel_id"],
            "driver_id": scan["driver_id"],
            "delivered_at": scan["at"],
            "correlation_id": message.correlation_id or scan["scan_id"],
        },
    )


async def on_exception_scan(message: AbstractIncomingMessage) -> None:
    async with message.process(requeue=False):
        # no state here: a redelivered exception scan announces the same fact again, which consumers tolerate
        scan = json.loads(message.body)
        if scan["kind"] == "damaged":
            bus.put_event(SOURCE, "ParcelDamaged", {"parcel_id": scan["parcel_id"], "correlation_id": message.correlation_id})
        else:
            bus.put_event(SOURCE, "DeliveryFailed", {"parcel_id": scan["parcel_id"], "correlation_id": message.correlation_id})
