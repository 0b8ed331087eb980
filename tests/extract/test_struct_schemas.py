"""msgspec Structs and TypedDicts as payloads: the schema eventlint infers, judged by the libraries themselves.

eventlint reads the class bodies (never imports them). The expected answers come from the
references, run here on the same source text:
- msgspec: `msgspec.json.encode` of a full instance gives every key the Struct can send, of a
  minimal one the keys it always sends (`required`); both encodings must validate against the
  inferred schema with `jsonschema`. A Struct whose wire names are not its field names
  (`rename=`, `field(name=...)`) or that encodes as an array (`array_like=True`) must stay unknown.
- TypedDict: `__required_keys__` / `__optional_keys__` of the class as `typing` builds it.
"""

from __future__ import annotations

import json
import textwrap

import jsonschema
import msgspec
import pytest

from tests.helpers import facts_of, write_project

HEAD = """
from typing import ClassVar, NotRequired, Optional, Required, TypedDict

import msgspec
from msgspec import Struct, field
from kafka import KafkaProducer

producer = KafkaProducer()
"""

STRUCTS = {
    "plain fields, defaults, Optional, a nested Struct and a list of them": (
        """
        class Line(Struct):
            sku: str
            qty: int = 1

        class Order(Struct, kw_only=True):
            order_id: str
            total_cents: int
            coupon: Optional[str] = None
            lines: list[Line] = []
            shipping: Optional[Line] = None
            RATE: ClassVar[int] = 3
        """,
        "Order",
        {"order_id": "o", "total_cents": 1},
        {"order_id": "o", "total_cents": 1, "coupon": "c", "lines": "[Line('a', 2)]", "shipping": "Line('b')"},
    ),
    "omit_defaults leaves defaults out, so only fields without one are always sent": (
        """
        class Order(Struct, omit_defaults=True):
            order_id: str
            coupon: Optional[str] = None
            channel: str = "web"
        """,
        "Order",
        {"order_id": "o"},
        {"order_id": "o", "coupon": "c", "channel": "app"},
    ),
    "tag=True adds the class name under `type`": (
        """
        class Order(Struct, tag=True):
            order_id: str
        """,
        "Order",
        {"order_id": "o"},
        {"order_id": "o"},
    ),
    "tag and tag_field, inherited by a subclass that adds a field": (
        """
        class Event(Struct, tag="order.placed", tag_field="kind"):
            order_id: str

        class OrderPlaced(Event):
            total_cents: int = 0
        """,
        "OrderPlaced",
        {"order_id": "o"},
        {"order_id": "o", "total_cents": 5},
    ),
    "a private-looking field is still encoded by msgspec": (
        """
        class Order(Struct):
            order_id: str
            _trace: str = ""
        """,
        "Order",
        {"order_id": "o"},
        {"order_id": "o", "_trace": "t"},
    ),
}

UNKNOWN = {
    "rename='camel'": """
        class Order(Struct, rename="camel"):
            order_id: str
        """,
    "field(name=...)": """
        class Order(Struct):
            order_id: str = field(name="orderId")
        """,
    "array_like=True": """
        class Order(Struct, array_like=True):
            order_id: str
        """,
    "a rename inherited from the base": """
        class Base(Struct, rename="kebab"):
            pass

        class Order(Base):
            order_id: str
        """,
}


def inferred(tmp_path, classes: str, send: str) -> dict | None:
    body = HEAD + textwrap.dedent(classes) + f"\n\ndef send(o):\n    producer.send('orders', {send})\n"
    root = write_project(tmp_path / "p", {"app.py": body}, {"services": {"app": ["app.py"]}})
    (found,) = [p for p in facts_of(root).publishers if p.channel == "orders"]
    return json.loads(found.payload_schema) if found.payload_schema else None


def run(source: str, namespace: dict) -> None:
    """The reference runs the test's own classes, as written (this module's `from __future__` not inherited)."""
    exec(compile(source, "<case>", "exec", dont_inherit=True), namespace)  # noqa: S102


