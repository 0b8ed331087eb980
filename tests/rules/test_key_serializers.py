"""Key serializers: the schema a producer writes the message key with, and its `<topic>-key` subject.

Producers are written in confluent-kafka's real shapes: `SerializingProducer({"key.serializer": ...,
"value.serializer": ...})` then `produce(topic, key=..., value=...)`, and a plain `Producer` with the
serializers called by hand, `key=key_ser(k, SerializationContext(topic, MessageField.KEY))`. The
catalog declares the key's schema with `key_schema`. Expected verdicts come from Apache Avro's own
checker (`avro.compatibility`), as the Schema Registry judges a schema the key serializer registers
under `<topic>-key`: a catalogued version is accepted, any other must pass the event's mode.
"""

from __future__ import annotations

import json
import shutil
import textwrap

import avro.compatibility as checker
import avro.schema
import pytest
from click.testing import CliRunner

from eventlint import testing
from eventlint.cli import main
from eventlint.rules.contracts import ModelSchemaDrift
from eventlint.rules.engine_rules import BrokenSchema
from tests.helpers import facts_of, fixture, write_project

KEY_V1 = {"type": "record", "name": "OrderKey", "namespace": "shop.orders", "fields": [{"name": "order_id", "type": "string"}]}
KEY_V2 = {**KEY_V1, "fields": [*KEY_V1["fields"], {"name": "region", "type": "string", "default": "eu"}]}
VALUE = {"type": "record", "name": "OrderPlaced", "namespace": "shop.orders", "fields": [{"name": "order_id", "type": "string"}]}


def key(*fields: dict) -> dict:
    return {**KEY_V1, "fields": list(fields)}


ORDER_ID = {"name": "order_id", "type": "string"}
CODE_KEYS = {
    "v1 itself": KEY_V1,
    "v2 itself": KEY_V2,
    "adds a field without a default": key(*KEY_V2["fields"], {"name": "shard", "type": "int"}),
    "adds a field with a default": key(*KEY_V2["fields"], {"name": "shard", "type": "int", "default": 0}),
    "drops region (it has a default)": key(ORDER_ID),
    "order_id to bytes": key({"name": "order_id", "type": "bytes"}, KEY_V2["fields"][1]),
    "order_id to int": key({"name": "order_id", "type": "int"}, KEY_V2["fields"][1]),
}

PRODUCER = """
from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer

registry = SchemaRegistryClient({{"url": "http://schema-registry:8081"}})
KEY_SCHEMA = {key!r}
VALUE_SCHEMA = {value!r}
producer = SerializingProducer({{
    "bootstrap.servers": "kafka:9092",
    "key.serializer": AvroSerializer(registry, KEY_SCHEMA),
    "value.serializer": AvroSerializer(registry, VALUE_SCHEMA),
}})


def place(order):
    producer.produce("orders.placed", key={{"order_id": order.id}}, value=order.as_dict())
"""

BY_HAND = """
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

registry = SchemaRegistryClient({{"url": "http://schema-registry:8081"}})
key_serializer = AvroSerializer(registry, {key!r})
value_serializer = AvroSerializer(registry, {value!r})
producer = Producer({{"bootstrap.servers": "kafka:9092"}})


def place(order):
    topic = "orders.placed"
    producer.produce(
        topic,
        key=key_serializer({{"order_id": order.id}}, SerializationContext(topic, MessageField.KEY)),
        value=value_serializer(order.as_dict(), SerializationContext(topic, MessageField.VALUE)),
    )
"""

CONFIG = (
    "events:\n  OrderPlaced: {{owner: app, channel: orders.placed, schema: schemas/order_placed.avsc, "
    "key_schema: schemas/order_key/, compatibility: {mode}}}\n"
)


def files_for(template: str, code_key: dict, value: dict = VALUE, versions: list[dict] | None = None) -> dict[str, str]:
    files = {"app.py": textwrap.dedent(template.format(key=json.dumps(code_key), value=json.dumps(value))), "schemas/order_placed.avsc": json.dumps(VALUE)}
    for number, version in enumerate(versions or [KEY_V1, KEY_V2], start=1):
        files[f"schemas/order_key/v{number}.avsc"] = json.dumps(version)
    return files


def lint(template: str, code_key: dict, mode: str = "BACKWARD", value: dict = VALUE) -> list:
    return testing.lint_files([ModelSchemaDrift], files_for(template, code_key, value), config=CONFIG.format(mode=mode), select=["EDA210"])


def incompatible(reader: dict, writer: dict) -> bool:
    result = checker.ReaderWriterCompatibilityChecker().get_compatibility(avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer)))
    return result.compatibility is checker.SchemaCompatibilityType.incompatible


