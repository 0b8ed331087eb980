"""The schema a publication really sends (`Publication.payload_schema`), inferred from the payload expression.

Each case is one producer module (kafka-python's `KafkaProducer.send`, the real API shape) and
the JSON Schema eventlint must infer for the payload, or None when nothing may be claimed.
Every inferred schema is also checked to be a valid 2020-12 JSON Schema by `jsonschema` itself.
"""

from __future__ import annotations

import json
import textwrap

import jsonschema
import pytest

from tests.helpers import facts_of, write_project

HEAD = """
import json
from dataclasses import asdict, dataclass, field
from typing import ClassVar, Optional

import attrs
from kafka import KafkaProducer
from pydantic import BaseModel, Field

producer = KafkaProducer()
"""


def inferred(tmp_path, body: str) -> dict | None:
    root = write_project(tmp_path / "p", {"app.py": HEAD + body}, {"services": {"app": ["app.py"]}})
    found = [p for p in facts_of(root).publishers if p.channel == "orders"]
    assert len(found) == 1, found
    text = found[0].payload_schema
    if text is None:
        return None
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def obj(properties: dict, complete: bool = True, required: list | None = None, cls: str | None = None) -> dict:
    out: dict = {"type": "object", "properties": properties}
    req = list(properties) if required is None and complete else required
    if req:
        out["required"] = req
    if complete:
        out["additionalProperties"] = False
    if cls:
        out["x-python-class"] = cls
    return out


