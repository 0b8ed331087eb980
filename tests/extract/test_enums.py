"""Enumerations and containers of topics: members as names, `.value`/`.name`, Django's `.values`,
`list(Enum)`, comprehensions over an enumeration, module-level lists and sets of topic names."""

from tests.helpers import facts_of, line_of, subs, write_project

TOPICS = '''
from enum import Enum, IntEnum, StrEnum, auto

from django.db import models
from django.db.models import TextChoices


class Topics(TextChoices):
    USER_STREAM = "user-stream", "User stream"
    TASK_LIFECYCLE = "task-lifecycle"


class Streams(str, Enum):
    ORDERS = "orders"
    PAYMENTS = "payments"

    def describe(self):
        return self.value


class Auto(StrEnum):
    BILLING_EVENTS = auto()
    LEDGER = "ledger-v2"


class Kinds(models.TextChoices):
    CREATED = auto()


class Pair(Enum):
    FIRST = ("pair-a", "pair-b")


class Level(IntEnum):
    LOW = 1


ALL_TOPICS = ["audit.a", "audit.b"]
TOPIC_SET = {"metrics.x", "metrics.y"}
'''

CONSUMERS = '''
from confluent_kafka import Consumer, Producer

from svc.topics import ALL_TOPICS, TOPIC_SET, Auto, Kinds, Pair, Streams, Topics


def handle(msg):
    print(msg.value())


class AccountingConsumer:
    def __init__(self):
        self.consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "accounting"})
        self.consumer.subscribe(Topics.values)

    def consume(self):
        while True:
            msg = self.consumer.poll(1)
            handle(msg)


def streams():
    consumer = Consumer({"group.id": "streams"})
    consumer.subscribe([s.value for s in Streams])
    while True:
        msg = consumer.poll(1.0)
        handle(msg)


def auto_members():
    consumer = Consumer({"group.id": "auto"})
    consumer.subscribe(list(Auto))
    while True:
        msg = consumer.poll(1.0)
        handle(msg)


def audit():
    consumer = Consumer({"group.id": "audit"})
    consumer.subscribe(topics=ALL_TOPICS)
    while True:
        msg = consumer.poll(1.0)
        handle(msg)


def metrics():
    consumer = Consumer({"group.id": "metrics"})
    consumer.subscribe(sorted(TOPIC_SET))
    while True:
        msg = consumer.poll(1.0)
        handle(msg)


def publish():
    producer = Producer({"bootstrap.servers": "kafka:9092"})
    producer.produce(Topics.USER_STREAM, b"{}")
    producer.produce(Streams.PAYMENTS.value, b"{}")
    producer.produce(topic=Auto.BILLING_EVENTS, value=b"{}")
    producer.produce(Streams.ORDERS.name, b"{}")
    producer.produce(Kinds.CREATED, b"{}")
    producer.produce(Pair.FIRST, b"{}")
'''


def _facts(tmp_path):
    root = write_project(tmp_path / "enums", {"svc/__init__.py": "", "svc/topics.py": TOPICS, "svc/consumers.py": CONSUMERS})
    return root, facts_of(root)


def test_one_subscription_per_member_or_item(tmp_path):
    root, facts = _facts(tmp_path)
    path = root / "svc/consumers.py"
    found = {(line, channel) for (_, line, _, channel, _, _) in subs(facts)}
    expected = {
        # Django TextChoices.values: the values, not the labels
        (line_of(path, "subscribe(Topics.values)"), "user-stream"),
        (line_of(path, "subscribe(Topics.values)"), "task-lifecycle"),
        # [s.value for s in Streams]: a comprehension over a (str, Enum)
        (line_of(path, "for s in Streams"), "orders"),
        (line_of(path, "for s in Streams"), "payments"),
        # list(StrEnum): its members are strings; auto() is the lower-cased name
        (line_of(path, "list(Auto)"), "billing_events"),
        (line_of(path, "list(Auto)"), "ledger-v2"),
        # a module-level list (keyword topics=) and a set (sorted())
        (line_of(path, "topics=ALL_TOPICS"), "audit.a"),
        (line_of(path, "topics=ALL_TOPICS"), "audit.b"),
        (line_of(path, "sorted(TOPIC_SET)"), "metrics.x"),
        (line_of(path, "sorted(TOPIC_SET)"), "metrics.y"),
    }
    assert found == expected
    # every topic in the list is subscribed: none of these records is one possibility of several
    assert not any(s.derived for s in facts.subscribers)
    assert {s.group for s in facts.subscribers if s.line == line_of(path, "subscribe(Topics.values)")} == {"accounting"}


def test_members_name_their_value(tmp_path):
    root, facts = _facts(tmp_path)
    path = root / "svc/consumers.py"
    by_line = {}
    for p in facts.publishers:
        by_line.setdefault(p.line, []).append(p.channel)
    assert by_line[line_of(path, "produce(Topics.USER_STREAM")] == ["user-stream"]  # the label is no topic
    assert by_line[line_of(path, "Streams.PAYMENTS.value")] == ["payments"]
    assert by_line[line_of(path, "Auto.BILLING_EVENTS")] == ["billing_events"]
    assert by_line[line_of(path, "Streams.ORDERS.name")] == ["ORDERS"]
    # Django's TextChoices auto() gives the member's name
    assert by_line[line_of(path, "Kinds.CREATED")] == ["CREATED"]
    # a plain Enum member whose value is a tuple names no topic (not two)
    assert by_line[line_of(path, "Pair.FIRST")] == [None]
