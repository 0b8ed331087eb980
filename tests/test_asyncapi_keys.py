"""AsyncAPI Kafka message bindings and the catalog's `key_schema`: the binding's `key` is the event's key schema on
import, and the key schema is the binding's `key` on export, valid against the official AsyncAPI 3.0 schema.

The binding's shape is the Kafka bindings' own (github.com/asyncapi/bindings, kafka/0.4.0 and 0.5.0 message.json):
`key` is a Schema Object or a Reference (0.5.0), or an Avro schema object (0.4.0). Producers are confluent-kafka's
`SerializingProducer` with `key.serializer`/`value.serializer` (tests/rules/test_key_serializers.py); the expected
verdicts of the key serializer's schema come from Apache Avro's own checker, through that file's `registry_refuses`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api, asyncapi, testing
from eventlint.catalog import load_catalog
from eventlint.cli import main
from eventlint.rules.contracts import ModelSchemaDrift
from eventlint.rules.engine_rules import BrokenSchema
from tests.helpers import write_project
from tests.rules.test_key_serializers import CODE_KEYS, KEY_V1, KEY_V2, PRODUCER, VALUE, registry_refuses

AVRO = "application/vnd.apache.avro+json;version=1.9.0"
JSON_KEY_V1 = {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}


def catalog_of(root: Path):
    return load_catalog(api.load_config([root]))


def project(tmp_path: Path, key_files: dict[str, object], key_schema: str, name: str = "src") -> Path:
    files = {"app.py": textwrap.dedent(PRODUCER.format(key=json.dumps(KEY_V2), value=json.dumps(VALUE))), "schemas/order_placed.avsc": json.dumps(VALUE)}
    files.update({path: value if isinstance(value, str) else json.dumps(value) for path, value in key_files.items()})
    config = {"events": {"OrderPlaced": {"owner": "app", "channel": "orders.placed", "schema": "schemas/order_placed.avsc", "key_schema": key_schema}}}
    return write_project(tmp_path / name, files, config)


def export(root: Path) -> dict:
    result = CliRunner().invoke(main, ["catalog", "export", str(root)])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.output)
    assert asyncapi.problems(document, "3.0.0") == []  # the official AsyncAPI 3.0 schema, Kafka bindings included
    return document


def reimport(tmp_path: Path, document: dict, extra: dict[str, str] | None = None) -> Path:
    root = tmp_path / "again"
    write_project(root, {"exported.yaml": yaml.safe_dump(document), **(extra or {})}, {"catalog": "exported.yaml"})
    return root


# --- export ----------------------------------------------------------------------------------------


def test_an_avro_key_schema_is_exported_as_the_kafka_binding_s_avro_key_and_read_back(tmp_path):
    document = export(project(tmp_path, {"schemas/order_key/v1.avsc": KEY_V1, "schemas/order_key/v2.avsc": KEY_V2}, "schemas/order_key/"))
    kafka = document["components"]["messages"]["OrderPlaced"]["bindings"]["kafka"]
    # the newest version, as written; the schemaFormat kept beside it; 0.4.0 is the binding whose key may be Avro
    assert kafka == {"key": KEY_V2, "x-eventlint-schema-format": AVRO, "bindingVersion": "0.4.0"}
    assert document["components"]["messages"]["OrderPlaced"]["payload"]["schemaFormat"] == AVRO
    spec = catalog_of(reimport(tmp_path, document)).events["OrderPlaced"]
    assert (spec.key_payload_format, spec.key_payload, spec.key_schema) == ("avro", KEY_V2, None)


def test_a_json_schema_key_schema_is_exported_as_a_schema_object(tmp_path):
    root = project(tmp_path, {"schemas/order_key.json": JSON_KEY_V1}, "schemas/order_key.json")
    kafka = export(root)["components"]["messages"]["OrderPlaced"]["bindings"]["kafka"]
    assert kafka["bindingVersion"] == "0.5.0"
    assert kafka["key"] == JSON_KEY_V1
    spec = catalog_of(reimport(tmp_path, export(root))).events["OrderPlaced"]
    assert (spec.key_payload_format, spec.key_payload) == ("json-schema", JSON_KEY_V1)


def test_a_protobuf_key_schema_has_no_place_in_the_binding(tmp_path):
    proto = 'syntax = "proto3";\npackage shop;\nmessage OrderKey { string order_id = 1; }\n'
    document = export(project(tmp_path, {"schemas/order_key.proto": proto}, "schemas/order_key.proto"))
    assert "bindings" not in document["components"]["messages"]["OrderPlaced"]


# --- import ----------------------------------------------------------------------------------------

DOCUMENT = """\
asyncapi: 3.0.0
info: {title: orders, version: '1'}
channels:
  placed:
    address: orders.placed
    messages:
      OrderPlaced:
        payload:
          schemaFormat: application/vnd.apache.avro+json;version=1.9.0
          schema: {$ref: 'schemas/order_placed.avsc'}
        bindings:
          kafka:
            key: KEY
            bindingVersion: 'VERSION'
operations:
  sendPlaced: {action: send, channel: {$ref: '#/channels/placed'}}
