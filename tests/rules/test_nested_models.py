"""EDA204 on the nested models of a model a handler decodes into (FastStream's `async def h(order: OrderPlaced)`).

A field typed with another model (`customer: Customer`, `lines: list[Line]`, `billing: Customer | None`)
is validated by the library when the message is decoded: a nested model field without a default that
the schema does not define, or leaves optional without a default, fails every message without it.
Handlers are written in FastStream's real shape; the models in pydantic's, dataclasses' and msgspec's.
Which nested fields a model requires is checked against the libraries' own field info (below).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from eventlint import testing
from eventlint.rules.contracts import ConsumerReadsUnknownField

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "order_id": {"type": "string"},
        "customer": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "tier": {"type": "string", "default": "basic"}},
            "required": ["id"],
        },
        "billing": {"anyOf": [{"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}, {"type": "null"}]},
        "lines": {
            "type": "array",
            "items": {"type": "object", "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}}, "required": ["sku"]},
        },
        "meta": {"type": "object"},
    },
    "required": ["order_id", "customer", "lines"],
}
CONFIG = "events:\n  OrderPlaced: {owner: shop, channel: orders.placed, schema: schemas/order_placed.json}\n"

HANDLER = """
import msgspec
from dataclasses import dataclass, field
from typing import Optional

from faststream.kafka import KafkaBroker
from pydantic import BaseModel

broker = KafkaBroker("kafka:9092")


{models}


@broker.subscriber("orders.placed")
async def on_order(order: OrderPlaced) -> None:
    charge(order.order_id)
"""


def findings(models: str, schema: dict | None = None) -> list[str]:
    files = {
        "shop/app.py": textwrap.dedent(HANDLER).replace("{models}", textwrap.dedent(models).strip()),
        "schemas/order_placed.json": json.dumps(schema or SCHEMA),
    }
    return [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files, config=CONFIG)]


ORDER = """
class OrderPlaced(BaseModel):
    order_id: str
    customer: Customer
    lines: list[Line] = []
"""
LINE = "class Line(BaseModel):\n    sku: str\n    quantity: int = 1\n"

CASES = {
    "every nested field it requires is promised": (
        "class Customer(BaseModel):\n    id: str\n    name: str | None = None\n    tier: str\n" + LINE + ORDER,
        [],
    ),
    "a nested field the schema leaves optional": (
        "class Customer(BaseModel):\n    id: str\n    name: str\n" + LINE + ORDER,
        ["`Customer` at `customer` requires `name`, optional in the `OrderPlaced` schema: messages without it fail validation"],
    ),
    "a nested field the schema does not define": (
        "class Customer(BaseModel):\n    id: str\n    email: str\n" + LINE + ORDER,
        ["`Customer` at `customer` requires `email`, which the `OrderPlaced` schema does not define: every message fails validation"],
    ),
    "the items of a list of models": (
        "class Customer(BaseModel):\n    id: str\n\nclass Line(BaseModel):\n    sku: str\n    quantity: int\n" + ORDER,
        ["`Line` at `lines[]` requires `quantity`, optional in the `OrderPlaced` schema: messages without it fail validation"],
    ),
    "an Optional nested model, against an `X or null` schema": (
        "class Customer(BaseModel):\n    id: str\n\nclass Billing(BaseModel):\n    id: str\n    iban: str\n"
        + LINE + ORDER + "    billing: Optional[Billing] = None\n",
        ["`Billing` at `billing` requires `iban`, which the `OrderPlaced` schema does not define: every message fails validation"],
    ),
    "nested dataclasses": (
        "@dataclass\nclass Customer:\n    id: str\n    email: str\n\n@dataclass\nclass OrderPlaced:\n    order_id: str\n    customer: Customer\n",
        ["`Customer` at `customer` requires `email`, which the `OrderPlaced` schema does not define: every message fails validation"],
    ),
    "nested msgspec Structs": (
        "class Customer(msgspec.Struct):\n    id: str\n    name: str\n\nclass OrderPlaced(msgspec.Struct):\n    order_id: str\n    customer: Customer\n",
        ["`Customer` at `customer` requires `name`, optional in the `OrderPlaced` schema: messages without it fail validation"],
    ),
    "a free-form object in the schema is not judged below": (
        "class Meta(BaseModel):\n    source: str\n\nclass Customer(BaseModel):\n    id: str\n\n" + LINE + ORDER + "    meta: Meta | None = None\n",
        [],
    ),
    "a recursive model is judged once per level it is known": (
        "class Customer(BaseModel):\n    id: str\n    referrer: Optional['Customer'] = None\n" + LINE + ORDER,
        [],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_nested_models(name):
    models, expected = CASES[name]
    assert findings(models) == expected


def test_an_avro_nested_record():
    avro = {
        "type": "record", "name": "OrderPlaced", "namespace": "shop.orders",
        "fields": [
            {"name": "order_id", "type": "string"},
            {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
                {"name": "id", "type": "string"},
                {"name": "name", "type": ["null", "string"], "default": None},
            ]}},
        ],
    }
    files = {
        "shop/app.py": textwrap.dedent(HANDLER).replace("{models}", "class Customer(BaseModel):\n    id: str\n    email: str\n\n" + ORDER.replace("    lines: list[Line] = []\n", "")),
        "schemas/order_placed.avsc": json.dumps(avro),
    }
    config = CONFIG.replace("order_placed.json", "order_placed.avsc")
    found = [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files, config=config)]
    assert found == ["`Customer` at `customer` requires `email`, which the `OrderPlaced` schema does not define: every message fails validation"]


NESTED_SOURCES = {
    "dataclasses": """
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Line:
    sku: str
    quantity: int = 1
    tags: list[str] = field(default_factory=list)


