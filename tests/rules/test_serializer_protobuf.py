"""EDA210 on a `ProtobufSerializer(x_pb2.Msg, ...)`: the project's `.proto` the generated class comes from.

The producer is written in confluent-kafka's real shape (`ProtobufSerializer(msg_type,
schema_registry_client, conf)` as a `SerializingProducer`'s `value.serializer`, or called by hand
with `SerializationContext(topic, MessageField.VALUE)`). The generated module is never in the
project (protoc writes it at build time); the class is mapped to the `.proto` it is generated from.

The expected verdicts are buf's: tests/compat_data/buf_expectations.json holds what `buf breaking`
(1.75.0) reported for each pair of tests/compat_data/protobuf_pairs.py; the catalog holds the old
file, the code's `.proto` is the new one, and EDA210 must report exactly when buf reports a break at
the configured level (a break at either level violates BACKWARD and FORWARD alike).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from eventlint import testing
from eventlint.extract.protos import scan
from eventlint.rules.contracts import ModelSchemaDrift
from tests.compat_data.protobuf_pairs import PAIRS, proto, ORDER

DATA = Path(__file__).resolve().parents[1] / "compat_data"
EXPECTED = json.loads((DATA / "buf_expectations.json").read_text(encoding="utf-8"))["pairs"]

PRODUCER = '''
from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import StringSerializer

from gen.shop.orders.v1 import event_pb2

registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
producer = SerializingProducer({
    "bootstrap.servers": "kafka:9092",
    "key.serializer": StringSerializer("utf_8"),
    "value.serializer": ProtobufSerializer(event_pb2.OrderPlaced, registry, {"use.deprecated.format": False}),
})


def place(order):
    producer.produce("orders.placed", key=order.id, value=event_pb2.OrderPlaced(order_id=order.id))
'''


def lint(catalogued: str, code_proto: str, level: str | None = None, config_extra: str = "") -> list:
    files = {
        "app/producer.py": textwrap.dedent(PRODUCER),
        "schemas/order_placed.proto": catalogued,
        "proto/shop/orders/v1/event.proto": code_proto,
    }
    config = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.proto}\n"
    if level:
        config += f"contracts:\n  protobuf-level: {level}\n"
    return testing.lint_files([ModelSchemaDrift], files, config=config + config_extra, select=["EDA210"])


def _keeps_the_message(old: str, new: str) -> bool:
    (old_package, old_messages), (new_package, new_messages) = scan(old), scan(new)
    return old_package == new_package == "shop.orders.v1" and "OrderPlaced" in old_messages and "OrderPlaced" in new_messages


# pairs whose new file still defines shop.orders.v1.OrderPlaced (the others are the message check's, below)
JUDGED = [pair for pair in PAIRS if _keeps_the_message(pair[1], pair[2])]


def test_the_table_holds_breaks_and_non_breaks():
    verdicts = {bool(EXPECTED[pair_id]["WIRE_JSON"]) for pair_id, _, _ in JUDGED}
    assert verdicts == {True, False} and len(JUDGED) >= 30


@pytest.mark.parametrize("level", ["WIRE_JSON", "WIRE"])
@pytest.mark.parametrize(("pair_id", "old", "new"), JUDGED, ids=[p[0] for p in JUDGED])
def test_the_verdict_is_buf_s(pair_id, old, new, level):
    found = lint(old, new, level if level != "WIRE_JSON" else None)
    assert bool(found) == bool(EXPECTED[pair_id][level]), [d.message for d in found]
    for diagnostic in found:
        assert "the Protobuf schema the serializer writes `OrderPlaced` with breaks BACKWARD against order_placed.proto" in diagnostic.message


def test_the_catalogued_file_itself_is_silent():
    """protoc generated the class from the catalogued file: nothing to judge."""
    files = {"app/producer.py": textwrap.dedent(PRODUCER), "proto/shop/orders/v1/event.proto": proto(ORDER)}
    config = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: proto/shop/orders/v1/event.proto}\n"
    assert testing.lint_files([ModelSchemaDrift], files, config=config, select=["EDA210"]) == []


def test_a_message_the_catalog_does_not_define():
    code = proto(ORDER.replace("message OrderPlaced", "message OrderCreated"))
    producer = PRODUCER.replace("event_pb2.OrderPlaced,", "event_pb2.OrderCreated,")
    files = {"app/producer.py": textwrap.dedent(producer), "schemas/order_placed.proto": proto(ORDER), "proto/shop/orders/v1/event.proto": code}
    config = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.proto}\n"
    (found,) = testing.lint_files([ModelSchemaDrift], files, config=config, select=["EDA210"])
    assert "as Protobuf message `shop.orders.v1.OrderCreated`, which its catalogued schema (order_placed.proto) does not define" in found.message
    assert "`shop.orders.v1.OrderPlaced`" in found.message


def test_a_proto_that_does_not_parse_is_a_finding_not_a_traceback():
    (found,) = lint(proto(ORDER), proto(ORDER).replace("string order_id = 1;", "string order_id = ;"))
    assert "does not load" in found.message and "event.proto" in found.message


def test_an_import_that_is_not_found_is_a_finding():
    broken = proto(ORDER).replace('package shop.orders.v1;', 'package shop.orders.v1;\n\nimport "shop/common/money.proto";')
    (found,) = lint(proto(ORDER), broken)
    assert "does not load" in found.message and "shop/common/money.proto" in found.message


def test_called_by_hand_with_a_serialization_context():
    code = '''
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    from gen.shop.orders.v1.event_pb2 import OrderPlaced

    registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
    serializer = ProtobufSerializer(OrderPlaced, registry, {"use.deprecated.format": False})
    producer = Producer({"bootstrap.servers": "kafka:9092"})


    def place(order):
        message = OrderPlaced(order_id=order.id)
        producer.produce(topic="orders.placed", value=serializer(message, SerializationContext("orders.placed", MessageField.VALUE)))
    '''
    files = {
        "app/producer.py": textwrap.dedent(code),
        "schemas/order_placed.proto": proto(ORDER),
        "proto/shop/orders/v1/event.proto": proto(ORDER.replace("  string currency = 3;\n", "")),
    }
    config = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.proto}\n"
    (found,) = testing.lint_files([ModelSchemaDrift], files, config=config, select=["EDA210"])
    assert "FIELD_NO_DELETE" in found.message or "deleted" in found.message


def test_a_reference_that_extraction_does_not_write_names_nothing():
    from eventlint.rules.contracts import _reference

    assert _reference('{"message": "shop.orders.v1.OrderPlaced", "proto": "proto/orders.proto"}') == ("proto/orders.proto", "shop.orders.v1.OrderPlaced")
    for text in (None, "", "syntax = \"proto3\";", "[]", '{"message": 1, "proto": "x.proto"}', '{"proto": "x.proto"}'):
        assert _reference(text) is None
