import json
import os
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka import Consumer

from clinicbus import topics
from insurance import claims

INVOICE_TOPIC = os.environ.get("INVOICE_TOPIC", "billing.invoice.issued")

ROUTES = {
    INVOICE_TOPIC: claims.on_invoice_issued,
    topics.INVOICE_VOIDED: claims.on_invoice_voided,
}


def process(topic: str, raw: bytes) -> None:
    ROUTES[topic](json.loads(raw))


def main() -> None:
    consumer = Consumer({"bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092"), "group.id": "insurance"})
    consumer.subscribe([INVOICE_TOPIC, topics.INVOICE_VOIDED])
    pool = ThreadPoolExecutor(max_workers=8)
    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        pool.submit(process, msg.topic(), msg.value())


if __name__ == "__main__":
    main()