CASES = {
    "nested dict literal": (
        """
        def send(order):
            payload = {"id": order.id, "total": 12, "address": {"zip": "10115", "lines": [{"sku": "a"}]}}
            producer.send("orders", json.dumps(payload).encode())
        """,
        obj({
            "id": {},
            "total": {"type": "integer"},
            "address": obj({"zip": {"type": "string"}, "lines": {"type": "array", "items": obj({"sku": {"type": "string"}})}}),
        }),
    ),
    "a spread leaves its object open, not its parent": (
        """
        def send(order, extra):
            producer.send("orders", json.dumps({"id": "x", "meta": {"a": 1, **extra}}).encode())
        """,
        obj({"id": {"type": "string"}, "meta": obj({"a": {"type": "integer"}}, complete=False)}),
    ),
    "a key stored after the literal opens it": (
        """
        def send(order):
            payload = {"id": "x"}
            payload[order.kind] = 1
            producer.send("orders", json.dumps(payload).encode())
        """,
        obj({"id": {"type": "string"}}, complete=False, required=["id"]),
    ),
    "pydantic model: every field, defaults, optional, nested list": (
        """
        class Line(BaseModel):
            sku: str
            quantity: int

        class Order(BaseModel):
            order_id: str
            total: float
            coupon: Optional[str] = None
            note: "str | None" = None
            lines: list[Line] = []
            kind: ClassVar[str] = "order"
            _secret: str = "x"

        def send(order):
            producer.send("orders", Order(order_id=order.id, total=1.5).model_dump_json().encode())
        """,
        obj(
            {
                "order_id": {"type": "string"},
                "total": {"type": "number"},
                "coupon": {"type": ["null", "string"]},
                "note": {"type": ["null", "string"]},
                "lines": {"type": "array", "items": obj({"sku": {"type": "string"}, "quantity": {"type": "integer"}}, cls="app.Line")},
            },
            cls="app.Order",
        ),
    ),
    "dataclass through asdict, a base dataclass's fields first": (
        """
        @dataclass
        class Base:
            event_id: str

        @dataclass(frozen=True)
        class Refund(Base):
            amount: int = 0
            tags: list[str] = field(default_factory=list)

        def send(order):
            producer.send("orders", json.dumps(asdict(Refund(order.id))).encode())
        """,
        obj({"event_id": {"type": "string"}, "amount": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}, cls="app.Refund"),
    ),
    "attrs class through attrs.asdict": (
        """
        @attrs.define
        class Shipped:
            order_id: str
            parcels: int

        def send(order):
            producer.send("orders", json.dumps(attrs.asdict(Shipped(order.id, 2))).encode())
        """,
        obj({"order_id": {"type": "string"}, "parcels": {"type": "integer"}}, cls="app.Shipped"),
    ),
    "a dump that leaves fields out is open and vouches for no field or null": (
        """
        class Order(BaseModel):
            order_id: str
            coupon: Optional[str] = None

        def send(order):
            producer.send("orders", Order(order_id=order.id).model_dump_json(exclude_none=True).encode())
        """,
        # a None may be left out or sent depending on the instance: the optional field's type is not claimed
        {"type": "object", "properties": {"order_id": {"type": "string"}, "coupon": {}}, "x-python-class": "app.Order"},
    ),
    "an attrs.asdict filter leaves fields out": (
        """
        @attrs.define
        class Shipped:
            order_id: str
            parcels: int

        def send(order):
            producer.send("orders", json.dumps(attrs.asdict(Shipped(order.id, 2), filter=lambda a, v: v)).encode())
        """,
        {"type": "object", "properties": {"order_id": {"type": "string"}, "parcels": {"type": "integer"}}, "x-python-class": "app.Shipped"},
    ),
    "a recursive model stops at itself": (
        """
        class Node(BaseModel):
            name: str
            children: list["Node"] = []

        def send(order):
            producer.send("orders", Node(name="a").model_dump_json().encode())
        """,
        obj({"name": {"type": "string"}, "children": {"type": "array"}}, cls="app.Node"),
    ),
    "json text inside the payload is a string": (
        """
        def send(order):
            producer.send("orders", json.dumps({"default": json.dumps({"id": order.id}), "n": 1}).encode())
        """,
        obj({"default": {"type": "string"}, "n": {"type": "integer"}}),
    ),
    "a payload built by a helper function": (
        """
        def build(order):
            return {"id": order.id, "ok": True}

        def send(order):
            producer.send("orders", json.dumps(build(order)).encode())
        """,
        obj({"id": {}, "ok": {"type": "boolean"}}),
    ),
    "model settings that change no name or field": (
        """
        from pydantic import ConfigDict

        class Line(BaseModel):
            class Config:
                orm_mode = True

            sku: str

        class Order(BaseModel):
            model_config = ConfigDict(frozen=True, extra="forbid")
            order_id: str
            lines: list[Line]

        def send(order):
            producer.send("orders", Order(order_id=order.id, lines=[]).model_dump_json().encode())
        """,
        obj({"order_id": {"type": "string"}, "lines": {"type": "array", "items": obj({"sku": {"type": "string"}}, cls="app.Line")}}, cls="app.Order"),
    ),
    # what may not be claimed
    "extra fields allowed are dumped too": (
        """
        from pydantic import ConfigDict

        class Order(BaseModel):
            model_config = ConfigDict(extra="allow")
            order_id: str

        def send(order):
            producer.send("orders", Order(order_id=order.id, note="x").model_dump_json().encode())
        """,
        None,
    ),
    "an alias renames the field on the wire": (
        """
        class Order(BaseModel):
            order_id: str = Field(alias="orderId")

        def send(order):
            producer.send("orders", Order(orderId=order.id).model_dump_json(by_alias=True).encode())
        """,
        None,
    ),
    "model_config may rename or add fields": (
        """
        class Order(BaseModel):
            model_config = {"alias_generator": str.upper}
            order_id: str

        def send(order):
            producer.send("orders", Order(order_id=order.id).model_dump_json().encode())
        """,
        None,
    ),
    "a class decorator that is not a dataclass one may rename fields": (
        """
        from dataclasses_json import LetterCase, dataclass_json

        @dataclass_json(letter_case=LetterCase.CAMEL)
        @dataclass
        class Order:
            order_id: str

        def send(order):
            producer.send("orders", Order(order.id).to_json().encode())
        """,
        None,
    ),
    "a model that defines its own dump decides its output": (
        """
        class Order(BaseModel):
            order_id: str

            def model_dump_json(self, **kwargs):
                return json.dumps({"id": self.order_id})

        def send(order):
            producer.send("orders", Order(order_id=order.id).model_dump_json().encode())
        """,
        None,
    ),
    "a base class outside the project may add fields": (
        """
        from shared.events import EventBase

        @dataclass
        class Order(EventBase):
            order_id: str

        def send(order):
            producer.send("orders", json.dumps(asdict(Order(order.id))).encode())
        """,
        None,
    ),
    "a value that is not a literal stays unknown": (
        """
        def send(order):
            producer.send("orders", json.dumps(order.to_payload()).encode())
        """,
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inferred_payload_schema(tmp_path, name):
    body, expected = CASES[name]
    assert inferred(tmp_path, textwrap.dedent(body)) == expected


def test_the_fact_round_trips_and_is_absent_when_unknown(tmp_path):
    root = write_project(
        tmp_path / "p",
        {"app.py": HEAD + "\ndef send(o):\n    producer.send('orders', json.dumps({'a': 1}).encode())\n    producer.send('other', o.raw)\n"},
        {"services": {"app": ["app.py"]}},
    )
    facts = facts_of(root)
    document = facts.to_json()
    by_channel = {p["channel"]: p for p in document["publishers"]}
    assert json.loads(by_channel["orders"]["payload_schema"])["properties"] == {"a": {"type": "integer"}}
    assert "payload_schema" not in by_channel["other"]
    assert type(facts).from_json(json.loads(json.dumps(document))) == facts