"""


def imported(tmp_path: Path, key: object, version: str = "0.4.0", files: dict[str, str] | None = None, code_key: dict = KEY_V2) -> Path:
    text = DOCUMENT.replace("KEY", json.dumps(key)).replace("VERSION", version)
    sources = {
        "orders.yaml": text,
        "schemas/order_placed.avsc": json.dumps(VALUE),
        "app.py": textwrap.dedent(PRODUCER.format(key=json.dumps(code_key), value=json.dumps(VALUE))),
        **(files or {}),
    }
    return write_project(tmp_path / "imported", sources, {"catalog": "orders.yaml"})


@pytest.mark.parametrize(
    ("key", "files", "expected"),
    [
        # beside an Avro payload, the key is Avro too (the message's schemaFormat)
        (KEY_V1, {}, ("avro", KEY_V1)),
        ("string", {}, ("avro", "string")),
        # a key kept in a file: an .avsc is Avro whatever the payload
        ({"$ref": "schemas/order_key.avsc"}, {"schemas/order_key.avsc": json.dumps(KEY_V1)}, ("avro", KEY_V1)),
        # the binding says which format its key is in
        ({"type": "string", "maxLength": 36}, {}, None),
    ],
    ids=["avro-record", "avro-primitive", "avsc-file", "stated-json-schema"],
)
def test_the_binding_s_key_is_the_event_s_key_schema(tmp_path, key, files, expected):
    root = imported(tmp_path, key, files=files)
    if expected is None:
        text = (root / "orders.yaml").read_text(encoding="utf-8")
        (root / "orders.yaml").write_text(text.replace("            bindingVersion: '0.4.0'", "            x-eventlint-schema-format: application/schema+json;version=draft-07\n            bindingVersion: '0.5.0'"), encoding="utf-8")
        expected = ("json-schema", key)
    spec = catalog_of(root).events["OrderPlaced"]
    assert (spec.key_payload_format, spec.key_payload) == expected


def test_a_json_schema_key_beside_a_json_payload_with_references_inlined(tmp_path):
    text = """\
asyncapi: 3.0.0
info: {title: orders, version: '1'}
channels:
  placed:
    address: orders.placed
    messages:
      OrderPlaced:
        payload: {type: object, properties: {order_id: {type: string}}}
        bindings: {kafka: {key: {$ref: '#/components/schemas/OrderKey'}, bindingVersion: '0.5.0'}}
operations:
  sendPlaced: {action: send, channel: {$ref: '#/channels/placed'}}
components:
  schemas:
    OrderKey: {type: object, properties: {order_id: {$ref: '#/components/schemas/OrderId'}}}
    OrderId: {type: string, format: uuid}
"""
    root = write_project(tmp_path / "p", {"orders.yaml": text}, {"catalog": "orders.yaml"})
    spec = catalog_of(root).events["OrderPlaced"]
    assert spec.key_payload_format == "json-schema"
    assert spec.key_payload == {"type": "object", "properties": {"order_id": {"type": "string", "format": "uuid"}}}


def test_a_key_at_a_registry_url_is_not_fetched(tmp_path):
    spec = catalog_of(imported(tmp_path, {"$ref": "https://registry.example.com/subjects/orders.placed-key/versions/1/schema"})).events["OrderPlaced"]
    assert spec.key_payload is None


@pytest.mark.parametrize("name", sorted(CODE_KEYS))
def test_the_key_serializer_is_judged_against_the_imported_key(tmp_path, name):
    """EDA210 on a key read from the binding gives the registry's verdict, as for a catalogued `key_schema`."""
    root = imported(tmp_path, KEY_V2, code_key=CODE_KEYS[name])
    config = (root / "eventlint.yaml").read_text(encoding="utf-8")
    (root / "eventlint.yaml").write_text(config + "contracts: {compatibility: BACKWARD}\n", encoding="utf-8")
    found = testing.lint_tree(root, [ModelSchemaDrift], select=["EDA210"])
    assert bool(found) == registry_refuses(CODE_KEYS[name], [KEY_V2], "BACKWARD"), [d.message for d in found]


# --- bad input ---------------------------------------------------------------------------------------


def test_a_broken_avro_key_is_one_finding_at_the_message_and_the_rest_goes_on(tmp_path):
    root = imported(tmp_path, {"type": "record", "name": "OrderKey", "fields": [{"name": "order_id", "type": "Uuid"}]})  # an unknown type
    found = testing.lint_tree(root, [BrokenSchema])
    # where the event is declared (the operation that sends it), as for a broken inline payload
    assert [(d.path, d.line) for d in found] == [("orders.yaml", catalog_of(root).events["OrderPlaced"].line)], [d.message for d in found]
    assert found[0].message.startswith("key schema of `OrderPlaced` cannot be used")
    assert catalog_of(root).events["OrderPlaced"].schema == "schemas/order_placed.avsc"  # the value's schema still read


def test_an_unknown_key_format_is_a_config_error_naming_the_place(tmp_path):
    root = imported(tmp_path, KEY_V1)
    text = (root / "orders.yaml").read_text(encoding="utf-8")
    (root / "orders.yaml").write_text(text.replace("            bindingVersion", "            x-eventlint-schema-format: 42\n            bindingVersion"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 2
    assert "orders.yaml" in result.stderr and "x-eventlint-schema-format" in result.stderr and "Traceback" not in result.output


def test_a_2_x_message_s_schema_format_makes_its_binding_key_avro(tmp_path):
    """AsyncAPI 2.x: the message's own `schemaFormat` is the payload's, and so the Avro key's."""
    text = """\
asyncapi: 2.6.0
info: {title: orders, version: '1'}
channels:
  orders.placed:
    subscribe:
      message:
        name: OrderPlaced
        schemaFormat: application/vnd.apache.avro;version=1.9.0
        payload: {type: record, name: OrderPlaced, fields: [{name: order_id, type: string}]}
        bindings: {kafka: {key: {type: record, name: OrderKey, fields: [{name: order_id, type: string}]}, bindingVersion: '0.4.0'}}
"""
    root = write_project(tmp_path / "p", {"orders.yaml": text}, {"catalog": "orders.yaml"})
    spec = catalog_of(root).events["OrderPlaced"]
    assert spec.key_payload_format == "avro"
    assert spec.key_payload == {"type": "record", "name": "OrderKey", "fields": [{"name": "order_id", "type": "string"}]}