def build(namespace: dict, cls: str, values: dict) -> object:
    return namespace[cls](**{k: eval(v, namespace) if isinstance(v, str) and "(" in v else v for k, v in values.items()})  # noqa: S307 - test's own literals


@pytest.mark.parametrize("classes, cls, minimal, full", STRUCTS.values(), ids=list(STRUCTS))
def test_a_struct_is_what_msgspec_encodes(tmp_path, classes, cls, minimal, full):
    namespace: dict = {}
    run(HEAD.replace("from kafka import KafkaProducer\n", "").replace("producer = KafkaProducer()\n", "") + textwrap.dedent(classes), namespace)
    always = json.loads(msgspec.json.encode(build(namespace, cls, minimal)))
    every = json.loads(msgspec.json.encode(build(namespace, cls, full)))
    args = ", ".join(f"{k}=o.{k}" for k in minimal)
    for send in (f"msgspec.json.encode({cls}({args}))", f"msgspec.to_builtins({cls}({args}))"):
        schema = inferred(tmp_path / send.split("(")[0], classes, send)
        assert schema is not None, send
        assert set(schema["properties"]) == set(every)
        assert set(schema.get("required", [])) == set(always)
        assert schema.get("additionalProperties") is False
        for sample in (always, every):
            jsonschema.validate(sample, schema)


@pytest.mark.parametrize("classes", UNKNOWN.values(), ids=list(UNKNOWN))
def test_a_struct_whose_wire_form_differs_from_its_fields_stays_unknown(tmp_path, classes):
    namespace: dict = {}
    run(HEAD.replace("from kafka import KafkaProducer\n", "").replace("producer = KafkaProducer()\n", "") + textwrap.dedent(classes), namespace)
    encoded = json.loads(msgspec.json.encode(namespace["Order"](order_id="o")))
    assert encoded != {"order_id": "o"}  # the reference: the wire form is not the field names
    assert inferred(tmp_path, classes, "msgspec.json.encode(Order(order_id=o.id))") is None


TYPED_DICTS = """
class Address(TypedDict, total=False):
    street: Required[str]
    zip: str

class OrderPlaced(TypedDict):
    order_id: str
    total_cents: int
    address: Address
    note: NotRequired[str]
"""


def test_a_typed_dict_built_with_keywords_holds_the_keys_given(tmp_path):
    schema = inferred(tmp_path, TYPED_DICTS, "msgspec.json.encode(OrderPlaced(order_id=o.id, total_cents=5, address=o.address))")
    assert schema["x-python-class"] == "app.OrderPlaced"
    assert schema["required"] == ["order_id", "total_cents", "address"] and schema["additionalProperties"] is False
    assert schema["properties"]["total_cents"] == {"type": "integer"}


def test_a_typed_dict_s_required_keys_are_typing_s(tmp_path):
    """The nested TypedDict's schema (a field of the sent one) requires what `typing` says it requires."""
    namespace: dict = {}
    run("from typing import NotRequired, Required, TypedDict\n" + TYPED_DICTS, namespace)
    schema = inferred(tmp_path, TYPED_DICTS, "msgspec.json.encode(OrderPlaced(order_id=o.id, total_cents=5, address=o.address))")
    address = schema["properties"]["address"]
    reference = namespace["Address"]
    assert set(address["required"]) == set(reference.__required_keys__)
    assert set(address["properties"]) == set(reference.__required_keys__) | set(reference.__optional_keys__)
    assert "additionalProperties" not in address  # a dict may hold more keys at run time


def test_a_typed_dict_given_a_mapping_is_open(tmp_path):
    schema = inferred(tmp_path, TYPED_DICTS, "msgspec.json.encode(OrderPlaced(o.as_dict(), order_id=o.id))")
    assert "additionalProperties" not in schema and "required" not in schema