def registry_refuses(code: dict, versions: list[dict], mode: str) -> bool:
    parsed = avro.schema.parse(json.dumps(code))
    if any(avro.schema.parse(json.dumps(v)) == parsed for v in versions):
        return False
    refuses = False
    if mode.startswith(("BACKWARD", "FULL")):
        refuses |= incompatible(reader=code, writer=versions[-1])
    if mode.startswith(("FORWARD", "FULL")):
        refuses |= incompatible(reader=versions[-1], writer=code)
    return refuses


def test_the_table_holds_both_verdicts_in_each_direction():
    verdicts = {(mode, registry_refuses(code, [KEY_V1, KEY_V2], mode)) for code in CODE_KEYS.values() for mode in ("BACKWARD", "FORWARD")}
    assert verdicts == {(m, v) for m in ("BACKWARD", "FORWARD") for v in (True, False)}


@pytest.mark.parametrize("template", [PRODUCER, BY_HAND], ids=["key.serializer", "MessageField.KEY"])
@pytest.mark.parametrize("mode", ["BACKWARD", "FORWARD", "FULL"])
@pytest.mark.parametrize("name", sorted(CODE_KEYS))
def test_the_key_s_verdict_is_the_registry_s(template, name, mode):
    found = lint(template, CODE_KEYS[name], mode)
    assert bool(found) == registry_refuses(CODE_KEYS[name], [KEY_V1, KEY_V2], mode), [d.message for d in found]
    for diagnostic in found:
        assert f"the Avro schema the key serializer writes `OrderPlaced`'s key with breaks {mode} against v2.avsc" in diagnostic.message


def test_a_key_schema_is_never_judged_as_the_value():
    """The key serializer's record is not OrderPlaced: taken for the value it would break; it is not."""
    assert lint(PRODUCER, KEY_V2) == []
    # and the value's schema is judged on its own: a value that breaks is one finding, about the value
    broken_value = {**VALUE, "fields": [ORDER_ID, {"name": "total", "type": "int"}]}
    (found,) = lint(PRODUCER, KEY_V2, value=broken_value)
    assert found.message.startswith("the Avro schema the serializer writes `OrderPlaced` with breaks BACKWARD")


def test_no_key_schema_in_the_catalog_is_not_judged():
    config = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.avsc}\n"
    files = files_for(PRODUCER, CODE_KEYS["adds a field without a default"])
    assert testing.lint_files([ModelSchemaDrift], files, config=config, select=["EDA210"]) == []


