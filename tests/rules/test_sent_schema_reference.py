"""EDA203 (nested literals) and EDA210 (models) judged against the reference validators, not our reading.

Each case is a producer (kafka-python / confluent-kafka, real API shapes), the event's schema,
and one concrete payload that code sends. The expected verdict is the reference's:
- JSON Schema: `jsonschema`'s Draft 2020-12 validator (cross-file `$ref`s through `referencing`);
- Avro: `fastavro` (the codec Confluent's `AvroSerializer` uses; fields with a default may be left
  out): the payload must pass `fastavro.validation.validate`, and every key it holds must reach the
  reader unchanged when written with `schemaless_writer` and read back (a key the record does not
  define is dropped silently: the consumer never sees it, which is what the rules report).

A finding is expected exactly when the reference rejects the payload, except in the cases marked
not judged: there the payload's shape is not known statically (a value that is not a literal, an
alias, a dump that leaves fields out) and eventlint must stay silent whatever the reference says.
"""

from __future__ import annotations

import io
import json
import textwrap
from dataclasses import dataclass, field

import fastavro
import jsonschema
import pytest
from referencing import Registry, Resource

from eventlint import testing
from eventlint.rules.contracts import ModelSchemaDrift, PayloadSchemaMismatch

HEAD = """
import json
from dataclasses import asdict, dataclass, field
from typing import Optional

from kafka import KafkaProducer
from pydantic import BaseModel, Field

producer = KafkaProducer()
"""

ADDRESS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}, "city": {"type": "string"}},
    "required": ["street", "zip", "city"],
    "additionalProperties": False,
}
ORDER = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "order_id": {"type": "string"},
        "total_cents": {"type": "integer"},
        "coupon": {"type": "string"},
        "address": {"$ref": "common/address.json"},
        "meta": {"type": "object", "properties": {"source": {"type": "string"}}, "required": ["source"]},
        "lines": {
            "type": "array",
            "items": {"$ref": "#/$defs/line"},
        },
    },
    "required": ["order_id", "total_cents"],
    "$defs": {
        "line": {"type": "object", "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}}, "required": ["sku", "quantity"]}
    },
}
AVRO = {
    "type": "record",
    "name": "OrderPlaced",
    "namespace": "shop.orders",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "total_cents", "type": "long"},
        {"name": "currency", "type": "string", "default": "EUR"},
        {"name": "coupon", "type": ["null", "string"], "default": None},
        {
            "name": "address",
            "type": {
                "type": "record",
                "name": "Address",
                "fields": [
                    {"name": "street", "type": "string"},
                    {"name": "zip", "type": "string"},
                    {"name": "country", "type": "string", "default": "DE"},
                ],
            },
        },
        {"name": "billing", "type": ["null", "Address"], "default": None},
        {
            "name": "lines",
            "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [{"name": "sku", "type": "string"}, {"name": "quantity", "type": "int"}]}},
            "default": [],
        },
    ],
}


@dataclass(frozen=True)
class Case:
    code: str
    sample: dict
    schema: str = "json"  # "json" (ORDER) or "avro" (AVRO)
    rule: str = "EDA203"  # the rule that owns the mismatch, when there is one
    judged: bool = True


