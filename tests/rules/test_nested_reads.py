"""EDA204 on attribute chains of a handler typed with a model (FastStream decodes the message into it), on
`.get()` chains, and on the top level of nested reads.

Handlers are written in FastStream's real shape (`@broker.subscriber("topic") async def h(order: Model)`,
faststream.kafka.KafkaBroker) and kafka-python's consuming loop. The schema defines `customer.id` and
`customer.name` (`name` optional); each read is expected to be reported exactly when the schema does not
define the path it reads (and, for `event["a"]["b"]` only, when it reads an optional key as required).
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
        "total_cents": {"type": "integer"},
        "customer": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            "required": ["id"],
        },
    },
    "required": ["order_id", "total_cents", "customer"],
}
CONFIG = "events:\n  OrderPlaced: {owner: shop, channel: orders.placed, schema: schemas/order_placed.json}\n"

FASTSTREAM = """
from faststream import FastStream
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

broker = KafkaBroker("kafka:9092")
app = FastStream(broker)


class Customer(BaseModel):
    id: str
    name: str | None = None
    email: str | None = None


class OrderPlaced(BaseModel):
    order_id: str
    total_cents: int
    customer: Customer
    coupon: str | None = None


@broker.subscriber("orders.placed", group_id="billing")
async def on_order(order: OrderPlaced) -> None:
    {body}
"""

KAFKA = """
import json

from kafka import KafkaConsumer

consumer = KafkaConsumer("orders.placed", group_id="billing", bootstrap_servers="kafka:9092")


def handle(event):
    {body}


def run():
    for message in consumer:
        handle(json.loads(message.value))
"""


def findings(template: str, body: str) -> list[str]:
    files = {
        "shop/app.py": textwrap.dedent(template).replace("{body}", body),
        "schemas/order_placed.json": json.dumps(SCHEMA),
    }
    return [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files, config=CONFIG)]


CASES = [
    # a model-typed FastStream handler: attribute chains are the message's fields
    (FASTSTREAM, "charge(order.customer.id, order.total_cents)", []),
    (FASTSTREAM, "charge(order.customer.name)", []),  # optional, but an attribute of a model never raises KeyError
    (FASTSTREAM, "mail(order.customer.email)", ["reads `customer.email`, which the `OrderPlaced` schema does not define"]),
    (FASTSTREAM, "redeem(order.coupon)", ["reads `.coupon` of `OrderPlaced`, which the `OrderPlaced` schema does not define"]),
    (FASTSTREAM, "log(order.model_dump())", []),  # the model's own API
    (FASTSTREAM, "charge(order.buyer.id)", ["reads `buyer`, which the `OrderPlaced` schema does not define"]),
    # `.get()` chains: each key judged below the one before, names only (a default is given)
    (KAFKA, 'charge(event.get("customer", {}).get("id"))', []),
    (KAFKA, 'charge(event.get("customer", {}).get("name"))', []),
    (KAFKA, 'mail(event.get("customer", {}).get("email"))', ["reads `customer.email`, which the `OrderPlaced` schema does not define"]),
    (KAFKA, 'mail(event["customer"].get("email"))', ["reads `customer.email`, which the `OrderPlaced` schema does not define"]),
    # subscripts: an optional key read as required raises KeyError; an undefined top level is reported too
    (KAFKA, 'charge(event["customer"]["name"])', ["reads optional `customer.name` of `OrderPlaced` as required: messages without it raise KeyError"]),
    (KAFKA, 'charge(event["buyer"]["id"])', ["reads `buyer`, which the `OrderPlaced` schema does not define"]),
    # attributes of what is not a model-typed message are not judged
    (KAFKA, "charge(event.customer.id, event.buyer.id)", []),
]


@pytest.mark.parametrize("template, body, expected", CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_nested_reads(template, body, expected):
    assert findings(template, body) == expected


def test_the_handler_fact_names_its_message_class(tmp_path):
    from tests.helpers import facts_of, write_project

    root = write_project(tmp_path / "p", {"shop/app.py": textwrap.dedent(FASTSTREAM).replace("{body}", "pass")}, {"services": {"shop": ["shop/**"]}})
    (handler,) = [h for h in facts_of(root).handlers if h.name.endswith("on_order")]
    assert handler.message_class == "app.OrderPlaced"


MODEL_HANDLER = """
import msgspec
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, Field

broker = KafkaBroker("kafka:9092")


{model}


@broker.subscriber("orders.placed")
async def on_order(order: OrderPlaced) -> None:
    charge(order.order_id)
