"""`Type[X]` / `type[X]` annotate a class, not an instance: calling the parameter makes a client, and a
method read off the class itself uses none."""

from tests.helpers import facts_of, write_project

OUTBOX = '''
from typing import Type

from confluent_kafka import Producer
from kombu import Consumer
from kombu.mixins import ConsumerMixin


class Outbox:
    def __init__(self, producer_class: Type[Producer], config: dict):
        self.producer_class = producer_class
        self.producer = producer_class(config)

    def flush_class(self):
        self.producer_class.produce("never.sent", b"x")

    def send(self, payload):
        self.producer.produce("orders.created", payload)


def registry(kind: type[Producer], fallback: "Type[Producer]", direct: Producer):
    kind.produce("also.never", b"x")
    fallback.produce("nor.this", b"x")
    direct.produce("payments.captured", b"x")


class Worker(ConsumerMixin):
    def __init__(self, connection, queues):
        self.connection = connection
        self.queues = queues

    def get_consumers(self, consumer: Type[Consumer], channel):
        return [consumer(queues=self.queues, callbacks=[self.on_message])]

    def on_message(self, body, message):
        message.ack()
'''


def test_a_class_annotation_is_the_class_not_a_client(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/outbox.py": OUTBOX}))
    assert {(p.line, p.channel) for p in facts.publishers} == {(17, "orders.created"), (23, "payments.captured")}
    # kombu passes its Consumer class to get_consumers: the subscription is still found there
    assert [(s.line, s.handler) for s in facts.subscribers] == [(32, "outbox.Worker.on_message")]
