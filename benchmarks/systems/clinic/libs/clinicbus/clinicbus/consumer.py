"""Consumer construction and the poll loop most services share.

Offsets are committed by hand after the handler returns; a handler that raises
sends the original message to `<topic>.dlq` and the loop moves on.
"""

import json
import logging
import os

from confluent_kafka import Consumer

from clinicbus import topics
from clinicbus.producer import EventProducer

log = logging.getLogger(__name__)


def make_consumer(group_id: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092"),
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )


def run_loop(consumer: Consumer, handlers: dict, dead_letters: EventProducer) -> None:
    while True:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            log.warning("consumer error: %s", msg.error())
            continue
        handler = handlers.get(msg.topic())
        if handler is None:
            consumer.commit(message=msg, asynchronous=False)
            continue
        try:
            handler(json.loads(msg.value()), msg.headers() or [])
        except Exception:
            log.exception("handler for %s failed; dead-lettering offset %s", msg.topic(), msg.offset())
            dead_letters.publish(topics.dead_letter(msg.topic()), json.loads(msg.value()), key=msg.key(), headers=msg.headers())
        consumer.commit(message=msg, asynchronous=False)