def test_the_facts_keep_key_and_value_apart(tmp_path):
    key_only = PRODUCER.replace('    "value.serializer": AvroSerializer(registry, VALUE_SCHEMA),\n', "")
    for template, value_format in ((PRODUCER, "avro"), (BY_HAND, "avro"), (key_only, None)):
        root = write_project(tmp_path / str(value_format) / str(len(template)), {"app/producer.py": template.format(key=json.dumps(KEY_V1), value=json.dumps(VALUE))})
        (p,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
        assert p.key_format == "avro" and json.loads(p.key_schema)["name"] == "OrderKey"
        assert p.payload_format == value_format
        if value_format:
            assert json.loads(p.payload_schema)["name"] == "OrderPlaced"


def test_a_key_serializer_given_as_the_value_is_not_the_value_s_schema(tmp_path):
    """`value=ser(v, SerializationContext(topic, MessageField.KEY))`: the context says it writes a key."""
    code = BY_HAND.replace("value=value_serializer(order.as_dict(), SerializationContext(topic, MessageField.VALUE))",
                           "value=key_serializer(order.as_dict(), SerializationContext(topic, MessageField.KEY))")
    root = write_project(tmp_path / "p", {"app/producer.py": code.format(key=json.dumps(KEY_V1), value=json.dumps(VALUE))})
    (p,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    assert p.payload_format is None and '"OrderKey"' not in (p.payload_schema or "")
    assert json.loads(p.key_schema)["name"] == "OrderKey"


def test_a_broken_key_schema_is_eda003_not_a_traceback():
    files = files_for(PRODUCER, KEY_V1, versions=[{**KEY_V1, "fields": [{"name": "order_id", "type": "strng"}]}])
    (found,) = testing.lint_files([BrokenSchema], files, config=CONFIG.format(mode="BACKWARD"), select=["EDA003"])
    assert found.message.startswith("key schema of `OrderPlaced` cannot be used:") and "strng" in found.message
    assert found.path.endswith("schemas/order_key/v1.avsc")


def test_a_key_schema_that_is_not_there_is_a_config_error(tmp_path):
    root = write_project(tmp_path / "p", files_for(PRODUCER, KEY_V1))
    (root / "eventlint.yaml").write_text(CONFIG.format(mode="BACKWARD").replace("schemas/order_key/", "schemas/missing.avsc"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 2 and "events.OrderPlaced.key_schema" in result.output and "schemas/missing.avsc" in result.output


def _registry_project(tmp_path, strategy_conf: str = ""):
    root = tmp_path / "project"
    shutil.copytree(fixture("schema_registry"), root)
    (root / "schemas/order_key").mkdir()
    (root / "schemas/order_key/v1.avsc").write_text(json.dumps(KEY_V1), encoding="utf-8")
    (root / "schemas/order_key/v2.avsc").write_text(json.dumps(KEY_V2), encoding="utf-8")
    config = root / "eventlint.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("    schema: schemas/order_placed/\n", "    schema: schemas/order_placed/\n    key_schema: schemas/order_key/\n"), encoding="utf-8")
    publisher = root / "services/orders/orders/publisher.py"
    text = publisher.read_text(encoding="utf-8")
    assert "SerializingProducer(" in text
    (root / "services/orders/orders/keyed.py").write_text(
        "from confluent_kafka import SerializingProducer\n"
        "from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy\n"
        "from confluent_kafka.schema_registry.avro import AvroSerializer\n\n"
        f"KEY = {json.dumps(json.dumps(KEY_V2))}\n"
        "registry = SchemaRegistryClient({'url': 'http://schema-registry:8081'})\n"
        f"producer = SerializingProducer({{'bootstrap.servers': 'kafka:9092', 'key.serializer': AvroSerializer(registry, KEY{strategy_conf})}})\n\n\n"
        "def resend(order):\n"
        "    producer.produce('orders.placed', key={'order_id': order.id}, value=order.raw)\n",
        encoding="utf-8",
    )
    export = tmp_path / "registry"
    (export / "schemas" / "common").mkdir(parents=True)
    shutil.copy(root / "schemas/common/money.proto", export / "schemas/common/money.proto")
    return root, export


def _check(root, export):
    result = CliRunner().invoke(main, ["schema", "check", str(root), "--against", str(export), "--format", "json"], catch_exceptions=False)
    return [s for s in json.loads(result.output)["schemas"] if s["event"] == "OrderPlaced"], result


def test_the_key_subject_in_a_registry_export(tmp_path):
    root, export = _registry_project(tmp_path)
    registered = key({"name": "order_id", "type": "int"})
    (export / "orders.placed-key.avsc").write_text(json.dumps(registered), encoding="utf-8")
    checks, result = _check(root, export)
    (key_check,) = [c for c in checks if c["path"].startswith("schemas/order_key/")]
    assert key_check["subject"] == "orders.placed-key" and key_check["status"] == "changed"
    # the catalog's newest key (v2) cannot read keys written with the registered one, as avro.compatibility says
    assert incompatible(reader=KEY_V2, writer=registered)
    assert any(c["breaks_mode"] and "order_id" in c["path"] for c in key_check["changes"]) and result.exit_code == 1
    (value_check,) = [c for c in checks if c["path"].startswith("schemas/order_placed/")]
    assert value_check["subject"] == "orders.placed-value"


def test_the_key_serializer_s_strategy_names_the_key_subject(tmp_path):
    root, export = _registry_project(tmp_path, ", conf={'subject.name.strategy': record_subject_name_strategy}")
    (export / "shop.orders.OrderKey.avsc").write_text(json.dumps(KEY_V2), encoding="utf-8")
    checks, _ = _check(root, export)
    (key_check,) = [c for c in checks if c["path"].startswith("schemas/order_key/")]
    assert key_check["subject"] == "shop.orders.OrderKey" and key_check["status"] == "unchanged"
    (value_check,) = [c for c in checks if c["path"].startswith("schemas/order_placed/")]
    assert value_check["subject"] == "orders.placed-value"  # the value serializer states no strategy


def test_key_schema_is_relative_to_the_file_that_declares_the_event(tmp_path):
    """`events: catalog/events.yaml`: `key_schema` (like `schema`) is found beside that file, for EDA210, the export
    and a missing one's configuration error, which names that file."""
    from tests.helpers import write_project

    breaking = CODE_KEYS["adds a field without a default"]
    files = files_for(PRODUCER, breaking)
    moved = {(f"catalog/{path}" if path.startswith("schemas/") else path): text for path, text in files.items()}
    moved["catalog/events.yaml"] = (
        "OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.avsc, key_schema: schemas/order_key/, compatibility: BACKWARD}\n"
    )
    root = write_project(tmp_path / "shop", moved, {"events": "catalog/events.yaml"})
    found = testing.lint_tree(root, [ModelSchemaDrift], select=["EDA210"])
    assert len(found) == 1 and "`OrderPlaced`'s key with breaks BACKWARD against v2.avsc" in found[0].message
    exported = CliRunner().invoke(main, ["catalog", "export", str(root)])
    assert exported.exit_code == 0, exported.output
    assert '"region"' in exported.output or "name: region" in exported.output  # v2, the newest key version
    (root / "catalog/events.yaml").write_text("OrderPlaced: {owner: app, key_schema: schemas/missing.avsc}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 2
    assert "catalog/events.yaml" in result.stderr and "OrderPlaced.key_schema" in result.stderr and "schemas/missing.avsc" in result.stderr
