"""Who acknowledges a consumed message, and when, as the framework packs say (#14 item 5): each library's
default, looked up in its documentation (cited in the pack), and what the code's own arguments change.

`ack`: manual (the code), on-delivery (before the handler), auto-commit (offsets committed periodically
whatever the handler's outcome), after-handler (the library, when the handler returns)."""

from __future__ import annotations

import pytest

from tests.helpers import facts_of, write_project

CASES = [
    # (id, source, {handler: ack})
    (
        "pika-auto-ack",
        """
        import pika

        def on_a(ch, method, properties, body):
            pass

        def on_b(ch, method, properties, body):
            ch.basic_ack(method.delivery_tag)

        channel = pika.BlockingConnection().channel()
        channel.basic_consume(queue="a", on_message_callback=on_a, auto_ack=True)
        channel.basic_consume(queue="b", on_message_callback=on_b)
        """,
        {"app.on_a": "on-delivery", "app.on_b": "manual"},
    ),
    (
        "aio-pika-no-ack",
        """
        import aio_pika

        async def on_a(message):
            pass

        async def on_b(message):
            await message.ack()

        async def main():
            connection = await aio_pika.connect_robust("amqp://rabbitmq/")
            channel = await connection.channel()
            queue_a = await channel.declare_queue("a")
            await queue_a.consume(on_a, no_ack=True)
            queue_b = await channel.declare_queue("b")
            await queue_b.consume(on_b)
        """,
        {"app.on_a": "on-delivery", "app.on_b": "manual"},
    ),
    (
        "kafka-clients-enable-auto-commit",
        """
        from kafka import KafkaConsumer
        from aiokafka import AIOKafkaConsumer
        from confluent_kafka import Consumer

        def handle(value):
            pass

        def run_default():
            for message in KafkaConsumer("a", group_id="g"):
                handle(message.value)

        def run_off():
            for message in KafkaConsumer("b", group_id="g", enable_auto_commit=False):
                handle(message.value)

        async def run_aio():
            consumer = AIOKafkaConsumer("c", group_id="g")
            async for message in consumer:
                handle(message.value)

        def run_confluent():
            consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "g"})
            consumer.subscribe(["d"])
            while True:
                message = consumer.poll(1.0)
                handle(message.value())
        """,
        {"a": "auto-commit", "b": "manual", "c": "auto-commit", "d": "auto-commit"},
    ),
    (
        "faststream-kafka-and-rabbit",
        """
        from faststream import AckPolicy
        from faststream.kafka import KafkaBroker
        from faststream.rabbit import RabbitBroker

        kafka = KafkaBroker("kafka:9092")
        rabbit = RabbitBroker("amqp://rabbitmq/")

        @kafka.subscriber("k-default", group_id="g")
        async def k_default(body: dict) -> None: ...

        @kafka.subscriber("k-reject", group_id="g", ack_policy=AckPolicy.REJECT_ON_ERROR)
        async def k_reject(body: dict) -> None: ...

        @kafka.subscriber("k-05", group_id="g", auto_commit=False)
        async def k_05(body: dict) -> None: ...

        @kafka.subscriber("k-manual", group_id="g", ack_policy=AckPolicy.MANUAL)
        async def k_manual(body: dict) -> None: ...

        @rabbit.subscriber("r-default")
        async def r_default(body: dict) -> None: ...

        @rabbit.subscriber("r-first", ack_policy=AckPolicy.ACK_FIRST)
        async def r_first(body: dict) -> None: ...
        """,
        {
            "app.k_default": "auto-commit",
            "app.k_reject": "after-handler",
            "app.k_05": "after-handler",
            "app.k_manual": "manual",
            "app.r_default": "after-handler",
            "app.r_first": "on-delivery",
        },
    ),
    (
        "faust-agents",
        """
        import faust

        app = faust.App("orders", broker="kafka://kafka:9092")
        orders = app.topic("orders")

        @app.agent(orders)
        async def process(stream):
            async for order in stream:
                print(order)
        """,
        {"app.process": "after-handler"},
    ),
    (
        "celery-acks-late",
        """
        from celery import Celery, shared_task

        app = Celery("shop", broker="amqp://rabbitmq")

        @app.task(name="emails.send", acks_late=True)
        def send_email(to):
            print(to)

        @app.task(acks_late=False)
        def early(x):
            print(x)

        @shared_task
        def plain(x):
            print(x)
        """,
        # an absent acks_late stays unknown: the app-wide task_acks_late setting is not read
        {"app.send_email": "after-handler", "app.early": "on-delivery", "app.plain": None},
    ),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ack_by_the_packs(tmp_path, source, expected):
    facts = facts_of(write_project(tmp_path, {"app.py": source}, {"exclude": []}))
    got = {}
    for sub in facts.subscribers:
        key = sub.handler if any(k.startswith("app.") for k in expected) else sub.channel
        got[key] = sub.ack
    assert {k: got.get(k, "missing") for k in expected} == expected
