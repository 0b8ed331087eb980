"""The broker connection in the event identity: same-named topics on provably different connections
(Kafka bootstrap servers, a tomodachi service's SNS endpoint) are not one event; an unknown connection
meets any, as before; a catalog declaration still joins them."""

from eventlint.catalog import Catalog, EventSpec
from eventlint.extract.sites import broker_label
from eventlint.extract.values import VList, VStr, VUnknown
from eventlint.routes import Flow
from tests.helpers import facts_of, write_project

PRIMARY = '''
from kafka import KafkaConsumer, KafkaProducer

producer = KafkaProducer(bootstrap_servers=["kafka-b.internal:9092", "KAFKA-A.internal:9092"])
producer.send("orders", b"{}")


def consume():
    for message in KafkaConsumer("orders", bootstrap_servers="kafka-a.internal:9092,kafka-b.internal:9092", group_id="billing"):
        print(message.value)
'''

ANALYTICS = '''
import os

from confluent_kafka import Consumer, Producer

producer = Producer({"bootstrap.servers": "analytics-kafka:9092"})
producer.produce("orders", b"{}")


def consume():
    consumer = Consumer({"bootstrap.servers": "analytics-kafka:9092", "group.id": "analytics"})
    consumer.subscribe(["orders"])
    while True:
        print(consumer.poll(1.0))


def anywhere():
    consumer = Consumer({"bootstrap.servers": os.environ["KAFKA"], "group.id": "audit"})
    consumer.subscribe(["orders"])
    while True:
        print(consumer.poll(1.0))
'''

REAL_AWS = '''
from typing import Any

import tomodachi
from tomodachi import Options, aws_sns_sqs, aws_sns_sqs_publish


class Service(tomodachi.Service):
    name = "aws-service"
    options = Options(aws_sns_sqs=Options.AWSSNSSQS(region_name="eu-west-1"))

    @aws_sns_sqs("example-route1", queue_name="queue-1")
    async def route1(self, data: Any) -> None:
        print(data)

    async def _started_service(self) -> None:
        await aws_sns_sqs_publish(self, "hi", topic="example-route1", wait=False)
'''

LOCALSTACK = '''
from typing import Any

import tomodachi
from tomodachi import Options, aws_sns_sqs, aws_sns_sqs_publish


class Service(tomodachi.Service):
    name = "localstack-service"
    options = Options(
        aws_sns_sqs=Options.AWSSNSSQS(region_name="eu-west-1"),
        aws_endpoint_urls=Options.AWSEndpointURLs(sns="http://localhost:4566", sqs="http://localhost:4566"),
    )

    @aws_sns_sqs("example-route1", queue_name="queue-1")
    async def route1(self, data: Any) -> None:
        print(data)

    async def _started_service(self) -> None:
        await aws_sns_sqs_publish(self, "hi", topic="example-route1", wait=False)
'''


def _facts(tmp_path):
    root = write_project(
        tmp_path / "brokers",
        {"primary.py": PRIMARY, "analytics.py": ANALYTICS, "aws_real.py": REAL_AWS, "aws_local.py": LOCALSTACK},
    )
    return facts_of(root)


def _reaching(flow, facts):
    return {
        (p.path, s.path, s.function)
        for p in facts.publishers
        for s in facts.subscribers
        if p.channel and flow.reaches(p, s)
    }


def test_connections_are_recorded_as_labels(tmp_path):
    facts = _facts(tmp_path)
    brokers = {(r.path, r.function, r.broker) for r in (*facts.publishers, *facts.subscribers) if r.channel}
    assert brokers == {
        ("primary.py", "primary", "kafka-a.internal:9092,kafka-b.internal:9092"),
        ("primary.py", "primary.consume", "kafka-a.internal:9092,kafka-b.internal:9092"),
        ("analytics.py", "analytics", "analytics-kafka:9092"),
        ("analytics.py", "analytics.consume", "analytics-kafka:9092"),
        ("analytics.py", "analytics.anywhere", None),  # from the environment: not known
        ("aws_real.py", "aws_real.Service._started_service", "aws"),
        ("aws_real.py", "aws_real.Service.route1", "aws"),
        ("aws_local.py", "aws_local.Service._started_service", "localhost:4566"),
        ("aws_local.py", "aws_local.Service.route1", "localhost:4566"),
    }