@dataclass
class Customer:
    id: str
    name: Optional[str] = None


@dataclass
class OrderPlaced:
    order_id: str
    customer: Customer
    lines: list[Line] = field(default_factory=list)
    billing: Optional[Customer] = None
""",
    "msgspec": """
from typing import Optional

import msgspec


class Line(msgspec.Struct):
    sku: str
    quantity: int = 1
    tags: list[str] = msgspec.field(default_factory=list)


class Customer(msgspec.Struct):
    id: str
    name: Optional[str] = None


class OrderPlaced(msgspec.Struct):
    order_id: str
    customer: Customer
    lines: list[Line] = msgspec.field(default_factory=list)
    billing: Optional[Customer] = None
""",
}


@pytest.mark.parametrize("source", NESTED_SOURCES.values(), ids=list(NESTED_SOURCES))
def test_nested_models_require_what_the_library_requires(tmp_path, source):
    """The reference: `dataclasses.fields` (no default, no default_factory) and `msgspec.structs.fields(...).required`."""
    import dataclasses

    import msgspec

    from tests.helpers import facts_of, write_project

    namespace: dict = {}
    exec(compile(source, "<model>", "exec", dont_inherit=True), namespace)  # noqa: S102 - the test's own classes

    def required(cls) -> set[str]:
        if dataclasses.is_dataclass(cls):
            return {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        return {f.name for f in msgspec.structs.fields(cls) if f.required}

    handler = source + '\n\nfrom faststream.kafka import KafkaBroker\n\nbroker = KafkaBroker("kafka:9092")\n\n\n@broker.subscriber("orders.placed")\nasync def on_order(order: OrderPlaced) -> None:\n    pass\n'
    root = write_project(tmp_path / "p", {"shop/app.py": handler}, {"services": {"shop": ["shop/**"]}})
    (found,) = [h for h in facts_of(root).handlers if h.name.endswith("on_order")]
    schema = json.loads(found.message_schema)
    properties = schema["properties"]
    assert set(properties["customer"]["required"]) == required(namespace["Customer"])
    assert set(properties["lines"]["items"]["required"]) == required(namespace["Line"])
    billing = [b for b in properties["billing"]["anyOf"] if b != {"type": "null"}][0]
    assert set(billing["required"]) == required(namespace["Customer"])


def test_refs_into_defs_are_followed_at_every_level():
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "customer": {"$ref": "#/$defs/Customer"}},
        "required": ["order_id", "customer"],
        "$defs": {
            "Customer": {"type": "object", "properties": {"id": {"type": "string"}, "address": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]}}, "required": ["id"]},
            "Address": {"type": "object", "properties": {"street": {"type": "string"}}, "required": ["street"]},
        },
    }
    models = (
        "class Address(BaseModel):\n    street: str\n    zip: str\n\n"
        "class Customer(BaseModel):\n    id: str\n    address: Address | None = None\n\n"
        "class OrderPlaced(BaseModel):\n    order_id: str\n    customer: Customer\n"
    )
    assert findings(models, schema) == [
        "`Address` at `customer.address` requires `zip`, which the `OrderPlaced` schema does not define: every message fails validation"
    ]
    assert findings(models.replace("    zip: str\n", ""), schema) == []