"""

MODELS = [
    # every field it requires is promised by the schema (optional ones have defaults)
    ("class OrderPlaced(BaseModel):\n    order_id: str\n    total_cents: int\n    coupon: str | None = None", []),
    # `Field(...)` is required, `Field(default=...)` is not
    (
        "class OrderPlaced(BaseModel):\n    order_id: str = Field(...)\n    channel: str = Field(default='web')\n    coupon: str = Field(description='code')",
        ["`OrderPlaced` requires `coupon`, which the `OrderPlaced` schema does not define: every message fails validation"],
    ),
    # required in the model, optional in the schema (`customer.name` is optional only below; `customer` is required)
    (
        "class Customer(BaseModel):\n    id: str\n\nclass OrderPlaced(BaseModel):\n    order_id: str\n    customer: Customer\n    note: str",
        ["`OrderPlaced` requires `note`, which the `OrderPlaced` schema does not define: every message fails validation"],
    ),
    # a msgspec Struct decodes the same way
    (
        "class OrderPlaced(msgspec.Struct):\n    order_id: str\n    currency: str",
        ["`OrderPlaced` requires `currency`, which the `OrderPlaced` schema does not define: every message fails validation"],
    ),
]


@pytest.mark.parametrize("model, expected", MODELS, ids=[str(i) for i in range(len(MODELS))])
def test_the_model_a_faststream_handler_decodes_into(model, expected):
    assert findings(MODEL_HANDLER.replace("{model}", model), "") == expected


def test_an_optional_schema_field_the_model_requires():
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "channel": {"type": "string"}}}
    files = {
        "shop/app.py": MODEL_HANDLER.replace("{model}", "class OrderPlaced(BaseModel):\n    order_id: str\n    channel: str"),
        "schemas/order_placed.json": json.dumps(schema),
    }
    found = [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files, config=CONFIG)]
    assert found == ["`OrderPlaced` requires `channel`, optional in the `OrderPlaced` schema: messages without it fail validation"]


def test_an_annotation_is_not_a_decoding_outside_faststream(tmp_path):
    """kafka-python hands the handler whatever the loop passes: the annotation promises nothing."""
    from tests.helpers import facts_of, write_project

    code = KAFKA.replace("def handle(event):", "def handle(event: OrderPlaced):").replace(
        "import json\n", "import json\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass OrderPlaced:\n    order_id: str\n    coupon: str\n"
    ).replace("{body}", "charge(event.coupon)")
    root = write_project(tmp_path / "p", {"shop/app.py": code}, {"services": {"shop": ["shop/**"]}})
    (handler,) = [h for h in facts_of(root).handlers if h.name.endswith("handle")]
    assert handler.message_class is None and handler.message_schema is None


READER_MODELS = {
    "dataclass": """
from dataclasses import dataclass, field


@dataclass
class OrderPlaced:
    order_id: str
    total_cents: int
    coupon: str | None = None
    lines: list[str] = field(default_factory=list)
    channel: str = field(default="web")
""",
    "msgspec Struct, kw_only, msgspec.field": """
import msgspec


class Base(msgspec.Struct, kw_only=True):
    order_id: str
    currency: str = "EUR"


class OrderPlaced(Base, kw_only=True):
    total_cents: int
    lines: list[str] = msgspec.field(default_factory=list)
    currency: str
""",
}


@pytest.mark.parametrize("source", READER_MODELS.values(), ids=list(READER_MODELS))
def test_the_decoded_model_requires_what_the_library_requires(tmp_path, source):
    """The reference: `dataclasses.fields` (no default, no default_factory) and `msgspec.structs.fields(...).required`."""
    import dataclasses

    import msgspec

    from tests.helpers import facts_of, write_project

    namespace: dict = {}
    exec(compile(source, "<model>", "exec", dont_inherit=True), namespace)  # noqa: S102 - the test's own classes
    cls = namespace["OrderPlaced"]
    if dataclasses.is_dataclass(cls):
        expected = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    else:
        expected = {f.name for f in msgspec.structs.fields(cls) if f.required}
    handler = source + '\n\nfrom faststream.kafka import KafkaBroker\n\nbroker = KafkaBroker("kafka:9092")\n\n\n@broker.subscriber("orders.placed")\nasync def on_order(order: OrderPlaced) -> None:\n    pass\n'
    root = write_project(tmp_path / "p", {"shop/app.py": handler}, {"services": {"shop": ["shop/**"]}})
    (found,) = [h for h in facts_of(root).handlers if h.name.endswith("on_order")]
    assert set(json.loads(found.message_schema)["required"]) == expected
