"""The schema a producer's serializer writes with (`payload_format` + `payload_schema`), read from the code.

Each case is a producer module in the libraries' real API shapes (confluent-kafka's
`SerializingProducer`/`Producer` with `AvroSerializer(client, schema_str, to_dict, conf)` and
`JSONSerializer(schema_str, client, to_dict, conf)`, `SerializationContext(topic, MessageField.VALUE)`;
fastavro's `parse_schema`, `schemaless_writer(fo, schema, record)`, `writer(fo, schema, records)`;
avro's `avro.schema.parse`, `DatumWriter(schema).write(datum, BinaryEncoder(buf))`), and the
schema eventlint must report. Every Avro schema found is also checked to load with the reference
(`avro.schema.parse` and `fastavro.parse_schema`), so what eventlint reports is a schema the
serializer itself would accept.
"""

from __future__ import annotations

import json

import avro.schema
import fastavro
import pytest

from tests.helpers import facts_of, write_project

ORDER = {
    "type": "record",
    "name": "OrderPlaced",
    "namespace": "shop.orders",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "total_cents", "type": "long"}],
}
ORDER_TEXT = json.dumps(ORDER, indent=2)
ORDER_JSON_SCHEMA = {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}

CONFLUENT = """
from confluent_kafka import Producer, SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext, StringSerializer

registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
"""

