"""EDA210 on the schema a producer's serializer writes with, judged as the Schema Registry would.

A producer that serializes with its own schema registers it (confluent-kafka's serializers do by
default, `auto.register.schemas`), and the registry accepts it when it is already a version of the
subject, or when it passes the subject's compatibility mode against the latest version (every
version for the transitive modes). The expected verdicts come from Apache Avro's own checker
(`avro.compatibility.ReaderWriterCompatibilityChecker`): BACKWARD = the new (the code's) schema reads
data written with the old; FORWARD = the old reads data written with the new; FULL = both.
"""

from __future__ import annotations

import json
import textwrap

import avro.compatibility as checker
import avro.schema
import pytest

from eventlint import testing
from eventlint.rules.contracts import ModelSchemaDrift

V1 = {
    "type": "record",
    "name": "OrderPlaced",
    "namespace": "shop.orders",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "total_cents", "type": "int"}],
}
V2 = {**V1, "fields": [*V1["fields"], {"name": "currency", "type": "string", "default": "EUR"}]}


def record(*fields: dict) -> dict:
    return {**V1, "fields": list(fields)}


ORDER_ID = {"name": "order_id", "type": "string"}
CODE_SCHEMAS = {
    "v1 itself (an older catalogued version)": V1,
    "v2 itself": V2,
    "adds a field without a default": record(*V2["fields"], {"name": "channel", "type": "string"}),
    "adds a field with a default": record(*V2["fields"], {"name": "channel", "type": "string", "default": "web"}),
    "drops a field without a default": record(ORDER_ID, V2["fields"][2]),
    "drops a field with a default": record(*V1["fields"]) | {"doc": "without currency"},
    "promotes int to long": record(ORDER_ID, {"name": "total_cents", "type": "long"}, V2["fields"][2]),
    "narrows to an enum-less rename": {**V2, "name": "OrderCreated"},
    "makes a field nullable": record(ORDER_ID, {"name": "total_cents", "type": ["null", "int"], "default": None}, V2["fields"][2]),
}

PRODUCER = '''
from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer

registry = SchemaRegistryClient({{"url": "http://schema-registry:8081"}})
SCHEMA = {schema!r}
producer = SerializingProducer({{"bootstrap.servers": "kafka:9092", "value.serializer": AvroSerializer(registry, SCHEMA)}})


def place(order):
    producer.produce("orders.placed", key=order.id, value=order.as_dict())
'''


def incompatible(reader: dict, writer: dict) -> bool:
    result = checker.ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer))
    )
    return result.compatibility is checker.SchemaCompatibilityType.incompatible


def registry_refuses(code: dict, versions: list[dict], mode: str) -> bool:
    """What the registry does with `code`: a version it holds is accepted; else the mode's checks against the history."""
    parsed = avro.schema.parse(json.dumps(code))
    if any(avro.schema.parse(json.dumps(v)) == parsed for v in versions):
        return False
    against = versions if mode.endswith("_TRANSITIVE") else versions[-1:]
    refuses = False
    for old in against:
        if mode.startswith(("BACKWARD", "FULL")):
            refuses |= incompatible(reader=code, writer=old)
        if mode.startswith(("FORWARD", "FULL")):
            refuses |= incompatible(reader=old, writer=code)
    return refuses


def lint(code_schema: dict, mode: str, versions: list[dict] | None = None) -> list:
    versions = versions or [V1, V2]
    files = {"app.py": textwrap.dedent(PRODUCER.format(schema=json.dumps(code_schema)))}
    for number, version in enumerate(versions, start=1):
        files[f"schemas/order_placed/v{number}.avsc"] = json.dumps(version)
    config = f"events:\n  OrderPlaced: {{owner: app, channel: orders.placed, schema: schemas/order_placed/, compatibility: {mode}}}\n"
    return testing.lint_files([ModelSchemaDrift], files, config=config, select=["EDA210"])


@pytest.mark.parametrize("mode", ["BACKWARD", "FORWARD", "FULL"])
@pytest.mark.parametrize("name", sorted(CODE_SCHEMAS))
def test_the_verdict_is_the_registry_s(name, mode):
    code = CODE_SCHEMAS[name]
    expected = registry_refuses(code, [V1, V2], mode)
    found = lint(code, mode)
    assert bool(found) == expected, [d.message for d in found]
    for diagnostic in found:
        assert f"breaks {mode} against v2.avsc" in diagnostic.message


def test_the_table_holds_both_verdicts_in_each_direction():
    verdicts = {(mode, registry_refuses(code, [V1, V2], mode)) for code in CODE_SCHEMAS.values() for mode in ("BACKWARD", "FORWARD")}
    assert verdicts == {(m, v) for m in ("BACKWARD", "FORWARD") for v in (True, False)}


def test_transitive_modes_check_every_version():
    """Compatible with v2 but not with v1: only BACKWARD_TRANSITIVE refuses it (as the checker says)."""
    v1 = record(ORDER_ID)
    v2 = record(ORDER_ID, {"name": "total_cents", "type": "int", "default": 0})
    code = record(ORDER_ID, {"name": "total_cents", "type": "int"})
    assert registry_refuses(code, [v1, v2], "BACKWARD_TRANSITIVE") and not registry_refuses(code, [v1, v2], "BACKWARD")
    assert lint(code, "BACKWARD", [v1, v2]) == []
    (found,) = lint(code, "BACKWARD_TRANSITIVE", [v1, v2])
    assert "breaks BACKWARD_TRANSITIVE against v1.avsc" in found.message and "total_cents" in found.message


def test_the_finding_names_the_field_and_the_rule():
    (found,) = lint(CODE_SCHEMAS["adds a field without a default"], "BACKWARD")
    assert found.code == "EDA210" and found.event == "OrderPlaced"
    assert "the Avro schema the serializer writes `OrderPlaced` with breaks BACKWARD against v2.avsc" in found.message
    assert "/fields/channel" in found.message and "no default" in found.message


def test_compatibility_none_is_not_checked():
    assert lint(CODE_SCHEMAS["adds a field without a default"], "NONE") == []


def test_a_serializer_schema_that_does_not_load_is_a_finding_not_a_traceback():
    (found,) = lint({"type": "record", "name": "OrderPlaced", "fields": [{"name": "x", "type": "strng"}]}, "BACKWARD")
    assert "does not load" in found.message and "strng" in found.message


def test_a_serializer_in_another_format_than_the_catalog():
    code = '''
    from confluent_kafka import SerializingProducer
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.json_schema import JSONSerializer

    registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
    producer = SerializingProducer({"bootstrap.servers": "kafka:9092", "value.serializer": JSONSerializer('{"type": "object"}', registry)})


    def place(order):
        producer.produce("orders.placed", value=order.as_dict())
    '''
    files = {"app.py": textwrap.dedent(code), "schemas/order_placed/v1.avsc": json.dumps(V1)}
    config = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed/}\n"
    (found,) = testing.lint_files([ModelSchemaDrift], files, config=config, select=["EDA210"])
    assert "writes `OrderPlaced` in JSON Schema, but its catalogued schema (v1.avsc) is Avro" in found.message
