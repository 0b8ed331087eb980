"""pika bindings as the broker makes them: `queue_bind` with no routing key (left out or `None`) binds with
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