CASES = {
    "SerializingProducer's value.serializer, schema a module constant": (
        {
            "app/producer.py": CONFLUENT
            + f'''
SCHEMA = """{ORDER_TEXT}"""

producer = SerializingProducer(
    {{
        "bootstrap.servers": "kafka:9092",
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": AvroSerializer(registry, SCHEMA),
    }}
)


def place(order):
    producer.produce("orders.placed", key=order.id, value={{"order_id": order.id, "total_cents": order.cents}})
'''
        },
        ("avro", ORDER),
    ),
    "the conf dict in a variable, the serializer in another, schema_str by keyword": (
        {
            "app/producer.py": CONFLUENT
            + f'''
serializer = AvroSerializer(schema_registry_client=registry, schema_str={ORDER_TEXT!r}, conf={{"auto.register.schemas": False}})
conf = {{"bootstrap.servers": "kafka:9092", "value.serializer": serializer}}
producer = SerializingProducer(conf)


def place(order):
    producer.produce(topic="orders.placed", value={{"order_id": order.id, "total_cents": order.cents}})
'''
        },
        ("avro", ORDER),
    ),
    "open(...).read() of a file beside the module": (
        {
            "app/order_placed.avsc": ORDER_TEXT,
            "app/producer.py": CONFLUENT
            + """
with open("order_placed.avsc") as f:
    schema_str = f.read()

producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, schema_str)})


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
""",
        },
        ("avro", ORDER),
    ),
    "Path(__file__).parents[1] / ... .read_text()": (
        {
            "schemas/order_placed.avsc": ORDER_TEXT,
            "app/producer.py": CONFLUENT
            + """
from pathlib import Path

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
producer = SerializingProducer(
    {"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, (SCHEMAS / "order_placed.avsc").read_text())}
)


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
""",
        },
        ("avro", ORDER),
    ),
    "os.path.join(os.path.dirname(__file__), ...) and open().read()": (
        {
            "app/schemas/order_placed.avsc": ORDER_TEXT,
            "app/producer.py": CONFLUENT
            + """
import os

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas", "order_placed.avsc")
producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, open(path).read())})


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
""",
        },
        ("avro", ORDER),
    ),
    "Path(__file__).parent.joinpath(...)": (
        {
            "app/schemas/order_placed.avsc": ORDER_TEXT,
            "app/producer.py": CONFLUENT
            + """
import pathlib

HERE = pathlib.Path(__file__).parent
producer = SerializingProducer(
    {"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, HERE.joinpath("schemas", "order_placed.avsc").read_text())}
)


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
""",
        },
        ("avro", ORDER),
    ),
    "a serializer called by hand before Producer.produce, held by the class": (
        {
            "app/producer.py": CONFLUENT
            + f'''

def order_to_dict(order, ctx):
    return {{"order_id": order.id, "total_cents": order.cents}}


class OrderPublisher:
    def __init__(self):
        self._producer = Producer({{"bootstrap.servers": "kafka:9092"}})
        self._serializer = AvroSerializer(registry, {ORDER_TEXT!r}, order_to_dict)

    def place(self, order):
        topic = "orders.placed"
        self._producer.produce(topic, value=self._serializer(order, SerializationContext(topic, MessageField.VALUE)))
'''
        },
        ("avro", ORDER),
    ),
    "JSONSerializer: the schema comes first": (
        {
            "app/producer.py": CONFLUENT
            + f"""
json_serializer = JSONSerializer({json.dumps(ORDER_JSON_SCHEMA)!r}, registry)
producer = Producer({{"bootstrap.servers": "kafka:9092"}})


def place(order):
    value = json_serializer({{"order_id": order.id}}, SerializationContext("orders.placed", MessageField.VALUE))
    producer.produce("orders.placed", value=value)
"""
        },
        ("json-schema", ORDER_JSON_SCHEMA),
    ),
    "fastavro.schemaless_writer into a buffer, parse_schema of a dict literal": (
        {
            "app/producer.py": """
import io

from fastavro import parse_schema, schemaless_writer
from kafka import KafkaProducer

NAMESPACE = "shop.orders"
SCHEMA = parse_schema({
    "type": "record",
    "name": "OrderPlaced",
    "namespace": NAMESPACE,
    "fields": [{"name": "order_id", "type": "string"}, {"name": "total_cents", "type": "long"}],
})
producer = KafkaProducer(bootstrap_servers="kafka:9092")


def place(order):
    buf = io.BytesIO()
    schemaless_writer(buf, SCHEMA, {"order_id": order.id, "total_cents": order.cents})
    producer.send("orders.placed", buf.getvalue())
"""
        },
        ("avro", ORDER),
    ),
    "fastavro.writer in a helper that returns the bytes, schema from fastavro.schema.load_schema": (
        {
            "schemas/order_placed.avsc": ORDER_TEXT,
            "app/producer.py": """
from io import BytesIO

import fastavro
from fastavro.schema import load_schema
from kafka import KafkaProducer

SCHEMA = load_schema("schemas/order_placed.avsc")
producer = KafkaProducer(bootstrap_servers="kafka:9092")


def encode(record):
    out = BytesIO()
    fastavro.writer(out, SCHEMA, [record])
    return out.getvalue()


def place(order):
    producer.send("orders.placed", value=encode({"order_id": order.id, "total_cents": order.cents}))
""",
        },
        ("avro", ORDER),
    ),
    "avro's DatumWriter with BinaryEncoder, avro.schema.parse of a file": (
        {
            "app/order_placed.avsc": ORDER_TEXT,
            "app/producer.py": """
import io

import avro.io
import avro.schema
from kafka import KafkaProducer

schema = avro.schema.parse(open("order_placed.avsc").read())
producer = KafkaProducer(bootstrap_servers="kafka:9092")


def place(order):
    writer = avro.io.DatumWriter(schema)
    bytes_writer = io.BytesIO()
    encoder = avro.io.BinaryEncoder(bytes_writer)
    writer.write({"order_id": order.id, "total_cents": order.cents}, encoder)
    producer.send("orders.placed", bytes_writer.getvalue())
""",
        },
        ("avro", ORDER),
    ),
    # what is not known statically stays unknown: the payload keeps its inferred JSON Schema
    "a schema fetched from the registry at run time": (
        {
            "app/producer.py": CONFLUENT
            + """
latest = registry.get_latest_version("orders.placed-value")
producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, latest.schema.schema_str)})


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
"""
        },
        None,
    ),
    "a file outside the project root is never read": (
        {
            "app/producer.py": CONFLUENT
            + """
producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, open("../../outside.avsc").read())})


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
"""
        },
        None,
    ),
    "a file that is missing": (
        {
            "app/producer.py": CONFLUENT
            + """
from pathlib import Path

producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, Path("nowhere.avsc").read_text())})


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id, "total_cents": order.cents})
"""
        },
        None,
    ),
    "a plain buffer the code fills itself": (
        {
            "app/producer.py": """
import io
import json

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def place(order):
    buf = io.BytesIO()
    buf.write(json.dumps({"order_id": order.id}).encode())
    producer.send("orders.placed", buf.getvalue())
"""
        },
        None,
    ),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=list(CASES))
