"""pika's queue_declare result: `queue_declare(queue="x").method.queue` is the queue's name, and a queue
the broker names (`queue=""`) is tied to its exchange by the bindings made through the same variable."""

from eventlint.catalog import Catalog
from eventlint.routes import Flow
from tests.helpers import facts_of, line_of, write_project

NOTIFY = '''
import json

import pika

connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
channel = connection.channel()

queue = channel.queue_declare(queue="order_notify", durable=True)
queue_name = queue.method.queue
channel.queue_bind(exchange="order", queue=queue_name, routing_key="order.notify")


def callback(ch, method, properties, body):
    print(json.loads(body))
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_consume(queue=queue_name, on_message_callback=callback)
channel.start_consuming()
'''

RECEIVE_LOGS = '''
import pika

connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
channel = connection.channel()
channel.exchange_declare(exchange="logs", exchange_type="fanout")

result = channel.queue_declare(queue="", exclusive=True)
channel.queue_bind(exchange="logs", queue=result.method.queue)


def callback(ch, method, properties, body):
    print(body)


channel.basic_consume(queue=result.method.queue, on_message_callback=callback, auto_ack=True)
channel.start_consuming()
'''

AUDIT = '''
import pika


def main():
    connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
    channel = connection.channel()
    result = channel.queue_declare("", exclusive=True)
    queue_name = result.method.queue
    channel.queue_bind(exchange="direct_logs", queue=queue_name, routing_key="error")
    channel.basic_consume(queue=queue_name, on_message_callback=lambda ch, m, p, b: print(b), auto_ack=True)
    channel.start_consuming()


def severities(argv):
    connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
    channel = connection.channel()
    queue_name = channel.queue_declare(queue="", exclusive=True).method.queue
    for severity in argv[1:]:
        channel.queue_bind(exchange="topic_logs", queue=queue_name, routing_key=severity)
    channel.basic_consume(queue=queue_name, on_message_callback=lambda ch, m, p, b: print(b), auto_ack=True)
    channel.start_consuming()
'''

EMIT = '''
import sys

import pika

connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
channel = connection.channel()
channel.basic_publish(exchange="logs", routing_key="", body=b"hello")
channel.basic_publish(exchange="order", routing_key="order.notify", body=b"{}")
channel.basic_publish(exchange="direct_logs", routing_key="info", body=b"{}")
channel.basic_publish(exchange="direct_logs", routing_key="error", body=b"{}")
channel.basic_publish(exchange="topic_logs", routing_key=sys.argv[1] if len(sys.argv) > 1 else "anonymous.info", body=b"{}")
'''


def _facts(tmp_path):
    root = write_project(
        tmp_path / "rabbit",
        {"notify.py": NOTIFY, "receive_logs.py": RECEIVE_LOGS, "audit.py": AUDIT, "emit.py": EMIT},
    )
    return root, facts_of(root)


def test_declared_queue_name_through_the_result(tmp_path):
    root, facts = _facts(tmp_path)
    [notify] = [s for s in facts.subscribers if s.path == "notify.py"]
    assert (notify.line, notify.channel, notify.handler) == (line_of(root / "notify.py", "basic_consume("), "order_notify", "notify.callback")
    [binding] = [b for b in facts.bindings if b.path == "notify.py"]
    assert (binding.queue, binding.exchange, binding.routing_key, binding.queue_expr) == ("order_notify", "order", "order.notify", None)


def test_broker_named_queue_is_no_name_but_is_bound(tmp_path):
    root, facts = _facts(tmp_path)
    [logs] = [s for s in facts.subscribers if s.path == "receive_logs.py"]
    assert logs.channel is None  # the broker names it: "" is no name
    assert logs.channel_expr == "broker-named queue in receive_logs"
    assert logs.unresolved.startswith("broker-named: ")
    [binding] = [b for b in facts.bindings if b.path == "receive_logs.py" and b.exchange]
    assert (binding.queue, binding.exchange, binding.queue_expr) == (None, "logs", "broker-named queue in receive_logs")
    # queue_declare(queue="", exclusive=True): the declaration records the queue's lifetime
    [declared] = [b for b in facts.bindings if b.path == "receive_logs.py" and not b.exchange]
    assert (declared.queue, declared.queue_expr, declared.lifetime) == (None, "broker-named queue in receive_logs", "exclusive")
    assert "queue_expr" not in facts.to_json()["bindings"][[b.path for b in facts.bindings].index("notify.py")]

    flow = Flow(facts, Catalog())
    by = {(p.path, p.channel): p for p in facts.publishers}
    subs = {s.path: s for s in facts.subscribers if s.function != "audit.severities"}
    # emit -> logs (fanout, empty routing key) -> the broker-named queue bound to `logs`
    assert flow.reaches(by[("emit.py", "logs")], subs["receive_logs.py"])
    assert not flow.reaches(by[("emit.py", "order/order.notify")], subs["receive_logs.py"])
    assert flow.reaches(by[("emit.py", "order/order.notify")], subs["notify.py"])
    # in a function: bound with a routing key, so only that key arrives
    assert subs["audit.py"].channel_expr == "broker-named queue in audit.main"
    assert flow.reaches(by[("emit.py", "direct_logs/error")], subs["audit.py"])
    assert not flow.reaches(by[("emit.py", "direct_logs/info")], subs["audit.py"])
    assert not flow.reaches(by[("emit.py", "logs")], subs["audit.py"])
    # routing keys from the command line on both sides: matched by the exchange
    [severities] = [s for s in facts.subscribers if s.function == "audit.severities"]
    [topic_logs] = [p for p in facts.publishers if (p.channel_expr or "").startswith("topic_logs/")]
    assert flow.reaches(topic_logs, severities)
    assert not flow.reaches(topic_logs, subs["receive_logs.py"])
