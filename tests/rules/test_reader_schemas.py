"""A consumer's reader schema: `AvroDeserializer(registry, schema_str)` / `JSONDeserializer(schema_str)` as its
`value.deserializer`, the schema its handler's reads are judged against.

The consumer is confluent-kafka's real shape (its avro_consumer.py / json_consumer.py examples):
`DeserializingConsumer({"key.deserializer": ..., "value.deserializer": AvroDeserializer(registry, schema_str),
"group.id": ...})`, `subscribe([topic])`, then a poll loop handing `msg.value()` to the handler. Avro resolves
the writer's data into the reader schema, so the decoded dict has exactly what Apache Avro's own `DatumReader`
(writer schema = the catalog's, reader schema = the consumer's) gives: the expected verdicts come from it.
"""

from __future__ import annotations

import io
import json
import textwrap

import avro.io
import avro.schema
import pytest

from eventlint import testing
from eventlint.rules.contracts import ConsumerReadsUnknownField
from tests.helpers import facts_of, write_project

WRITER = {
    "type": "record", "name": "OrderPlaced", "namespace": "shop.orders",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "total_cents", "type": "long"},
        {"name": "internal_note", "type": "string"},
    ],
}
READER = {
    "type": "record", "name": "OrderPlaced", "namespace": "shop.orders",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "total_cents", "type": "long"},
        {"name": "currency", "type": "string", "default": "EUR"},  # not written: the default fills it
    ],
}
KEY = {"type": "record", "name": "OrderKey", "namespace": "shop.orders", "fields": [{"name": "shard", "type": "int"}]}

CONSUMER = """
from confluent_kafka import DeserializingConsumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import StringDeserializer

READER_SCHEMA = {reader!r}
KEY_SCHEMA = {key!r}

registry = SchemaRegistryClient({{"url": "http://schema-registry:8081"}})
consumer = DeserializingConsumer({{
    "bootstrap.servers": "kafka:9092",
    "key.deserializer": {key_deserializer},
    "value.deserializer": {value_deserializer},
    "group.id": "billing",
    "auto.offset.reset": "earliest",
}})
consumer.subscribe(["orders.placed"])


def on_order(order):
    bill(order["{field}"])


while True:
    msg = consumer.poll(1.0)
    if msg is None:
        continue
    on_order(msg.value())
"""
CONFIG = "events:\n  OrderPlaced: {owner: orders, channel: orders.placed, schema: schemas/order_placed.avsc}\n"


def files(field: str, value_deserializer: str = "AvroDeserializer(registry, READER_SCHEMA)", key_deserializer: str = "StringDeserializer('utf_8')") -> dict[str, str]:
    code = CONSUMER.format(reader=json.dumps(READER), key=json.dumps(KEY), field=field, value_deserializer=value_deserializer, key_deserializer=key_deserializer)
    return {"app/consumer.py": textwrap.dedent(code), "schemas/order_placed.avsc": json.dumps(WRITER)}


def findings(field: str, **kwargs: str) -> list[str]:
    return [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files(field, **kwargs), config=CONFIG)]


def decoded_keys(writer: dict, reader: dict) -> set[str]:
    """The keys of a message written with `writer` and read with `reader`, by Apache Avro itself."""
    writer_schema, reader_schema = avro.schema.parse(json.dumps(writer)), avro.schema.parse(json.dumps(reader))
    buffer = io.BytesIO()
    avro.io.DatumWriter(writer_schema).write({"order_id": "o-1", "total_cents": 1250, "internal_note": "x"}, avro.io.BinaryEncoder(buffer))
    buffer.seek(0)
    return set(avro.io.DatumReader(writer_schema, reader_schema).read(avro.io.BinaryDecoder(buffer)))


@pytest.mark.parametrize("field", ["order_id", "total_cents", "currency", "internal_note", "coupon"])
def test_reads_are_judged_against_the_avro_reader_schema(field):
    found = findings(field)
    assert bool(found) == (field not in decoded_keys(WRITER, READER)), found
    if found:
        assert found == [f"reads `{field}`, which the `OrderPlaced` schema does not define (decoded with the consumer's Avro reader schema, app/consumer.py:17)"]  # at its `subscribe`


