"""A JSON producer with delivery logging; every service builds one through make_producer()."""

import json
import logging
import os

from confluent_kafka import Producer

log = logging.getLogger(__name__)

CORRELATION_HEADER = "x-correlation-id"


def _on_delivery(err, msg):
    if err is not None:
        log.error("delivery to %s failed: %s", msg.topic(), err)


class EventProducer:
    def __init__(self, config: dict):
        self._producer = Producer(config)

    def publish(self, topic: str, payload: dict, *, key=None, headers=None):
        self._producer.produce(
            topic,
            value=json.dumps(payload, default=str).encode("utf-8"),
            key=key,
            headers=headers,
            on_delivery=_on_delivery,
        )
        self._producer.poll(0)

    def flush(self, timeout: float = 10.0):
        return self._producer.flush(timeout)


def make_producer(client_id: str) -> EventProducer:
    return EventProducer(
        {
            "bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092"),
            "client.id": client_id,
            "enable.idempotence": True,
            "acks": "all",
        }
    )


def correlation_headers(correlation_id: str) -> list:
    return [(CORRELATION_HEADER, correlation_id.encode())]


def correlation_of(headers) -> str | None:
    for name, value in headers or []:
        if name == CORRELATION_HEADER:
            return value.decode()
    return None
