"""AsyncAPI 3 messages whose payload is Avro or Protobuf (a multi-format schema object), and channel bindings, read on import."""

from __future__ import annotations

from eventlint import api, testing
from eventlint.catalog import load_catalog
from eventlint.rules.contracts import EventWithoutSchema, PayloadSchemaMismatch, UndeclaredEvent
from eventlint.rules.engine_rules import BrokenSchema

ASYNCAPI = """\
asyncapi: 3.0.0
info: {title: orders, version: '1'}
channels:
  placed:
    address: orders.placed
    messages:
      OrderPlaced:
        payload:
          schemaFormat: application/vnd.apache.avro+json;version=1.9.0
          schema:
            type: record
            name: OrderPlaced
            fields:
              - {name: order_id, type: string}
              - {name: total_cents, type: long}
  cancelled:
    address: orders.cancelled
    messages:
      OrderCancelled:
        payload:
          schemaFormat: application/vnd.apache.avro+json;version=1.9.0
          schema: {$ref: 'schemas/order_cancelled.avsc'}
  refunded:
    address: orders.refunded
    messages:
      OrderRefunded:
        payload:
          schemaFormat: application/vnd.google.protobuf;version=3
          schema: |
            syntax = "proto3";
            message OrderRefunded {
              string order_id = 1;
              int64 amount_cents = 2;
            }
operations:
  sendPlaced: {action: send, channel: {$ref: '#/channels/placed'}}
  sendCancelled: {action: send, channel: {$ref: '#/channels/cancelled'}}
  sendRefunded: {action: send, channel: {$ref: '#/channels/refunded'}}
"""

CODE = """\
from confluent_kafka import SerializingProducer

producer = SerializingProducer({"bootstrap.servers": "kafka:9092"})


def place(order):
    producer.produce("orders.placed", key=order.id, value={"order_id": order.id, "total_cents": "12.50"})  # expect: EDA203


def cancel(order):
    producer.produce("orders.cancelled", key=order.id, value={"order_id": order.id})  # expect: EDA203


def refund(order):
    producer.produce("orders.refunded", key=order.id, value={"order_id": order.id, "amountCents": 1250, "note": "x"})  # expect: EDA203
"""

CANCELLED = '{"type": "record", "name": "OrderCancelled", "fields": [{"name": "order_id", "type": "string"}, {"name": "reason", "type": "string"}]}'


def test_avro_and_protobuf_payloads_are_schemas_the_contract_rules_use():
    files = {"orders/app.py": CODE, "asyncapi.yaml": ASYNCAPI, "schemas/order_cancelled.avsc": CANCELLED}
    found = testing.lint_files([EventWithoutSchema, PayloadSchemaMismatch, BrokenSchema], files, config="catalog: asyncapi.yaml\n")
    got = sorted((d.path, d.line, d.code) for d in found)
    assert got == sorted(testing.expected_lines(files, ["EDA202", "EDA203", "EDA003"])), [testing.describe(d) for d in found]
    messages = {d.line: d.message for d in found}
    assert "`total_cents` is a string, the schema says integer" in messages[7]
    assert "misses required `reason`" in messages[11]  # the .avsc file the message's $ref names
    assert "sets `note`, which the closed schema does not allow" in messages[15]  # amountCents is the JSON name of amount_cents


def test_a_broken_inline_protobuf_payload_is_one_finding_at_the_message():
    broken = ASYNCAPI.replace("int64 amount_cents = 2;", "int64 amount_cents = ;")
    files = {"orders/app.py": CODE.replace("  # expect: EDA203", ""), "asyncapi.yaml": broken, "schemas/order_cancelled.avsc": CANCELLED}
    found = testing.lint_files([BrokenSchema], files, config="catalog: asyncapi.yaml\n")
    assert [(d.code, d.path) for d in found] == [("EDA003", "asyncapi.yaml")]
    assert "schema of `OrderRefunded` cannot be used: expected Protobuf syntax" in found[0].message


RABBIT = """\
asyncapi: 3.0.0
info: {title: shipping, version: '1'}
channels:
  dispatched:
    address: shipment.dispatched
    messages:
      ShipmentDispatched: {payload: {type: object, properties: {order_id: {type: string}}}}
    bindings:
      amqp:
        is: routingKey
        exchange: {name: shipping, type: topic}
  audit:
    address: null
    messages:
      AuditLogged: {payload: {type: object}}
    bindings:
      amqp: {is: queue, queue: {name: audit-log}}
  billing:
    address: billing-events
    messages:
      InvoiceIssued: {payload: {type: object}}
    bindings:
      kafka: {topic: billing.invoices.v1}
operations:
  sendDispatched: {action: send, channel: {$ref: '#/channels/dispatched'}}
"""


def test_channel_bindings_name_the_channel_as_the_code_does(tmp_path):
    """AMQP exchange/routing key and queue bindings, and a Kafka binding's topic, give the event's channel."""
    code = (
        "import pika\n\nchannel = pika.BlockingConnection().channel()\n\n\n"
        "def dispatch(order):\n"
        "    channel.basic_publish(exchange='shipping', routing_key='shipment.dispatched', body=b'{}')\n"
    )
    root = testing.write_project(tmp_path, {"shipping/app.py": code, "asyncapi.yaml": RABBIT}, "catalog: asyncapi.yaml\n")
    catalog = load_catalog(api.load_config([root]))
    channels = {name: spec.channel for name, spec in catalog.events.items()}
    assert channels == {"AuditLogged": "audit-log", "InvoiceIssued": "billing.invoices.v1", "ShipmentDispatched": "shipping/shipment.dispatched"}
    assert testing.lint_tree(root, [UndeclaredEvent]) == []  # the pika publication is the catalogued event


def test_an_avro_schema_kept_in_a_json_file_is_read_as_avro(tmp_path):
    text = ASYNCAPI.replace("schemas/order_cancelled.avsc", "schemas/order_cancelled.avro.json")
    files = {"orders/app.py": CODE, "asyncapi.yaml": text, "schemas/order_cancelled.avro.json": CANCELLED}
    found = testing.lint_files([PayloadSchemaMismatch], files, config="catalog: asyncapi.yaml\n")
    assert any(d.line == 11 and "misses required `reason`" in d.message for d in found), [testing.describe(d) for d in found]
