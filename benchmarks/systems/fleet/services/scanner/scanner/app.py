"""Handhelds post scans here; they go to RabbitMQ for tracking."""

import json
from contextlib import asynccontextmanager

import aio_pika
from fastapi import FastAPI
from pydantic import BaseModel

from fleetlib import bus
from fleetlib.rabbit import open_channel, scan_exchange


class Scan(BaseModel):
    scan_id: str
    parcel_id: str
    driver_id: str
    kind: str  # picked-up | delivered | failed | damaged
    at: str
    signature_ref: str | None = None


state: dict = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    connection, channel = await open_channel()
    state["exchange"] = await scan_exchange(channel)
    yield
    await connection.close()


app = FastAPI(lifespan=lifespan)


@app.post("/scans", status_code=202)
async def post_scan(scan: Scan):
    await state["exchange"].publish(
        aio_pika.Message(
            body=json.dumps(scan.model_dump()).encode(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=scan.scan_id,
        ),
        routing_key=f"scan.{scan.kind}",
    )
    return {"accepted": scan.scan_id}


@app.post("/signatures", status_code=202)
async def post_signature(scan: Scan):
    # fast path kept from the first release: a signed hand-over is a delivery, announce it at once
    bus.put_event(
        "fleet.tracking",
        "DeliveryCompleted",
        {"parcel_id": scan.parcel_id, "driver_id": scan.driver_id, "delivered_at": scan.at, "correlation_id": scan.scan_id},
    )
    return {"accepted": scan.scan_id}
