"""Schema Registry subject names (TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy) and
`eventlint schema check --against DIR`, a folder of subjects as the schema-registry Maven plugin's
`download` goal writes them (`<subject>.avsc`, `.proto`, `.json`).

Subject names follow Confluent's documentation of the strategies: `<topic>-value`; the record's fully
qualified name; `<topic>-<fully qualified record name>`. The verdict of the Avro comparison is
`avro.compatibility`'s, checked here on the same pair.
"""

from __future__ import annotations

import json
import shutil

import avro.compatibility as checker
import avro.schema
import pytest
from click.testing import CliRunner

from eventlint import compat
from eventlint.cli import main
from eventlint.compat import subjects
from tests.helpers import fixture

AVRO = '{"type": "record", "name": "OrderPlaced", "namespace": "shop.orders", "fields": [{"name": "id", "type": "string"}]}'
PROTO = 'syntax = "proto3";\npackage shop.billing.v1;\nmessage PaymentCaptured { string order_id = 1; }\nmessage Other { string x = 1; }\n'
JSON_TITLED = '{"title": "shop.OrderPlaced", "type": "object"}'


@pytest.mark.parametrize(
    "fmt, text, strategy, expected",
    [
        ("avro", AVRO, "TopicNameStrategy", "orders.placed-value"),
        ("avro", AVRO, "RecordNameStrategy", "shop.orders.OrderPlaced"),
        ("avro", AVRO, "TopicRecordNameStrategy", "orders.placed-shop.orders.OrderPlaced"),
        ("protobuf", PROTO, "RecordNameStrategy", "shop.billing.v1.PaymentCaptured"),
        ("protobuf", PROTO, "TopicRecordNameStrategy", "orders.placed-shop.billing.v1.PaymentCaptured"),
        ("json-schema", JSON_TITLED, "RecordNameStrategy", "shop.OrderPlaced"),
        ("json-schema", '{"type": "object"}', "RecordNameStrategy", None),  # no title: no record name
        ("avro", '"string"', "RecordNameStrategy", None),  # a primitive has no name
    ],
)
def test_subject_names(fmt, text, strategy, expected):
    schema = compat.text_schema(fmt, text, "test")
    assert subjects.subject(strategy, "orders.placed", schema) == expected


def test_key_subjects_and_spellings():
    assert subjects.subject("TopicNameStrategy", "orders", None, key=True) == "orders-key"
    assert subjects.subject("TopicNameStrategy", None, None) is None
    for spelled in ("TopicRecordNameStrategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy", "topic_record_subject_name_strategy"):
        assert subjects.strategy_name(spelled) == "TopicRecordNameStrategy"
    assert subjects.strategy_name("my_own_strategy") is None
    assert subjects.strategy({"subject-strategy": "RecordNameStrategy"}) == "RecordNameStrategy"
    assert subjects.strategy(None) == "TopicNameStrategy"


def _project(tmp_path, strategy: str | None = None):
    root = tmp_path / "project"
    shutil.copytree(fixture("schema_registry"), root)
    if strategy:
        config = root / "eventlint.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("contracts:\n", f"contracts:\n  subject-strategy: {strategy}\n"), encoding="utf-8")
    export = tmp_path / "registry"
    (export / "schemas" / "common").mkdir(parents=True)
    shutil.copy(root / "schemas" / "common" / "money.proto", export / "schemas" / "common" / "money.proto")  # the reference's import
    return root, export


def _check(root, export, *extra):
    return CliRunner().invoke(main, ["schema", "check", str(root), "--against", str(export), "--format", "json", *extra], catch_exceptions=False)


def test_against_a_registry_export_with_topic_names(tmp_path):
    root, export = _project(tmp_path)
    registered = json.loads((root / "schemas/order_placed/v2.avsc").read_text(encoding="utf-8"))
    shutil.copy(root / "schemas/order_placed/v2.avsc", export / "orders.placed-value.avsc")
    shutil.copy(root / "schemas/payment_captured/v3.proto", export / "payments.captured-value.proto")
    result = _check(root, export)
    document = json.loads(result.output)
    by_event = {s["event"]: s for s in document["schemas"]}
    assert by_event["OrderPlaced"]["subject"] == "orders.placed-value"
    assert by_event["PaymentCaptured"] == {**by_event["PaymentCaptured"], "status": "unchanged", "subject": "payments.captured-value"}
    # the catalog's newest (v3) as the new schema, the registered one (v2) as the old: BACKWARD = v3 reads v2's data
    current = json.loads((root / "schemas/order_placed/v3.avsc").read_text(encoding="utf-8"))
    verdict = checker.ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(current)), avro.schema.parse(json.dumps(registered))
    )
    incompatible = verdict.compatibility is checker.SchemaCompatibilityType.incompatible
    assert incompatible and any(c["breaks_mode"] for c in by_event["OrderPlaced"]["changes"])
    assert result.exit_code == 1


