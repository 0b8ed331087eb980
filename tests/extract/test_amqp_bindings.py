"""AMQP bindings as the broker makes them (pika, aio-pika, kombu): `queue_bind` with no routing key (left out or `None`) binds with
the queue's name, and a dead-letter exchange `""` with `x-dead-letter-routing-key` feeds that queue."""

from eventlint.catalog import Catalog
from eventlint.routes import Flow
from tests.helpers import facts_of, write_project

CONSUMER = '''
import pika

connection = pika.BlockingConnection(pika.ConnectionParameters("localhost"))
channel = connection.channel()
channel.exchange_declare(exchange="shop", exchange_type="direct")
channel.queue_declare(queue="orders")
channel.queue_bind("orders", "shop")
channel.queue_declare(queue="invoices")
channel.queue_bind(queue="invoices", exchange="shop", routing_key=None)
channel.queue_declare(queue="refunds")
channel.queue_bind(queue="refunds", exchange="shop", routing_key="refund.issued")
channel.queue_declare(queue="orders.dlq", durable=True)
channel.queue_declare(
    queue="payments",
    durable=True,
    arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dlq"},
)
channel.queue_declare(queue="shipments", arguments={"x-dead-letter-exchange": ""})


def on_message(ch, method, properties, body):
    ch.basic_ack(delivery_tag=method.delivery_tag)


def on_dead_letter(ch, method, properties, body):
    print(body)
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_consume(queue="orders", on_message_callback=on_message)
channel.basic_consume(queue="invoices", on_message_callback=on_message)
channel.basic_consume(queue="refunds", on_message_callback=on_message)
channel.basic_consume(queue="payments", on_message_callback=on_message)
channel.basic_consume(queue="orders.dlq", on_message_callback=on_dead_letter)
channel.basic_consume(queue="shipments", on_message_callback=on_message)
channel.start_consuming()
'''

PUBLISHER = '''
import pika

connection = pika.BlockingConnection(pika.ConnectionParameters("localhost"))
channel = connection.channel()
channel.basic_publish(exchange="shop", routing_key="orders", body=b"{}")
channel.basic_publish(exchange="shop", routing_key="invoices", body=b"{}")
'''


def _facts(tmp_path):
    return facts_of(write_project(tmp_path / "repo", {"worker/main.py": CONSUMER, "api/publish.py": PUBLISHER}))


def test_a_binding_without_a_routing_key_binds_with_the_queue_name(tmp_path):
    facts = _facts(tmp_path)
    got = {(b.line, b.queue, b.exchange, b.routing_key, b.dead_letter) for b in facts.bindings}
    assert got == {
        (7, "orders", "shop", "orders", None),
        (9, "invoices", "shop", "invoices", None),  # routing_key=None written out: pika uses the queue name
        (11, "refunds", "shop", "refund.issued", None),
        (13, "payments", None, None, "amq.default"),
        # the default exchange routes payments' dead letters to orders.dlq by that queue's name
        (13, "orders.dlq", "amq.default", "orders.dlq", None),
        (18, "shipments", None, None, "amq.default"),
    }
    # each publication reaches only the queue bound with its key: `routing_key=None` is no wildcard
    flow = Flow(facts, Catalog())
    reached = {
        p.channel: sorted(s.channel for s in facts.subscribers if flow.reaches(p, s)) for p in facts.publishers
    }
    assert reached == {"shop/orders": ["orders"], "shop/invoices": ["invoices"]}


def test_the_dead_letter_queue_of_the_default_exchange_is_fed_by_dead_letters(tmp_path):
    facts = _facts(tmp_path)
    flow = Flow(facts, Catalog())
    fed = {s.channel for s in facts.subscribers if flow.fed_by_dead_letters(s)}
    assert fed == {"orders.dlq"}


AIO = '''
import aio_pika


async def main():
    connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
    channel = await connection.channel()
    exchange = await channel.declare_exchange("shop", aio_pika.ExchangeType.DIRECT)
    dead = await channel.declare_queue("orders.dlq", durable=True)
    queue = await channel.declare_queue(
        "orders",
        durable=True,
        arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dlq"},
    )
    await queue.bind(exchange, routing_key=None)
    await queue.consume(on_order)
    await dead.consume(on_dead_order)


async def on_order(message: aio_pika.abc.AbstractIncomingMessage):
    async with message.process():
        print(message.body)


async def on_dead_order(message: aio_pika.abc.AbstractIncomingMessage):
    async with message.process():
        print(message.body)
'''
KOMBU = '''
from kombu import Connection, Exchange, Queue
from kombu.mixins import ConsumerMixin

shop = Exchange("shop", type="direct")
orders = Queue(
    "orders",
    shop,
    routing_key="order.created",
    queue_arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dlq"},
)
dead = Queue("orders.dlq", shop, routing_key="orders.dlq")


class Worker(ConsumerMixin):
    def __init__(self, connection):
        self.connection = connection

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[orders], callbacks=[self.on_order]), Consumer(queues=[dead], callbacks=[self.on_dead])]

    def on_order(self, body, message):
        message.ack()

    def on_dead(self, body, message):
        message.ack()


Worker(Connection("amqp://localhost")).run()
'''


def test_aio_pika_and_kombu_default_exchange_dead_letters(tmp_path):
    for name, source in (("aio", AIO), ("kombu", KOMBU)):
        facts = facts_of(write_project(tmp_path / name, {"worker.py": source}))
        flow = Flow(facts, Catalog())
        assert {s.channel: (s.dead_letter, flow.fed_by_dead_letters(s)) for s in facts.subscribers} == {
            "orders": ("amq.default", False),
            "orders.dlq": (None, True),
        }, name
        assert ("orders.dlq", "amq.default", "orders.dlq") in {(b.queue, b.exchange, b.routing_key) for b in facts.bindings}


def test_aio_pika_bind_with_routing_key_none_uses_the_queue_name(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"worker.py": AIO}))
    assert ("orders", "shop", "orders") in {(b.queue, b.exchange, b.routing_key) for b in facts.bindings}


FASTSTREAM = '''
from faststream import FastStream
from faststream.rabbit import RabbitBroker, RabbitQueue

broker = RabbitBroker("amqp://guest:guest@localhost:5672/")
app = FastStream(broker)

orders = RabbitQueue(
    "orders",
    durable=True,
    arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dlq"},
)
dead_orders = RabbitQueue("orders.dlq", durable=True)


@broker.subscriber(orders)
async def on_order(body: dict):
    print(body)


@broker.subscriber(dead_orders)
async def on_dead_order(body: dict):
    print(body)
'''


def test_faststream_default_exchange_dead_letters(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app.py": FASTSTREAM}))
    flow = Flow(facts, Catalog())
    assert {s.channel: (s.dead_letter, flow.fed_by_dead_letters(s)) for s in facts.subscribers} == {
        "orders": ("amq.default", False),
        "orders.dlq": (None, True),
    }