def test_the_serializer_s_schema(tmp_path, files, expected):
    root = write_project(tmp_path / "p", files, {"services": {"app": ["app/**"]}})
    found = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    assert len(found) == 1, found
    publication = found[0]
    if expected is None:
        assert publication.payload_format is None
        return
    fmt, schema = expected
    assert publication.payload_format == fmt
    assert json.loads(publication.payload_schema) == schema
    if fmt == "avro":  # the reference loads what we report
        avro.schema.parse(publication.payload_schema)
        fastavro.parse_schema(json.loads(publication.payload_schema))


def test_a_schema_that_is_not_json_is_kept_as_written(tmp_path):
    """The rules report it (EDA210); extraction keeps the text rather than guess."""
    root = write_project(
        tmp_path / "p",
        {
            "app/producer.py": CONFLUENT
            + """
producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, "{'type': 'record'")})


def place(order):
    producer.produce("orders.placed", value={"order_id": order.id})
"""
        },
        {"services": {"app": ["app/**"]}},
    )
    (publication,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    assert publication.payload_format == "avro"
    assert publication.payload_schema == "{'type': 'record'"


def test_an_edit_to_the_schema_file_is_seen_through_the_cache(tmp_path):
    """The schema file is an input of the cached facts: editing it alone changes them."""
    from eventlint import api
    from eventlint.extract import Options

    files = dict(CASES["open(...).read() of a file beside the module"][0])
    root = write_project(tmp_path / "p", files, {"services": {"app": ["app/**"]}})
    options = Options(cache=True, cache_dir=tmp_path / "cache")

    def sent() -> dict:
        found = api.facts([root], api.load_config([root]), options)
        return json.loads([p for p in found.publishers if p.channel == "orders.placed"][0].payload_schema)

    assert sent() == ORDER
    assert sent() == ORDER  # from the cache
    changed = {**ORDER, "fields": [*ORDER["fields"], {"name": "currency", "type": "string", "default": "EUR"}]}
    (root / "app" / "order_placed.avsc").write_text(json.dumps(changed), encoding="utf-8")
    assert sent() == changed


@pytest.mark.parametrize(
    "conf, expected",
    [
        ("{'subject.name.strategy': topic_record_subject_name_strategy}", "TopicRecordNameStrategy"),
        ("{'subject.name.strategy': record_subject_name_strategy, 'auto.register.schemas': False}", "RecordNameStrategy"),
        ("{'auto.register.schemas': True}", None),
        ("{'subject.name.strategy': my_strategy}", None),  # the project's own function: not a strategy we know
    ],
)
def test_the_serializer_s_subject_name_strategy(tmp_path, conf, expected):
    code = CONFLUENT + f'''
from confluent_kafka.schema_registry import record_subject_name_strategy, topic_record_subject_name_strategy


def my_strategy(ctx, record_name):
    return "custom-" + record_name


serializer = AvroSerializer(registry, {ORDER_TEXT!r}, conf={conf})
producer = SerializingProducer({{"bootstrap.servers": "kafka:9092", "value.serializer": serializer}})


def place(order):
    producer.produce("orders.placed", value={{"order_id": order.id, "total_cents": order.cents}})
'''
    root = write_project(tmp_path / "p", {"app/producer.py": code}, {"services": {"app": ["app/**"]}})
    (publication,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    assert publication.payload_format == "avro" and publication.subject_strategy == expected