def test_different_connections_are_different_events(tmp_path):
    facts = _facts(tmp_path)
    flow = Flow(facts, Catalog())
    assert _reaching(flow, facts) == {
        ("primary.py", "primary.py", "primary.consume"),
        ("primary.py", "analytics.py", "analytics.anywhere"),  # its connection is unknown: it may be either
        ("analytics.py", "analytics.py", "analytics.consume"),
        ("analytics.py", "analytics.py", "analytics.anywhere"),
        ("aws_real.py", "aws_real.py", "aws_real.Service.route1"),
        ("aws_local.py", "aws_local.py", "aws_local.Service.route1"),
    }
    nodes = {flow.identity.node(r) for r in (*facts.publishers, *facts.subscribers) if r.channel}
    assert nodes == {
        "orders[kafka-a.internal:9092,kafka-b.internal:9092]",
        "orders[analytics-kafka:9092]",
        "orders",  # the consumer whose connection is not known
        "example-route1[aws]",
        "example-route1[localhost:4566]",
    }


def test_a_catalog_declaration_joins_them(tmp_path):
    facts = _facts(tmp_path)
    catalog = Catalog(events={"OrderPlaced": EventSpec(name="OrderPlaced", channel="orders")})
    flow = Flow(facts, catalog)
    reached = _reaching(flow, facts)
    assert ("primary.py", "analytics.py", "analytics.consume") in reached
    assert {flow.identity.node(r) for r in facts.publishers if r.channel == "orders"} == {"OrderPlaced"}


def test_labels_are_normalized_and_carry_no_secret():
    assert broker_label(VStr("SASL_SSL://user:s3cret@Broker-1:9093/path?x=1, broker-0:9093")) == "broker-0:9093,broker-1:9093"
    assert broker_label(VList((VStr("b:1"), VStr("a:1")))) == "a:1,b:1"
    assert broker_label(VList((VStr("a:1"), VUnknown("os.environ['B']")))) is None
    assert broker_label(VStr(" ")) is None


def test_connection_qualified_names_read_back():
    from eventlint.identity import transport_suffix, unqualified

    assert transport_suffix("orders@kafka[kafka-a:9092]") == "@kafka[kafka-a:9092]"
    assert transport_suffix("example-route1[localhost:4566]") == "[localhost:4566]"
    assert transport_suffix("orders") == ""
    assert unqualified("orders@kafka[kafka-a:9092]") == "orders"  # a baseline written before still matches


def test_only_provably_different_connections_differ():
    from eventlint.identity import connections_differ

    assert connections_differ("aws", "localhost:4566")  # AWS's own endpoint is never a local one
    assert connections_differ("orderpubsub", "kafkapubsub")  # two Dapr components
    assert connections_differ("kafka-a.internal:9092", "analytics-kafka:9092")
    # one broker, two listeners: from the host and inside a compose network
    assert not connections_differ("localhost:29092", "localhost:9092")
    assert not connections_differ("localhost:29092", "kafka:9092")
    assert not connections_differ("broker-1.prod:9092,broker-2.prod:9092", "broker-2.prod:9092")  # a shared host


def test_an_environment_default_names_no_connection(tmp_path):
    root = write_project(
        tmp_path / "envdefault",
        {
            "producer.py": '''
import os

from confluent_kafka import Producer

producer = Producer({"bootstrap.servers": os.getenv("KAFKA_BOOTSTRAP", "localhost:29092")})
producer.produce("orders", b"{}")
''',
            "tracker.py": '''
import os

from confluent_kafka import Consumer

consumer = Consumer({"bootstrap.servers": os.getenv("KAFKA_BOOTSTRAP", "localhost:9092"), "group.id": "tracker"})
consumer.subscribe(["orders"])
while True:
    print(consumer.poll(1.0))
''',
        },
    )
    facts = facts_of(root)
    assert {r.broker for r in (*facts.publishers, *facts.subscribers)} == {None}
    [publication], [subscription] = facts.publishers, facts.subscribers
    assert Flow(facts, Catalog()).reaches(publication, subscription)