CASES = {
    # JSON Schema, literals
    "json nested literal misses a required field of a $ref in another file": Case(
        """
        def send(o):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 100, "address": {"street": "A 1", "zip": "10115"}}).encode())
        """,
        {"order_id": "o-1", "total_cents": 100, "address": {"street": "A 1", "zip": "10115"}},
    ),
    "json nested literal complete": Case(
        """
        def send(o):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 100, "address": {"street": "A 1", "zip": "10115", "city": "Berlin"}}).encode())
        """,
        {"order_id": "o-1", "total_cents": 100, "address": {"street": "A 1", "zip": "10115", "city": "Berlin"}},
    ),
    "json nested literal of the wrong type": Case(
        """
        def send(o):
            payload = {"order_id": o.id, "total_cents": 100, "address": {"street": "A 1", "zip": 10115, "city": "Berlin"}}
            producer.send("orders.placed", json.dumps(payload).encode())
        """,
        {"order_id": "o-1", "total_cents": 100, "address": {"street": "A 1", "zip": 10115, "city": "Berlin"}},
    ),
    "json nested literal sets a field its closed object does not allow": Case(
        """
        def send(o):
            address = {"street": "A 1", "zip": "10115", "city": "Berlin", "floor": 3}
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 100, "address": address}).encode())
        """,
        {"order_id": "o-1", "total_cents": 100, "address": {"street": "A 1", "zip": "10115", "city": "Berlin", "floor": 3}},
    ),
    "json nested literal sets a field its open object allows": Case(
        """
        def send(o):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 1, "meta": {"source": "web", "ab": "b"}}).encode())
        """,
        {"order_id": "o-1", "total_cents": 1, "meta": {"source": "web", "ab": "b"}},
    ),
    "json array item literal misses a required field": Case(
        """
        def send(o):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 1, "lines": [{"sku": "a"}]}).encode())
        """,
        {"order_id": "o-1", "total_cents": 1, "lines": [{"sku": "a"}]},
    ),
    "json array item literal complete": Case(
        """
        def send(o):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 1, "lines": [{"sku": "a", "quantity": 2}]}).encode())
        """,
        {"order_id": "o-1", "total_cents": 1, "lines": [{"sku": "a", "quantity": 2}]},
    ),
    "json nested object with a spread is not judged for missing fields": Case(
        """
        def send(o, rest):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 1, "meta": {**rest}}).encode())
        """,
        {"order_id": "o-1", "total_cents": 1, "meta": {}},
        judged=False,
    ),
    "json nested value that is not a literal is not judged": Case(
        """
        def send(o):
            producer.send("orders.placed", json.dumps({"order_id": o.id, "total_cents": 1, "address": o.address}).encode())
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A 1"}},
        judged=False,
    ),
    # msgspec Structs and TypedDicts, read from their class bodies
    "json msgspec Struct drops a required field": Case(
        """
        import msgspec

        class OrderPlaced(msgspec.Struct):
            order_id: str
            coupon: str = ""

        def send(o):
            producer.send("orders.placed", msgspec.json.encode(OrderPlaced(order_id=o.id)))
        """,
        {"order_id": "o-1", "coupon": ""},
        rule="EDA210",
    ),
    "json msgspec Struct with a list of Structs": Case(
        """
        import msgspec

        class Line(msgspec.Struct):
            sku: str
            quantity: int

        class OrderPlaced(msgspec.Struct, kw_only=True):
            order_id: str
            total_cents: int
            lines: list[Line] = []

        def send(o):
            producer.send("orders.placed", msgspec.json.encode(OrderPlaced(order_id=o.id, total_cents=1)))
        """,
        {"order_id": "o-1", "total_cents": 1, "lines": [{"sku": "a", "quantity": 2}]},
        rule="EDA210",
    ),
    "json msgspec Struct sends a string where the schema says integer": Case(
        """
        import msgspec

        class OrderPlaced(msgspec.Struct):
            order_id: str
            total_cents: str

        def send(o):
            producer.send("orders.placed", msgspec.to_builtins(OrderPlaced(o.id, o.total)))
        """,
        {"order_id": "o-1", "total_cents": "12"},
        rule="EDA210",
    ),
    "json TypedDict built without a required key": Case(
        """
        from typing import TypedDict

        class OrderPlaced(TypedDict, total=False):
            order_id: str
            total_cents: int

        def send(o):
            producer.send("orders.placed", json.dumps(OrderPlaced(order_id=o.id)).encode())
        """,
        {"order_id": "o-1"},
        rule="EDA210",
    ),
    # JSON Schema, models
    "json model drops a required field": Case(
        """
        class OrderPlaced(BaseModel):
            order_id: str

        def send(o):
            producer.send("orders.placed", OrderPlaced(order_id=o.id).model_dump_json().encode())
        """,
        {"order_id": "o-1"},
        rule="EDA210",
    ),
    "json model sends null where the schema says string": Case(
        """
        class OrderPlaced(BaseModel):
            order_id: str
            total_cents: int
            coupon: Optional[str] = None

        def send(o):
            producer.send("orders.placed", OrderPlaced(order_id=o.id, total_cents=o.cents).model_dump_json().encode())
        """,
        {"order_id": "o-1", "total_cents": 5, "coupon": None},
        rule="EDA210",
    ),
    "json model sends a float where the schema says integer": Case(
        """
        class OrderPlaced(BaseModel):
            order_id: str
            total_cents: float

        def send(o):
            producer.send("orders.placed", OrderPlaced(order_id=o.id, total_cents=o.total).model_dump_json().encode())
        """,
        {"order_id": "o-1", "total_cents": 19.99},
        rule="EDA210",
    ),
    "json model with nested models that match": Case(
        """
        class Line(BaseModel):
            sku: str
            quantity: int

        class Address(BaseModel):
            street: str
            zip: str
            city: str

        class OrderPlaced(BaseModel):
            order_id: str
            total_cents: int
            address: Address
            lines: list[Line] = []

        def send(o):
            event = OrderPlaced(order_id=o.id, total_cents=o.cents, address=o.address)
            producer.send("orders.placed", event.model_dump_json().encode())
        """,
        {"order_id": "o-1", "total_cents": 5, "address": {"street": "A", "zip": "1", "city": "B"}, "lines": [{"sku": "a", "quantity": 1}]},
        rule="EDA210",
    ),
    "json nested model drops a required field": Case(
        """
        @dataclass
        class Address:
            street: str
            zip: str

        @dataclass
        class OrderPlaced:
            order_id: str
            total_cents: int
            address: Address

        def send(o):
            producer.send("orders.placed", json.dumps(asdict(OrderPlaced(o.id, o.cents, o.address))).encode())
        """,
        {"order_id": "o-1", "total_cents": 5, "address": {"street": "A", "zip": "1"}},
        rule="EDA210",
    ),
    "json model whose alias renames a field is not judged": Case(
        """
        class OrderPlaced(BaseModel):
            order_id: str = Field(alias="orderId")
            total_cents: int

        def send(o):
            producer.send("orders.placed", OrderPlaced(orderId=o.id, total_cents=1).model_dump_json(by_alias=True).encode())
        """,
        {"orderId": "o-1", "total_cents": 1},
        rule="EDA210",
        judged=False,
    ),
    "json model dumped without its unset fields is not judged for missing ones": Case(
        """
        class OrderPlaced(BaseModel):
            order_id: str
            total_cents: Optional[int] = None

        def send(o):
            producer.send("orders.placed", OrderPlaced(order_id=o.id).model_dump_json(exclude_unset=True).encode())
        """,
        {"order_id": "o-1"},
        rule="EDA210",
        judged=False,
    ),
    # Avro, literals (the value dict a SerializingProducer's AvroSerializer writes)
    "avro nested record literal misses a field without default": Case(
        """
        def send(o):
            producer.send("orders.placed", {"order_id": o.id, "total_cents": 1, "address": {"street": "A 1"}})
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A 1"}},
        schema="avro",
    ),
    "avro nested record literal leaves out a field with a default": Case(
        """
        def send(o):
            producer.send("orders.placed", {"order_id": o.id, "total_cents": 1, "address": {"street": "A 1", "zip": "10115"}})
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A 1", "zip": "10115"}},
        schema="avro",
    ),
    "avro nested record literal sets a field the record does not define": Case(
        """
        def send(o):
            producer.send("orders.placed", {"order_id": o.id, "total_cents": 1, "address": {"street": "A 1", "zip": "1", "floor": 2}})
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A 1", "zip": "1", "floor": 2}},
        schema="avro",
    ),
    "avro record in a union with null, literal misses a field": Case(
        """
        def send(o):
            address = {"street": "A 1", "zip": "1"}
            producer.send("orders.placed", {"order_id": o.id, "total_cents": 1, "address": address, "billing": {"zip": "1"}})
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A 1", "zip": "1"}, "billing": {"zip": "1"}},
        schema="avro",
    ),
    "avro array of records, item literal of the wrong type": Case(
        """
        def send(o):
            lines = [{"sku": "a", "quantity": "2"}]
            producer.send("orders.placed", {"order_id": o.id, "total_cents": 1, "address": {"street": "A", "zip": "1"}, "lines": lines})
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A", "zip": "1"}, "lines": [{"sku": "a", "quantity": "2"}]},
        schema="avro",
    ),
    # Avro, models
    "avro model that matches": Case(
        """
        @dataclass
        class Address:
            street: str
            zip: str

        @dataclass
        class OrderPlaced:
            order_id: str
            total_cents: int
            address: Address
            coupon: Optional[str] = None
            currency: str = "EUR"

        def send(o):
            producer.send("orders.placed", asdict(OrderPlaced(o.id, o.cents, o.address)))
        """,
        {"order_id": "o-1", "total_cents": 5, "address": {"street": "A", "zip": "1"}, "coupon": None, "currency": "EUR"},
        schema="avro",
        rule="EDA210",
    ),
    "avro model drops a field without default": Case(
        """
        @dataclass
        class OrderPlaced:
            order_id: str
            total_cents: int

        def send(o):
            producer.send("orders.placed", asdict(OrderPlaced(o.id, o.cents)))
        """,
        {"order_id": "o-1", "total_cents": 5},
        schema="avro",
        rule="EDA210",
    ),
    "avro model sends an int where the record says string": Case(
        """
        class Address(BaseModel):
            street: str
            zip: int

        class OrderPlaced(BaseModel):
            order_id: str
            total_cents: int
            address: Address

        def send(o):
            producer.send("orders.placed", OrderPlaced(order_id=o.id, total_cents=1, address=o.address).model_dump())
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A", "zip": 10115}},
        schema="avro",
        rule="EDA210",
    ),
    "avro model sends null where the record does not allow it": Case(
        """
        class Address(BaseModel):
            street: str
            zip: str

        class OrderPlaced(BaseModel):
            order_id: str
            total_cents: int
            address: Address
            currency: Optional[str] = None

        def send(o):
            producer.send("orders.placed", OrderPlaced(order_id=o.id, total_cents=1, address=o.address).model_dump())
        """,
        {"order_id": "o-1", "total_cents": 1, "address": {"street": "A", "zip": "1"}, "currency": None},
        schema="avro",
        rule="EDA210",
    ),
}


def json_valid(sample: dict) -> bool:
    base = "file:///project/schemas/"
    registry = Registry().with_resources(
        [(base + "order_placed.json", Resource.from_contents(ORDER)), (base + "common/address.json", Resource.from_contents(ADDRESS))]
    )
    validator = jsonschema.Draft202012Validator({"$ref": base + "order_placed.json"}, registry=registry)
    return validator.is_valid(sample)


def avro_valid(sample: dict) -> bool:
    """fastavro accepts the payload, and every key it holds reaches the reader unchanged (write, then read back)."""
    parsed = fastavro.parse_schema(AVRO)
    if not fastavro.validation.validate(sample, parsed, raise_errors=False):
        return False
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, sample)
    out.seek(0)
    return arrives(sample, fastavro.schemaless_reader(out, parsed))


def arrives(sent: object, got: object) -> bool:
    if isinstance(sent, dict):
        return isinstance(got, dict) and all(k in got and arrives(v, got[k]) for k, v in sent.items())
    if isinstance(sent, list):
        return isinstance(got, list) and len(sent) == len(got) and all(arrives(a, b) for a, b in zip(sent, got))
    return sent == got


def reference_valid(case: Case) -> bool:
    return avro_valid(case.sample) if case.schema == "avro" else json_valid(case.sample)


def lint(case: Case) -> set[str]:
    schema_file = "schemas/order_placed.avsc" if case.schema == "avro" else "schemas/order_placed.json"
    files = {"app.py": HEAD + textwrap.dedent(case.code)}
    if case.schema == "avro":
        files[schema_file] = json.dumps(AVRO)
    else:
        files[schema_file] = json.dumps(ORDER)
        files["schemas/common/address.json"] = json.dumps(ADDRESS)
    config = f"events:\n  OrderPlaced: {{owner: app, channel: orders.placed, schema: {schema_file}}}\n"
    found = testing.lint_files([PayloadSchemaMismatch, ModelSchemaDrift], files, config=config, select=["EDA203", "EDA210"])
    return {d.code for d in found}


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdict_is_the_references(name):
    case = CASES[name]
    valid = reference_valid(case)
    expected = {case.rule} if case.judged and not valid else set()
    assert lint(case) == expected, f"reference says {'valid' if valid else 'invalid'}"


def test_the_table_holds_both_verdicts_for_both_formats():
    verdicts = {(c.schema, c.rule, reference_valid(c)) for c in CASES.values() if c.judged}
    assert verdicts >= {(f, r, v) for f in ("json", "avro") for r in ("EDA203",) for v in (True, False)} | {
        (f, "EDA210", v) for f in ("json", "avro") for v in (True, False)
    }


# -- Protobuf: proto3 JSON mapping, judged by protobuf's own json_format.ParseDict ------------------
# (the event is the file's first message, as Confluent's serializer registers it: docs/compatibility.md)

PROTO = """
syntax = "proto3";
package shop.billing.v1;

message PaymentCaptured {
  string order_id = 1;
  Money amount = 2;
  repeated Money fees = 3;
}

message Money {
  int64 units = 1;
  string currency = 2;
}
"""


def proto_class():
    """PaymentCaptured built from PROTO's descriptor with protobuf itself (no protoc: the same fields, by hand)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    file = descriptor_pb2.FileDescriptorProto(name="payment_test.proto", package="shop.billing.v1", syntax="proto3")
    money = file.message_type.add(name="Money")
    money.field.add(name="units", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT64, label=1, json_name="units")
    money.field.add(name="currency", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=1, json_name="currency")
    captured = file.message_type.add(name="PaymentCaptured")
    captured.field.add(name="order_id", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=1, json_name="orderId")
    captured.field.add(name="amount", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE, label=1, type_name=".shop.billing.v1.Money", json_name="amount")
    captured.field.add(name="fees", number=3, type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE, label=3, type_name=".shop.billing.v1.Money", json_name="fees")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("shop.billing.v1.PaymentCaptured"))


PROTO_CASES = {
    "nested message literal with a field the message does not define": (
        '{"order_id": o.id, "amount": {"units": 100, "curency": "EUR"}}',
        {"order_id": "o-1", "amount": {"units": 100, "curency": "EUR"}},
    ),
    "nested message literal of the wrong type": (
        '{"order_id": o.id, "amount": {"units": 100, "currency": 978}}',
        {"order_id": "o-1", "amount": {"units": 100, "currency": 978}},
    ),
    "nested message literal that parses": (
        '{"order_id": o.id, "amount": {"units": 100, "currency": "EUR"}, "fees": [{"units": 1, "currency": "EUR"}]}',
        {"order_id": "o-1", "amount": {"units": 100, "currency": "EUR"}, "fees": [{"units": 1, "currency": "EUR"}]},
    ),
    "repeated message item literal with a field the message does not define": (
        '{"order_id": o.id, "fees": [{"units": 1, "kind": "card"}]}',
        {"order_id": "o-1", "fees": [{"units": 1, "kind": "card"}]},
    ),
}


def proto_valid(sample: dict) -> bool:
    from google.protobuf import json_format

    try:
        json_format.ParseDict(sample, proto_class()())
    except json_format.ParseError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(PROTO_CASES))