def test_against_a_registry_export_with_record_names(tmp_path):
    root, export = _project(tmp_path, "RecordNameStrategy")
    shutil.copy(root / "schemas/order_placed/v3.avsc", export / "shop.orders.OrderPlaced.avsc")
    result = _check(root, export)
    by_event = {s["event"]: s for s in json.loads(result.output)["schemas"]}
    assert by_event["OrderPlaced"]["status"] == "unchanged" and by_event["OrderPlaced"]["subject"] == "shop.orders.OrderPlaced"
    assert by_event["PaymentCaptured"]["status"] == "new" and by_event["PaymentCaptured"]["subject"] == "shop.billing.v1.PaymentCaptured"
    assert result.exit_code == 0
    text = CliRunner().invoke(main, ["schema", "check", str(root), "--against", str(export)]).output
    assert "PaymentCaptured: schemas/payment_captured/v3.proto (subject shop.billing.v1.PaymentCaptured): not in" in text


def test_a_registered_schema_that_does_not_load_is_a_clear_error(tmp_path):
    root, export = _project(tmp_path)
    (export / "orders.placed-value.avsc").write_text('{"type": "record", "name": "OrderPlaced", "fields": [{"name": "x", "type": "strng"}]}', encoding="utf-8")
    result = CliRunner().invoke(main, ["schema", "check", str(root), "--against", str(export)])
    assert result.exit_code == 2 and "orders.placed-value.avsc" in result.output and "strng" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_strategy_is_a_config_error(tmp_path):
    root, export = _project(tmp_path, "MyStrategy")
    result = CliRunner().invoke(main, ["schema", "check", str(root), "--against", str(export)])
    assert result.exit_code == 2 and "subject-strategy" in result.output


def test_the_producers_serializer_names_the_strategy(tmp_path):
    """A serializer configured with record_subject_name_strategy registers under the record's name, whatever the option says."""
    root, export = _project(tmp_path)
    publisher = root / "services/orders/orders/publisher.py"
    text = publisher.read_text(encoding="utf-8")
    text = text.replace(
        "from confluent_kafka.schema_registry import SchemaRegistryClient",
        "from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy",
    ).replace("AvroSerializer(registry, SCHEMA)", "AvroSerializer(registry, SCHEMA, conf={'subject.name.strategy': record_subject_name_strategy})")
    publisher.write_text(text, encoding="utf-8")
    shutil.copy(root / "schemas/order_placed/v3.avsc", export / "shop.orders.OrderPlaced.avsc")
    by_event = {s["event"]: s for s in json.loads(_check(root, export).output)["schemas"]}
    assert by_event["OrderPlaced"]["subject"] == "shop.orders.OrderPlaced" and by_event["OrderPlaced"]["status"] == "unchanged"
    assert by_event["PaymentCaptured"]["subject"] == "payments.captured-value"  # its producer states none: the option's default


def test_a_protobuf_serializer_s_class_names_the_record():
    """Confluent's Protobuf serializer names the subject with the message it is given, not the file's first one."""
    schema = compat.text_schema("protobuf", PROTO, "test")
    assert subjects.subject("RecordNameStrategy", "t", schema, record="shop.billing.v1.Other") == "shop.billing.v1.Other"
    assert subjects.subject("TopicRecordNameStrategy", "t", schema, record="shop.billing.v1.Other") == "t-shop.billing.v1.Other"
    assert subjects.subject("TopicNameStrategy", "t", schema, record="shop.billing.v1.Other") == "t-value"


def test_the_producers_protobuf_class_names_the_subject(tmp_path):
    root, export = _project(tmp_path, "RecordNameStrategy")
    catalogued = root / "schemas/payment_captured/v3.proto"
    # the file holds a message before PaymentCaptured: the file's first message is not the subject
    proto = catalogued.read_text(encoding="utf-8").replace("message PaymentCaptured {", "message Envelope { string id = 1; }\n\nmessage PaymentCaptured {", 1)
    catalogued.write_text(proto, encoding="utf-8")
    (root / "proto").mkdir()
    (root / "proto/payment_captured.proto").write_text(proto, encoding="utf-8")
    (root / "services/billing/billing/producer.py").write_text(
        "from confluent_kafka import SerializingProducer\n"
        "from confluent_kafka.schema_registry import SchemaRegistryClient\n"
        "from confluent_kafka.schema_registry.protobuf import ProtobufSerializer\n\n"
        "from billing.gen import payment_captured_pb2\n\n"
        "registry = SchemaRegistryClient({'url': 'http://schema-registry:8081'})\n"
        "producer = SerializingProducer({'bootstrap.servers': 'kafka:9092', "
        "'value.serializer': ProtobufSerializer(payment_captured_pb2.PaymentCaptured, registry, {'use.deprecated.format': False})})\n\n\n"
        "def captured(payment):\n"
        "    producer.produce('payments.captured', key=payment.order_id, value=payment)\n",
        encoding="utf-8",
    )
    shutil.copy(root / "schemas/payment_captured/v3.proto", export / "shop.billing.v1.PaymentCaptured.proto")
    by_event = {s["event"]: s for s in json.loads(_check(root, export).output)["schemas"]}
    assert by_event["PaymentCaptured"]["subject"] == "shop.billing.v1.PaymentCaptured" and by_event["PaymentCaptured"]["status"] == "unchanged"
