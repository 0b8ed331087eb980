"""A consumer's dead-letter path (EDA501) is not an orphan (EDA101) nor an undeclared event (EDA201):
a publication from the consuming loop's `except` that forwards the original message, or one to a
destination named like a dead-letter queue. A failure event built from the message's fields is not one."""

from __future__ import annotations

import pytest

from eventlint.rules.contracts import UndeclaredEvent
from eventlint.rules.debugging import NoDeadLetter
from eventlint.rules.flow import OrphanEvent
from eventlint.testing import lint_files

LOOP = """
import json

from confluent_kafka import Consumer, Producer

from billing.handlers import handle

producer = Producer({{"bootstrap.servers": "kafka:9092"}})


def run() -> None:
    consumer = Consumer({{"bootstrap.servers": "kafka:9092", "group.id": "billing", "enable.auto.commit": False}})
    consumer.subscribe(["orders.placed"])
    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        try:
            handle(msg.value())
        except Exception as exc:
            {failure}
        consumer.commit(message=msg)
"""
FILES = {"billing/__init__.py": "", "billing/handlers.py": "def handle(value):\n    return value\n"}
CATALOG = "events:\n  OrderPlaced: {channel: orders.placed}\n"
CODES = ["EDA101", "EDA201", "EDA501"]


def codes(failure: str) -> list[str]:
    found = lint_files([OrphanEvent, UndeclaredEvent, NoDeadLetter], {"app.py": LOOP.format(failure=failure), **FILES}, config=CATALOG)
    return sorted(d.code for d in found)


@pytest.mark.parametrize(
    "failure",
    [
        'producer.produce("billing-failures", key=msg.key(), value=msg.value())',
        'producer.produce("billing-failures", value=json.dumps({"error": str(exc), "original": msg.value().decode()}))',
        'producer.produce("orders.placed.DLT", value=json.dumps({"error": str(exc)}))',
        'producer.produce("billing-dead-letter", value=json.dumps({"error": str(exc)}))',
    ],
    ids=["forwards-the-message", "forwards-a-decoding", "spring-style-dlt", "named-dead-letter"],
)
def test_dead_letter_path_is_silent(failure):
    assert codes(failure) == []


@pytest.mark.parametrize(
    "failure",
    [
        'producer.produce("billing-failures", value=json.dumps({"reason": str(exc)}))',
        'producer.produce("billing-failures", key=msg.key(), value=json.dumps({"offset": msg.offset(), "reason": str(exc)}))',
    ],
    ids=["reason-only", "key-and-offset"],
)
def test_a_failure_event_built_from_fields_is_still_an_orphan_and_no_dead_letter(failure):
    assert codes(failure) == ["EDA101", "EDA201", "EDA501"]