def test_protobuf_verdict_is_json_formats(name):
    literal, sample = PROTO_CASES[name]
    code = f"""
        import json
        from kafka import KafkaProducer

        producer = KafkaProducer()

        def send(o):
            producer.send("payments.captured", json.dumps({literal}).encode())
    """
    files = {"app.py": textwrap.dedent(code), "schemas/payment_captured.proto": PROTO}
    config = "events:\n  PaymentCaptured: {owner: app, channel: payments.captured, schema: schemas/payment_captured.proto}\n"
    found = {d.code for d in testing.lint_files([PayloadSchemaMismatch], files, config=config)}
    assert found == (set() if proto_valid(sample) else {"EDA203"})


def test_model_drift_is_not_judged_when_the_event_takes_any_change():
    case = CASES["json model drops a required field"]
    files = {"app.py": HEAD + textwrap.dedent(case.code), "schemas/order_placed.json": json.dumps(ORDER), "schemas/common/address.json": json.dumps(ADDRESS)}
    judged = "events:\n  OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.json}\n"
    assert {d.code for d in testing.lint_files([ModelSchemaDrift], files, config=judged)} == {"EDA210"}
    free = judged.replace("}\n", ", compatibility: NONE}\n")
    assert testing.lint_files([ModelSchemaDrift], files, config=free) == []
