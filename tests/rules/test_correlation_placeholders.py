"""EDA103: a publication that names the correlation id but passes an empty one, or a fresh one while the
consumed message carries one, drops it; copying the incoming id, or starting a trace when the incoming
message has none, is silent."""

from __future__ import annotations

import pytest

from eventlint.rules.flow import CorrelationIdDropped
from eventlint.testing import lint_files

CONSUMER = """
import json
import uuid

from kafka import KafkaConsumer, KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def on_order(event):
    {body}


for message in KafkaConsumer("orders.placed", group_id="billing"):
    on_order(json.loads(message.value))
"""
# the service that publishes orders.placed, with a correlation id in the payload
CHECKOUT = """
import uuid

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def place_order(order_id):
    producer.send("orders.placed", {"order_id": order_id, "correlation_id": str(uuid.uuid4())})
"""

DROPS = [
    ('producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": ""})', False, "an empty"),
    (
        'producer.send("payments.requested", {"order_id": event["order_id"]}, headers=[("traceparent", b"")])',
        False,
        "an empty",
    ),
    (
        'payload = {"order_id": event["order_id"], "correlation_id": None}\n'
        '    producer.send("payments.requested", json.dumps(payload).encode())',
        False,
        "an empty",
    ),
    (
        'producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": str(uuid.uuid4())})',
        True,
        "freshly generated",
    ),
]
KEEPS = [
    ('producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": event["correlation_id"]})', True),
    (
        'producer.send("payments.requested", {"order_id": event["order_id"]}, '
        'headers=[("correlation_id", event["correlation_id"].encode())])',
        True,
    ),
    # nothing upstream carries an id: starting one here is right
    ('producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": str(uuid.uuid4())})', False),
]


@pytest.mark.parametrize(("body", "with_checkout", "says"), DROPS)
def test_placeholder_correlation_id_is_dropped(body, with_checkout, says):
    files = {"app.py": CONSUMER.format(body=body), **({"checkout.py": CHECKOUT} if with_checkout else {})}
    found = [d for d in lint_files(CorrelationIdDropped, files) if d.path == "app.py"]
    assert len(found) == 1 and says in found[0].message, [d.message for d in found]


@pytest.mark.parametrize(("body", "with_checkout"), KEEPS)
def test_copied_or_first_correlation_id_is_silent(body, with_checkout):
    files = {"app.py": CONSUMER.format(body=body), **({"checkout.py": CHECKOUT} if with_checkout else {})}
    assert [d.message for d in lint_files(CorrelationIdDropped, files) if d.path == "app.py"] == []
