"""A consumer's `ProtobufDeserializer(x_pb2.Msg, conf)`: the message its handler's reads are judged against.

The consumer is confluent-kafka's real shape: `DeserializingConsumer({..., "value.deserializer":
ProtobufDeserializer(payment_pb2.PaymentCaptured, {"use.deprecated.format": False})})`, `subscribe`,
then a poll loop handing `message.value()` (an instance of the generated class) to the handler. A
generated class has exactly its message's fields as attributes, so the reads are judged against the
message the class is generated from, not the file's first message.
"""

from __future__ import annotations

import json
import textwrap

from eventlint import testing
from eventlint.rules.contracts import ConsumerReadsUnknownField
from tests.helpers import facts_of, write_project

PROTO = """
syntax = "proto3";
package shop.billing.v1;

message Envelope {
  string id = 1;
}

message PaymentCaptured {
  string order_id = 1;
  int64 amount_cents = 2;
  Card card = 3;
  message Card { string last4 = 1; }
}
"""

CONSUMER = """
from confluent_kafka import DeserializingConsumer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer

from gen.shop.billing.v1 import payment_pb2

consumer = DeserializingConsumer({{
    "bootstrap.servers": "kafka:9092",
    "group.id": "orders",
    "value.deserializer": ProtobufDeserializer(payment_pb2.{cls}, {{"use.deprecated.format": False}}),
}})
consumer.subscribe(["payments.captured"])


def on_payment(payment):
    {body}


while True:
    message = consumer.poll(1.0)
    if message is not None:
        on_payment(message.value())
"""
CONFIG = "events:\n  PaymentCaptured: {owner: billing, channel: payments.captured, schema: proto/shop/billing/v1/payment.proto}\n"


def files(body: str, cls: str = "PaymentCaptured") -> dict[str, str]:
    return {
        "app/consumer.py": textwrap.dedent(CONSUMER.format(cls=cls, body=body)),
        "proto/shop/billing/v1/payment.proto": PROTO,
    }


def findings(body: str, cls: str = "PaymentCaptured") -> list[str]:
    return [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files(body, cls), config=CONFIG)]


def test_reads_are_judged_against_the_deserializer_s_message():
    # Envelope is the file's first message: without the deserializer's class these reads would be judged against it
    assert findings("mark_paid(payment.order_id, payment.amount_cents, payment.card.last4)") == []
    assert findings("mark_paid(payment.order_id, payment.provider_ref)") == [
        "reads `.provider_ref`, which the `PaymentCaptured` Protobuf message does not define"
    ]
    assert findings("mark_paid(payment.card.number)") == ["reads `card.number`, which the `PaymentCaptured` schema does not define"]


def test_a_message_the_catalog_does_not_define():
    """The class comes from the project's payment.proto; the catalog's schema for the event is another file without it."""
    project = {
        **files("mark_paid(payment.order_id)", "Refund"),
        "proto/shop/billing/v1/payment.proto": PROTO + "\nmessage Refund {\n  string order_id = 1;\n}\n",
        "schemas/payment_captured.proto": PROTO,
    }
    config = CONFIG.replace("proto/shop/billing/v1/payment.proto", "schemas/payment_captured.proto")
    found = [d.message for d in testing.lint_files(ConsumerReadsUnknownField, project, config=config)]
    assert found == [
        "decodes `PaymentCaptured` into Protobuf message `shop.billing.v1.Refund`, which its catalogued schema (payment_captured.proto)"
        " does not define (its message is `shop.billing.v1.Envelope`)"
    ]


def test_another_message_of_the_catalogued_file_is_judged_as_that_message():
    assert findings("mark_paid(payment.order_id)", cls="Envelope") == [
        "reads `.order_id`, which the `PaymentCaptured` Protobuf message does not define"
    ]


def test_the_subscription_names_its_decoded_message(tmp_path):
    root = write_project(tmp_path / "p", files("pass"))
    (s,) = [s for s in facts_of(root).subscribers if s.channel == "payments.captured"]
    assert s.payload_format == "protobuf"
    assert json.loads(s.payload_schema) == {"proto": "proto/shop/billing/v1/payment.proto", "message": "shop.billing.v1.PaymentCaptured"}
    missing = write_project(tmp_path / "q", {"app/consumer.py": files("pass")["app/consumer.py"]})
    (s,) = [s for s in facts_of(missing).subscribers if s.channel == "payments.captured"]
    assert s.payload_schema is None and s.schema_unresolved == "schema-not-found: no `payment.proto` in the project for `gen.shop.billing.v1.payment_pb2`"
