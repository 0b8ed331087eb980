"""Names assigned in the arms of an `if` statement: one record per possible name, marked derived."""

from tests.helpers import facts_of, write_project

PUB = '''
import os

from kafka import KafkaProducer

producer = KafkaProducer()

if os.getenv("ENV") == "prod":
    AUDIT = "audit.prod"
else:
    AUDIT = "audit.dev"


def publish(order, kind):
    if order.refunded:
        topic = "orders.refunded"
    else:
        topic = "orders.placed"
    producer.send(topic, order)
    producer.send(AUDIT, order)


def chain(order, kind):
    topic = "orders.other"
    if kind == "a":
        topic = "orders.a"
    elif kind == "b":
        topic = "orders.b"
    producer.send(topic, order)


def inside(order):
    if order.big:
        topic = "orders.big"
        producer.send(topic, order)
    else:
        topic = "orders.small"
    producer.send(topic, order)


def early(order):
    topic = "orders.kept"
    if order.invalid:
        topic = "orders.invalid"
        return
    producer.send(topic, order)


def unknown_arm(order, name):
    if order.named:
        topic = name
    else:
        topic = "orders.unnamed"
    producer.send(topic, order)


def client_in_arms(secure):
    if secure:
        client = KafkaProducer(security_protocol="SSL")
    else:
        client = KafkaProducer()
    client.send("orders.audited", b"")


def placeholder(order):
    topic = None
    if order.ok:
        topic = "orders.ok"
    producer.send(topic, order)


def self_reference(order):
    topic = "orders"
    if order.eu:
        topic = topic + ".eu"
    else:
        topic = topic + ".us"
    producer.send(topic, order)


def other_arm(order):
    if order.eu:
        topic = "orders.eu"
    else:
        producer.send(topic, order)
'''


def test_if_statement_branches_give_a_derived_set(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/pub.py": PUB}))
    got: dict[int, set] = {}
    for p in facts.publishers:
        got.setdefault(p.line, set()).add((p.channel, p.derived))
    assert got == {
        18: {("orders.placed", True), ("orders.refunded", True)},
        # a module-level if/else
        19: {("audit.dev", True), ("audit.prod", True)},
        # an elif chain without else keeps the default assigned before it
        28: {("orders.a", True), ("orders.b", True), ("orders.other", True)},
        # inside an arm, the arm's own value; after the if, either
        34: {("orders.big", False)},
        37: {("orders.big", True), ("orders.small", True)},
        # an arm that returns leaves nothing below the if
        45: {("orders.kept", False)},
        # one arm not known: the name is not known (never only the known half)
        53: {(None, False)},
        # clients made in the arms: the site is still found
        61: {("orders.audited", False)},
        # a None placeholder overwritten in a branch
        68: {("orders.ok", False)},
        # arms that read the name they assign: each arm reads the value from before the if
        77: {("orders.eu", True), ("orders.us", True)},
        # a name assigned only in the other arm is not this arm's value
        84: {(None, False)},
    }
    [partial] = [p for p in facts.publishers if p.line == 53]
    assert partial.unresolved == "parameter: channel is `(name if ... else 'orders.unnamed')`"
    [one] = [p for p in facts.publishers if p.line == 18 and p.channel == "orders.placed"]
    assert one.provenance.startswith("one of 2 values of `(")


LOOPS = '''
from kafka import KafkaConsumer, KafkaProducer

TOPICS = ["orders.placed", "orders.cancelled"]
producer = KafkaProducer()


def replay(order):
    for topic in TOPICS:
        producer.send(topic, order)
    for stream in ["audit.orders"]:
        producer.send(stream, order)


def consume():
    for msg in KafkaConsumer("orders.placed"):
        producer.send(msg.topic, msg.value)
'''


def test_a_loop_over_a_literal_list_of_names_gives_each(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/loops.py": LOOPS}))
    got = {(p.line, p.channel, p.derived, p.unresolved) for p in facts.publishers}
    assert got == {
        (9, "orders.cancelled", True, None),
        (9, "orders.placed", True, None),
        (11, "audit.orders", False, None),
        # a loop over messages is run-time input, as before
        (16, None, False, "runtime-input: channel is `msg.topic`"),
    }