@pytest.mark.parametrize("field", ["order_id", "internal_note", "currency"])
def test_without_a_reader_schema_the_writer_s_is_read(field):
    # `AvroDeserializer(registry)`: the registry's writer schema (the catalog's) decodes the message
    found = findings(field, value_deserializer="AvroDeserializer(registry)")
    assert bool(found) == (field not in decoded_keys(WRITER, WRITER)), found


def test_a_key_deserializer_s_schema_is_never_the_value_s():
    """The key's reader schema defines only `shard`: taken for the value, `order_id` would be reported; it is not."""
    key = "AvroDeserializer(registry, KEY_SCHEMA)"
    assert findings("order_id", key_deserializer=key, value_deserializer="AvroDeserializer(registry)") == []
    assert findings("shard", key_deserializer=key, value_deserializer="AvroDeserializer(registry)") == [
        "reads `shard`, which the `OrderPlaced` schema does not define"
    ]


def test_the_reader_schema_is_on_the_subscription(tmp_path):
    root = write_project(tmp_path / "p", files("order_id"), None)
    [sub] = [s for s in facts_of(root).subscribers if s.channel == "orders.placed"]
    assert (sub.payload_format, json.loads(sub.payload_schema)) == ("avro", READER)


JSON_READER = {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}


def test_a_json_deserializer_s_schema_is_recorded_and_the_catalog_still_judges(tmp_path):
    """`JSONDeserializer(schema_str)` validates the message and hands it on as written: reads stay the catalog's."""
    value = f"JSONDeserializer({json.dumps(json.dumps(JSON_READER))})"
    sources = files("internal_note", value_deserializer=value)
    sources["app/consumer.py"] = sources["app/consumer.py"].replace(
        "from confluent_kafka.serialization", "from confluent_kafka.schema_registry.json_schema import JSONDeserializer\nfrom confluent_kafka.serialization"
    )
    [sub] = [s for s in facts_of(write_project(tmp_path / "p", sources, None)).subscribers if s.channel == "orders.placed"]
    assert (sub.payload_format, json.loads(sub.payload_schema)) == ("json-schema", JSON_READER)
    assert testing.lint_files(ConsumerReadsUnknownField, sources, config=CONFIG) == []


def test_a_reader_schema_that_does_not_parse_leaves_the_catalog_s_judgement():
    bad = "AvroDeserializer(registry, '{\"type\": \"record\", \"name\": \"OrderPlaced\"}')"
    assert findings("internal_note", value_deserializer=bad) == []
    assert findings("coupon", value_deserializer=bad) == ["reads `coupon`, which the `OrderPlaced` schema does not define"]


def _reader(*fields: dict) -> dict:
    return {**READER, "fields": list(fields)}


ORDER_ID, TOTAL = READER["fields"][0], READER["fields"][1]
READERS = {
    "the writer's own": WRITER,
    "a field with a default added": READER,
    "a field without a default added": _reader(ORDER_ID, TOTAL, {"name": "currency", "type": "string"}),
    "total promoted to double": _reader(ORDER_ID, {"name": "total_cents", "type": "double"}),
    "total narrowed to int": _reader(ORDER_ID, {"name": "total_cents", "type": "int"}),
    "another record name": {**READER, "name": "Order"},
}


def avro_can_read(reader: dict, writer: dict) -> bool:
    import avro.compatibility as checker

    result = checker.ReaderWriterCompatibilityChecker().get_compatibility(avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer)))
    return result.compatibility is checker.SchemaCompatibilityType.compatible


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_reader_schema_that_cannot_read_the_catalog_s_is_reported_at_the_subscription(name, tmp_path):
    reader = READERS[name]
    code = CONSUMER.format(reader=json.dumps(reader), key=json.dumps(KEY), field="order_id", value_deserializer="AvroDeserializer(registry, READER_SCHEMA)", key_deserializer="StringDeserializer('utf_8')")
    sources = {"app/consumer.py": textwrap.dedent(code), "schemas/order_placed.avsc": json.dumps(WRITER)}
    found = [d for d in testing.lint_files(ConsumerReadsUnknownField, sources, config=CONFIG) if "cannot read" in d.message]
    assert bool(found) == (not avro_can_read(reader, WRITER)), [d.message for d in found]
    assert all((d.path, d.line) == ("app/consumer.py", 17) and "order_placed.avsc" in d.message for d in found)


def test_the_table_holds_both_verdicts():
    assert {avro_can_read(r, WRITER) for r in READERS.values()} == {True, False}
