"""aio-pika: a queue bound to an exchange declared fanout (or headers) — `declare_exchange("notices",
ExchangeType.FANOUT)`, the type positional or `type="fanout"` — gets every message published there whatever the
routing key, as RabbitMQ routes it; a direct exchange still routes by key (the queue's name when bind() gives none)."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from eventlint.config import load_config
from tests.helpers import facts_of, write_project

PUBLISHER = """
    import aio_pika
    from aio_pika import DeliveryMode, ExchangeType


    async def send(text):
        connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq:5672/")
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange("notices", {kind}, durable=True)
            await exchange.publish(
                aio_pika.Message(body=text.encode(), delivery_mode=DeliveryMode.PERSISTENT),
                routing_key="due",
            )
"""
CONSUMER = """
    import aio_pika
    from aio_pika import ExchangeType
    from aio_pika.abc import AbstractIncomingMessage

    from mailer import send_email


    async def on_notice(message: AbstractIncomingMessage):
        async with message.process():
            send_email(message.body.decode())


    async def start_consumer() -> None:
        connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq:5672/")
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=10)
        exchange = await channel.declare_exchange("notices", {kind}, durable=True)
        queue = await channel.declare_queue("notices_mail", durable=True)
        await queue.bind(exchange)
        await queue.consume(on_notice)
"""


def flow_findings(tmp_path: Path, kind: str) -> tuple[Path, list]:
    root = write_project(tmp_path, {
        "api/Dockerfile": "FROM python:3.12\n",
        "api/publisher.py": PUBLISHER.replace("{kind}", kind),
        "mailer/Dockerfile": "FROM python:3.12\n",
        "mailer/consumer.py": CONSUMER.replace("{kind}", kind),
        "mailer/mailer.py": "def send_email(text):\n    print(text)\n",
    }, {"exclude": []})
    found = api.lint([root], load_config([root]), select=["EDA101", "EDA102"]).diagnostics
    return root, sorted((d.code, d.path) for d in found)


def test_a_queue_bound_to_a_fanout_exchange_gets_what_is_published_there(tmp_path):
    root, found = flow_findings(tmp_path, "ExchangeType.FANOUT")
    assert found == []
    [binding] = facts_of(root).bindings
    assert (binding.queue, binding.exchange, binding.routing_key) == ("notices_mail", "notices", None)


def test_the_exchange_type_by_keyword_or_as_text(tmp_path):
    assert flow_findings(tmp_path / "kw", 'type="fanout"')[1] == []
    assert flow_findings(tmp_path / "headers", "aio_pika.ExchangeType.HEADERS")[1] == []


def test_a_direct_exchange_still_routes_by_the_queue_name(tmp_path):
    # bind() without a routing key binds with the queue's name: "notices/due" reaches nothing
    root, found = flow_findings(tmp_path, "ExchangeType.DIRECT")
    assert found == [("EDA101", "api/publisher.py"), ("EDA102", "mailer/consumer.py")]
    [binding] = facts_of(root).bindings
    assert binding.routing_key == "notices_mail"
